package iam

import (
	"context"
	"errors"
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
	if c.Session != nil && c.Session.Type == SessionToken && !c.Session.MFA {
		// GetSessionToken credentials reach IAM only when MFA was used.
		return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid")
	}
	if c.Root && (c.Session == nil || c.Session.Type == SessionToken) {
		return nil // the root user may do everything in its account
	}
	if _, ok := actionResource[operation]; !ok {
		return noRule(c, operation)
	}
	req, err := g.svc.authzRequest(ctx, c, g.dir, operation, in)
	if err != nil {
		return err
	}
	return g.authz.Authorize(ctx, req)
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
	if c.Root && (c.Session == nil || c.Session.Type == SessionToken) {
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

func (s *Service) authzRequest(ctx context.Context, c *Caller, dir EntityDirectory, operation string, in iamapi.Input) (*AuthzRequest, error) {
	req := &AuthzRequest{Caller: c, Action: "iam:" + operation, Resource: "*", ResourceAccount: c.Account, Keys: map[string][]string{}}
	field := func(name string) (string, bool) {
		return in.AuthzString(name)
	}
	res, err := s.findResource(ctx, c, dir, actionResource[operation], field)
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
			req.Keys["aws:ResourceTag/"+t.Key] = []string{t.Value}
			req.Keys["iam:ResourceTag/"+t.Key] = []string{t.Value}
		}
	}
	// Tags the request sets or removes.
	if tags := in.AuthzTags(); len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			req.Keys["aws:RequestTag/"+t.Key] = []string{t.Value}
			keys = append(keys, t.Key)
		}
		req.Keys["aws:TagKeys"] = keys
	}
	if keys := in.AuthzTagKeys(); len(keys) > 0 {
		req.Keys["aws:TagKeys"] = keys
	}
	if p, ok := field("PolicyArn"); ok && actionResource[operation] != "policy" {
		req.Keys["iam:PolicyARN"] = []string{p}
	}
	if p, ok := field("PermissionsBoundary"); ok && p != "" {
		req.Keys["iam:PermissionsBoundary"] = []string{p}
	}
	return req, nil
}

// findResource builds the ARN of the entity an operation names (and reads
// its tags when it exists). Operations on "*" return nil.
func (s *Service) findResource(ctx context.Context, c *Caller, dir EntityDirectory, typ string, field func(string) (string, bool)) (*resource, error) {
	build := func(resourceType, path, name string) string {
		return arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: resourceType + path + name}.String()
	}
	withPath := func(kind, resourceType, name string) (*resource, error) {
		var rec struct {
			Name string `json:"name"`
			Path string `json:"path"`
			Tags []Tag  `json:"tags"`
		}
		var err error
		if dir != nil && (kind == kindUser || kind == kindRole) {
			var pd *PrincipalData
			if pd, err = dir.Entity(ctx, c.Account, kind, name); err == nil {
				rec.Name, rec.Path, rec.Tags = pd.Name, pd.Path, pd.Tags
			}
		} else {
			err = s.view(ctx, func(tx Tx) error { return getJSON(tx, c.Account, kind, lower(name), &rec) })
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
		name, ok := field("UserName")
		if !ok || name == "" {
			if c.UserName == "" {
				return &resource{arn: c.ARN}, nil
			}
			name = c.UserName
		}
		return withPath(kindUser, "user", name)
	case "group":
		if name, ok := field("GroupName"); ok {
			return withPath(kindGroup, "group", name)
		}
	case "role":
		if name, ok := field("RoleName"); ok {
			return withPath(kindRole, "role", name)
		}
	case "instance-profile":
		if name, ok := field("InstanceProfileName"); ok {
			return withPath(kindInstanceProfile, "instance-profile", name)
		}
	case "policy":
		if a, ok := field("PolicyArn"); ok {
			var tags []Tag
			err := s.view(ctx, func(tx Tx) error {
				r, err := s.resolvePolicy(tx, c, a)
				if err == nil && r.customer != nil {
					tags = r.customer.Tags
				}
				if _, ok := awserr.As(err); ok {
					return nil // no such policy, or not an ARN: the operation says so
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			return &resource{arn: a, tags: tags}, nil
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
			if k, err := oidcFromARN(c, a); err == nil {
				return tagged(a, kindOIDC, k)
			}
			return &resource{arn: a}, nil
		}
		if u, ok := field("Url"); ok {
			if k, err := oidcKey(u); err == nil {
				return &resource{arn: build("oidc-provider/", "", k)}, nil
			}
		}
	case "saml-provider":
		if a, ok := field("SAMLProviderArn"); ok {
			if name, err := samlFromARN(c, a); err == nil {
				return tagged(a, kindSAML, lower(name))
			}
			return &resource{arn: a}, nil
		}
		if name, ok := field("Name"); ok {
			return &resource{arn: build("saml-provider/", "", name)}, nil
		}
	case "server-certificate":
		if name, ok := field("ServerCertificateName"); ok {
			return withPath(kindServerCert, "server-certificate", name)
		}
	case "any-principal":
		if a, ok := field("PolicySourceArn"); ok {
			return &resource{arn: a}, nil
		}
	}
	return nil, nil
}
