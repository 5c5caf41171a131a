package iam

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/iamd/iamd/api/iamapi"
)

func (u *User) api(c *Caller, withDetails bool) iamapi.User {
	out := iamapi.User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: entityARN(c, "user", u.Path, u.Name),
		CreateDate: u.Created, PasswordLastUsed: u.PasswordLastUsed}
	if withDetails {
		out.PermissionsBoundary = boundaryAPI(u.Boundary)
		out.Tags = apiTags(u.Tags)
	}
	return out
}

// getUser reads a user by name; NoSuchEntity when absent.
func getUser(tx Tx, account, name string) (*User, error) {
	var u User
	if err := getJSON(tx, account, kindUser, lower(name), &u); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, noSuchEntity("user", name)
		}
		return nil, err
	}
	return &u, nil
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, true)
	if err != nil {
		return nil, err
	}
	u := &User{Name: in.UserName, ID: NewID(PrefixUser), Path: orDefault(in.Path, "/"), Created: s.now().UTC().Truncate(1e9), Tags: tags}
	if in.PermissionsBoundary != nil {
		u.Boundary = *in.PermissionsBoundary // checked in the transaction
	}
	// Encoded and keyed before the writer: the single writer does only
	// what needs the transaction.
	record, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	k := lower(u.Name)
	err = s.update(ctx, func(tx Tx) error {
		if in.PermissionsBoundary != nil {
			if err := s.checkBoundary(tx, c, u.Boundary); err != nil {
				return err
			}
			if err := setBoundaryUse(tx, c.Account, "user", u.Name, "", u.Boundary); err != nil {
				return err
			}
		}
		if err := tx.Insert(c.Account, kindUser, k, record); err != nil {
			if errors.Is(err, ErrExists) {
				return alreadyExists("User", in.UserName)
			}
			return err
		}
		if err := reserve(tx, c.Account, kindUser, "UsersPerAccount", s.quotas.Users); err != nil {
			return err
		}
		return putID(tx, c.Account, u.ID, kindUser, u.Name)
	})
	if err != nil {
		return nil, err
	}
	out := u.api(c, true)
	return &iamapi.CreateUserOutput{User: &out}, nil
}

// GetUser returns a user, or the caller itself when no name is given.
func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		// The root user: AWS answers with the account's identity.
		return &iamapi.GetUserOutput{User: iamapi.User{Path: "/", UserId: c.Account, Arn: c.ARN, CreateDate: s.accountCreated(ctx, c.Account)}}, nil
	}
	u, err := cachedRecord[User](ctx, s, c.Account, kindUser, lower(name))
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchEntity("user", name)
	}
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserOutput{User: u.api(c, true)}, nil
}

// ListUsers lists users by name, optionally under a path prefix.
func (s *Service) ListUsers(ctx context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	under := pathPrefix(in.PathPrefix)
	p, err := cachedPage(ctx, s, c.Account, kindUser, in.MaxItems, in.Marker, func(u *User) bool { return under(u.Path) })
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListUsersOutput{Users: make([]iamapi.User, len(p.items)), IsTruncated: ptr(p.truncated), Marker: p.marker}
	for i, u := range p.items {
		out.Users[i] = u.api(c, false)
	}
	return out, nil
}

// UpdateUser renames a user or moves it to another path.
func (s *Service) UpdateUser(ctx context.Context, in *iamapi.UpdateUserInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if in.NewPath != nil {
			u.Path = *in.NewPath
		}
		if in.NewUserName == nil || *in.NewUserName == u.Name {
			return putJSON(tx, c.Account, kindUser, lower(u.Name), u)
		}
		return s.renameUser(tx, c.Account, u, *in.NewUserName)
	})
}

// renameUser moves a user and every record keyed by its name.
func (s *Service) renameUser(tx Tx, account string, u *User, newName string) error {
	oldKey, newKey := lower(u.Name), lower(newName)
	if oldKey != newKey {
		if _, err := tx.Get(account, kindUser, newKey); err == nil {
			return alreadyExists("User", newName)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := tx.Delete(account, kindUser, oldKey); err != nil {
		return err
	}
	u.Name = newName
	if err := putJSON(tx, account, kindUser, newKey, u); err != nil {
		return err
	}
	if err := putID(tx, account, u.ID, kindUser, newName); err != nil {
		return err
	}
	if oldKey == newKey {
		return nil
	}
	if u.Boundary != "" {
		if err := setBoundaryUse(tx, account, "user", oldKey, u.Boundary, ""); err != nil {
			return err
		}
		if err := setBoundaryUse(tx, account, "user", newKey, "", u.Boundary); err != nil {
			return err
		}
	}
	// Relations keyed by the user's name, and their reverse entries.
	groups, err := scanKeys(tx, account, kindUserGroup, key(oldKey, ""))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := moveRecord(tx, account, kindUserGroup, key(oldKey, g), key(newKey, g)); err != nil {
			return err
		}
		if err := moveRecord(tx, account, kindMember, key(g, oldKey), key(g, newKey)); err != nil {
			return err
		}
	}
	if err := moveEntityPolicies(tx, account, "user", oldKey, newKey); err != nil {
		return err
	}
	// Credentials are indexed under the user and name it in their record.
	for _, idx := range []struct{ index, records, account string }{
		{kindUserKey, kindAccessKey, ""}, {kindUserMFA, kindMFA, account}, {kindUserSSHKey, kindSSHKey, account},
		{kindUserCert, kindCert, account}, {kindUserServiceCred, kindServiceCred, account},
	} {
		ids, err := scanKeys(tx, account, idx.index, key(oldKey, ""))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := moveRecord(tx, account, idx.index, key(oldKey, id), key(newKey, id)); err != nil {
				return err
			}
			if err := setUserField(tx, idx.account, idx.records, id, newName); err != nil {
				return err
			}
		}
	}
	if err := moveRecord(tx, account, kindLoginProfile, oldKey, newKey); err == nil {
		return setUserField(tx, account, kindLoginProfile, newKey, newName)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// setUserField rewrites the "user" member of a credential record.
func setUserField(tx Tx, account, kind, k, user string) error {
	var rec map[string]any
	if err := getJSON(tx, account, kind, k, &rec); err != nil {
		return err
	}
	rec["user"] = user
	return putJSON(tx, account, kind, k, rec)
}

// moveRecord moves a record to a new key; ErrNotFound when absent.
func moveRecord(tx Tx, account, kind, from, to string) error {
	v, err := tx.Get(account, kind, from)
	if err != nil {
		return err
	}
	if err := tx.Delete(account, kind, from); err != nil {
		return err
	}
	return tx.Put(account, kind, to, v)
}

// DeleteUser deletes a user that has nothing attached any more.
func (s *Service) DeleteUser(ctx context.Context, in *iamapi.DeleteUserInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	// The user's key (its lowered name, the record's as well) and what it
	// must not have are built before the single writer.
	k := lower(in.UserName)
	deps := newDependents([]dependent{
		{under(kindUserKey, key(k, "")), "must delete access keys first."},
		{under(kindInline, key("user", k, "")), "must delete policies first."},
		{under(kindAttached, key("user", k, "")), "must detach all policies first."},
		{under(kindUserGroup, key(k, "")), "must remove users from group first."},
		{under(kindUserMFA, key(k, "")), "must delete MFA device first."},
		{under(kindUserSSHKey, key(k, "")), "must delete SSH public keys first."},
		{under(kindUserCert, key(k, "")), "must delete signing certificates first."},
		{under(kindUserServiceCred, key(k, "")), "must delete service specific credentials first."},
		// Keyed by the bare name: a prefix would also find the profile of
		// a user whose name starts with this one.
		{exactly(kindLoginProfile, k), "must delete login profile first."},
	})
	return s.update(ctx, func(tx Tx) error {
		// Only what deleting needs of the record: decoding its times and
		// tags was work in the single writer.
		var u struct {
			Name     string `json:"name"`
			ID       string `json:"id"`
			Boundary string `json:"boundary"`
		}
		if err := getJSON(tx, c.Account, kindUser, k, &u); err != nil {
			if errors.Is(err, ErrNotFound) {
				return noSuchEntity("user", in.UserName)
			}
			return err
		}
		if err := checkDependents(tx, c.Account, deps); err != nil {
			return err
		}
		if err := setBoundaryUse(tx, c.Account, "user", u.Name, u.Boundary, ""); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindUser, k); err != nil {
			return err
		}
		if err := release(tx, c.Account, kindUser); err != nil {
			return err
		}
		return deleteID(tx, c.Account, u.ID)
	})
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, in *iamapi.TagUserInput) error {
	return s.modifyUser(ctx, in.UserName, func(u *User) error {
		tags, err := mergeTags(u.Tags, in.Tags, true)
		u.Tags = tags
		return err
	})
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) error {
	return s.modifyUser(ctx, in.UserName, func(u *User) error {
		u.Tags = removeTags(u.Tags, in.TagKeys, true)
		return nil
	})
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var u *User
	if err := s.view(ctx, func(tx Tx) error { u, err = getUser(tx, c.Account, in.UserName); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(u.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if err := s.checkBoundary(tx, c, in.PermissionsBoundary); err != nil {
			return err
		}
		if err := setBoundaryUse(tx, c.Account, "user", u.Name, u.Boundary, in.PermissionsBoundary); err != nil {
			return err
		}
		u.Boundary = in.PermissionsBoundary
		return putJSON(tx, c.Account, kindUser, lower(u.Name), u)
	})
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if err := setBoundaryUse(tx, c.Account, "user", u.Name, u.Boundary, ""); err != nil {
			return err
		}
		u.Boundary = ""
		return putJSON(tx, c.Account, kindUser, lower(u.Name), u)
	})
}

// modifyUser reads a user, applies fn and writes it back.
func (s *Service) modifyUser(ctx context.Context, name string, fn func(*User) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, name)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindUser, lower(u.Name), u)
	})
}

// LookupUser reads a user of an account (for authentication and the
// authorize endpoint). The user may be shared: callers must not change it.
func (s *Service) LookupUser(ctx context.Context, account, name string) (*User, error) {
	u, err := cachedRecord[User](ctx, s, account, kindUser, lower(name))
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchEntity("user", name)
	}
	return u, err
}
