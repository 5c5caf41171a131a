package iam

import "context"

// LookupRole reads a role of an account (for authentication: a role
// session is valid only while the role it was issued for, by id, exists).
func (s *Service) LookupRole(ctx context.Context, account, name string) (*Role, error) {
	var r *Role
	err := s.view(ctx, func(tx Tx) error {
		var err error
		r, err = getRole(tx, account, name)
		return err
	})
	return r, err
}
