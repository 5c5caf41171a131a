package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

func (g *Group) api(c *Caller) iamapi.Group {
	return iamapi.Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: entityARN(c, "group", g.Path, g.Name), CreateDate: g.Created}
}

func getGroup(tx Tx, account, name string) (*Group, error) {
	var g Group
	if err := getJSON(tx, account, kindGroup, lower(name), &g); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, noSuchEntity("group", name)
		}
		return nil, err
	}
	return &g, nil
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *iamapi.CreateGroupInput) (*iamapi.CreateGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: in.GroupName, ID: NewID(PrefixGroup), Path: orDefault(in.Path, "/"), Created: s.now().UTC().Truncate(1e9)}
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindGroup, lower(g.Name), g); err != nil {
			if errors.Is(err, ErrExists) {
				return alreadyExists("Group", g.Name)
			}
			return err
		}
		if err := reserve(tx, c.Account, kindGroup, "GroupsPerAccount", s.quotas.Groups); err != nil {
			return err
		}
		return putID(tx, c.Account, g.ID, kindGroup, g.Name)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateGroupOutput{Group: g.api(c)}, nil
}

// GetGroup returns a group and its members (paginated).
func (s *Service) GetGroup(ctx context.Context, in *iamapi.GetGroupInput) (*iamapi.GetGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetGroupOutput{Users: []iamapi.User{}}
	err = s.view(ctx, func(tx Tx) error {
		g, err := getGroup(tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		out.Group = g.api(c)
		names, truncated, marker, err := pageKeys(tx, c.Account, kindMember, key(lower(g.Name), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, n := range names {
			u, err := getUser(tx, c.Account, n)
			if err != nil {
				return err
			}
			out.Users = append(out.Users, u.api(c, false))
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pageKeys pages over the keys under a prefix, returning the part after the
// prefix.
func pageKeys(tx Tx, account, kind, prefix string, maxItems *int32, marker *string) ([]string, bool, *string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, false, nil, err
	}
	limit := int(orDefault(maxItems, defaultMaxItems))
	var out []string
	truncated := false
	var next *string
	var last string
	err = tx.Scan(account, kind, prefix, after, limit+1, func(k string, _ []byte) error {
		if len(out) == limit {
			truncated, next = true, encodeMarker(last)
			return ErrStop
		}
		out = append(out, strings.TrimPrefix(k, prefix))
		last = k
		return nil
	})
	return out, truncated, next, err
}

// ListGroups lists groups, optionally under a path prefix.
func (s *Service) ListGroups(ctx context.Context, in *iamapi.ListGroupsInput) (*iamapi.ListGroupsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	under := pathPrefix(in.PathPrefix)
	var p page[Group]
	err = s.view(ctx, func(tx Tx) error {
		p, err = listPage(tx, c.Account, kindGroup, "", in.MaxItems, in.Marker, func(g *Group) bool { return under(g.Path) })
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsOutput{Groups: make([]iamapi.Group, len(p.items)), IsTruncated: ptr(p.truncated), Marker: p.marker}
	for i, g := range p.items {
		out.Groups[i] = g.api(c)
	}
	return out, nil
}

// UpdateGroup renames a group or moves it to another path.
func (s *Service) UpdateGroup(ctx context.Context, in *iamapi.UpdateGroupInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		g, err := getGroup(tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		if in.NewPath != nil {
			g.Path = *in.NewPath
		}
		oldKey := lower(g.Name)
		if in.NewGroupName == nil || *in.NewGroupName == g.Name {
			return putJSON(tx, c.Account, kindGroup, oldKey, g)
		}
		newKey := lower(*in.NewGroupName)
		if newKey != oldKey {
			if _, err := tx.Get(c.Account, kindGroup, newKey); err == nil {
				return alreadyExists("Group", *in.NewGroupName)
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if err := tx.Delete(c.Account, kindGroup, oldKey); err != nil {
			return err
		}
		g.Name = *in.NewGroupName
		if err := putJSON(tx, c.Account, kindGroup, newKey, g); err != nil {
			return err
		}
		if err := putID(tx, c.Account, g.ID, kindGroup, g.Name); err != nil {
			return err
		}
		if oldKey == newKey {
			return nil
		}
		users, err := scanKeys(tx, c.Account, kindMember, key(oldKey, ""))
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := moveRecord(tx, c.Account, kindMember, key(oldKey, u), key(newKey, u)); err != nil {
				return err
			}
			if err := moveRecord(tx, c.Account, kindUserGroup, key(u, oldKey), key(u, newKey)); err != nil {
				return err
			}
		}
		return moveEntityPolicies(tx, c.Account, "group", oldKey, newKey)
	})
}

// DeleteGroup deletes an empty group with no policies.
func (s *Service) DeleteGroup(ctx context.Context, in *iamapi.DeleteGroupInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		g, err := getGroup(tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		k := lower(g.Name)
		if err := checkDependents(tx, c.Account, newDependents([]dependent{
			{under(kindMember, key(k, "")), "must remove users from group first."},
			{under(kindInline, key("group", k, "")), "must delete policies first."},
			{under(kindAttached, key("group", k, "")), "must detach all policies first."},
		})); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindGroup, k); err != nil {
			return err
		}
		if err := release(tx, c.Account, kindGroup); err != nil {
			return err
		}
		return deleteID(tx, c.Account, g.ID)
	})
}

// AddUserToGroup adds a user to a group (a user is in at most 10 groups).
func (s *Service) AddUserToGroup(ctx context.Context, in *iamapi.AddUserToGroupInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		g, err := getGroup(tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		gk, uk := lower(g.Name), lower(u.Name)
		if _, err := tx.Get(c.Account, kindMember, key(gk, uk)); err == nil {
			return nil // already a member: AWS accepts the call
		}
		if err := checkCount(tx, c.Account, kindUserGroup, key(uk, ""), "GroupsPerUser", s.quotas.GroupsPerUser); err != nil {
			return err
		}
		if err := tx.Put(c.Account, kindMember, key(gk, uk), nil); err != nil {
			return err
		}
		return tx.Put(c.Account, kindUserGroup, key(uk, gk), nil)
	})
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		// The user first: with neither there, AWS names the user (recorded).
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		g, err := getGroup(tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		gk, uk := lower(g.Name), lower(u.Name)
		if err := tx.Delete(c.Account, kindMember, key(gk, uk)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil // removing a user that is no member succeeds, as on AWS (recorded)
			}
			return err
		}
		return tx.Delete(c.Account, kindUserGroup, key(uk, gk))
	})
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, in *iamapi.ListGroupsForUserInput) (*iamapi.ListGroupsForUserOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsForUserOutput{Groups: []iamapi.Group{}}
	err = s.view(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		names, truncated, marker, err := pageKeys(tx, c.Account, kindUserGroup, key(lower(u.Name), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, n := range names {
			g, err := getGroup(tx, c.Account, n)
			if err != nil {
				return err
			}
			out.Groups = append(out.Groups, g.api(c))
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
