package iam

import (
	"context"
	"errors"
	"time"
)

// Owners of resources created through the service gateway (iamd serve
// --backend): one backend serves many iamd accounts, and a resource
// belongs to the account of the principal that created it. The key is the
// resource's ARN without its account (arn:aws:s3:::bucket,
// arn:aws:sqs:us-east-1::queue): the backend has one namespace for all.
const kindResourceOwner = "resource-owner" // global (account ""): ARN without account -> owner account

// KindResourceOwner, KindResourcePolicy and KindResourceTags are the
// store kinds of the gateway's resource records (global; the key as
// above): the owner, and the last write of the policy or of the tags
// through a gateway (-> its time). Their changes in the feed tell every
// node's gateway which cached owners, policies and tags to read again.
const (
	KindResourceOwner  = kindResourceOwner
	KindResourcePolicy = "resource-policy"
	KindResourceTags   = "resource-tags"
)

// NoteResourceChange records that a resource's policy (what "policy") or
// tags ("tags") were just written through this node's gateway, so that
// every node drops its cached copy when the change reaches it.
func (s *Service) NoteResourceChange(ctx context.Context, key, what string) error {
	kind := KindResourcePolicy
	if what == "tags" {
		kind = KindResourceTags
	}
	return s.update(ctx, func(tx Tx) error {
		return tx.Put("", kind, key, []byte(s.now().UTC().Format(time.RFC3339Nano)))
	})
}

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
		for _, kind := range []string{kindResourceOwner, KindResourcePolicy, KindResourceTags} {
			if err := tx.Delete("", kind, key); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		return nil
	})
}
