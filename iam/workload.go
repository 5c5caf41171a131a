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
