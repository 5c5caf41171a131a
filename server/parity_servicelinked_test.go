package server_test

// Issue 18, item 1: service-linked roles as AWS creates them, from the
// catalogue in iam/data/service-linked-roles.json.

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestParityServiceLinkedRoles(t *testing.T) {
	s := testServer(t)
	for _, tc := range []struct {
		service, suffix, name, policy string
	}{
		{"acm.amazonaws.com", "", "AWSServiceRoleForCertificateManager", "CertificateManagerServiceRolePolicy"},
		{"autoscaling.amazonaws.com", "", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"},
		{"autoscaling.amazonaws.com", "web", "AWSServiceRoleForAutoScaling_web", "AutoScalingServiceRolePolicy"},
		{"ecs.amazonaws.com", "", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"},
		{"eks.amazonaws.com", "", "AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy"},
		{"batch.amazonaws.com", "", "AWSServiceRoleForBatch", "BatchServiceRolePolicy"},
		{"ec2.application-autoscaling.amazonaws.com", "", "AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest", "AWSApplicationAutoscalingEC2SpotFleetRequestPolicy"},
		// A service the catalogue does not know: AWS's naming rule, no policy.
		{"example.amazonaws.com", "", "AWSServiceRoleForExample", ""},
	} {
		params := []string{"AWSServiceName", tc.service, "Description", "made by " + tc.name}
		if tc.suffix != "" {
			params = append(params, "CustomSuffix", tc.suffix)
		}
		body := mustQuery(t, s, "CreateServiceLinkedRole", params...)
		if name, _ := element(body, "Role", "RoleName"); name != tc.name {
			t.Errorf("%s: role %q, want %q", tc.service, name, tc.name)
			continue
		}
		if path, _ := element(body, "Role", "Path"); path != "/aws-service-role/"+tc.service+"/" {
			t.Errorf("%s: path %q", tc.service, path)
		}
		doc, _ := element(body, "Role", "AssumeRolePolicyDocument")
		trust, _ := url.QueryUnescape(doc)
		// AWS's form (the AWS CLI's example output): lists for the
		// action and the service.
		if want := `{"Version":"2012-10-17","Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"Service":["` + tc.service + `"]}}]}`; trust != want {
			t.Errorf("%s: trust policy %s, want %s", tc.service, trust, want)
		}
		// The answer leaves Description out, as AWS's does (the same
		// example: created with a description, answered without one).
		if _, ok := element(body, "Role", "Description"); ok {
			t.Errorf("%s: Description in the answer: %s", tc.service, body)
		}
		// The description is the role's all the same.
		if d, _ := element(mustQuery(t, s, "GetRole", "RoleName", tc.name), "Role", "Description"); d != "made by "+tc.name {
			t.Errorf("%s: GetRole description %q", tc.service, d)
		}
		attached := mustQuery(t, s, "ListAttachedRolePolicies", "RoleName", tc.name)
		want := "<PolicyArn>arn:aws:iam::aws:policy/aws-service-role/" + tc.policy + "</PolicyArn>"
		if tc.policy == "" && strings.Contains(attached, "<PolicyArn>") || tc.policy != "" && !strings.Contains(attached, want) {
			t.Errorf("%s: attached %s, want %s", tc.service, attached, tc.policy)
		}
		// The role is protected: its policies cannot be changed.
		if tc.policy != "" {
			code, body := query(t, s, "DetachRolePolicy", "RoleName", tc.name, "PolicyArn", "arn:aws:iam::aws:policy/aws-service-role/"+tc.policy)
			if code < 400 {
				t.Errorf("%s: detached the service's policy: %s", tc.service, body)
			}
		}
	}
	for _, tc := range []errorCase{
		// CustomSuffix only where AWS takes one.
		{"suffix refused", "CreateServiceLinkedRole", []string{"AWSServiceName", "ecs.amazonaws.com", "CustomSuffix", "x"}, 400, "InvalidInput", "Custom suffix is not allowed for ecs.amazonaws.com"},
		{"suffix refused es", "CreateServiceLinkedRole", []string{"AWSServiceName", "es.amazonaws.com", "CustomSuffix", "x"}, 400, "InvalidInput", "Custom suffix is not allowed for es.amazonaws.com"},
		// An existing role is InvalidInput, not EntityAlreadyExists.
		{"existing role", "CreateServiceLinkedRole", []string{"AWSServiceName", "ecs.amazonaws.com"}, 400, "InvalidInput",
			"Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."},
		{"existing suffixed role", "CreateServiceLinkedRole", []string{"AWSServiceName", "autoscaling.amazonaws.com", "CustomSuffix", "web"}, 400, "InvalidInput",
			"Service role name AWSServiceRoleForAutoScaling_web has been taken in this account, please try a different suffix."},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	if code, _ := query(t, s, "GetRole", "RoleName", "AWSServiceRoleForECS_x"); code != 404 {
		t.Error("a refused suffixed role exists")
	}
	// Deletion: a task id in AWS's form, then the role and its attachment are gone.
	body := mustQuery(t, s, "DeleteServiceLinkedRole", "RoleName", "AWSServiceRoleForECS")
	task, _ := element(body, "", "DeletionTaskId")
	if !regexp.MustCompile(`^task/aws-service-role/ecs\.amazonaws\.com/AWSServiceRoleForECS/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(task) {
		t.Errorf("deletion task %q", task)
	}
	if st, _ := element(mustQuery(t, s, "GetServiceLinkedRoleDeletionStatus", "DeletionTaskId", task), "", "Status"); st != "SUCCEEDED" {
		t.Errorf("deletion status %q", st)
	}
	if code, _ := query(t, s, "GetRole", "RoleName", "AWSServiceRoleForECS"); code != 404 {
		t.Error("the deleted role remains")
	}
	if b := mustQuery(t, s, "ListEntitiesForPolicy", "PolicyArn", "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"); strings.Contains(b, "AWSServiceRoleForECS") {
		t.Errorf("the policy is still attached to the deleted role: %s", b)
	}
	// It can be created again.
	mustQuery(t, s, "CreateServiceLinkedRole", "AWSServiceName", "ecs.amazonaws.com")
}
