package iam

import (
	"context"
	"errors"
	"strings"
)

// PolicyDoc is one policy that applies to a principal, with how AWS's
// simulator names its source.
type PolicyDoc struct {
	ID   string // policy name (inline) or ARN (managed)
	Type string // user, group, role (inline); aws-managed, user-managed
	Text string
}

// PrincipalData is what deciding for a user or role needs from the store:
// its identity policies (a user's include its groups'), its boundary and
// its tags.
type PrincipalData struct {
	Kind     string // user | role
	Name     string
	ID       string
	Path     string
	Tags     []Tag
	Policies []PolicyDoc
	Boundary *PolicyDoc
	// MaxSessionDuration and TrustPolicy are set for roles.
	MaxSessionDuration int
	TrustPolicy        string
}

// PrincipalPolicies reads a user's or role's policies. ErrNotFound when it
// does not exist.
func (s *Service) PrincipalPolicies(ctx context.Context, account, kind, name string) (*PrincipalData, error) {
	var pd *PrincipalData
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		pd, err = s.principalData(tx, account, kind, name)
		return err
	})
	return pd, err
}

func (s *Service) principalData(tx Tx, account, kind, name string) (*PrincipalData, error) {
	pd := &PrincipalData{Kind: kind}
	var boundary string
	switch kind {
	case "user":
		var u User
		if err := getJSON(tx, account, kindUser, lower(name), &u); err != nil {
			return nil, err
		}
		pd.Name, pd.ID, pd.Path, pd.Tags, boundary = u.Name, u.ID, u.Path, u.Tags, u.Boundary
	case "role":
		var r Role
		if err := getJSON(tx, account, kindRole, lower(name), &r); err != nil {
			return nil, err
		}
		pd.Name, pd.ID, pd.Path, pd.Tags, boundary = r.Name, r.ID, r.Path, r.Tags, r.Boundary
		pd.MaxSessionDuration, pd.TrustPolicy = r.MaxSessionDuration, r.TrustPolicy
	default:
		return nil, errors.New("iam: principals are users or roles")
	}
	if err := s.entityDocs(tx, account, kind, pd.Name, &pd.Policies); err != nil {
		return nil, err
	}
	if boundary != "" {
		doc, err := s.managedDocument(tx, account, boundary)
		if err != nil {
			return nil, err
		}
		pd.Boundary = doc
	}
	return pd, nil
}

// appendPolicies adds an entity's inline and attached policies.
func (s *Service) appendPolicies(tx Tx, account, kind, name string, out *[]PolicyDoc) error {
	err := scanJSON(tx, account, kindInline, key(kind, lower(name), ""), "", 0, func(_ string, p *InlinePolicy) error {
		*out = append(*out, PolicyDoc{ID: p.Name, Type: kind, Text: p.Document})
		return nil
	})
	if err != nil {
		return err
	}
	return scanJSON(tx, account, kindAttached, key(kind, lower(name), ""), "", 0, func(_ string, r *attachedRecord) error {
		doc, err := s.managedDocument(tx, account, r.ARN)
		if errors.Is(err, ErrNotFound) {
			return nil // the policy is gone; its attachment records will be
		}
		if err != nil {
			return err
		}
		*out = append(*out, *doc)
		return nil
	})
}

// managedDocument reads the default version of a managed policy by ARN.
func (s *Service) managedDocument(tx Tx, account, policyARN string) (*PolicyDoc, error) {
	_, res, _ := strings.Cut(policyARN, ":policy")
	if strings.Contains(policyARN, ":aws:policy") {
		p, ok := s.managed.Lookup(res)
		if !ok {
			return nil, ErrNotFound
		}
		return &PolicyDoc{ID: policyARN, Type: "aws-managed", Text: p.Document}, nil
	}
	name := res[strings.LastIndexByte(res, '/')+1:]
	var p ManagedPolicy
	if err := getJSON(tx, account, kindPolicy, lower(name), &p); err != nil {
		return nil, err
	}
	var v PolicyVersion
	if err := getJSON(tx, account, kindPolicyVersion, key(lower(p.Name), p.DefaultVersion), &v); err != nil {
		return nil, err
	}
	return &PolicyDoc{ID: policyARN, Type: "user-managed", Text: v.Document}, nil
}

// ManagedPolicyDocument reads a managed policy's default version (for
// session policies given by ARN).
func (s *Service) ManagedPolicyDocument(ctx context.Context, account, policyARN string) (*PolicyDoc, error) {
	var doc *PolicyDoc
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		doc, err = s.managedDocument(tx, account, policyARN)
		return err
	})
	return doc, err
}

// GroupPolicies reads a group's own inline and attached policies.
func (s *Service) GroupPolicies(ctx context.Context, account, name string) ([]PolicyDoc, error) {
	var out []PolicyDoc
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Get(account, kindGroup, lower(name)); err != nil {
			return err
		}
		return s.appendPolicies(tx, account, "group", name, &out)
	})
	return out, err
}
