package server_test

// TestParitySnapshots' scenarios for LocalStack's recording of AWS
// managed policies (testdata/snapshots/iam_managed_policies.json).

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const managedFile = "iam_managed_policies.json"

const awsPolicy = "arn:aws:iam::aws:policy/"

func init() {
	const emr, ct = awsPolicy + "service-role/AmazonElasticMapReduceRole", awsPolicy + "service-role/AWSControlTowerServiceRolePolicy"
	const sysadmin, lambdaBasic = awsPolicy + "job-function/SystemAdministrator", awsPolicy + "service-role/AWSLambdaBasicExecutionRole"
	// The first page of AWS's policies matches in order, names, paths and
	// three of five default versions. AttachmentCount counts the
	// recording account's own attachments (6, 1 and 4 of the first three;
	// a fresh iamd has none). Two defaults moved after the recording (12
	// February 2026): ReadOnlyAccess v178 then, v188 (published 21 July
	// 2026) in the catalogue; CloudFrontFullAccess v14 then, v15 (30 July
	// 2026). TestParityManagedPolicyCatalogue holds the rest of the page.
	snapAllowList["TestListPoliciesScope::test_list_policies_scope_aws/list-policies-aws-page"] = "recording account's own state (its attachment counts) " +
		"and AWS's catalogue of its day: two default versions AWS published after the recording"
	snapScenarios = append(snapScenarios, []snapScenario{
		{managedFile, "TestGetAwsManagedPolicy::test_get_aws_managed_policy", []snapStep{
			step("get-policy", "GetPolicy", "PolicyArn", awsPolicy+"IAMUserChangePassword"),
		}},
		{managedFile, "TestGetAwsManagedPolicy::test_get_aws_managed_policy_version", []snapStep{
			step("get-version-error", "GetPolicyVersion", "PolicyArn", lambdaBasic, "VersionId", "v2-does-not-exist"),
			step("get-version-v1", "GetPolicyVersion", "PolicyArn", lambdaBasic, "VersionId", "v1"),
		}},
		{managedFile, "TestGetAwsManagedPolicy::test_get_aws_managed_policy_higher_version", []snapStep{
			step("get-version-error", "GetPolicyVersion", "PolicyArn", sysadmin, "VersionId", "v2-does-not-exist"),
			step("get-policy", "GetPolicy", "PolicyArn", sysadmin),
			step("get-version-default", "GetPolicyVersion", "PolicyArn", sysadmin, "VersionId", "${get-policy.Policy.DefaultVersionId}"),
		}},
		{managedFile, "TestListPoliciesScope::test_list_policies_scope_aws", []snapStep{
			step("list-policies-aws-page", "ListPolicies", "Scope", "AWS", "MaxItems", "5"),
		}},
		// Recorded with no interaction kept (their assertions are in code).
		{managedFile, "TestListPoliciesScope::test_list_policies_scope_local", nil},
		{managedFile, "TestListPoliciesScope::test_list_policies_scope_all", nil},
		{managedFile, "TestListPoliciesScope::test_list_policies_only_attached", []snapStep{
			createRole("", "role-oa"),
			setup("AttachRolePolicy", "RoleName", "role-oa", "PolicyArn", emr),
			setup("AttachRolePolicy", "RoleName", "role-oa", "PolicyArn", ct),
			setup("ListPolicies", "OnlyAttached", "true"),
			step("list-attached-role-policies", "ListAttachedRolePolicies", "RoleName", "role-oa"),
			setup("DetachRolePolicy", "RoleName", "role-oa", "PolicyArn", emr),
			setup("ListPolicies", "OnlyAttached", "true"),
			step("list-attached-role-policies-after-detach", "ListAttachedRolePolicies", "RoleName", "role-oa"),
		}},
		{managedFile, "TestAttachAwsManagedPolicyToGroup::test_attach_detach_aws_managed_policy_group", []snapStep{
			setup("CreateGroup", "GroupName", "group-mp"),
			step("list-attached-empty", "ListAttachedGroupPolicies", "GroupName", "group-mp"),
			setup("AttachGroupPolicy", "GroupName", "group-mp", "PolicyArn", awsPolicy+"service-role/AmazonElasticMapReduceforEC2Role"),
			step("list-attached-after-attach", "ListAttachedGroupPolicies", "GroupName", "group-mp"),
			setup("DetachGroupPolicy", "GroupName", "group-mp", "PolicyArn", awsPolicy+"service-role/AmazonElasticMapReduceforEC2Role"),
			step("list-attached-after-detach", "ListAttachedGroupPolicies", "GroupName", "group-mp"),
		}},
	}...)
}

// What the recording's first page of AWS's policies shows beyond the
// allow-listed fields, and the facts behind that allowance: the two
// defaults AWS moved after the recording day, whose recorded versions the
// catalogue keeps. Attachment counts are the account's own. And the AWS
// facts moto's managed-policy tests assert.
func TestParityManagedPolicyCatalogue(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	recorded := time.Date(2026, 2, 12, 23, 6, 35, 0, time.UTC)
	page := func() *iam.ListPoliciesOutput {
		return must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(5)}))
	}
	first := page()
	if !first.IsTruncated || first.Marker == nil || len(first.Policies) != 5 {
		t.Fatalf("first page: truncated %v, marker %v, %d policies", first.IsTruncated, first.Marker, len(first.Policies))
	}
	want := []struct {
		name, version string
		moved         bool // AWS published a new default after the recording
	}{{"AdministratorAccess", "v1", false}, {"PowerUserAccess", "v12", false}, {"ReadOnlyAccess", "v178", true},
		{"AWSCloudFormationReadOnlyAccess", "v7", false}, {"CloudFrontFullAccess", "v14", true}}
	for i, w := range want {
		p := first.Policies[i]
		if *p.PolicyName != w.name || *p.Arn != awsPolicy+w.name || *p.Path != "/" || *p.AttachmentCount != 0 || !p.IsAttachable {
			t.Errorf("policy %d: %s %s path %s attachments %d attachable %v, want %s", i, *p.PolicyName, *p.Arn, *p.Path, *p.AttachmentCount, p.IsAttachable, w.name)
			continue
		}
		if !w.moved {
			if *p.DefaultVersionId != w.version {
				t.Errorf("%s: default %s, want %s", w.name, *p.DefaultVersionId, w.version)
			}
			continue
		}
		// The default is newer than the recording's and dated after it;
		// the recorded default is still one of the policy's versions.
		if *p.DefaultVersionId == w.version || !p.UpdateDate.After(recorded) {
			t.Errorf("%s: default %s of %v, want one after the recording's %s", w.name, *p.DefaultVersionId, p.UpdateDate, w.version)
		}
		v := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Arn, VersionId: aws.String(w.version)}))
		if v.PolicyVersion.IsDefaultVersion || v.PolicyVersion.Document == nil {
			t.Errorf("%s %s: default %v, document %v", w.name, w.version, v.PolicyVersion.IsDefaultVersion, v.PolicyVersion.Document)
		}
	}
	// AttachmentCount is the account's: one attachment here shows as 1.
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2TrustDoc)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(awsPolicy + "PowerUserAccess")}))
	if n := *page().Policies[1].AttachmentCount; n != 1 {
		t.Errorf("PowerUserAccess attached once counts %d", n)
	}

	// moto's test_get_aws_managed_policy and its version tests.
	p := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(awsPolicy + "IAMUserChangePassword")}))
	if got := p.Policy.CreateDate.UTC().Format(time.RFC3339); got != "2016-11-15T00:25:16Z" || *p.Policy.DefaultVersionId != "v5" {
		t.Errorf("IAMUserChangePassword created %s, default %s", got, *p.Policy.DefaultVersionId)
	}
	v1 := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(awsPolicy + "service-role/AWSLambdaBasicExecutionRole"), VersionId: aws.String("v1")}))
	if got := v1.PolicyVersion.CreateDate.UTC().Format(time.RFC3339); got != "2015-04-09T15:03:43Z" {
		t.Errorf("AWSLambdaBasicExecutionRole v1 created %s", got)
	}
	v6 := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(awsPolicy + "job-function/SystemAdministrator"), VersionId: aws.String("v6")}))
	if v6.PolicyVersion.CreateDate == nil || v6.PolicyVersion.Document == nil || v6.PolicyVersion.IsDefaultVersion {
		t.Errorf("SystemAdministrator v6: %+v", v6.PolicyVersion)
	}
}
