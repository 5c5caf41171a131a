package policy

import (
	"strings"

	"github.com/iamd/iamd/arn"
)

// Decision is the outcome of an evaluation, named as AWS's simulator names
// its EvalDecision.
type Decision uint8

const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// ParseDecision reads "allowed", "explicitDeny" or "implicitDeny".
func ParseDecision(s string) (Decision, bool) {
	switch s {
	case "allowed":
		return Allowed, true
	case "explicitDeny":
		return ExplicitDeny, true
	case "implicitDeny":
		return ImplicitDeny, true
	}
	return ImplicitDeny, false
}

// Request is one request to decide.
type Request struct {
	Principal       Principal
	Action          string // service:Action
	Resource        string // the resource ARN
	ResourceAccount string // the account that owns the resource; "" = the principal's
	Context         Context
}

// Input is every policy that applies to a request (section 7.2).
type Input struct {
	Identity *Set   // identity-based policies; nil or empty: none
	Boundary *Set   // permissions boundary; nil: the principal has none
	Session  *Set   // session policies; nil: none were passed
	SCPs     []*Set // one per level of the principal's organization, outermost first
	RCPs     []*Set // one per level of the resource account's organization
	Resource *Set   // the resource-based policy (a role's trust policy for sts role actions)
}

// evalRequest is a request with the resource split once into its six parts.
type evalRequest struct {
	*Request
	resParts    [6]string
	resOK       bool
	lowerAction string // only computed when tracing
}

func newEvalRequest(req *Request) evalRequest {
	r := evalRequest{Request: req}
	r.resParts, r.resOK = arn.Split(req.Resource)
	return r
}

// Evaluate decides a request. It allocates nothing once the sets have seen
// the action (their plans are cached).
func Evaluate(in *Input, req *Request) Decision {
	r := newEvalRequest(req)
	return decide(in, &r, nil)
}

// Explain decides a request and says why: the statements that decided it,
// the context keys the policies needed but the request lacked, and the
// verdict of each kind of policy.
func Explain(in *Input, req *Request) *Explanation {
	r := newEvalRequest(req)
	tr := &trace{}
	e := &Explanation{}
	e.Decision = decide(in, &r, tr)
	tr.finish(e)
	return e
}

// decide implements section 7. With tr nil it stops as soon as the outcome
// is known; with a trace it visits every applicable statement so the
// explanation is complete, and reaches the same decision.
func decide(in *Input, r *evalRequest, tr *trace) Decision {
	p := &r.Principal
	noIdentitySide := p.Account == ""
	cross := !noIdentitySide && r.ResourceAccount != "" && r.ResourceAccount != p.Account
	hasBoundary := in.Boundary != nil

	// 1. An explicit deny anywhere wins.
	denied := false
	check := func(s *Set, role Role) {
		if !denied || tr != nil {
			denied = anyDeny(s, r, hasBoundary, tr, role) || denied
		}
	}
	if !noIdentitySide {
		for _, s := range in.SCPs {
			check(s, RoleSCP)
		}
	}
	for _, s := range in.RCPs {
		check(s, RoleRCP)
	}
	check(in.Resource, RoleResource)
	if !noIdentitySide {
		check(in.Identity, RoleIdentity)
		check(in.Boundary, RoleBoundary)
		check(in.Session, RoleSession)
	}
	if denied && tr == nil {
		return ExplicitDeny
	}

	// 2-3. Every SCP level (principal's account) and RCP level (resource's
	// account) must allow.
	orgOK, rcpOK := true, true
	if !noIdentitySide {
		for _, s := range in.SCPs {
			orgOK = allows(s, r, tr, RoleSCP) && orgOK
		}
	}
	for _, s := range in.RCPs {
		rcpOK = allows(s, r, tr, RoleRCP) && rcpOK
	}
	if tr != nil {
		tr.setOrgs(len(in.SCPs) > 0 && !noIdentitySide, orgOK)
	}

	grant := grantNone
	if in.Resource != nil && (orgOK && rcpOK || tr != nil) {
		grant = resourceGrant(in.Resource, r, tr)
	}
	identityOK, boundaryOK, sessionOK := false, true, true
	if !noIdentitySide && (tr != nil || orgOK && rcpOK && !denied) {
		identityOK = p.Type == TypeAccount || allows(in.Identity, r, tr, RoleIdentity)
		if hasBoundary {
			boundaryOK = allows(in.Boundary, r, tr, RoleBoundary)
		}
		if in.Session != nil {
			sessionOK = allows(in.Session, r, tr, RoleSession)
		}
		if tr != nil {
			tr.setBoundary(hasBoundary, boundaryOK)
		}
	}
	switch {
	case denied:
		return ExplicitDeny
	case !orgOK || !rcpOK:
		return ImplicitDeny
	}
	// A federated user's session without a session policy has no
	// permissions of its own (section 8.2).
	principalSessionOK := sessionOK && (p.Type != TypeFederatedUser || in.Session != nil)

	// Services and web identities have no identity side: the resource
	// policy decides alone.
	if noIdentitySide {
		return allowIf(grant != grantNone, tr, maskResource)
	}
	// Role trust policies and KMS key policies must themselves allow
	// (section 7.6).
	if grant == grantNone && resourcePolicyRequired(r) {
		return ImplicitDeny
	}
	identitySide := identityOK && boundaryOK && principalSessionOK
	if cross {
		// Both accounts must allow: any form of grant on the resource
		// side, the whole identity path on the principal side (7.4).
		return allowIf(grant != grantNone && identitySide, tr, maskIdentity|maskBoundary|maskSession|maskResource)
	}
	switch {
	case p.Type == TypeAccount:
		return allowIf(true, tr, maskResource)
	case grant == grantDirect:
		return allowIf(true, tr, maskResource)
	case grant == grantRole && boundaryOK && sessionOK:
		return allowIf(true, tr, maskResource|maskBoundary|maskSession)
	}
	return allowIf(identitySide, tr, maskIdentity|maskBoundary|maskSession|maskResource)
}

// allowIf returns Allowed when ok, telling the trace which kinds of policy
// supplied the deciding Allow statements.
func allowIf(ok bool, tr *trace, roles roleMask) Decision {
	if !ok {
		return ImplicitDeny
	}
	if tr != nil {
		tr.decidingAllows(roles)
	}
	return Allowed
}

// resourcePolicyRequired reports whether the resource's own policy must
// allow the request whatever the identity policies say: role trust
// policies for the STS role actions, and KMS key policies (7.3, 7.6).
func resourcePolicyRequired(r *evalRequest) bool {
	if !r.resOK {
		return false
	}
	svc, name, _ := strings.Cut(r.Action, ":")
	switch {
	case strings.EqualFold(svc, "sts"):
		if r.resParts[2] != "iam" || !strings.HasPrefix(r.resParts[5], "role/") {
			return false
		}
		for _, a := range stsRoleActions {
			if strings.EqualFold(a[4:], name) {
				return true
			}
		}
	case strings.EqualFold(svc, "kms"):
		return r.resParts[2] == "kms" && strings.HasPrefix(r.resParts[5], "key/")
	}
	return false
}

// anyDeny reports whether a Deny statement of s applies.
func anyDeny(s *Set, r *evalRequest, hasBoundary bool, tr *trace, role Role) bool {
	if s.Empty() {
		return false
	}
	found := false
	for _, st := range s.plan(r.Action).deny {
		if _, ok := st.applies(r, hasBoundary, tr); ok {
			found = true
			if tr == nil {
				return true
			}
			tr.match(st, role)
		}
	}
	return found
}

// allows reports whether an Allow statement of s applies.
func allows(s *Set, r *evalRequest, tr *trace, role Role) bool {
	if s.Empty() {
		return false
	}
	found := false
	for _, st := range s.plan(r.Action).allow {
		if _, ok := st.applies(r, false, tr); ok {
			found = true
			if tr == nil {
				return true
			}
			tr.match(st, role)
		}
	}
	return found
}

// resourceGrant returns the strongest way an applicable Allow statement of
// the resource policy names the caller.
func resourceGrant(s *Set, r *evalRequest, tr *trace) grant {
	best := grantNone
	for _, st := range s.plan(r.Action).allow {
		g, ok := st.applies(r, false, tr)
		if !ok {
			continue
		}
		best = max(best, g)
		if tr != nil {
			tr.match(st, RoleResource)
		} else if best == grantDirect {
			break
		}
	}
	return best
}

// applies checks the resource, principal and condition of a statement whose
// action already matched. The grant says how a Principal element named the
// caller (grantDirect when the statement has none).
func (st *stmt) applies(r *evalRequest, hasBoundary bool, tr *trace) (grant, bool) {
	if len(st.resources) > 0 {
		matched := false
		for i := range st.resources {
			if st.resources[i].match(r.Resource, &r.resParts, r.resOK, &r.Context, tr) {
				matched = true
				break
			}
		}
		if matched == st.notResource {
			return grantNone, false
		}
	}
	g := grantDirect
	if st.principal != nil {
		if st.notPrincipal {
			// A principal with a permissions boundary is never spared by
			// NotPrincipal in a Deny (section 1.4).
			if !(st.deny && hasBoundary) && st.principal.exempts(&r.Principal) {
				return grantNone, false
			}
		} else if g = st.principal.grantFor(&r.Principal); g == grantNone {
			return grantNone, false
		}
	}
	ok := true
	for i := range st.conds {
		if !st.conds[i].holds(r, tr) {
			ok = false
			if tr == nil {
				break
			}
		}
	}
	return g, ok
}
