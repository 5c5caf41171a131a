package server_test

import (
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
