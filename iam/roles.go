package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/policy"
)

// roleShape is which of AWS's renderings of a role an answer carries:
// each operation sends a different subset of the members (as recorded
// from AWS).
type roleShape int

const (
	roleGet        roleShape = iota // GetRole: everything, RoleLastUsed always (empty when unused)
	roleCreate                      // CreateRole, CreateServiceLinkedRole: no Description, MaxSessionDuration or RoleLastUsed
	roleList                        // ListRoles: no tags, boundary or RoleLastUsed
	roleNested                      // a role inside an instance profile: no MaxSessionDuration either
	roleUpdateDesc                  // UpdateRoleDescription: Description, but no MaxSessionDuration or RoleLastUsed
)

// boundaryAPI is a permissions boundary as AWS reports it: type "Policy"
// (the model's enum says PermissionsBoundaryPolicy; AWS sends "Policy").
func boundaryAPI(arn string) *iamapi.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryArn: ptr(arn), PermissionsBoundaryType: ptr("Policy")}
}

func (r *Role) api(c *Caller, shape roleShape) iamapi.Role {
	out := iamapi.Role{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: entityARN(c, "role", r.Path, r.Name), CreateDate: r.Created,
		AssumeRolePolicyDocument: ptr(encodeDocument(r.TrustPolicy))}
	if shape != roleCreate {
		out.Description = optional(r.Description)
	}
	if shape == roleGet || shape == roleList {
		out.MaxSessionDuration = ptr(int32(r.MaxSessionDuration))
	}
	if shape == roleGet || shape == roleCreate || shape == roleUpdateDesc {
		out.PermissionsBoundary = boundaryAPI(r.Boundary)
		out.Tags = apiTags(r.Tags)
	}
	if shape == roleGet {
		out.RoleLastUsed = &iamapi.RoleLastUsed{LastUsedDate: r.LastUsed, Region: optional(r.LastUsedRegion)}
	}
	return out
}

func getRole(tx Tx, account, name string) (*Role, error) {
	var r Role
	if err := getJSON(tx, account, kindRole, lower(name), &r); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, noSuchEntity("role", name)
		}
		return nil, err
	}
	return &r, nil
}

// checkTrustPolicy validates a role's trust policy, including that the
// principals it names exist where this server can tell.
func (s *Service) checkTrustPolicy(tx Tx, c *Caller, document string) error {
	doc, err := checkDocument(c, document, policy.KindTrust, s.quotas.TrustPolicySize)
	if err != nil {
		return err
	}
	return s.checkPrincipalsExist(tx, doc)
}

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, true)
	if err != nil {
		return nil, err
	}
	r := &Role{Name: in.RoleName, ID: NewID(PrefixRole), Path: orDefault(in.Path, "/"), Created: s.now().UTC().Truncate(time.Second),
		TrustPolicy: in.AssumeRolePolicyDocument, Description: orDefault(in.Description, ""),
		MaxSessionDuration: int(orDefault(in.MaxSessionDuration, 3600)), Tags: tags}
	err = s.update(ctx, func(tx Tx) error {
		return s.insertRole(tx, c, r, in.PermissionsBoundary)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateRoleOutput{Role: r.api(c, roleCreate)}, nil
}

func (s *Service) insertRole(tx Tx, c *Caller, r *Role, boundary *string) error {
	if err := s.checkTrustPolicy(tx, c, r.TrustPolicy); err != nil {
		return err
	}
	if boundary != nil {
		if err := s.checkBoundary(tx, c, *boundary); err != nil {
			return err
		}
		r.Boundary = *boundary
		if err := setBoundaryUse(tx, c.Account, "role", r.Name, "", r.Boundary); err != nil {
			return err
		}
	}
	if err := insertJSON(tx, c.Account, kindRole, lower(r.Name), r); err != nil {
		if errors.Is(err, ErrExists) {
			return alreadyExists("Role", r.Name)
		}
		return err
	}
	if err := reserve(tx, c.Account, kindRole, "RolesPerAccount", s.quotas.Roles); err != nil {
		return err
	}
	return putID(tx, c.Account, r.ID, kindRole, r.Name)
}

// GetRole describes a role.
func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := cachedRecord[Role](ctx, s, c.Account, kindRole, lower(in.RoleName))
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchEntity("role", in.RoleName)
	}
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRoleOutput{Role: r.api(c, roleGet)}, nil
}

// ListRoles lists roles, optionally under a path prefix.
func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesInput) (*iamapi.ListRolesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	under := pathPrefix(in.PathPrefix)
	p, err := cachedPage(ctx, s, c.Account, kindRole, in.MaxItems, in.Marker, func(r *Role) bool { return under(r.Path) })
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListRolesOutput{Roles: make([]iamapi.Role, len(p.items)), IsTruncated: ptr(p.truncated), Marker: p.marker}
	for i, r := range p.items {
		out.Roles[i] = r.api(c, roleList)
	}
	return out, nil
}

func (s *Service) modifyRole(ctx context.Context, name string, fn func(tx Tx, c *Caller, r *Role) error) (*Role, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var r *Role
	err = s.update(ctx, func(tx Tx) error {
		if r, err = getRole(tx, c.Account, name); err != nil {
			return err
		}
		if err := fn(tx, c, r); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindRole, lower(r.Name), r)
	})
	return r, err
}

// checkServiceLinked refuses changes to a service-linked role's policies.
func checkServiceLinked(r *Role) error {
	if r.ServiceLinked != "" {
		return iamapi.UnmodifiableEntity("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
	}
	return nil
}

// UpdateRole changes a role's description or maximum session duration;
// parameters left out keep their values.
func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	_, err := s.modifyRole(ctx, in.RoleName, func(_ Tx, _ *Caller, r *Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = int(*in.MaxSessionDuration)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleOutput{}, nil
}

// UpdateRoleDescription changes a role's description.
func (s *Service) UpdateRoleDescription(ctx context.Context, in *iamapi.UpdateRoleDescriptionInput) (*iamapi.UpdateRoleDescriptionOutput, error) {
	r, err := s.modifyRole(ctx, in.RoleName, func(_ Tx, _ *Caller, r *Role) error {
		r.Description = in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	c, _ := caller(ctx)
	out := r.api(c, roleUpdateDesc)
	return &iamapi.UpdateRoleDescriptionOutput{Role: &out}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) error {
	_, err := s.modifyRole(ctx, in.RoleName, func(tx Tx, c *Caller, r *Role) error {
		if err := checkServiceLinked(r); err != nil {
			return err
		}
		if err := s.checkTrustPolicy(tx, c, in.PolicyDocument); err != nil {
			return err
		}
		r.TrustPolicy = in.PolicyDocument
		return nil
	})
	return err
}

// DeleteRole deletes a role with no policies that is in no instance
// profile.
func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		r, err := getRole(tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		if err := checkServiceLinked(r); err != nil {
			return err
		}
		return s.deleteRole(tx, c, r)
	})
}

func (s *Service) deleteRole(tx Tx, c *Caller, r *Role) error {
	k := lower(r.Name)
	if err := checkDependents(tx, c.Account, newDependents([]dependent{
		{under(kindRoleProfile, key(k, "")), "must remove roles from instance profile first."},
		{under(kindInline, key("role", k, "")), "must delete policies first."},
		{under(kindAttached, key("role", k, "")), "must detach all policies first."},
	})); err != nil {
		return err
	}
	if err := setBoundaryUse(tx, c.Account, "role", r.Name, r.Boundary, ""); err != nil {
		return err
	}
	if err := tx.Delete(c.Account, kindRole, k); err != nil {
		return err
	}
	if err := release(tx, c.Account, kindRole); err != nil {
		return err
	}
	return deleteID(tx, c.Account, r.ID)
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) error {
	_, err := s.modifyRole(ctx, in.RoleName, func(tx Tx, c *Caller, r *Role) error {
		if err := checkServiceLinked(r); err != nil {
			return err
		}
		if err := s.checkBoundary(tx, c, in.PermissionsBoundary); err != nil {
			return err
		}
		if err := setBoundaryUse(tx, c.Account, "role", r.Name, r.Boundary, in.PermissionsBoundary); err != nil {
			return err
		}
		r.Boundary = in.PermissionsBoundary
		return nil
	})
	return err
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *iamapi.DeleteRolePermissionsBoundaryInput) error {
	_, err := s.modifyRole(ctx, in.RoleName, func(tx Tx, c *Caller, r *Role) error {
		if err := checkServiceLinked(r); err != nil {
			return err
		}
		if err := setBoundaryUse(tx, c.Account, "role", r.Name, r.Boundary, ""); err != nil {
			return err
		}
		r.Boundary = ""
		return nil
	})
	return err
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleInput) error {
	_, err := s.modifyRole(ctx, in.RoleName, func(_ Tx, _ *Caller, r *Role) error {
		tags, err := mergeTags(r.Tags, in.Tags, true)
		r.Tags = tags
		return err
	})
	return err
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleInput) error {
	_, err := s.modifyRole(ctx, in.RoleName, func(_ Tx, _ *Caller, r *Role) error {
		r.Tags = removeTags(r.Tags, in.TagKeys, true)
		return nil
	})
	return err
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsInput) (*iamapi.ListRoleTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var r *Role
	if err := s.view(ctx, func(tx Tx) error { r, err = getRole(tx, c.Account, in.RoleName); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(r.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRoleTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// CreateServiceLinkedRole creates the role an AWS service uses on the
// account's behalf: AWSServiceRoleFor<Service>, trusted by the service.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, in *iamapi.CreateServiceLinkedRoleInput) (*iamapi.CreateServiceLinkedRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	svc := in.AWSServiceName
	path, name, policyARN, err := linkedRoleFor(svc, in.CustomSuffix, true)
	if err != nil {
		return nil, err
	}
	// The trust policy in AWS's own form, lists and all (AWS CLI's example
	// output of create-service-linked-role, awscli/examples/iam).
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Action":["sts:AssumeRole"],"Effect":"Allow","Principal":{"Service":["%s"]}}]}`, svc)
	r := &Role{Name: name, ID: NewID(PrefixRole), Path: path, Created: s.now().UTC().Truncate(time.Second),
		TrustPolicy: trust, Description: orDefault(in.Description, ""), MaxSessionDuration: 3600, ServiceLinked: svc}
	err = s.update(ctx, func(tx Tx) error {
		if err := s.insertRole(tx, c, r, nil); err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) && ae.Code == "EntityAlreadyExists" {
				return iamapi.InvalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)
			}
			return err
		}
		// The AWS managed policy AWS attaches to the role, when this
		// server has it.
		if policyARN == "" {
			return nil
		}
		a := strings.Replace(policyARN, "arn:aws:", "arn:"+c.Partition+":", 1)
		p, ok := s.managed.Lookup(strings.TrimPrefix(policyARN, "arn:aws:iam::aws:policy"))
		if !ok {
			return nil // not in this server's catalogue
		}
		if err := putJSON(tx, c.Account, kindAttached, key("role", lower(name), a), &attachedRecord{Name: p.Name, ARN: a}); err != nil {
			return err
		}
		return tx.Put(c.Account, kindAttachedTo, key(a, "role", lower(name)), nil)
	})
	if err != nil {
		return nil, err
	}
	out := r.api(c, roleCreate)
	return &iamapi.CreateServiceLinkedRoleOutput{Role: &out}, nil
}

// DeleteServiceLinkedRole deletes a service-linked role. The deletion is
// immediate; the task id reports success.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, in *iamapi.DeleteServiceLinkedRoleInput) (*iamapi.DeleteServiceLinkedRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var r *Role
	err = s.update(ctx, func(tx Tx) error {
		if r, err = getRole(tx, c.Account, in.RoleName); err != nil {
			return err
		}
		if r.ServiceLinked == "" {
			return iamapi.InvalidInput("Role %s is not a service-linked role.", in.RoleName)
		}
		for _, name := range mustKeys(tx, c.Account, kindAttached, key("role", lower(r.Name), "")) {
			if err := tx.Delete(c.Account, kindAttached, key("role", lower(r.Name), name)); err != nil {
				return err
			}
			if err := tx.Delete(c.Account, kindAttachedTo, key(name, "role", lower(r.Name))); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		return s.deleteRole(tx, c, r)
	})
	if err != nil {
		return nil, err
	}
	task := "task/aws-service-role/" + r.ServiceLinked + "/" + r.Name + "/" + newUUID() // AWS's form: a UUID at the end
	return &iamapi.DeleteServiceLinkedRoleOutput{DeletionTaskId: task}, nil
}

func mustKeys(tx Tx, account, kind, prefix string) []string {
	keys, _ := scanKeys(tx, account, kind, prefix)
	return keys
}

// GetServiceLinkedRoleDeletionStatus reports a deletion: they complete at
// once here.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, in *iamapi.GetServiceLinkedRoleDeletionStatusInput) (*iamapi.GetServiceLinkedRoleDeletionStatusOutput, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.DeletionTaskId, "task/aws-service-role/") {
		return nil, iamapi.NoSuchEntity("Deletion task %s cannot be found.", in.DeletionTaskId)
	}
	return &iamapi.GetServiceLinkedRoleDeletionStatusOutput{Status: "SUCCEEDED"}, nil
}

// RecordRoleUse notes a role's last use (RoleLastUsed) on the background
// runner: assuming a role must not wait for it.
func (s *Service) RecordRoleUse(account, role, region string, at time.Time) {
	s.background.Go("role-last-used", func(ctx context.Context) error {
		return s.update(ctx, func(tx Tx) error {
			r, err := getRole(tx, account, role)
			if err != nil {
				return err
			}
			t := at.UTC().Truncate(time.Second)
			r.LastUsed, r.LastUsedRegion = &t, region
			return putJSON(tx, account, kindRole, lower(r.Name), r)
		})
	})
}
