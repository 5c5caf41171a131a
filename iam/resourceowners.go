package iam

import (
	"context"
	"errors"
)

// Owners of resources created through the service gateway (iamd serve
// --backend): one backend serves many iamd accounts, and a resource
// belongs to the account of the principal that created it. The key is the
// resource's ARN without its account (arn:aws:s3:::bucket,
// arn:aws:sqs:us-east-1::queue): the backend has one namespace for all.
const kindResourceOwner = "resource-owner" // global (account ""): ARN without account -> owner account

// ResourceOwner returns the account that owns the resource, "" when no
// creation through the gateway recorded one.
func (s *Service) ResourceOwner(ctx context.Context, key string) (string, error) {
	var owner string
	err := s.view(ctx, func(tx Tx) error {
		b, err := tx.Get("", kindResourceOwner, key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		owner = string(b)
		return err
	})
	return owner, err
}

// SetResourceOwner records the owner of a resource just created. The first
// creator keeps it: a second CreateBucket of the same name that the
// backend answers with success (BucketAlreadyOwnedByYou, an idempotent
// CreateQueue) does not take the resource over.
func (s *Service) SetResourceOwner(ctx context.Context, key, account string) (owner string, err error) {
	err = s.update(ctx, func(tx Tx) error {
		owner = account
		err := tx.Insert("", kindResourceOwner, key, []byte(account))
		if errors.Is(err, ErrExists) {
			b, err := tx.Get("", kindResourceOwner, key)
			owner = string(b)
			return err
		}
		return err
	})
	return owner, err
}

// DeleteResourceOwner forgets the owner of a deleted resource.
func (s *Service) DeleteResourceOwner(ctx context.Context, key string) error {
	return s.update(ctx, func(tx Tx) error {
		if err := tx.Delete("", kindResourceOwner, key); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
}
