package iam

import (
	"context"
	"errors"
)

// LookupRole reads a role of an account (for authentication: a role
// session is valid only while the role it was issued for, by id, exists).
// The role may be shared: callers must not change it.
func (s *Service) LookupRole(ctx context.Context, account, name string) (*Role, error) {
	r, err := cachedRecord[Role](ctx, s, account, kindRole, lower(name))
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchEntity("role", name)
	}
	return r, err
}
