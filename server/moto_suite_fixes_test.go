package server_test

// Issue 18, item 9: where one of moto's own tests (testdata/moto-suite)
// asserts AWS's behaviour and iamd answered otherwise, the fix and its test.

import (
	"strings"
	"testing"
)

// Application Auto Scaling's role for custom resources is AWS's own name
// (its user guide, "Custom resources and Application Auto Scaling"), not
// the naming rule's "AWSServiceRoleForCustomResourceApplicationAutoscaling",
// with AWS's service-linked role policy attached, and no CustomSuffix.
func TestMotoSuiteCustomResourceServiceLinkedRole(t *testing.T) {
	s := testServer(t)
	const svc = "custom-resource.application-autoscaling.amazonaws.com"
	const name = "AWSServiceRoleForApplicationAutoScaling_CustomResource"
	const policy = "arn:aws:iam::aws:policy/aws-service-role/AWSApplicationAutoScalingCustomResourcePolicy"

	// A suffix is refused, and no role is left behind.
	code, body := query(t, s, "CreateServiceLinkedRole", "AWSServiceName", svc, "CustomSuffix", "x")
	wantError(t, "suffix", code, body, 400, "InvalidInput", "Custom suffix is not allowed for "+svc)
	if code, _ := query(t, s, "GetRole", "RoleName", name+"_x"); code != 404 {
		t.Errorf("a refused suffixed role exists (GetRole %d)", code)
	}

	body = mustQuery(t, s, "CreateServiceLinkedRole", "AWSServiceName", svc)
	if got, _ := element(body, "Role", "RoleName"); got != name {
		t.Fatalf("role %q, want %q", got, name)
	}
	if got, _ := element(body, "Role", "Path"); got != "/aws-service-role/"+svc+"/" {
		t.Errorf("path %q", got)
	}
	attached := mustQuery(t, s, "ListAttachedRolePolicies", "RoleName", name)
	if !strings.Contains(attached, "<PolicyArn>"+policy+"</PolicyArn>") {
		t.Errorf("attached policies %s, want %s", attached, policy)
	}
	// The policy is AWS's own, present in the catalogue.
	mustQuery(t, s, "GetPolicy", "PolicyArn", policy)
}
