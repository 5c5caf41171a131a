package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

func (s *Service) profileAPI(tx Tx, c *Caller, p *InstanceProfile, withTags bool) (iamapi.InstanceProfile, error) {
	out := iamapi.InstanceProfile{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID,
		Arn: entityARN(c, "instance-profile", p.Path, p.Name), CreateDate: p.Created, Roles: []iamapi.Role{}}
	if p.Role != "" {
		r, err := getRole(tx, c.Account, p.Role)
		if err != nil {
			return out, err
		}
		out.Roles = append(out.Roles, r.api(c, roleNested))
	}
	if withTags {
		out.Tags = apiTags(p.Tags)
	}
	return out, nil
}

func getProfile(tx Tx, account, name string) (*InstanceProfile, error) {
	var p InstanceProfile
	if err := getJSON(tx, account, kindInstanceProfile, lower(name), &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, iamapi.NoSuchEntity("Instance Profile %s cannot be found.", name)
		}
		return nil, err
	}
	return &p, nil
}

// CreateInstanceProfile creates an instance profile (with no role yet).
func (s *Service) CreateInstanceProfile(ctx context.Context, in *iamapi.CreateInstanceProfileInput) (*iamapi.CreateInstanceProfileOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	p := &InstanceProfile{Name: in.InstanceProfileName, ID: NewID(PrefixInstanceProfile), Path: orDefault(in.Path, "/"), Created: s.now().UTC().Truncate(time.Second), Tags: tags}
	var out iamapi.InstanceProfile
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindInstanceProfile, lower(p.Name), p); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("Instance Profile %s already exists.", p.Name) // AWS's wording (recorded)
			}
			return err
		}
		if err := reserve(tx, c.Account, kindInstanceProfile, "InstanceProfilesPerAccount", s.quotas.InstanceProfiles); err != nil {
			return err
		}
		if err := putID(tx, c.Account, p.ID, kindInstanceProfile, p.Name); err != nil {
			return err
		}
		out, err = s.profileAPI(tx, c, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateInstanceProfileOutput{InstanceProfile: out}, nil
}

// GetInstanceProfile describes an instance profile and its role.
func (s *Service) GetInstanceProfile(ctx context.Context, in *iamapi.GetInstanceProfileInput) (*iamapi.GetInstanceProfileOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out iamapi.InstanceProfile
	err = s.view(ctx, func(tx Tx) error {
		p, err := getProfile(tx, c.Account, in.InstanceProfileName)
		if err != nil {
			return err
		}
		out, err = s.profileAPI(tx, c, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Tags == nil {
		out.Tags = []iamapi.Tag{} // AWS sends Tags on GetInstanceProfile even when there are none
	}
	return &iamapi.GetInstanceProfileOutput{InstanceProfile: out}, nil
}

// ListInstanceProfiles lists instance profiles under a path prefix.
func (s *Service) ListInstanceProfiles(ctx context.Context, in *iamapi.ListInstanceProfilesInput) (*iamapi.ListInstanceProfilesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	under := pathPrefix(in.PathPrefix)
	out := &iamapi.ListInstanceProfilesOutput{InstanceProfiles: []iamapi.InstanceProfile{}}
	err = s.view(ctx, func(tx Tx) error {
		p, err := listPage(tx, c.Account, kindInstanceProfile, "", in.MaxItems, in.Marker, func(p *InstanceProfile) bool { return under(p.Path) })
		if err != nil {
			return err
		}
		for _, ip := range p.items {
			api, err := s.profileAPI(tx, c, ip, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, api)
		}
		out.IsTruncated, out.Marker = ptr(p.truncated), p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleInput) (*iamapi.ListInstanceProfilesForRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListInstanceProfilesForRoleOutput{InstanceProfiles: []iamapi.InstanceProfile{}}
	err = s.view(ctx, func(tx Tx) error {
		r, err := getRole(tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		names, truncated, marker, err := pageKeys(tx, c.Account, kindRoleProfile, key(lower(r.Name), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, n := range names {
			p, err := getProfile(tx, c.Account, n)
			if err != nil {
				return err
			}
			api, err := s.profileAPI(tx, c, p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, api)
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, in *iamapi.DeleteInstanceProfileInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getProfile(tx, c.Account, in.InstanceProfileName)
		if err != nil {
			return err
		}
		if p.Role != "" {
			return iamapi.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		if err := tx.Delete(c.Account, kindInstanceProfile, lower(p.Name)); err != nil {
			return err
		}
		if err := release(tx, c.Account, kindInstanceProfile); err != nil {
			return err
		}
		return deleteID(tx, c.Account, p.ID)
	})
}

// AddRoleToInstanceProfile puts a role in an instance profile (one role
// per profile). The Guard also checks iam:PassRole on the role (see
// Guard.passRoleChecks).
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, in *iamapi.AddRoleToInstanceProfileInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getProfile(tx, c.Account, in.InstanceProfileName)
		if err != nil {
			return err
		}
		r, err := getRole(tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		if p.Role != "" {
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		p.Role = r.Name
		if err := tx.Put(c.Account, kindRoleProfile, key(lower(r.Name), lower(p.Name)), nil); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindInstanceProfile, lower(p.Name), p)
	})
}

// RemoveRoleFromInstanceProfile takes the role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, in *iamapi.RemoveRoleFromInstanceProfileInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getProfile(tx, c.Account, in.InstanceProfileName)
		if err != nil {
			return err
		}
		if lower(p.Role) != lower(in.RoleName) {
			r, err := getRole(tx, c.Account, in.RoleName)
			if err != nil {
				return err
			}
			return iamapi.NoSuchEntity("Role %s in Instance Profile %s cannot be found.", r.Name, p.Name)
		}
		if err := tx.Delete(c.Account, kindRoleProfile, key(lower(p.Role), lower(p.Name))); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		p.Role = ""
		return putJSON(tx, c.Account, kindInstanceProfile, lower(p.Name), p)
	})
}

func (s *Service) modifyProfile(ctx context.Context, name string, fn func(*InstanceProfile) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getProfile(tx, c.Account, name)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindInstanceProfile, lower(p.Name), p)
	})
}

// TagInstanceProfile adds or replaces tags of an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, in *iamapi.TagInstanceProfileInput) error {
	return s.modifyProfile(ctx, in.InstanceProfileName, func(p *InstanceProfile) error {
		tags, err := mergeTags(p.Tags, in.Tags, false)
		p.Tags = tags
		return err
	})
}

// UntagInstanceProfile removes tags from an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, in *iamapi.UntagInstanceProfileInput) error {
	return s.modifyProfile(ctx, in.InstanceProfileName, func(p *InstanceProfile) error {
		p.Tags = removeTags(p.Tags, in.TagKeys, false)
		return nil
	})
}

// ListInstanceProfileTags lists an instance profile's tags.
func (s *Service) ListInstanceProfileTags(ctx context.Context, in *iamapi.ListInstanceProfileTagsInput) (*iamapi.ListInstanceProfileTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p *InstanceProfile
	if err := s.view(ctx, func(tx Tx) error { p, err = getProfile(tx, c.Account, in.InstanceProfileName); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(p.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfileTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
