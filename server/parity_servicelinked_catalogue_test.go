package server_test

// Issue 18, item 1: CreateServiceLinkedRole, through the SDK, for services
// the catalogue (iam/data/service-linked-roles.json) gained from AWS's
// documentation: AWS's role name, the /aws-service-role/<principal>/ path,
// a trust policy for the principal and the AWS managed policy attached.

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestParityServiceLinkedCatalogueSDK(t *testing.T) {
	ctx := context.Background()
	c := iamClient(testServer(t), rootKey, rootSecret)
	for _, tc := range []struct{ service, name, policy string }{
		{"elasticmapreduce.amazonaws.com", "AWSServiceRoleForEMRCleanup", "AmazonEMRCleanupPolicy"},
		{"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy"},
		{"inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2", "AmazonInspector2ServiceRolePolicy"},
		{"access-analyzer.amazonaws.com", "AWSServiceRoleForAccessAnalyzer", "AccessAnalyzerServiceRolePolicy"},
		{"management.chatbot.amazonaws.com", "AWSServiceRoleForAWSChatbot", "AWSChatbotServiceLinkedRolePolicy"},
		{"spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy"},
		{"lex.amazonaws.com", "AWSServiceRoleForLexBots", "LexBotPolicy"},
		{"license-manager.member-account.amazonaws.com", "AWSServiceRoleForAWSLicenseManagerMemberAccountRole", "AWSLicenseManagerMemberAccountRolePolicy"},
		{"iotsitewise.amazonaws.com", "AWSServiceRoleForIoTSiteWise", "AWSServiceRoleForIoTSiteWise"},
		{"replicator.lambda.amazonaws.com", "AWSServiceRoleForLambdaReplicator", "AWSLambdaReplicator"},
	} {
		out, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(tc.service)})
		if err != nil {
			t.Errorf("%s: %v", tc.service, err)
			continue
		}
		r := out.Role
		if got := aws.ToString(r.RoleName); got != tc.name {
			t.Errorf("%s: role %q, want %q", tc.service, got, tc.name)
		}
		if got, want := aws.ToString(r.Path), "/aws-service-role/"+tc.service+"/"; got != want {
			t.Errorf("%s: path %q, want %q", tc.service, got, want)
		}
		if got, want := aws.ToString(r.Arn), "arn:aws:iam::"+testAccount+":role/aws-service-role/"+tc.service+"/"+tc.name; got != want {
			t.Errorf("%s: ARN %q, want %q", tc.service, got, want)
		}
		trust, _ := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
		if !strings.Contains(trust, `"Service":["`+tc.service+`"]`) || !strings.Contains(trust, `"sts:AssumeRole"`) {
			t.Errorf("%s: trust policy %s", tc.service, trust)
		}
		att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(tc.name)})
		if err != nil {
			t.Errorf("%s: ListAttachedRolePolicies: %v", tc.service, err)
			continue
		}
		want := "arn:aws:iam::aws:policy/aws-service-role/" + tc.policy
		if len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != want ||
			aws.ToString(att.AttachedPolicies[0].PolicyName) != tc.policy {
			t.Errorf("%s: attached %+v, want only %s", tc.service, att.AttachedPolicies, want)
		}
		// The attached policy is a real one: GetPolicy finds it under the
		// service-role path.
		p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(want)})
		if err != nil || aws.ToString(p.Policy.Path) != "/aws-service-role/" {
			t.Errorf("%s: GetPolicy %s: %v", tc.service, want, err)
		}
	}
	// The new entries take no CustomSuffix (none is documented), and the
	// refusal creates nothing.
	_, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String("detective.amazonaws.com"), CustomSuffix: aws.String("x")})
	wantCode(t, err, "InvalidInput")
	if msg := apiMessage(err); msg != "Custom suffix is not allowed for detective.amazonaws.com" {
		t.Errorf("suffix refusal message %q", msg)
	}
	for _, name := range []string{"AWSServiceRoleForDetective", "AWSServiceRoleForDetective_x"} {
		_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		wantCode(t, err, "NoSuchEntity")
	}
	// Created without the suffix, it has AWS's name.
	out, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("detective.amazonaws.com")})
	if err != nil || aws.ToString(out.Role.RoleName) != "AWSServiceRoleForDetective" {
		t.Errorf("detective: %v %+v", err, out)
	}
}
