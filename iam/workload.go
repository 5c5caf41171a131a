package iam

import "context"

// InstanceProfileByName reads an instance profile of an account, for the
// service that delivers its role's credentials to an instance (STS's
// AssumeRoleForService). It checks no permission: the caller does.
func (s *Service) InstanceProfileByName(ctx context.Context, account, name string) (*InstanceProfile, error) {
	var p *InstanceProfile
	err := s.view(ctx, func(tx Tx) error {
		var err error
		p, err = getProfile(tx, account, name)
		return err
	})
	return p, err
}

// SAMLProviderByName reads a SAML provider of an account, for
// AssumeRoleWithSAML (which no AWS credentials sign).
func (s *Service) SAMLProviderByName(ctx context.Context, account, name string) (*SAMLProvider, error) {
	var p SAMLProvider
	err := s.view(ctx, func(tx Tx) error { return getJSON(tx, account, kindSAML, lower(name), &p) })
	if err != nil {
		return nil, err
	}
	return &p, nil
}
