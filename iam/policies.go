package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Managed policies: customer managed ones are stored with their versions;
// AWS managed ones come from the catalogue. Both are attached to users,
// groups and roles, and used as permissions boundaries.

const kindBoundaryUse = "boundary-use" // policy ARN | entity kind | lower name

// managedRef is a managed policy resolved from its ARN.
type managedRef struct {
	arn      string
	name     string
	path     string
	customer *ManagedPolicy    // set for customer managed policies
	aws      *AWSManagedPolicy // set for AWS managed policies
}

// resolvePolicy finds the managed policy an ARN names, customer managed in
// the caller's account or AWS managed, and only by its canonical ARN (see
// canonical.go): another partition, a region, another case or path names
// no policy. The ref's arn is the canonical one.
func (s *Service) resolvePolicy(tx Tx, c *Caller, policyARN string) (*managedRef, error) {
	notFound := iamapi.NoSuchEntity("Policy %s does not exist or is not attachable.", policyARN)
	a, ok := parseEntityARN(c.Partition, policyARN, "policy")
	if !ok {
		return nil, awserr.ValidationError("ARN " + policyARN + " is not valid.")
	}
	path, name := splitPathName(a.Resource, "policy")
	var ref *managedRef
	switch a.AccountID {
	case "aws":
		p, ok := s.managed.Lookup(path + name) // case-insensitive: checked below
		if !ok {
			return nil, notFound
		}
		ref = &managedRef{arn: awsPolicyARN(c, p), name: p.Name, path: p.Path, aws: p}
	case c.Account:
		var p ManagedPolicy
		if err := getJSON(tx, c.Account, kindPolicy, lower(name), &p); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, notFound
			}
			return nil, err
		}
		ref = &managedRef{arn: s.policyARN(c, &p), name: p.Name, path: p.Path, customer: &p}
	default:
		return nil, notFound
	}
	if ref.arn != policyARN {
		return nil, notFound
	}
	return ref, nil
}

func (s *Service) policyARN(c *Caller, p *ManagedPolicy) string {
	return entityARN(c, "policy", p.Path, p.Name)
}

// CreatePolicy creates a customer managed policy with its first version.
func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyInput) (*iamapi.CreatePolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := checkDocument(c, in.PolicyDocument, policy.KindManaged, 0); err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	p := &ManagedPolicy{Name: in.PolicyName, ID: NewID(PrefixPolicy), Path: orDefault(in.Path, "/"), Created: now, Updated: now,
		Description: orDefault(in.Description, ""), DefaultVersion: "v1", NextVersion: 2, Tags: tags}
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindPolicy, lower(p.Name), p); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", p.Name)
			}
			return err
		}
		if err := reserve(tx, c.Account, kindPolicy, "PoliciesPerAccount", s.quotas.Policies); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindPolicyVersion, key(lower(p.Name), "v1"), &PolicyVersion{VersionID: "v1", Document: in.PolicyDocument, Created: now})
	})
	if err != nil {
		return nil, err
	}
	out := s.customerPolicyAPI(c, p, 0, 0, policyCreate)
	return &iamapi.CreatePolicyOutput{Policy: &out}, nil
}

// policyShape is which of AWS's renderings of a managed policy an answer
// carries (as recorded from AWS): CreatePolicy leaves Description out (and
// Tags when none were given), GetPolicy sends both (Tags empty when there
// are none), ListPolicies neither.
type policyShape int

const (
	policyGet policyShape = iota
	policyCreate
	policyList
)

func (s *Service) customerPolicyAPI(c *Caller, p *ManagedPolicy, attachments, boundaries int, shape policyShape) iamapi.Policy {
	out := iamapi.Policy{PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(s.policyARN(c, p)), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(attachments)), PermissionsBoundaryUsageCount: ptr(int32(boundaries)),
		IsAttachable: ptr(true), CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated)}
	switch shape {
	case policyGet:
		out.Description, out.Tags = optional(p.Description), alwaysTags(p.Tags)
	case policyCreate:
		out.Tags = apiTags(p.Tags)
	}
	return out
}

func awsPolicyAPI(c *Caller, p *AWSManagedPolicy, attachments, boundaries int, shape policyShape) iamapi.Policy {
	out := iamapi.Policy{PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(awsPolicyARN(c, p)), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(attachments)), PermissionsBoundaryUsageCount: ptr(int32(boundaries)),
		IsAttachable: ptr(!p.Deprecated), CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated)}
	if shape == policyGet {
		out.Description, out.Tags = optional(p.Description), []iamapi.Tag{}
	}
	return out
}

func awsPolicyARN(c *Caller, p *AWSManagedPolicy) string {
	return arn.ARN{Partition: c.Partition, Service: "iam", AccountID: "aws", Resource: "policy" + p.Path + p.Name}.String()
}

// usage counts a policy's attachments and boundary uses in the account.
func usage(tx Tx, account, policyARN string) (attachments, boundaries int, err error) {
	if attachments, err = tx.Count(account, kindAttachedTo, key(policyARN, "")); err != nil {
		return
	}
	boundaries, err = tx.Count(account, kindBoundaryUse, key(policyARN, ""))
	return
}

// GetPolicy describes a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyInput) (*iamapi.GetPolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out iamapi.Policy
	err = s.view(ctx, func(tx Tx) error {
		r, err := s.resolvePolicy(tx, c, in.PolicyArn)
		// GetPolicy words a missing policy as TagPolicy does, not as
		// attaching one (AWS's answers, quoted in public CLI output).
		if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
			return iamapi.NoSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		if err != nil {
			return err
		}
		n, b, err := usage(tx, c.Account, in.PolicyArn)
		if err != nil {
			return err
		}
		if r.aws != nil {
			out = awsPolicyAPI(c, r.aws, n, b, policyGet)
		} else {
			out = s.customerPolicyAPI(c, r.customer, n, b, policyGet)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyOutput{Policy: &out}, nil
}

// customerPolicy resolves an ARN that must name a customer managed policy.
// action is the change asked for ("" for a read): changing an AWS managed
// policy is refused as AWS refuses it, AccessDenied (the policy belongs to
// the "aws" account, and no resource-based policy there grants anything).
func (s *Service) customerPolicy(tx Tx, c *Caller, policyARN, action string) (*ManagedPolicy, error) {
	r, err := s.resolvePolicy(tx, c, policyARN)
	if err != nil {
		return nil, err
	}
	if r.customer == nil {
		if action != "" {
			return nil, awserr.Newf("AccessDenied", http.StatusForbidden,
				"User: %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action", c.ARN, action, policyARN, action)
		}
		return nil, iamapi.InvalidInput("The ARN %s is an AWS managed policy, which cannot be changed.", policyARN)
	}
	return r.customer, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has no version but the default.
func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := s.customerPolicy(tx, c, in.PolicyArn, "iam:DeletePolicy")
		if err != nil {
			return err
		}
		n, b, err := usage(tx, c.Account, in.PolicyArn)
		if err != nil {
			return err
		}
		if n > 0 || b > 0 {
			return iamapi.DeleteConflict("Cannot delete a policy attached to entities.")
		}
		versions, err := scanKeys(tx, c.Account, kindPolicyVersion, key(lower(p.Name), ""))
		if err != nil {
			return err
		}
		if len(versions) > 1 {
			return iamapi.DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		for _, v := range versions {
			if err := tx.Delete(c.Account, kindPolicyVersion, key(lower(p.Name), v)); err != nil {
				return err
			}
		}
		if err := tx.Delete(c.Account, kindPolicy, lower(p.Name)); err != nil {
			return err
		}
		return release(tx, c.Account, kindPolicy)
	})
}

// ListPolicies lists managed policies: AWS managed, the account's (Local),
// or both (the account's first).
func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesInput) (*iamapi.ListPoliciesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := orDefault(in.Scope, "All")
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := int(orDefault(in.MaxItems, defaultMaxItems))
	under := pathPrefix(in.PathPrefix)
	out := &iamapi.ListPoliciesOutput{Policies: []iamapi.Policy{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(tx Tx) error {
		// Candidates as AWS lists them: customer managed policies first, by
		// name, then AWS managed ones in AWS's order (the catalogue's, as
		// recorded: AdministratorAccess, PowerUserAccess, ReadOnlyAccess,
		// ...); the sort key lets the marker continue across both.
		// The page is filled in that order and the scan stops when it is
		// full: customer managed policies are read from the marker on in
		// the store's order (their keys are their lower-case names, the
		// sort key's order), not all of them for every page.
		// Each policy's AttachmentCount and PermissionsBoundaryUsageCount
		// are read for many policies at once (usageOf for a batch of the
		// account's, awsUsage for the AWS managed ones), not one Count of
		// each kind per policy: at 20,000 policies that was 40,000 queries
		// for a walk of the list.
		full := false
		emit := func(sortKey string, p iamapi.Policy) error {
			if sortKey <= after {
				return nil
			}
			if orDefault(in.OnlyAttached, false) && *p.AttachmentCount == 0 && *p.PermissionsBoundaryUsageCount == 0 {
				return nil
			}
			switch orDefault(in.PolicyUsageFilter, "") {
			case "PermissionsPolicy":
				if *p.AttachmentCount == 0 && orDefault(in.OnlyAttached, false) {
					return nil
				}
			case "PermissionsBoundary":
				if *p.PermissionsBoundaryUsageCount == 0 {
					return nil
				}
			}
			if len(out.Policies) == limit {
				out.IsTruncated, out.Marker = ptr(true), encodeMarker(after)
				full = true
				return ErrStop
			}
			out.Policies = append(out.Policies, p)
			after = sortKey
			return nil
		}
		if (scope == "All" || scope == "Local") && (after == "" || strings.HasPrefix(after, "0|")) {
			if err := s.emitCustomerPolicies(tx, c, strings.TrimPrefix(after, "0|"), limit+1, under, emit); err != nil || full {
				return err
			}
		}
		if scope == "All" || scope == "AWS" {
			attachments, boundaries, err := awsUsage(tx, c.Account, "arn:"+c.Partition+":iam::aws:policy")
			if err != nil {
				return err
			}
			for i, p := range s.managed.All() {
				if p.Deprecated || !under(p.Path) {
					continue
				}
				k := key(awsPolicyARN(c, p), "")
				err := emit(fmt.Sprintf("1|%05d", i), awsPolicyAPI(c, p, attachments[k], boundaries[k], policyList))
				if errors.Is(err, ErrStop) {
					return nil
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// emitCustomerPolicies passes the account's managed policies after the
// key from, under the path, to emit in the store's order (their
// lower-case names) with their usage counts, until emit stops. They are
// read batch policies at a time, each batch's counts in one scan of each
// kind (usageOf); batch is the page's size and one more, so that a page
// without filters is one batch.
func (s *Service) emitCustomerPolicies(tx Tx, c *Caller, from string, batch int, under func(string) bool, emit func(string, iamapi.Policy) error) error {
	for {
		var policies []ManagedPolicy
		read := 0
		err := scanJSON(tx, c.Account, kindPolicy, "", from, batch, func(k string, p *ManagedPolicy) error {
			read, from = read+1, k
			if under(p.Path) {
				policies = append(policies, *p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		arnKeys := make([]string, len(policies))
		for i := range policies {
			arnKeys[i] = key(s.policyARN(c, &policies[i]), "")
		}
		attachments, boundaries, err := usageOf(tx, c.Account, arnKeys)
		if err != nil {
			return err
		}
		for i := range policies {
			p := &policies[i]
			err := emit("0|"+lower(p.Name), s.customerPolicyAPI(c, p, attachments[arnKeys[i]], boundaries[arnKeys[i]], policyList))
			if errors.Is(err, ErrStop) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		if read < batch {
			return nil
		}
	}
}

// Policy versions.

func versionAPI(v *PolicyVersion, isDefault bool, withDoc bool) iamapi.PolicyVersion {
	out := iamapi.PolicyVersion{VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(isDefault), CreateDate: ptr(v.Created)}
	if withDoc {
		out.Document = ptr(encodeDocument(v.Document))
	}
	return out
}

// CreatePolicyVersion adds a version (at most five per policy).
func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionInput) (*iamapi.CreatePolicyVersionOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := checkDocument(c, in.PolicyDocument, policy.KindManaged, 0); err != nil {
		return nil, err
	}
	var v PolicyVersion
	isDefault := orDefault(in.SetAsDefault, false)
	err = s.update(ctx, func(tx Tx) error {
		p, err := s.customerPolicy(tx, c, in.PolicyArn, "iam:CreatePolicyVersion")
		if err != nil {
			return err
		}
		n, err := tx.Count(c.Account, kindPolicyVersion, key(lower(p.Name), ""))
		if err != nil {
			return err
		}
		if n >= s.quotas.VersionsPerPolicy {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", s.quotas.VersionsPerPolicy)
		}
		now := s.now().UTC().Truncate(time.Second)
		v = PolicyVersion{VersionID: "v" + strconv.Itoa(p.NextVersion), Document: in.PolicyDocument, Created: now}
		p.NextVersion++
		if isDefault {
			p.DefaultVersion = v.VersionID
			p.Updated = now
		}
		if err := putJSON(tx, c.Account, kindPolicyVersion, key(lower(p.Name), v.VersionID), &v); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindPolicy, lower(p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	out := versionAPI(&v, isDefault, false)
	return &iamapi.CreatePolicyVersionOutput{PolicyVersion: &out}, nil
}

// GetPolicyVersion returns a version with its (URL-encoded) document.
func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionInput) (*iamapi.GetPolicyVersionOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out iamapi.PolicyVersion
	err = s.view(ctx, func(tx Tx) error {
		r, err := s.resolvePolicy(tx, c, in.PolicyArn)
		if err != nil {
			return versionNotFound(err, in.PolicyArn, in.VersionId)
		}
		if r.aws != nil {
			doc, created, ok := r.aws.Version(in.VersionId)
			if !ok {
				return iamapi.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
			}
			out = versionAPI(&PolicyVersion{VersionID: in.VersionId, Document: doc, Created: created}, in.VersionId == r.aws.DefaultVersion, true)
			return nil
		}
		var v PolicyVersion
		if err := getJSON(tx, c.Account, kindPolicyVersion, key(lower(r.name), in.VersionId), &v); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
			}
			return err
		}
		out = versionAPI(&v, v.VersionID == r.customer.DefaultVersion, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyVersionOutput{PolicyVersion: &out}, nil
}

// ListPolicyVersions lists a policy's versions, newest first, in pages of
// MaxItems (an AWS managed policy can have a hundred and more versions).
func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsInput) (*iamapi.ListPolicyVersionsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := int(orDefault(in.MaxItems, defaultMaxItems))
	out := &iamapi.ListPolicyVersionsOutput{Versions: []iamapi.PolicyVersion{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(tx Tx) error {
		r, err := s.resolvePolicy(tx, c, in.PolicyArn)
		if err != nil {
			return err
		}
		var all []iamapi.PolicyVersion
		if r.aws != nil {
			for _, v := range r.aws.Versions() {
				all = append(all, versionAPI(&PolicyVersion{VersionID: v.ID, Created: v.Created}, v.IsDefault, false))
			}
		} else {
			var versions []*PolicyVersion
			if err := scanJSON(tx, c.Account, kindPolicyVersion, key(lower(r.name), ""), "", 0, func(_ string, v *PolicyVersion) error {
				versions = append(versions, v)
				return nil
			}); err != nil {
				return err
			}
			sort.Slice(versions, func(i, j int) bool {
				return versionNumber(versions[i].VersionID) > versionNumber(versions[j].VersionID)
			})
			for _, v := range versions {
				all = append(all, versionAPI(v, v.VersionID == r.customer.DefaultVersion, false))
			}
		}
		// The marker is the last version given; versions are listed newest
		// first, so the next page starts at the first one older than it.
		from := 0
		if after != "" {
			n := versionNumber(after)
			for from < len(all) && versionNumber(*all[from].VersionId) >= n {
				from++
			}
		}
		for _, v := range all[from:] {
			if len(out.Versions) == limit {
				out.IsTruncated, out.Marker = ptr(true), encodeMarker(*out.Versions[len(out.Versions)-1].VersionId)
				break
			}
			out.Versions = append(out.Versions, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// versionNotFound is AWS's answer when the policy a version operation
// names does not exist (recorded): the version's wording, not the policy's.
func versionNotFound(err error, policyARN, versionID string) error {
	if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
		return iamapi.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", policyARN, versionID)
	}
	return err
}

func versionNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n
}

// SetDefaultPolicyVersion makes a version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := s.customerPolicy(tx, c, in.PolicyArn, "iam:SetDefaultPolicyVersion")
		if err != nil {
			return versionNotFound(err, in.PolicyArn, in.VersionId)
		}
		if _, err := tx.Get(c.Account, kindPolicyVersion, key(lower(p.Name), in.VersionId)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
			}
			return err
		}
		p.DefaultVersion = in.VersionId
		p.Updated = s.now().UTC().Truncate(time.Second)
		return putJSON(tx, c.Account, kindPolicy, lower(p.Name), p)
	})
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := s.customerPolicy(tx, c, in.PolicyArn, "iam:DeletePolicyVersion")
		if err != nil {
			return err
		}
		if in.VersionId == p.DefaultVersion {
			return iamapi.DeleteConflict("Cannot delete the default version of a policy.")
		}
		if err := tx.Delete(c.Account, kindPolicyVersion, key(lower(p.Name), in.VersionId)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
			}
			return err
		}
		return nil
	})
}

// TagPolicy, UntagPolicy and ListPolicyTags manage tags of customer managed
// policies (keys are case-sensitive on policies).
func (s *Service) TagPolicy(ctx context.Context, in *iamapi.TagPolicyInput) error {
	return s.modifyPolicy(ctx, in.PolicyArn, "iam:TagPolicy", func(p *ManagedPolicy) error {
		tags, err := mergeTags(p.Tags, in.Tags, false)
		p.Tags = tags
		return err
	})
}

// UntagPolicy removes tags from a customer managed policy.
func (s *Service) UntagPolicy(ctx context.Context, in *iamapi.UntagPolicyInput) error {
	return s.modifyPolicy(ctx, in.PolicyArn, "iam:UntagPolicy", func(p *ManagedPolicy) error {
		p.Tags = removeTags(p.Tags, in.TagKeys, false)
		return nil
	})
}

// ListPolicyTags lists a customer managed policy's tags.
func (s *Service) ListPolicyTags(ctx context.Context, in *iamapi.ListPolicyTagsInput) (*iamapi.ListPolicyTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p *ManagedPolicy
	if err := s.view(ctx, func(tx Tx) error { p, err = s.customerPolicy(tx, c, in.PolicyArn, ""); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := policyTagPage(p.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListPolicyTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// modifyPolicy changes a customer managed policy's tags. A policy that
// does not exist is named in the words AWS uses for TagPolicy and
// UntagPolicy: "Policy X was not found."
func (s *Service) modifyPolicy(ctx context.Context, policyARN, action string, fn func(*ManagedPolicy) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := s.customerPolicy(tx, c, policyARN, action)
		if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
			return iamapi.NoSuchEntity("Policy %s was not found.", policyARN)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindPolicy, lower(p.Name), p)
	})
}

// checkBoundary checks that a permissions boundary names an existing
// managed policy.
func (s *Service) checkBoundary(tx Tx, c *Caller, policyARN string) error {
	r, err := s.resolvePolicy(tx, c, policyARN)
	if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
		return iamapi.NoSuchEntity("Scope ARN: %s does not exist or is not attachable.", policyARN)
	}
	if e, ok := awserr.As(err); ok && e.Code == "ValidationError" && strings.HasPrefix(policyARN, "arn:") && strings.Count(policyARN, ":") >= 5 {
		// An ARN of something else than a policy as a boundary is
		// InvalidInput, where attaching it is a ValidationError (both
		// recorded from AWS); what is no ARN at all stays a
		// ValidationError.
		return iamapi.InvalidInput("%s", e.Message)
	}
	if err != nil {
		return err // store errors as they are
	}
	if r.aws != nil && r.aws.Deprecated {
		// Deprecated AWS policies go on no new entity, as with attach.
		return iamapi.PolicyNotAttachable("Policy %s is not attachable.", policyARN)
	}
	return nil
}

// setBoundaryUse records which entities use a policy as their boundary.
func setBoundaryUse(tx Tx, account, entityKind, name, oldARN, newARN string) error {
	if oldARN == newARN {
		return nil
	}
	if oldARN != "" {
		if err := tx.Delete(account, kindBoundaryUse, key(oldARN, entityKind, lower(name))); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if newARN != "" {
		return tx.Put(account, kindBoundaryUse, key(newARN, entityKind, lower(name)), nil)
	}
	return nil
}
