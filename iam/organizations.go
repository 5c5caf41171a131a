package iam

import (
	"context"

	"github.com/iamd/iamd/api/iamapi"
)

// The accounts iamd hosts are standalone: none belongs to an AWS
// Organizations organization. The operations on an organization's
// features answer as AWS does for such an account (after the caller's
// permission for them is checked, as for every operation).

func noOrganization() error {
	return iamapi.OrganizationNotFound("The request was rejected because no organization is associated with your account.")
}

// ListOrganizationsFeatures: no organization.
func (s *Service) ListOrganizationsFeatures(context.Context, *iamapi.ListOrganizationsFeaturesInput) (*iamapi.ListOrganizationsFeaturesOutput, error) {
	return nil, noOrganization()
}

// EnableOrganizationsRootSessions: no organization.
func (s *Service) EnableOrganizationsRootSessions(context.Context, *iamapi.EnableOrganizationsRootSessionsInput) (*iamapi.EnableOrganizationsRootSessionsOutput, error) {
	return nil, noOrganization()
}

// DisableOrganizationsRootSessions: no organization.
func (s *Service) DisableOrganizationsRootSessions(context.Context, *iamapi.DisableOrganizationsRootSessionsInput) (*iamapi.DisableOrganizationsRootSessionsOutput, error) {
	return nil, noOrganization()
}

// EnableOrganizationsRootCredentialsManagement: no organization.
func (s *Service) EnableOrganizationsRootCredentialsManagement(context.Context, *iamapi.EnableOrganizationsRootCredentialsManagementInput) (*iamapi.EnableOrganizationsRootCredentialsManagementOutput, error) {
	return nil, noOrganization()
}

// DisableOrganizationsRootCredentialsManagement: no organization.
func (s *Service) DisableOrganizationsRootCredentialsManagement(context.Context, *iamapi.DisableOrganizationsRootCredentialsManagementInput) (*iamapi.DisableOrganizationsRootCredentialsManagementOutput, error) {
	return nil, noOrganization()
}

// GenerateOrganizationsAccessReport reports on an organization's entities;
// without an organization there is nothing to report on. The model lists
// no such error for it: the strict answer is the one its siblings give.
func (s *Service) GenerateOrganizationsAccessReport(context.Context, *iamapi.GenerateOrganizationsAccessReportInput) (*iamapi.GenerateOrganizationsAccessReportOutput, error) {
	return nil, noOrganization()
}

// GetOrganizationsAccessReport: no report can have been generated.
func (s *Service) GetOrganizationsAccessReport(_ context.Context, in *iamapi.GetOrganizationsAccessReportInput) (*iamapi.GetOrganizationsAccessReportOutput, error) {
	return nil, iamapi.NoSuchEntity("The job with id %s cannot be found.", in.JobId)
}

// SetSecurityTokenServicePreferences chooses the version of the tokens
// the global STS endpoint issues (v1Token or v2Token), which
// GetAccountSummary reports as GlobalEndpointTokenVersion. iamd's session
// tokens work everywhere whatever the version.
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, in *iamapi.SetSecurityTokenServicePreferencesInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	version := map[string]int{"v1Token": 1, "v2Token": 2}[in.GlobalEndpointTokenVersion]
	if version == 0 {
		return iamapi.InvalidInput("GlobalEndpointTokenVersion must be v1Token or v2Token.")
	}
	return s.updateAccount(ctx, c.Account, func(_ Tx, a *Account) error {
		a.TokenVersion = version
		return nil
	})
}
