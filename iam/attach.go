package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/policy"
)

// Attached managed policies and inline policies of users, groups and roles.
// Records are keyed by entity kind ("user", "group", "role") and the
// entity's lower-cased name.

// attachedRecord is the value of an attachment.
type attachedRecord struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// Seq is the attachment's place among the entity's: AWS lists an
	// entity's managed policies in the order they were attached (its
	// recorded answers), not by name. 0 for records written before Seq.
	Seq int64 `json:"seq,omitempty"`
}

// attachedEntry is an attachment with its place in AWS's order.
type attachedEntry struct {
	attachedRecord
	pos string // sorts as AWS lists: by Seq, then by key
}

// attachedOf lists an entity's attached policies in AWS's order.
func attachedOf(tx Tx, account, kind, name string) ([]attachedEntry, error) {
	var out []attachedEntry
	err := scanJSON(tx, account, kindAttached, key(kind, lower(name), ""), "", 0, func(k string, r *attachedRecord) error {
		out = append(out, attachedOrder(k, *r))
		return nil
	})
	sortAttached(out)
	return out, err
}

// attachedOrder places the attachment stored under k among its entity's.
func attachedOrder(k string, r attachedRecord) attachedEntry {
	return attachedEntry{r, fmt.Sprintf("%020d|%s", r.Seq, k)}
}

// sortAttached puts one entity's attachments in AWS's order.
func sortAttached(list []attachedEntry) {
	slices.SortFunc(list, func(a, b attachedEntry) int { return strings.Compare(a.pos, b.pos) })
}

// entityExists checks the user, group or role an operation names.
func entityExists(tx Tx, account, kind, name string) (string, error) {
	var v struct {
		Name string `json:"name"`
	}
	if err := getJSON(tx, account, kind, lower(name), &v); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", noSuchEntity(kind, name)
		}
		return "", err
	}
	return v.Name, nil
}

// modifiableEntity is entityExists for a change to the entity's policies:
// a service-linked role's are only modifiable by AWS.
func modifiableEntity(tx Tx, account, kind, name string) error {
	if kind == "role" {
		r, err := getRole(tx, account, name)
		if err != nil {
			return err
		}
		return checkServiceLinked(r)
	}
	// Only whether it exists: decoding the record was a third of
	// PutUserPolicy's time in the single writer.
	if _, err := tx.Get(account, kind, lower(name)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return noSuchEntity(kind, name)
		}
		return err
	}
	return nil
}

func (s *Service) attach(ctx context.Context, kind, name, policyARN string) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	quota := map[string]int{"user": s.quotas.AttachedPerUser, "group": s.quotas.AttachedPerGroup, "role": s.quotas.AttachedPerRole}[kind]
	quotaName := map[string]string{"user": "PoliciesPerUser", "group": "PoliciesPerGroup", "role": "PoliciesPerRole"}[kind]
	return s.update(ctx, func(tx Tx) error {
		if err := modifiableEntity(tx, c.Account, kind, name); err != nil {
			return err
		}
		r, err := s.resolvePolicy(tx, c, policyARN)
		if err != nil {
			return err
		}
		if r.aws != nil && r.aws.Deprecated {
			return iamapi.PolicyNotAttachable("Policy %s is not attachable.", policyARN)
		}
		k := key(kind, lower(name), policyARN)
		if _, err := tx.Get(c.Account, kindAttached, k); err == nil {
			return nil // attaching twice is accepted
		}
		if err := checkCount(tx, c.Account, kindAttached, key(kind, lower(name), ""), quotaName, quota); err != nil {
			return err
		}
		have, err := attachedOf(tx, c.Account, kind, name)
		if err != nil {
			return err
		}
		seq := int64(1)
		if len(have) > 0 {
			seq = have[len(have)-1].Seq + 1
		}
		if err := putJSON(tx, c.Account, kindAttached, k, &attachedRecord{Name: r.name, ARN: policyARN, Seq: seq}); err != nil {
			return err
		}
		return tx.Put(c.Account, kindAttachedTo, key(policyARN, kind, lower(name)), nil)
	})
}

func (s *Service) detach(ctx context.Context, kind, name, policyARN string) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := modifiableEntity(tx, c.Account, kind, name); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindAttached, key(kind, lower(name), policyARN)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("Policy %s was not found.", policyARN)
			}
			return err
		}
		return tx.Delete(c.Account, kindAttachedTo, key(policyARN, kind, lower(name)))
	})
}

func (s *Service) listAttached(ctx context.Context, kind, name string, prefix, marker *string, maxItems *int32) ([]iamapi.AttachedPolicy, *bool, *string, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	under := pathPrefix(prefix)
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, nil, nil, err
	}
	limit := int(orDefault(maxItems, defaultMaxItems))
	out := []iamapi.AttachedPolicy{}
	var next *string
	err = s.view(ctx, func(tx Tx) error {
		if _, err := entityExists(tx, c.Account, kind, name); err != nil {
			return err
		}
		// An entity has at most its quota of attachments (20): they are
		// read whole and paged in AWS's order, the marker a place in it.
		all, err := attachedOf(tx, c.Account, kind, name)
		if err != nil {
			return err
		}
		last := ""
		for _, e := range all {
			if e.pos <= after || !under(policyPath(e.ARN)) {
				continue
			}
			if len(out) == limit {
				next = encodeMarker(last)
				break
			}
			out = append(out, iamapi.AttachedPolicy{PolicyName: ptr(e.Name), PolicyArn: ptr(e.ARN)})
			last = e.pos
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return out, ptr(next != nil), next, nil
}

// policyPath is the path part of a managed policy ARN.
func policyPath(policyARN string) string {
	_, res, _ := strings.Cut(policyARN, ":policy")
	return res[:strings.LastIndexByte(res, '/')+1]
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, in *iamapi.AttachUserPolicyInput) error {
	return s.attach(ctx, "user", in.UserName, in.PolicyArn)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, in *iamapi.AttachGroupPolicyInput) error {
	return s.attach(ctx, "group", in.GroupName, in.PolicyArn)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyInput) error {
	return s.attach(ctx, "role", in.RoleName, in.PolicyArn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, in *iamapi.DetachUserPolicyInput) error {
	return s.detach(ctx, "user", in.UserName, in.PolicyArn)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, in *iamapi.DetachGroupPolicyInput) error {
	return s.detach(ctx, "group", in.GroupName, in.PolicyArn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyInput) error {
	return s.detach(ctx, "role", in.RoleName, in.PolicyArn)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) (*iamapi.ListAttachedUserPoliciesOutput, error) {
	ps, t, m, err := s.listAttached(ctx, "user", in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedUserPoliciesOutput{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) (*iamapi.ListAttachedGroupPoliciesOutput, error) {
	ps, t, m, err := s.listAttached(ctx, "group", in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedGroupPoliciesOutput{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) (*iamapi.ListAttachedRolePoliciesOutput, error) {
	ps, t, m, err := s.listAttached(ctx, "role", in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedRolePoliciesOutput{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}

// ListEntitiesForPolicy lists the users, groups and roles a managed policy
// is attached to (or that use it as a boundary, with the usage filter).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) (*iamapi.ListEntitiesForPolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	filter := orDefault(in.EntityFilter, "")
	usageKind := kindAttachedTo
	if orDefault(in.PolicyUsageFilter, "") == "PermissionsBoundary" {
		usageKind = kindBoundaryUse
	}
	under := pathPrefix(in.PathPrefix)
	out := &iamapi.ListEntitiesForPolicyOutput{PolicyGroups: []iamapi.PolicyGroup{}, PolicyUsers: []iamapi.PolicyUser{}, PolicyRoles: []iamapi.PolicyRole{}}
	err = s.view(ctx, func(tx Tx) error {
		if _, err := s.resolvePolicy(tx, c, in.PolicyArn); err != nil {
			return err
		}
		refs, truncated, marker, err := pageKeys(tx, c.Account, usageKind, key(in.PolicyArn, ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		for _, ref := range refs {
			kind, name, _ := strings.Cut(ref, "|")
			var e struct {
				Name string `json:"name"`
				ID   string `json:"id"`
				Path string `json:"path"`
			}
			if err := getJSON(tx, c.Account, kind, name, &e); err != nil {
				return err
			}
			if !under(e.Path) {
				continue
			}
			switch {
			case kind == "user" && (filter == "" || filter == "User"):
				out.PolicyUsers = append(out.PolicyUsers, iamapi.PolicyUser{UserName: ptr(e.Name), UserId: ptr(e.ID)})
			case kind == "group" && (filter == "" || filter == "Group"):
				out.PolicyGroups = append(out.PolicyGroups, iamapi.PolicyGroup{GroupName: ptr(e.Name), GroupId: ptr(e.ID)})
			case kind == "role" && (filter == "" || filter == "Role"):
				out.PolicyRoles = append(out.PolicyRoles, iamapi.PolicyRole{RoleName: ptr(e.Name), RoleId: ptr(e.ID)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Inline policies.

var inlineKinds = map[string]policy.Kind{"user": policy.KindInlineUser, "group": policy.KindInlineGroup, "role": policy.KindInlineRole}

func (s *Service) putInline(ctx context.Context, kind, name, policyName, document string) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	pk := inlineKinds[kind]
	if _, err := checkDocument(c, document, pk, 0); err != nil {
		return err
	}
	// Sized before the writer: the single writer does only what needs the
	// transaction.
	size := policy.Size([]byte(document))
	record, err := json.Marshal(&InlinePolicy{Name: policyName, Document: document, Size: size})
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := modifiableEntity(tx, c.Account, kind, name); err != nil {
			return err
		}
		// The quota is on the sum of the entity's inline policies.
		limit, quotaName := pk.SizeQuota()
		total := size
		err := tx.Scan(c.Account, kindInline, key(kind, lower(name), ""), "", 0, func(_ string, data []byte) error {
			p, ok := inlineNameSize(data)
			if !ok {
				if err := json.Unmarshal(data, &p); err != nil {
					return err
				}
			}
			if p.Name == policyName {
				return nil
			}
			if p.Size == 0 { // written before sizes were kept
				var full InlinePolicy
				if err := json.Unmarshal(data, &full); err != nil {
					return err
				}
				p.Size = policy.Size([]byte(full.Document))
			}
			total += p.Size
			return nil
		})
		if err != nil {
			return err
		}
		if total > limit {
			return limitExceeded("Cannot exceed quota for %s: %d", quotaName, limit)
		}
		return tx.Put(c.Account, kindInline, key(kind, lower(name), policyName), record)
	})
}

// nameSize is what the quota on an entity's inline policies reads of each.
type nameSize struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// inlineNameSize reads the name and size of an inline policy record as
// json.Marshal writes it ({"name":"…","document":"…","size":N}) without
// decoding the document in the single writer; false for any other shape
// (an escaped name, a record without size), which the caller decodes.
// The size's text cannot be the document's: in the record, a quote inside
// the document is escaped.
func inlineNameSize(data []byte) (nameSize, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(`{"name":"`))
	if !ok {
		return nameSize{}, false
	}
	end := bytes.IndexAny(rest, `"\`)
	if end < 0 || rest[end] != '"' {
		return nameSize{}, false
	}
	name := rest[:end]
	i := bytes.LastIndex(rest, []byte(`","size":`))
	if i < end || !bytes.HasSuffix(rest, []byte("}")) {
		return nameSize{}, false
	}
	digits := rest[i+len(`","size":`) : len(rest)-1]
	if len(digits) == 0 || len(digits) > 9 {
		return nameSize{}, false
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return nameSize{}, false
		}
		n = n*10 + int(d-'0')
	}
	return nameSize{Name: string(name), Size: n}, true
}

func (s *Service) getInline(ctx context.Context, kind, name, policyName string) (entity string, p *InlinePolicy, err error) {
	c, err := caller(ctx)
	if err != nil {
		return "", nil, err
	}
	p = &InlinePolicy{}
	err = s.view(ctx, func(tx Tx) error {
		if entity, err = entityExists(tx, c.Account, kind, name); err != nil {
			return err
		}
		if err := getJSON(tx, c.Account, kindInline, key(kind, lower(name), policyName), p); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
			}
			return err
		}
		return nil
	})
	return entity, p, err
}

func (s *Service) deleteInline(ctx context.Context, kind, name, policyName string) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := modifiableEntity(tx, c.Account, kind, name); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindInline, key(kind, lower(name), policyName)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
			}
			return err
		}
		return nil
	})
}

func (s *Service) listInline(ctx context.Context, kind, name string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var names []string
	var truncated bool
	var next *string
	err = s.view(ctx, func(tx Tx) error {
		if _, err := entityExists(tx, c.Account, kind, name); err != nil {
			return err
		}
		names, truncated, next, err = pageKeys(tx, c.Account, kindInline, key(kind, lower(name), ""), maxItems, marker)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if names == nil {
		names = []string{}
	}
	return names, ptr(truncated), next, nil
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, in *iamapi.PutUserPolicyInput) error {
	return s.putInline(ctx, "user", in.UserName, in.PolicyName, in.PolicyDocument)
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, in *iamapi.PutGroupPolicyInput) error {
	return s.putInline(ctx, "group", in.GroupName, in.PolicyName, in.PolicyDocument)
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyInput) error {
	return s.putInline(ctx, "role", in.RoleName, in.PolicyName, in.PolicyDocument)
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, in *iamapi.GetUserPolicyInput) (*iamapi.GetUserPolicyOutput, error) {
	entity, p, err := s.getInline(ctx, "user", in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserPolicyOutput{UserName: entity, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, in *iamapi.GetGroupPolicyInput) (*iamapi.GetGroupPolicyOutput, error) {
	entity, p, err := s.getInline(ctx, "group", in.GroupName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetGroupPolicyOutput{GroupName: entity, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyInput) (*iamapi.GetRolePolicyOutput, error) {
	entity, p, err := s.getInline(ctx, "role", in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRolePolicyOutput{RoleName: entity, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *iamapi.DeleteUserPolicyInput) error {
	return s.deleteInline(ctx, "user", in.UserName, in.PolicyName)
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) error {
	return s.deleteInline(ctx, "group", in.GroupName, in.PolicyName)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyInput) error {
	return s.deleteInline(ctx, "role", in.RoleName, in.PolicyName)
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, in *iamapi.ListUserPoliciesInput) (*iamapi.ListUserPoliciesOutput, error) {
	names, t, m, err := s.listInline(ctx, "user", in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, in *iamapi.ListGroupPoliciesInput) (*iamapi.ListGroupPoliciesOutput, error) {
	names, t, m, err := s.listInline(ctx, "group", in.GroupName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListGroupPoliciesOutput{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesInput) (*iamapi.ListRolePoliciesOutput, error) {
	names, t, m, err := s.listInline(ctx, "role", in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}

// moveEntityPolicies re-keys an entity's inline and attached policies when
// it is renamed.
func moveEntityPolicies(tx Tx, account, kind, oldKey, newKey string) error {
	inline, err := scanKeys(tx, account, kindInline, key(kind, oldKey, ""))
	if err != nil {
		return err
	}
	for _, name := range inline {
		if err := moveRecord(tx, account, kindInline, key(kind, oldKey, name), key(kind, newKey, name)); err != nil {
			return err
		}
	}
	attached, err := scanKeys(tx, account, kindAttached, key(kind, oldKey, ""))
	if err != nil {
		return err
	}
	for _, policyARN := range attached {
		if err := moveRecord(tx, account, kindAttached, key(kind, oldKey, policyARN), key(kind, newKey, policyARN)); err != nil {
			return err
		}
		if err := moveRecord(tx, account, kindAttachedTo, key(policyARN, kind, oldKey), key(policyARN, kind, newKey)); err != nil {
			return err
		}
	}
	return nil
}
