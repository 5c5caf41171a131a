package server_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestStandaloneAccountOperations(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	_, err := c.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantCode(t, err, "OrganizationNotFoundException")
	_, err = c.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
	wantCode(t, err, "OrganizationNotFoundException")
	_, err = c.DisableOrganizationsRootCredentialsManagement(ctx, &iam.DisableOrganizationsRootCredentialsManagementInput{})
	wantCode(t, err, "OrganizationNotFoundException")
	_, err = c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantCode(t, err, "NoSuchEntity")

	tokenVersion := func() int32 {
		out := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))
		return out.SummaryMap["GlobalEndpointTokenVersion"]
	}
	if v := tokenVersion(); v != 1 {
		t.Fatalf("GlobalEndpointTokenVersion %d, want 1", v)
	}
	must[*iam.SetSecurityTokenServicePreferencesOutput](t)(c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: types.GlobalEndpointTokenVersionV2Token}))
	if v := tokenVersion(); v != 2 {
		t.Fatalf("GlobalEndpointTokenVersion %d after v2Token, want 2", v)
	}
	_, err = c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v3Token"})
	wantCode(t, err, "ValidationError") // the model's enum, checked before the operation

	// A user needs the permission, as for every operation.
	alice, _, _ := newUser(t, s, c, "alice")
	_, err = alice.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantCode(t, err, "AccessDenied")
}

func TestListPoliciesGrantingServiceAccess(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Dana")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Ops")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Ops"), UserName: aws.String("dana")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("Dana"), PolicyName: aws.String("s3-read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`)}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("Ops"), PolicyName: aws.String("no-iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`)}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("Ops"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))

	out := must[*iam.ListPoliciesGrantingServiceAccessOutput](t)(c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{
		Arn: aws.String("arn:aws:iam::123456789012:user/Dana"), ServiceNamespaces: []string{"s3", "iam", "ec2"}}))
	got := map[string][]string{}
	for _, e := range out.PoliciesGrantingServiceAccess {
		for _, p := range e.Policies {
			who := ""
			if p.EntityName != nil {
				who = string(p.EntityType) + ":" + *p.EntityName
			}
			got[*e.ServiceNamespace] = append(got[*e.ServiceNamespace], *p.PolicyName+"/"+string(p.PolicyType)+"/"+who)
		}
	}
	want := map[string][]string{
		"s3":  {"s3-read/INLINE/USER:Dana", "no-iam/INLINE/GROUP:Ops"},
		"iam": {"IAMReadOnlyAccess/MANAGED/"},
		"ec2": {"no-iam/INLINE/GROUP:Ops"},
	}
	for ns, w := range want {
		if !slices.Equal(got[ns], w) {
			t.Errorf("%s: %v, want %v", ns, got[ns], w)
		}
	}
	_, err := c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::123456789012:role/none"), ServiceNamespaces: []string{"s3"}})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:s3:::reports-bucket"), ServiceNamespaces: []string{"s3"}})
	wantCode(t, err, "InvalidInput")
}
