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

// MarshalText writes the decision as AWS names it.
func (d Decision) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

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

// evalRequest is a request with the resource split into its six parts on
// first use (most patterns never need the parts).
type evalRequest struct {
	*Request
	split    bool
	resParts [6]string
	resOK    bool
}

func newEvalRequest(req *Request) evalRequest { return evalRequest{Request: req} }

// parts returns the resource's six parts; ok is false when it is not an ARN.
func (r *evalRequest) parts() (*[6]string, bool) {
	if !r.split {
		r.resParts, r.resOK = arn.Split(r.Resource)
		r.split = true
	}
	return &r.resParts, r.resOK
}

// Evaluate decides a request. It allocates nothing once the sets have seen
// the action (their plans are cached).
func Evaluate(in *Input, req *Request) Decision {
	r := newEvalRequest(req)
	if in.identityOnly() && req.Principal.Type != TypeFederatedUser && req.Principal.Account != "" {
		return decideIdentityOnly(in.Identity, &r)
	}
	return decide(in, &r, nil)
}

// identityOnly reports whether only identity policies apply: the most
// common request by far (no boundary, session policy, resource policy or
// organization), which gets a shorter path.
func (in *Input) identityOnly() bool {
	return in.Boundary == nil && in.Session == nil && in.Resource == nil && len(in.SCPs) == 0 && len(in.RCPs) == 0
}

// decideIdentityOnly is decide reduced to identity policies: the same
// steps in the same order with everything absent left out. Explain always
// takes the general path, and the tests compare the two.
func decideIdentityOnly(identity *Set, r *evalRequest) Decision {
	pl := identity.planFor(r.Action)
	if anyDeny(pl, r, false, nil, RoleIdentity) {
		return ExplicitDeny
	}
	if resourcePolicyRequired(r) {
		return ImplicitDeny
	}
	cross := r.ResourceAccount != "" && r.ResourceAccount != r.Principal.Account
	if !cross && (r.Principal.Type == TypeAccount || allows(pl, r, nil, RoleIdentity)) {
		return Allowed
	}
	return ImplicitDeny
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
	identity, boundary, session, resource := in.Identity.planFor(r.Action), in.Boundary.planFor(r.Action),
		in.Session.planFor(r.Action), in.Resource.planFor(r.Action)

	// 1. An explicit deny anywhere wins. 2-3. Every SCP level (of the
	// principal's account) and RCP level (of the resource's account) must
	// allow.
	denied, orgOK, rcpOK := false, true, true
	if !noIdentitySide {
		for _, s := range in.SCPs {
			pl := s.planFor(r.Action)
			denied = anyDeny(pl, r, hasBoundary, tr, RoleSCP) || denied
			orgOK = (denied && tr == nil || allows(pl, r, tr, RoleSCP)) && orgOK
		}
	}
	for _, s := range in.RCPs {
		pl := s.planFor(r.Action)
		denied = anyDeny(pl, r, hasBoundary, tr, RoleRCP) || denied
		rcpOK = (denied && tr == nil || allows(pl, r, tr, RoleRCP)) && rcpOK
	}
	for _, c := range [...]struct {
		pl   *plan
		role Role
		skip bool
	}{
		{resource, RoleResource, false},
		{identity, RoleIdentity, noIdentitySide},
		{boundary, RoleBoundary, noIdentitySide},
		{session, RoleSession, noIdentitySide},
	} {
		if !c.skip && (!denied || tr != nil) {
			denied = anyDeny(c.pl, r, hasBoundary, tr, c.role) || denied
		}
	}
	if tr != nil {
		tr.setOrgs(len(in.SCPs) > 0 && !noIdentitySide, orgOK)
		if len(in.RCPs) > 0 {
			tr.rcps = &rcpOK
		}
	}
	if tr == nil && (denied || !orgOK || !rcpOK) {
		return worst(denied)
	}

	// Everything the allow chain needs, computed once.
	grant := resourceGrant(resource, r, tr)
	identityOK, boundaryOK, sessionOK := false, true, true
	if !noIdentitySide {
		identityOK = p.Type == TypeAccount || allows(identity, r, tr, RoleIdentity)
		if hasBoundary {
			boundaryOK = allows(boundary, r, tr, RoleBoundary)
		}
		if in.Session != nil {
			sessionOK = allows(session, r, tr, RoleSession)
		}
		if tr != nil {
			tr.setBoundary(hasBoundary, boundaryOK)
			tr.identity = &identityOK
			if in.Session != nil || p.Type == TypeFederatedUser {
				ok := sessionOK && in.Session != nil
				tr.session = &ok
			}
		}
	}
	if tr != nil && in.Resource != nil {
		ok := grant != grantNone
		tr.resource = &ok
	}
	if denied || !orgOK || !rcpOK {
		return worst(denied)
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

func worst(denied bool) Decision {
	if denied {
		return ExplicitDeny
	}
	return ImplicitDeny
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
	a := r.Action
	if len(a) < 4 || a[3] != ':' || !strings.EqualFold(a[:3], "sts") && !strings.EqualFold(a[:3], "kms") {
		return false
	}
	parts, ok := r.parts()
	if !ok {
		return false
	}
	svc, name := a[:3], a[4:]
	switch {
	case strings.EqualFold(svc, "sts"):
		if parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
			return false
		}
		for _, a := range stsRoleActions {
			if strings.EqualFold(a[4:], name) {
				return true
			}
		}
	case strings.EqualFold(svc, "kms"):
		return parts[2] == "kms" && strings.HasPrefix(parts[5], "key/")
	}
	return false
}

// anyDeny reports whether a Deny statement of the plan applies.
func anyDeny(pl *plan, r *evalRequest, hasBoundary bool, tr *trace, role Role) bool {
	if pl == nil {
		return false
	}
	found := false
	for i := range pl.deny {
		st := &pl.deny[i]
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

// allows reports whether an Allow statement of the plan applies.
func allows(pl *plan, r *evalRequest, tr *trace, role Role) bool {
	if pl == nil {
		return false
	}
	found := false
	for i := range pl.allow {
		st := &pl.allow[i]
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
func resourceGrant(pl *plan, r *evalRequest, tr *trace) grant {
	best := grantNone
	if pl == nil {
		return best
	}
	for i := range pl.allow {
		st := &pl.allow[i]
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
			if st.resources[i].match(r, tr) {
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
