package iam

import (
	"context"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// ownedPolicy is a policy with the entity it is on.
type ownedPolicy struct {
	PolicyDoc
	entityType, entityName string // USER, GROUP, ROLE and the entity's name
}

// ListPoliciesGrantingServiceAccess lists, per service, the policies of a
// user (with its groups'), group or role that allow some action of the
// service. As on AWS only permissions policies count, not boundaries,
// resource policies or SCPs; the entity is named on inline policies only.
func (s *Service) ListPoliciesGrantingServiceAccess(ctx context.Context, in *iamapi.ListPoliciesGrantingServiceAccessInput) (*iamapi.ListPoliciesGrantingServiceAccessOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// The entity authorization saw (PrincipalSource): of this account,
	// partition and no region.
	kind, name, ok := PrincipalSource(c, in.Arn)
	if !ok {
		if a, err := arn.Parse(in.Arn); err == nil && a.Service == "iam" && a.AccountID != c.Account {
			return nil, iamapi.NoSuchEntity("The entity %s cannot be found.", in.Arn)
		}
		return nil, iamapi.InvalidInput("ARN %s is not the ARN of a user, group or role.", in.Arn)
	}
	var owned []ownedPolicy
	err = s.view(ctx, func(tx Tx) error {
		entityName, err := entityExists(tx, c.Account, kind, name)
		if err != nil {
			return err
		}
		if owned, err = s.ownPolicies(tx, c.Account, kind, entityName); err != nil {
			return err
		}
		if kind != "user" {
			return nil
		}
		groups, err := scanKeys(tx, c.Account, kindUserGroup, key(lower(entityName), ""))
		if err != nil {
			return err
		}
		for _, g := range groups {
			var grp Group
			if err := getJSON(tx, c.Account, kindGroup, g, &grp); err != nil {
				continue // removed since: it grants nothing
			}
			more, err := s.ownPolicies(tx, c.Account, "group", grp.Name)
			if err != nil {
				return err
			}
			owned = append(owned, more...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	docs := make([]*policy.Document, len(owned))
	for i, p := range owned {
		docs[i], _ = policy.Parse([]byte(p.Text)) // stored policies were validated
	}
	out := &iamapi.ListPoliciesGrantingServiceAccessOutput{IsTruncated: ptr(false)}
	for _, ns := range in.ServiceNamespaces {
		entry := iamapi.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: optional(ns), Policies: []iamapi.PolicyGrantingServiceAccess{}}
		for i, p := range owned {
			if docs[i] == nil || !docs[i].GrantsService(ns) {
				continue
			}
			g := iamapi.PolicyGrantingServiceAccess{PolicyName: p.ID, PolicyType: "INLINE", EntityType: optional(p.entityType), EntityName: optional(p.entityName)}
			if strings.HasPrefix(p.ID, "arn:") {
				g = iamapi.PolicyGrantingServiceAccess{PolicyName: p.ID[strings.LastIndexByte(p.ID, '/')+1:], PolicyType: "MANAGED", PolicyArn: optional(p.ID)}
			}
			entry.Policies = append(entry.Policies, g)
		}
		out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
	}
	return out, nil
}

// ownPolicies are an entity's inline and attached policies.
func (s *Service) ownPolicies(tx Tx, account, kind, name string) ([]ownedPolicy, error) {
	var docs []PolicyDoc
	if err := s.appendPolicies(tx, account, kind, name, &docs); err != nil {
		return nil, err
	}
	out := make([]ownedPolicy, len(docs))
	for i, d := range docs {
		out[i] = ownedPolicy{PolicyDoc: d, entityType: strings.ToUpper(kind), entityName: name}
	}
	return out, nil
}
