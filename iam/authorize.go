package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
)

// Authorizer decides whether a caller may make a request. Package authz
// implements it; a Guard without one refuses every call.
type Authorizer interface {
	Authorize(ctx context.Context, req *AuthzRequest) error
}

// AuthzRequest is one request to authorize.
type AuthzRequest struct {
	Caller          *Caller
	Action          string // service:Action
	Resource        string // ARN, or "*"
	ResourceAccount string
	// Keys are the request's own condition keys (aws:RequestTag/K,
	// aws:TagKeys, aws:ResourceTag/K, iam:PolicyARN, ...); the
	// authorizer adds the principal's and the request's global keys.
	Keys map[string][]string
	// SelfPasswordGrant: the account's password policy lets users change
	// their own password, which AWS applies as an account-level grant of
	// iam:ChangePassword on the user itself and iam:GetAccountPasswordPolicy
	// (an explicit Deny still wins).
	SelfPasswordGrant bool
}

// EntityDirectory knows the users and roles an authorizer keeps in memory
// (their names, paths and tags, current with the store's change feed), so
// that authorizing a call on one needs no store read. The decider
// implements it.
type EntityDirectory interface {
	Entity(ctx context.Context, account, kind, name string) (*PrincipalData, error)
}

// Authorize checks a decoded IAM API call before it runs: the action
// iam:<Operation> on the resource type the Service Authorization Reference
// gives it, with the condition keys AWS sets. The generated dispatcher
// calls it (the Guard is its iamapi.Authorizer).
func (g *Guard) Authorize(ctx context.Context, operation string, in iamapi.Input) error {
	if err := g.wired(); err != nil {
		return err
	}
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	if c.Session != nil && (c.Session.Type == SessionToken && !c.Session.MFA || c.Session.Type == SessionFederatedUser) {
		// GetSessionToken credentials reach IAM only when MFA was used;
		// GetFederationToken credentials never do ("You cannot call any
		// IAM operations using the CLI or the Amazon Web Services API").
		return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid")
	}
	if c.Root && (c.Session == nil || c.Session.Type == SessionToken) && !g.boundsRoot(c.Account) {
		return nil // the root user may do everything in its account
	}
	if _, ok := actionResource[operation]; !ok {
		return noRule(operation)
	}
	req, err := g.svc.authzRequest(ctx, c, g.dir, operation, in)
	if err != nil {
		return err
	}
	if (operation == "ChangePassword" || operation == "GetAccountPasswordPolicy") && c.UserName != "" && !c.Root {
		req.SelfPasswordGrant = g.svc.usersMayChangePassword(ctx, c.Account)
	}
	if err := g.authz.Authorize(ctx, req); err != nil {
		return err
	}
	if pass, ok := passRoleChecks[operation]; ok {
		return g.checkPassRole(ctx, c, in, pass)
	}
	return nil
}

// RootBounder is an Authorizer that bounds the root user of some
// accounts: service control policies apply to a member account's root as
// to its other principals, so its calls are decided, not waved through.
type RootBounder interface {
	BoundsRoot(account string) bool
}

func (g *Guard) boundsRoot(account string) bool {
	b, ok := g.authz.(RootBounder)
	return ok && b.BoundsRoot(account)
}

// passRoleChecks are the operations that hand a role to a service and so
// also need iam:PassRole on it, as on AWS: AddRoleToInstanceProfile ("The
// caller of this operation must be granted the PassRole permission on the
// IAM role") gives the role to whatever EC2 runs with the profile.
var passRoleChecks = map[string]struct{ service, associated string }{
	"AddRoleToInstanceProfile": {"ec2.amazonaws.com", "ec2:*:%s:instance/*"},
}

// checkPassRole authorizes iam:PassRole on the canonical ARN of the role
// the input names (its real path), with the keys AWS sets. A role that
// does not exist is left to the operation (NoSuchEntity).
func (g *Guard) checkPassRole(ctx context.Context, c *Caller, in iamapi.Input, pass struct{ service, associated string }) error {
	res, err := g.svc.findResource(ctx, c, g.dir, "role", in.AuthzString)
	if err != nil || res == nil {
		return err
	}
	keys := map[string][]string{
		"iam:PassedToService":       {pass.service},
		"iam:AssociatedResourceArn": {"arn:" + c.Partition + ":" + fmt.Sprintf(pass.associated, c.Account)},
	}
	return g.Check(ctx, "iam:PassRole", res.arn, keys)
}

// Check authorizes the caller for an action on a resource of its own
// account (for actions that are not IAM API calls: sts:GetFederationToken,
// iam:PassRole, ...).
func (g *Guard) Check(ctx context.Context, action, resource string, keys map[string][]string) error {
	if err := g.wired(); err != nil {
		return err
	}
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	if c.Root && (c.Session == nil || c.Session.Type == SessionToken) && !g.boundsRoot(c.Account) {
		return nil
	}
	if keys == nil {
		keys = map[string][]string{}
	}
	return g.authz.Authorize(ctx, &AuthzRequest{Caller: c, Action: action, Resource: resource, ResourceAccount: c.Account, Keys: keys})
}

// listedByPath are the list operations AWS authorizes on the ARN of the
// path listed (the catalogue gives them no resource type).
var listedByPath = map[string]string{"ListUsers": "user", "ListRoles": "role", "ListGroups": "group", "ListInstanceProfiles": "instance-profile"}

// resource is the entity an operation acts on, found from its input.
type resource struct {
	arn  string
	tags []Tag
}

// iamActions is "iam:"+operation for every operation, built once so that
// a call does not build it.
var iamActions = func() map[string]string {
	m := make(map[string]string, len(iamapi.Operations))
	for _, op := range iamapi.Operations {
		m[op] = "iam:" + op
	}
	return m
}()

func (s *Service) authzRequest(ctx context.Context, c *Caller, dir EntityDirectory, operation string, in iamapi.Input) (*AuthzRequest, error) {
	action, ok := iamActions[operation]
	if !ok {
		action = "iam:" + operation
	}
	req := &AuthzRequest{Caller: c, Action: action, Resource: "*", ResourceAccount: c.Account}
	// Keys stays nil until a key is set: most calls carry none.
	setKey := func(k string, v []string) {
		if req.Keys == nil {
			req.Keys = map[string][]string{}
		}
		req.Keys[k] = v
	}
	field := func(name string) (string, bool) {
		return in.AuthzString(name)
	}
	typ := actionResource[operation]
	switch operation {
	case "ListMFADevices":
		typ = "user" // its resource type is optional: the user listed
	case "DeleteVirtualMFADevice":
		typ = "mfa" // the device deleted
	case "ListPoliciesGrantingServiceAccess", "GenerateServiceLastAccessedDetails":
		typ = "entity-arn" // any of the entity types the catalogue lists: the one Arn names
	}
	var res *resource
	var err error
	if operation == "GetAccessKeyLastUsed" {
		res, err = s.keyOwnerResource(ctx, c, dir, field)
	} else {
		res, err = s.findResource(ctx, c, dir, typ, field)
	}
	if err != nil {
		return nil, err
	}
	if typ, ok := listedByPath[operation]; ok && res == nil {
		// AWS authorizes these lists on the path they list:
		// "iam:ListUsers on resource: arn:aws:iam::ACCT:user/".
		prefix, _ := field("PathPrefix")
		if prefix == "" {
			prefix = "/"
		}
		res = &resource{arn: arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: typ + prefix}.String()}
	}
	if res != nil {
		req.Resource = res.arn
		for _, t := range res.tags {
			setKey("aws:ResourceTag/"+t.Key, []string{t.Value})
			setKey("iam:ResourceTag/"+t.Key, []string{t.Value})
		}
	}
	// Tags the request sets or removes.
	if tags := in.AuthzTags(); len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			setKey("aws:RequestTag/"+t.Key, []string{t.Value})
			keys = append(keys, t.Key)
		}
		setKey("aws:TagKeys", keys)
	}
	if keys := in.AuthzTagKeys(); len(keys) > 0 {
		setKey("aws:TagKeys", keys)
	}
	if svc, ok := field("AWSServiceName"); ok {
		setKey("iam:AWSServiceName", []string{svc})
	}
	// The policy keys carry the policy's canonical ARN, as the resource
	// does: conditions see the policy, not how the caller spelled it.
	if p, ok := field("PolicyArn"); ok && typ != "policy" {
		ref, err := s.policyRef(ctx, c, p)
		if err != nil {
			return nil, err
		}
		setKey("iam:PolicyARN", []string{ref})
	}
	if p, ok := field("PermissionsBoundary"); ok && p != "" {
		ref, err := s.policyRef(ctx, c, p)
		if err != nil {
			return nil, err
		}
		setKey("iam:PermissionsBoundary", []string{ref})
	}
	return req, nil
}

// policyRef is the canonical ARN of the managed policy an input names. A
// text that cannot be a policy ARN of this deployment (another partition,
// a region, not a policy) is refused before anything runs; a well-formed
// ARN of no policy stays as given: the operation answers NoSuchEntity
// through the same resolvePolicy, so nothing is done on it.
func (s *Service) policyRef(ctx context.Context, c *Caller, policyARN string) (string, error) {
	ref := policyARN
	err := s.view(ctx, func(tx Tx) error {
		r, err := s.resolvePolicy(tx, c, policyARN)
		if err == nil {
			ref = r.arn
		}
		return err
	})
	if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
		return ref, nil
	}
	return ref, err
}

// keyOwnerResource is the user owning the access key an input names: AWS
// authorizes iam:GetAccessKeyLastUsed on user/OWNER, not on the caller.
// A root key is the root user's; no key of this account is the caller's
// (the operation answers NoSuchEntity).
func (s *Service) keyOwnerResource(ctx context.Context, c *Caller, dir EntityDirectory, field func(string) (string, bool)) (*resource, error) {
	id, _ := field("AccessKeyId")
	var k AccessKey
	err := s.view(ctx, func(tx Tx) error { return getJSON(tx, "", kindAccessKey, id, &k) })
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && k.Account != c.Account:
		return &resource{arn: c.ARN}, nil
	case err != nil:
		return nil, err
	case k.User == "":
		return &resource{arn: arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "root"}.String()}, nil
	}
	return s.findResource(ctx, c, dir, "user", func(name string) (string, bool) {
		if name == "UserName" {
			return k.User, true
		}
		return "", false
	})
}

// pathRecord is what findResource reads of an entity with a path.
type pathRecord struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Tags []Tag  `json:"tags"`
}

// readPathRecord reads an entity's pathRecord from the store.
func (s *Service) readPathRecord(ctx context.Context, account, kind, name string) (*pathRecord, error) {
	var rec pathRecord
	err := s.view(ctx, func(tx Tx) error { return getJSON(tx, account, kind, lower(name), &rec) })
	return &rec, err
}

// findResource builds the ARN of the entity an operation names (and reads
// its tags when it exists). Operations on "*" return nil.
func (s *Service) findResource(ctx context.Context, c *Caller, dir EntityDirectory, typ string, field func(string) (string, bool)) (*resource, error) {
	build := func(resourceType, path, name string) string {
		return arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: resourceType + path + name}.String()
	}
	withPath := func(kind, resourceType, name string) (*resource, error) {
		var rec *pathRecord
		var err error
		if dir != nil && (kind == kindUser || kind == kindRole) {
			var pd *PrincipalData
			if pd, err = dir.Entity(ctx, c.Account, kind, name); err == nil {
				rec = &pathRecord{Name: pd.Name, Path: pd.Path, Tags: pd.Tags}
			}
		} else {
			rec, err = s.readPathRecord(ctx, c.Account, kind, name)
		}
		if errors.Is(err, ErrNotFound) {
			// Not there (yet): the path the request gives, as for Create*.
			path, _ := field("Path")
			if path == "" {
				path = "/"
			}
			return &resource{arn: build(resourceType, path, name)}, nil
		}
		if err != nil {
			return nil, err
		}
		return &resource{arn: build(resourceType, rec.Path, rec.Name), tags: rec.Tags}, nil
	}
	// tagged is a resource named by ARN with the tags of its record (none
	// when there is no record: the operation itself answers NoSuchEntity).
	tagged := func(resourceARN, kind, k string) (*resource, error) {
		var rec struct {
			Tags []Tag `json:"tags"`
		}
		err := s.view(ctx, func(tx Tx) error { return getJSON(tx, c.Account, kind, k, &rec) })
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return &resource{arn: resourceARN, tags: rec.Tags}, nil
	}
	switch typ {
	case "user":
		return s.userResource(c, field, withPath)
	case "group":
		if name, ok := field("GroupName"); ok {
			return withPath(kindGroup, "group", name)
		}
	case "role":
		if name, ok := field("RoleName"); ok {
			return withPath(kindRole, "role", name)
		}
		if svc, ok := field("AWSServiceName"); ok {
			// CreateServiceLinkedRole: the role it would create, as AWS
			// authorizes it (role/aws-service-role/SERVICE/NAME).
			var suffix *string
			if sfx, ok := field("CustomSuffix"); ok {
				suffix = &sfx
			}
			path, name, err := serviceLinkedRole(svc, suffix)
			if err != nil {
				return nil, err
			}
			return &resource{arn: build("role", path, name)}, nil
		}
	case "instance-profile":
		if name, ok := field("InstanceProfileName"); ok {
			return withPath(kindInstanceProfile, "instance-profile", name)
		}
	case "policy":
		if a, ok := field("PolicyArn"); ok {
			res := &resource{arn: a}
			err := s.view(ctx, func(tx Tx) error {
				r, err := s.resolvePolicy(tx, c, a)
				if err == nil {
					res.arn = r.arn
					if r.customer != nil {
						res.tags = r.customer.Tags
					}
				}
				if e, ok := awserr.As(err); ok && e.Code == iamapi.CodeNoSuchEntity {
					return nil // no such policy: the operation says so, through resolvePolicy too
				}
				return err // not a policy ARN of this deployment: refused now
			})
			if err != nil {
				return nil, err
			}
			return res, nil
		}
		if name, ok := field("PolicyName"); ok {
			path, _ := field("Path")
			if path == "" {
				path = "/"
			}
			return &resource{arn: build("policy", path, name)}, nil
		}
	case "mfa":
		if serial, ok := field("SerialNumber"); ok {
			return tagged(serial, kindMFA, serial)
		}
		if name, ok := field("VirtualMFADeviceName"); ok {
			path, _ := field("Path")
			if path == "" {
				path = "/"
			}
			return &resource{arn: build("mfa", path, name)}, nil
		}
	case "oidc-provider":
		if a, ok := field("OpenIDConnectProviderArn"); ok {
			// oidcFromARN accepts only the canonical ARN (the key is exact),
			// as the operations do: refused now otherwise.
			k, err := oidcFromARN(c, a)
			if err != nil {
				return nil, err
			}
			return tagged(a, kindOIDC, k)
		}
		if u, ok := field("Url"); ok {
			if k, err := oidcKey(u); err == nil {
				return &resource{arn: build("oidc-provider/", "", k)}, nil
			}
		}
	case "saml-provider":
		if a, ok := field("SAMLProviderArn"); ok {
			name, err := samlFromARN(c, a)
			if err != nil {
				return nil, err
			}
			var p *SAMLProvider
			err = s.view(ctx, func(tx Tx) error { p, err = getSAML(tx, c.Account, name, a); return err })
			if _, ok := awserr.As(err); ok {
				return &resource{arn: a}, nil // no provider of that exact name: the operation says so
			}
			if err != nil {
				return nil, err
			}
			return &resource{arn: build("saml-provider/", "", p.Name), tags: p.Tags}, nil
		}
		if name, ok := field("Name"); ok {
			return &resource{arn: build("saml-provider/", "", name)}, nil
		}
	case "server-certificate":
		if name, ok := field("ServerCertificateName"); ok {
			return withPath(kindServerCert, "server-certificate", name)
		}
	case "entity-arn":
		if a, ok := field("Arn"); ok {
			if _, isPolicy := parseEntityARN(c.Partition, a, "policy"); isPolicy {
				return s.findResource(ctx, c, dir, "policy", func(name string) (string, bool) {
					return a, name == "PolicyArn"
				})
			}
			return s.principalResource(c, a, withPath)
		}
	case "any-principal":
		// Actions whose resource types are all optional: the entity the
		// input names, when it names one.
		if a, ok := field("PolicySourceArn"); ok {
			return s.principalResource(c, a, withPath)
		}
	}
	return nil, nil
}

// userResource is the user an input's optional UserName names: the named
// user, or the calling one (callingUser: only an IAM user is one; the root
// user is authorized on its own ARN).
func (s *Service) userResource(c *Caller, field func(string) (string, bool), withPath func(kind, resourceType, name string) (*resource, error)) (*resource, error) {
	var given *string
	if name, ok := field("UserName"); ok && name != "" {
		given = &name
	}
	name, err := callingUser(c, given)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return &resource{arn: c.ARN}, nil // the root user, on its own credentials
	}
	return withPath(kindUser, "user", name)
}

// principalResource is the user, group or role a PolicySourceArn names,
// by its canonical ARN: the simulation reads that entity by name, so that
// entity is what is authorized, whatever the spelling.
func (s *Service) principalResource(c *Caller, a string, withPath func(kind, resourceType, name string) (*resource, error)) (*resource, error) {
	typ, name, ok := PrincipalSource(c, a)
	if !ok {
		return &resource{arn: a}, nil // not an entity of this account: the operation refuses it, through PrincipalSource too
	}
	kinds := map[string]string{"user": kindUser, "group": kindGroup, "role": kindRole}
	return withPath(kinds[typ], typ, name)
}
