package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
)

// insertAccessKey stores a key with its secret sealed, indexed globally by
// id (authentication looks keys up without knowing the account) and under
// its user.
func (s *Service) insertAccessKey(tx Tx, k *AccessKey, secret string) error {
	k.Secret = s.sealer.Seal(secret, k.ID)
	if err := insertJSON(tx, "", kindAccessKey, k.ID, k); err != nil {
		if errors.Is(err, ErrExists) {
			return iamapi.EntityAlreadyExists("Access key %s already exists.", k.ID)
		}
		return err
	}
	return tx.Put(k.Account, kindUserKey, key(lower(k.User), k.ID), nil)
}

// Credential is what authentication needs to know about an access key.
type Credential struct {
	AccessKeyID string
	Secret      string
	Account     string
	User        string // "" for the account's root user
	Active      bool
}

// LookupAccessKey finds a long-term access key and opens its secret.
// ErrNotFound when no such key exists.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (*Credential, error) {
	var k AccessKey
	err := s.store.View(ctx, func(tx Tx) error { return getJSON(tx, "", kindAccessKey, id, &k) })
	if err != nil {
		return nil, err
	}
	secret, err := s.sealer.Open(k.Secret, k.ID)
	if err != nil {
		return nil, err
	}
	return &Credential{AccessKeyID: k.ID, Secret: secret, Account: k.Account, User: k.User, Active: k.Status == "Active"}, nil
}

// RecordAccessKeyUse notes when, for which service and in which region a
// key was last used (GetAccessKeyLastUsed). Callers throttle it: one write
// per key per minute is enough for "last used". The write is queued on the
// service's background runner, which the server drains on shutdown, and
// the call returns at once (ctx is not used then); its failure is logged
// and counted there. Without a runner it writes before returning.
func (s *Service) RecordAccessKeyUse(ctx context.Context, id, service, region string, at time.Time) error {
	if s.background == nil {
		return s.recordAccessKeyUse(ctx, id, service, region, at)
	}
	s.background.Go("access-key-last-used", func(ctx context.Context) error {
		return s.recordAccessKeyUse(ctx, id, service, region, at)
	})
	return nil
}

func (s *Service) recordAccessKeyUse(ctx context.Context, id, service, region string, at time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		var k AccessKey
		if err := getJSON(tx, "", kindAccessKey, id, &k); err != nil {
			return err
		}
		t := at.UTC().Truncate(time.Second)
		k.LastUsed, k.LastUsedSvc, k.LastUsedRegion = &t, service, region
		return putJSON(tx, "", kindAccessKey, id, &k)
	})
}

// callingUser is the user an operation whose UserName is optional is
// about: the one named; else the caller when it is an IAM user (long-term
// keys, or a session token of one); else the root user ("") for root's own
// credentials, which these operations manage as on AWS. Role sessions and
// federated users are no IAM user: AWS refuses rather than falling back to
// the account (which would mint or change root credentials).
func callingUser(c *Caller, name *string) (string, error) {
	switch {
	case name != nil && *name != "": // an empty name must never mean root
		return *name, nil
	case c.UserName != "":
		return c.UserName, nil
	case c.Root && (c.Session == nil || c.Session.Type == SessionToken):
		return "", nil
	}
	return "", awserr.ValidationError("Must specify userName when calling with non-User credentials")
}

// CreateAccessKey creates a key for a user (at most two per user).
func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	k := &AccessKey{ID: NewAccessKeyID(PrefixAccessKey), Account: c.Account, User: user, Status: "Active", Created: s.now().UTC().Truncate(time.Second)}
	secret := NewSecretAccessKey()
	err = s.update(ctx, func(tx Tx) error {
		if user != "" {
			u, err := getUser(tx, c.Account, user)
			if err != nil {
				return err
			}
			k.User = u.Name
		}
		if err := checkCount(tx, c.Account, kindUserKey, key(lower(user), ""), "AccessKeysPerUser", s.quotas.AccessKeysPerUser); err != nil {
			return err
		}
		return s.insertAccessKey(tx, k, secret)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: iamapi.AccessKey{
		UserName: k.User, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: secret, CreateDate: &k.Created,
	}}, nil
}

// userKeys returns a user's access keys, oldest first.
func userKeys(tx Tx, account, user string) ([]AccessKey, error) {
	ids, err := scanKeys(tx, account, kindUserKey, key(lower(user), ""))
	if err != nil {
		return nil, err
	}
	out := make([]AccessKey, 0, len(ids))
	for _, id := range ids {
		var k AccessKey
		if err := getJSON(tx, "", kindAccessKey, id, &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	sortByCreated(out)
	return out, nil
}

func sortByCreated(keys []AccessKey) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].Created.Before(keys[j-1].Created); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// ListAccessKeys lists a user's keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	var keys []AccessKey
	err = s.view(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		keys, err = userKeys(tx, c.Account, user)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListAccessKeysOutput{AccessKeyMetadata: []iamapi.AccessKeyMetadata{}, IsTruncated: ptr(false)}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamapi.AccessKeyMetadata{
			UserName: optional(k.User), AccessKeyId: ptr(k.ID), Status: ptr(k.Status), CreateDate: ptr(k.Created)})
	}
	return out, nil
}

// ownedKey reads a key that must belong to the user (or the root user).
func ownedKey(tx Tx, account, user, id string) (*AccessKey, error) {
	var k AccessKey
	err := getJSON(tx, "", kindAccessKey, id, &k)
	if errors.Is(err, ErrNotFound) || err == nil && (k.Account != account || lower(k.User) != lower(user)) {
		return nil, iamapi.NoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return &k, err
}

// UpdateAccessKey activates or deactivates a key.
func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		k, err := ownedKey(tx, c.Account, user, in.AccessKeyId)
		if err != nil {
			return err
		}
		k.Status = in.Status
		return putJSON(tx, "", kindAccessKey, k.ID, k)
	})
}

// DeleteAccessKey deletes a key.
func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		k, err := ownedKey(tx, c.Account, user, in.AccessKeyId)
		if err != nil {
			return err
		}
		if err := tx.Delete("", kindAccessKey, k.ID); err != nil {
			return err
		}
		if k.User == "" {
			if err := s.rememberDeletedRootKey(tx, k); err != nil {
				return err
			}
		}
		return tx.Delete(c.Account, kindUserKey, key(lower(user), k.ID))
	})
}

// GetAccessKeyLastUsed tells when and where a key was last used.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *iamapi.GetAccessKeyLastUsedInput) (*iamapi.GetAccessKeyLastUsedOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var k AccessKey
	err = s.view(ctx, func(tx Tx) error {
		err := getJSON(tx, "", kindAccessKey, in.AccessKeyId, &k)
		if errors.Is(err, ErrNotFound) || err == nil && k.Account != c.Account {
			// AWS's answer for a key that is not the account's (recorded):
			// a refusal, not NoSuchEntity, even for an administrator.
			return awserr.New("AccessDenied", http.StatusForbidden, fmt.Sprintf(
				"User: %s is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key %s", c.ARN, in.AccessKeyId))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	used := &iamapi.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if k.LastUsed != nil {
		used = &iamapi.AccessKeyLastUsed{LastUsedDate: k.LastUsed, ServiceName: k.LastUsedSvc, Region: k.LastUsedRegion}
	}
	return &iamapi.GetAccessKeyLastUsedOutput{UserName: optional(k.User), AccessKeyLastUsed: used}, nil
}
