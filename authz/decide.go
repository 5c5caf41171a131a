package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Decider authorizes requests of callers of this server. It implements
// iam.Authorizer.
type Decider struct {
	iam  *iam.Service
	view *View
	// scps are the service control policies of the accounts that belong
	// to an organization, by account: one set per level, outermost first.
	scps map[string][]*policy.Set
}

// SetSCPs gives the accounts that belong to an organization their SCPs
// (one set per level, outermost first); every decision for a principal of
// such an account, an IAM call's or a gateway call's, is bounded by them.
// Call it before the decider decides.
func (d *Decider) SetSCPs(scps map[string][]*policy.Set) { d.scps = scps }

// selfPasswordPolicy is what a password policy with
// AllowUsersToChangePassword grants every user of the account: AWS's
// IAMUserChangePassword, applied at the account level.
var selfPasswordPolicy = policy.MustParse(`{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":"iam:ChangePassword","Resource":["arn:*:iam::*:user/${aws:username}","arn:*:iam::*:user/*/${aws:username}"]},
	{"Effect":"Allow","Action":"iam:GetAccountPasswordPolicy","Resource":"*"}]}`, policy.Source{ID: "account password policy (AllowUsersToChangePassword)"})

// BoundsRoot reports whether the account's root user is bounded by
// service control policies (iam.RootBounder): only then does IAM's guard
// decide its calls instead of allowing them.
func (d *Decider) BoundsRoot(account string) bool { return len(d.scps[account]) > 0 }

// New returns a decider reading principals through the view.
func New(svc *iam.Service, view *View) *Decider { return &Decider{iam: svc, view: view} }

// Authorize allows the request or returns AccessDenied with AWS's message.
func (d *Decider) Authorize(ctx context.Context, req *iam.AuthzRequest) error {
	preq := requests.Get().(*policy.Request)
	var in policy.Input // on the stack: an allowed call keeps nothing of it
	if err := d.input(ctx, req, nil, preq, &in); err != nil {
		return err
	}
	if policy.Evaluate(&in, preq) == policy.Allowed {
		// An allowed request keeps nothing of its context: its map is the
		// next request's (a map of two dozen keys was 5 of a policy-checked
		// GetUser's allocations).
		recycle(preq)
		return nil
	}
	return AccessDenied(req.Caller, req.Action, req.Resource, policy.Explain(&in, preq))
}

// requests recycles evaluated requests' contexts.
var requests = sync.Pool{New: func() any { return new(policy.Request) }}

// recycle returns a request whose evaluation is over to requests. Only a
// request nothing refers to any more may be recycled: an Explanation holds
// none of it (its keys are the statements', its matches the policies').
func recycle(preq *policy.Request) {
	preq.Context.Reset()
	*preq = policy.Request{Context: preq.Context}
	requests.Put(preq)
}

// Entity is a user or role as the view holds it (iam.EntityDirectory).
func (d *Decider) Entity(ctx context.Context, account, kind, name string) (*iam.PrincipalData, error) {
	p, err := d.view.principal(ctx, account, kind, name)
	if err != nil {
		return nil, err
	}
	return p.data, nil
}

// Decide evaluates a request with an optional resource-based policy and
// explains the decision.
func (d *Decider) Decide(ctx context.Context, req *iam.AuthzRequest, resourcePolicy *policy.Set) (*policy.Explanation, error) {
	preq := requests.Get().(*policy.Request)
	var in policy.Input
	if err := d.input(ctx, req, resourcePolicy, preq, &in); err != nil {
		return nil, err
	}
	e := policy.Explain(&in, preq)
	recycle(preq) // the explanation keeps nothing of the request
	return e, nil
}

// Input builds the evaluation input and request for a caller.
func (d *Decider) Input(ctx context.Context, req *iam.AuthzRequest, resourcePolicy *policy.Set) (*policy.Input, *policy.Request, error) {
	preq := &policy.Request{}
	in := &policy.Input{}
	if err := d.input(ctx, req, resourcePolicy, preq, in); err != nil {
		return nil, nil, err
	}
	return in, preq, nil
}

// input fills preq (empty, its context perhaps recycled) and in (empty)
// for a caller.
func (d *Decider) input(ctx context.Context, req *iam.AuthzRequest, resourcePolicy *policy.Set, preq *policy.Request, in *policy.Input) error {
	c := req.Caller
	in.Resource, in.SCPs = resourcePolicy, d.scps[c.Account]
	preq.Action, preq.Resource, preq.ResourceAccount = req.Action, req.Resource, req.ResourceAccount
	for k, v := range req.Keys {
		preq.Context.Set(k, v...)
	}
	p, tags, err := d.principal(ctx, c, in)
	if err != nil {
		return err
	}
	preq.Principal = p
	if req.SelfPasswordGrant && p.Type == policy.TypeUser {
		var ps []*policy.Policy
		if in.Identity != nil {
			ps = append(ps, in.Identity.Policies()...)
		}
		in.Identity = policy.NewSet(append(ps, selfPasswordPolicy)...)
	}
	for k, v := range tags {
		preq.Context.Set("aws:PrincipalTag/"+k, v)
	}
	globalKeys(&preq.Context, c)
	policy.AddPrincipalKeys(&preq.Context, &preq.Principal)
	return nil
}

// principal fills in the caller's policies and returns it as the policy
// engine sees it, with its tags.
func (d *Decider) principal(ctx context.Context, c *iam.Caller, in *policy.Input) (policy.Principal, map[string]string, error) {
	s := c.Session
	switch {
	case c.Root && (s == nil || s.Type == iam.SessionToken):
		root := arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "root"}.String()
		return policy.Principal{Type: policy.TypeAccount, ARN: root, Account: c.Account}, nil, nil

	case s == nil || s.Type == iam.SessionToken:
		u, err := d.load(ctx, c.Account, "user", c.UserName)
		if err != nil {
			return policy.Principal{}, nil, err
		}
		if s != nil && u.data.ID != s.UserID {
			return policy.Principal{}, nil, errInvalidToken() // a user re-created with the name
		}
		in.Identity, in.Boundary = u.identity, u.boundary
		return policy.Principal{Type: policy.TypeUser, ARN: c.ARN, Account: c.Account, ID: u.data.ID}, u.tags, nil

	case s.Type == iam.SessionAssumedRole:
		r, err := d.load(ctx, c.Account, "role", s.RoleName)
		if err != nil {
			return policy.Principal{}, nil, err
		}
		if r.data.ID != s.RoleID {
			return policy.Principal{}, nil, errInvalidToken() // a role re-created with the name
		}
		in.Identity, in.Boundary = r.identity, r.boundary
		if in.Session, err = d.sessionPolicies(ctx, c.Account, s); err != nil {
			return policy.Principal{}, nil, err
		}
		tags := map[string]string{}
		for k, v := range r.tags {
			tags[k] = v
		}
		for k, v := range s.Tags { // session tags override the role's
			tags[k] = v
		}
		roleARN := arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "role" + r.data.Path + r.data.Name}.String()
		return policy.Principal{Type: policy.TypeAssumedRole, ARN: c.ARN, Account: c.Account, ID: r.data.ID + ":" + s.SessionName, RoleARN: roleARN}, tags, nil

	case s.Type == iam.SessionFederatedUser:
		var userARN string
		if s.UserName != "" {
			u, err := d.load(ctx, c.Account, "user", s.UserName)
			if err != nil {
				return policy.Principal{}, nil, err
			}
			if u.data.ID != s.UserID {
				return policy.Principal{}, nil, errInvalidToken()
			}
			in.Identity, in.Boundary = u.identity, u.boundary
			userARN = arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "user" + u.data.Path + u.data.Name}.String()
		} else {
			// The root user's federated users: the root user may do
			// everything, so their session policies alone limit them.
			in.Identity = rootIdentity
		}
		var err error
		if in.Session, err = d.sessionPolicies(ctx, c.Account, s); err != nil {
			return policy.Principal{}, nil, err
		}
		return policy.Principal{Type: policy.TypeFederatedUser, ARN: c.ARN, Account: c.Account, FederatingUserARN: userARN}, s.Tags, nil
	}
	return policy.Principal{}, nil, awserr.Internal(fmt.Errorf("unknown session type %q", s.Type))
}

// rootIdentity is the root user's implicit permission, as an identity
// policy (for sessions the root user federates).
var rootIdentity = func() *policy.Set {
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		panic(err)
	}
	return policy.NewSet(policy.Compile(doc, policy.Source{ID: "root", Type: "root"}))
}()

// load reads a principal, turning "it is gone" into the error a caller
// whose user or role was deleted gets.
func (d *Decider) load(ctx context.Context, account, kind, name string) (*principal, error) {
	p, err := d.view.principal(ctx, account, kind, name)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, errInvalidToken()
	}
	return p, err
}

// sessionPolicies compiles a session's inline and managed policies into
// one set; nil when the session has none.
func (d *Decider) sessionPolicies(ctx context.Context, account string, s *iam.Session) (*policy.Set, error) {
	if s.Policy == "" && len(s.PolicyARNs) == 0 {
		return nil, nil
	}
	var pols []*policy.Policy
	if s.Policy != "" {
		pols = append(pols, d.view.compile(iam.PolicyDoc{ID: "session-policy", Type: "session", Text: s.Policy}))
	}
	for _, a := range s.PolicyARNs {
		doc, err := d.iam.ManagedPolicyDocument(ctx, account, a)
		if err != nil {
			continue // a managed session policy deleted since: it allows nothing
		}
		doc.Type = "session"
		pols = append(pols, d.view.compile(*doc))
	}
	return policy.NewSet(pols...), nil
}

// globalKeys sets the condition keys AWS puts on every request (section 6
// of the spec), leaving out those it cannot know.
func globalKeys(ctx *policy.Context, c *iam.Caller) {
	now := c.Time
	if now.IsZero() {
		now = time.Now()
	}
	setIf := ctx.SetDefault // keys lower-cased: nothing to copy per request
	t := clockStrings(now)
	setIf("aws:currenttime", t.current)
	setIf("aws:epochtime", t.epoch)
	setIf("aws:securetransport", strconv.FormatBool(c.SecureTransport))
	setIf("aws:sourceip", c.SourceIP)
	setIf("aws:useragent", c.UserAgent)
	setIf("aws:requestedregion", c.Region)
	setIf("aws:principalisawsservice", "false")
	setIf("aws:viaawsservice", "false")
	if s := c.Session; s != nil {
		setIf("aws:tokenissuetime", s.IssuedAt.UTC().Format(time.RFC3339))
		setIf("aws:multifactorauthpresent", strconv.FormatBool(s.MFA))
		if s.MFA {
			setIf("aws:multifactorauthage", strconv.FormatInt(int64(now.Sub(s.MFAAuthTime).Seconds()), 10))
		}
		setIf("aws:sourceidentity", s.SourceIdentity)
		for k, v := range s.WebIdentity {
			setIf(k, v)
		}
	}
}

// secondStrings is a second's aws:CurrentTime and aws:EpochTime.
type secondStrings struct {
	unix           int64
	current, epoch string
}

var lastSecond atomic.Pointer[secondStrings]

// clockStrings formats the time keys once a second, not once a request.
func clockStrings(now time.Time) *secondStrings {
	u := now.Unix()
	if t := lastSecond.Load(); t != nil && t.unix == u {
		return t
	}
	t := &secondStrings{unix: u, current: now.UTC().Format(time.RFC3339), epoch: strconv.FormatInt(u, 10)}
	lastSecond.Store(t)
	return t
}

// Denial is AWS's AccessDenied with the decision behind it, so that what
// records decisions (the audit log, metrics) need not read the message.
type Denial struct {
	AWS      *awserr.Error // what the client gets
	Decision policy.Decision
}

func (d *Denial) Error() string { return d.AWS.Error() }

// Unwrap gives the AWS error.
func (d *Denial) Unwrap() error { return d.AWS }

// AccessDenied is AWS's refusal, saying which kind of policy refused.
func AccessDenied(c *iam.Caller, action, resource string, e *policy.Explanation) *Denial {
	who := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.ARN, action, resource)
	var why string
	switch {
	case e.Decision == policy.ExplicitDeny:
		where := "an identity-based policy"
		if len(e.Matched) > 0 {
			where = map[policy.Role]string{
				policy.RoleIdentity: "an identity-based policy", policy.RoleBoundary: "a permissions boundary",
				policy.RoleSession: "a session policy", policy.RoleSCP: "a service control policy",
				policy.RoleRCP: "a resource control policy", policy.RoleResource: "a resource-based policy",
			}[e.Matched[0].Role]
		}
		why = " with an explicit deny in " + where
	case e.AllowedByOrganizations != nil && !*e.AllowedByOrganizations:
		why = " because no service control policy allows the " + action + " action"
	case e.AllowedByIdentity != nil && !*e.AllowedByIdentity && (e.AllowedByResource == nil || !*e.AllowedByResource):
		why = " because no identity-based policy allows the " + action + " action"
	case e.AllowedByBoundary != nil && !*e.AllowedByBoundary:
		why = " because no permissions boundary allows the " + action + " action"
	case e.AllowedBySession != nil && !*e.AllowedBySession:
		why = " because no session policy allows the " + action + " action"
	case e.AllowedByRCPs != nil && !*e.AllowedByRCPs:
		why = " because no resource control policy allows the " + action + " action"
	// What is left is a request across accounts, where both sides must
	// allow: the identity side did (no resource policy, or one that does
	// not grant), or only the resource side did.
	case e.AllowedByResource == nil || !*e.AllowedByResource:
		why = " because no resource-based policy allows the " + action + " action"
	case e.AllowedByIdentity != nil && !*e.AllowedByIdentity:
		why = " because no identity-based policy allows the " + action + " action"
	}
	return &Denial{AWS: awserr.New("AccessDenied", http.StatusForbidden, who+why), Decision: e.Decision}
}

// errInvalidToken is what a caller whose user or role is gone (deleted, or
// deleted and created again: a new principal) gets, as from AWS.
func errInvalidToken() error {
	return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
}
