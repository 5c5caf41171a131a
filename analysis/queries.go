package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Step is one link of a chain that gives a principal access: a policy
// statement that allows, a role assumed, a group joined, a technique used.
type Step struct {
	Kind        string   `json:"kind"` // policy, member, assume, or an escalation technique
	From        string   `json:"from,omitempty"`
	To          string   `json:"to,omitempty"`
	Policy      string   `json:"policy,omitempty"`
	Statement   string   `json:"statement,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	Conditional bool     `json:"conditional,omitempty"`
	Condition   []string `json:"condition_keys,omitempty"`
	// Technique is the catalogue id of an escalation step (see Techniques).
	Technique string `json:"technique,omitempty"`
}

func (s Step) String() string {
	switch s.Kind {
	case "policy":
		if s.Conditional {
			return fmt.Sprintf("allowed by %s (%s) if %s match", s.Policy, s.Statement, strings.Join(s.Condition, ", "))
		}
		return fmt.Sprintf("allowed by %s (%s)", s.Policy, s.Statement)
	case "member":
		return fmt.Sprintf("%s is a member of %s", short(s.From), short(s.To))
	case "assume":
		c := ""
		if s.Conditional {
			c = " if " + strings.Join(s.Condition, ", ") + " match"
		}
		return fmt.Sprintf("%s may %s %s%s", short(s.From), s.Detail, short(s.To), c)
	case "service":
		return fmt.Sprintf("%s %s", short(s.From), s.Detail)
	}
	return fmt.Sprintf("%s: %s -> %s (%s)", s.Kind, short(s.From), short(s.To), s.Detail)
}

// short drops the arn:aws:iam::ACCOUNT: prefix for reading.
func short(id string) string {
	if parts := strings.SplitN(id, ":", 6); len(parts) == 6 && parts[0] == "arn" && (parts[2] == "iam" || parts[2] == "sts") && parts[5] != "root" {
		return parts[5]
	}
	return id
}

// Access is one identity allowed a request and how: a user, a role, a
// principal of another account, a federated provider, or anyone. Through
// names the service a chain goes through (a role passed to it and code run
// there) when the identity reaches the permission that way.
type Access struct {
	Principal   string `json:"principal"`
	Kind        Kind   `json:"kind"`
	Via         []Step `json:"via"`
	Conditional bool   `json:"conditional,omitempty"`
	Through     string `json:"through_service,omitempty"`
}

// WhoCan lists every identity allowed action on resource: users and roles
// whose policies (or the resource's policy) allow it, and everyone who can
// reach such a role by assuming roles (other accounts, federated
// providers, anyone included). A service is not an identity: a role it may
// assume is reached by the principals that can pass the role to it and run
// code there, and those are listed, marked Through the service. Each is
// listed once, with its shortest chain. ctx adds request context keys
// (conditions the caller expects to hold).
//
// For sts:AssumeRole (and its web identity and SAML variants) on a role of
// the account, the answer starts from the role's trust edges: every
// identity its trust policy lets in, whether or not it is of the account.
func (g *Graph) WhoCan(action, resource string, ctx map[string][]string) []Access {
	type state struct {
		via     []Step
		cond    bool
		through string
	}
	best := map[string]*state{}
	var queue []string
	if role, ok := g.Account.Entity(resource); ok && role.Kind == KindRole && strings.HasPrefix(strings.ToLower(action), "sts:assumerole") {
		best[role.ARN] = &state{}
		queue = append(queue, role.ARN)
	} else {
		var conditional []*Entity
		for _, e := range g.Account.Principals() {
			if g.allowed(e, action, resource, ctx) {
				best[e.ARN] = &state{via: g.policySteps(e, action, resource, ctx)}
				queue = append(queue, e.ARN)
			} else if e.optimistic != nil {
				conditional = append(conditional, e)
			}
		}
		// Principals allowed only when conditions hold.
		for _, e := range conditional {
			if steps, ok := g.conditionalSteps(e, action, resource, ctx); ok {
				best[e.ARN] = &state{via: steps, cond: true}
				queue = append(queue, e.ARN)
			}
		}
		for _, ex := range g.resourceGrantees(action, resource, ctx) {
			if _, seen := best[ex.id]; !seen {
				best[ex.id] = &state{via: ex.via, cond: ex.cond}
				if g.Nodes[ex.id] == nil {
					g.Nodes[ex.id] = &Node{ID: ex.id, Kind: ex.kind}
				}
			}
		}
	}
	// reach records a chain into id unless a better one is known: first
	// reached wins, except that an unconditional chain replaces a
	// conditional one.
	known := func(id string, cond bool) bool {
		old, seen := best[id]
		return seen && (!old.cond || cond)
	}
	reach := func(id string, st *state) {
		best[id] = st
		queue = append(queue, id)
	}
	// Breadth first, backwards along assume edges: shortest chains first.
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		cur := best[id]
		for _, ed := range g.assumers[id] {
			cond := cur.cond || ed.Conditional
			step := Step{Kind: "assume", From: ed.From, To: id, Detail: ed.Label, Conditional: ed.Conditional, Condition: ed.Condition}
			if n := g.Nodes[ed.From]; n != nil && n.Kind == KindService {
				// The service acts with the role; those who make it act
				// are the answer.
				for _, ps := range g.servicePassers(id, ed.From, func(p *Entity) bool { return known(p.ARN, cond) }) {
					pstep := Step{Kind: "service", From: ps.e.ARN, To: id, Detail: ps.detail(id, ed.From)}
					reach(ps.e.ARN, &state{via: append([]Step{pstep}, cur.via...), cond: cond, through: ed.From})
				}
				continue
			}
			if known(ed.From, cond) {
				continue
			}
			reach(ed.From, &state{via: append([]Step{step}, cur.via...), cond: cond, through: cur.through})
		}
	}
	out := make([]Access, 0, len(best))
	for id, st := range best {
		n := g.Nodes[id]
		if n == nil || n.Kind == KindService || n.Kind == KindGroup || len(st.via) == 0 {
			continue // the role asked about itself, or not an identity
		}
		out = append(out, Access{Principal: id, Kind: n.Kind, Via: st.via, Conditional: st.cond, Through: st.through})
	}
	sort.Slice(out, func(i, j int) bool {
		if hi, hj := hops(out[i].Via), hops(out[j].Via); hi != hj {
			return hi < hj
		}
		if out[i].Conditional != out[j].Conditional {
			return !out[i].Conditional
		}
		return out[i].Principal < out[j].Principal
	})
	return out
}

// hops counts the roles assumed along a chain.
func hops(via []Step) int {
	n := 0
	for _, s := range via {
		if s.Kind == "assume" || s.Kind == "service" {
			n++
		}
	}
	return n
}

// policySteps explains a direct allow: the statements that granted it,
// through the group that holds the policy when it is a group's.
func (g *Graph) policySteps(e *Entity, action, resource string, ctx map[string][]string) []Step {
	ex := g.Decide(e, action, resource, ctx)
	var steps []Step
	for _, m := range ex.Matched {
		if m.Effect != policy.Allow {
			continue
		}
		st := statementLabel(m)
		if m.Role == policy.RoleResource {
			steps = append(steps, Step{Kind: "policy", Policy: m.Source.ID, Statement: st, Detail: "resource policy"})
			continue
		}
		if grp := holder(e, m.Source.ID); grp != nil {
			steps = append(steps, Step{Kind: "member", From: e.ARN, To: grp.ARN})
		}
		steps = append(steps, Step{Kind: "policy", Policy: m.Source.ID, Statement: st})
	}
	return steps
}

// statementLabel names a matched statement: its index, and its Sid.
func statementLabel(m policy.Match) string {
	if m.Sid != "" {
		return fmt.Sprintf("statement %d %q", m.Index, m.Sid)
	}
	return fmt.Sprintf("statement %d", m.Index)
}

// conditionalSteps explains access that holds only when the request meets
// the conditions: the optimistic policies allow it where the real ones do
// not. The policy steps name the condition keys the request lacked.
func (g *Graph) conditionalSteps(e *Entity, action, resource string, ctx map[string][]string) ([]Step, bool) {
	// Most principals are not allowed even when every condition holds: a
	// plain decision says so before the explanations.
	if ctx == nil && len(g.Account.Resources) == 0 && !isAssume(action) {
		if !e.ctxDone {
			e.ctx, e.ctxDone = principalContext(e, nil), true
		}
		opt := policy.Input{Identity: e.optimistic, Boundary: e.optBoundary}
		req := policy.Request{Principal: e.caller, Action: action, Resource: resource, ResourceAccount: g.resourceAccount(resource), Context: e.ctx}
		if policy.Evaluate(&opt, &req) != policy.Allowed {
			return nil, false
		}
	}
	in, req := g.input(e, action, resource, ctx)
	opt := *in
	opt.Identity, opt.Boundary = e.optimistic, e.optBoundary
	if policy.Evaluate(&opt, req) != policy.Allowed {
		return nil, false
	}
	strict := policy.Explain(in, req)
	if strict.Decision == policy.ExplicitDeny && len(strict.MissingContextKeys) == 0 {
		return nil, false // denied whatever the request says
	}
	in.Identity, in.Boundary = e.optimistic, e.optBoundary
	ex := policy.Explain(in, req)
	if ex.Decision != policy.Allowed {
		return nil, false
	}
	var steps []Step
	for _, m := range ex.Matched {
		if m.Effect != policy.Allow {
			continue
		}
		st := statementLabel(m)
		if grp := holder(e, m.Source.ID); grp != nil {
			steps = append(steps, Step{Kind: "member", From: e.ARN, To: grp.ARN})
		}
		steps = append(steps, Step{Kind: "policy", Policy: m.Source.ID, Statement: st, Conditional: true, Condition: strict.MissingContextKeys})
	}
	return steps, true
}

// holder is the group a policy of a user comes from; nil when the user has
// it itself.
func holder(e *Entity, id string) *Entity {
	for _, p := range append(append([]*PolicyRef{}, e.Inline...), e.Attached...) {
		if p.ID() == id {
			return nil
		}
	}
	for _, grp := range e.Groups {
		for _, p := range append(append([]*PolicyRef{}, grp.Inline...), grp.Attached...) {
			if p.ID() == id {
				return grp
			}
		}
	}
	return nil
}

// Permission is one action a principal is allowed, on a resource pattern.
type Permission struct {
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	AccessLevel string `json:"access_level"`
	Policy      string `json:"policy"`
	Statement   int    `json:"statement"`
	Conditional bool   `json:"conditional,omitempty"`
}

// Capabilities is what-can's answer.
type Capabilities struct {
	Principal string       `json:"principal"`
	Actions   []Permission `json:"actions"`
	// Assumable are the roles the principal may assume (their permissions
	// are theirs: ask what-can about them).
	Assumable []string `json:"assumable_roles,omitempty"`
}

// accessLevels orders the catalogue's access levels for output.
var accessLevels = []string{"Permissions management", "Write", "Tagging", "Read", "List"}

func levelRank(l string) int {
	for i, x := range accessLevels {
		if x == l {
			return i
		}
	}
	return len(accessLevels)
}

// statementActions are the catalogue's actions a statement names (its
// NotAction's complement), of one service or of all ("").
func statementActions(st *policy.Statement, service string) []CatalogAction {
	if st.NotAction.Present {
		return ExpandNotAction(st.NotAction.List, service)
	}
	var acts []CatalogAction
	for _, pat := range st.Action.List {
		for _, a := range ExpandAction(pat) {
			if service == "" || strings.EqualFold(a.Service, service) {
				acts = append(acts, a)
			}
		}
	}
	return acts
}

// WhatCan lists a principal's effective actions: every catalogue action an
// Allow statement names (wildcards and NotAction expanded), on the
// statement's resources, that the engine allows (so Deny statements and the
// boundary are applied). service limits it to one service prefix.
// Statements with conditions are kept and marked conditional.
func (g *Graph) WhatCan(e *Entity, service string) *Capabilities {
	c := &Capabilities{Principal: e.ARN, Actions: []Permission{}}
	seen := map[string]bool{}
	for _, p := range e.Policies() {
		if p.Doc == nil {
			continue
		}
		for _, st := range p.Doc.Statements {
			if !strings.EqualFold(st.Effect, policy.Allow) {
				continue
			}
			acts := statementActions(st, service)
			resources := st.Resource.List
			if st.NotResource.Present {
				resources = []string{"*"}
			}
			for _, a := range acts {
				for _, r := range resources {
					k := a.Name + "|" + r
					if seen[k] {
						continue
					}
					// Only resources of a type the action takes (Action "*"
					// on a bucket is not dynamodb:GetItem on it).
					if r != "*" && !resourceFits(a, r) {
						continue
					}
					in, req := g.input(e, a.Name, r, nil)
					d := policy.Evaluate(in, req)
					if d == policy.ImplicitDeny && in.Boundary != nil {
						// A boundary scoped to resources allows the action on
						// part of what the statement names: list that part.
						for _, br := range boundaryResources(e, a.Name, r) {
							bk := a.Name + "|" + br
							if !seen[bk] && g.allowed(e, a.Name, br, nil) {
								seen[bk] = true
								c.Actions = append(c.Actions, Permission{Action: a.Name, Resource: br, AccessLevel: a.AccessLevel, Policy: p.ID(), Statement: st.Index})
							}
						}
					}
					cond := false
					if d != policy.Allowed {
						// A conditional statement: allowed when its conditions
						// hold, unless a Deny applies regardless or the
						// boundary does not allow it.
						if !st.HasCondition || d == policy.ExplicitDeny {
							continue
						}
						if in.Boundary != nil {
							if ex := policy.Explain(in, req); ex.AllowedByBoundary != nil && !*ex.AllowedByBoundary {
								continue
							}
						}
						cond = true
					}
					seen[k] = true
					c.Actions = append(c.Actions, Permission{Action: a.Name, Resource: r, AccessLevel: a.AccessLevel, Policy: p.ID(), Statement: st.Index, Conditional: cond})
				}
			}
		}
	}
	c.Actions = append(c.Actions, g.resourcePermissions(e, service, seen)...)
	// Role assumption is a permission like any other, on the roles the
	// trust edges say (the trust policy may grant it with no identity
	// policy; an identity policy on "*" grants it on no role that does not
	// trust the principal).
	c.Actions = slices.DeleteFunc(c.Actions, func(p Permission) bool { return isAssume(p.Action) })
	if service == "" || strings.EqualFold(service, "sts") {
		for _, ed := range g.assumes[e.ARN] {
			pol, idx := "", 0
			if r, ok := g.Account.Entity(ed.To); ok && r.Trust != nil {
				pol = r.Trust.ID()
			}
			ex := g.Decide(e, ed.Label, ed.To, nil)
			for _, m := range ex.Matched {
				if m.Effect == policy.Allow && m.Role == policy.RoleIdentity {
					pol, idx = m.Source.ID, m.Index
					break
				}
			}
			c.Actions = append(c.Actions, Permission{Action: ed.Label, Resource: ed.To, AccessLevel: "Write", Policy: pol, Statement: idx, Conditional: ed.Conditional})
		}
	}
	sort.Slice(c.Actions, func(i, j int) bool {
		a, b := c.Actions[i], c.Actions[j]
		if la, lb := levelRank(a.AccessLevel), levelRank(b.AccessLevel); la != lb {
			return la < lb
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		return a.Resource < b.Resource
	})
	for _, ed := range g.assumes[e.ARN] {
		c.Assumable = append(c.Assumable, ed.To)
	}
	return c
}

func isAssume(action string) bool {
	a := strings.ToLower(action)
	return a == "sts:assumerole" || a == "sts:assumerolewithwebidentity" || a == "sts:assumerolewithsaml"
}

// boundaryResources are the resource patterns of a principal's boundary
// that allow action within r (a statement's resource): where a boundary
// scoped to resources lets a broader grant act.
func boundaryResources(e *Entity, action, r string) []string {
	if e.Boundary == nil || e.Boundary.Doc == nil {
		return nil
	}
	var out []string
	for _, st := range e.Boundary.Doc.Statements {
		if !strings.EqualFold(st.Effect, policy.Allow) || st.NotResource.Present {
			continue
		}
		if !(st.NotAction.Present && !matchesAny(st.NotAction.List, action) || matchesAny(st.Action.List, action)) {
			continue
		}
		for _, br := range st.Resource.List {
			if br != "*" && br != r && (r == "*" || arn.Like(r, br)) {
				out = append(out, br)
			}
		}
	}
	return out
}

// PermissionGroup is what-can's answer grouped for reading: the actions of
// one service at one access level on one resource.
type PermissionGroup struct {
	AccessLevel string
	Service     string
	Resource    string
	Actions     []string // action names without the service prefix
	// All is set when they are every action of the service at that level.
	All         bool
	Conditional bool
}

// Group groups permissions (sorted as WhatCan sorts them) by access level,
// resource and service.
func Group(perms []Permission) []PermissionGroup {
	loadActions()
	idx := map[string]int{}
	var out []PermissionGroup
	for _, p := range perms {
		svc, name, _ := strings.Cut(p.Action, ":")
		k := p.AccessLevel + "|" + p.Resource + "|" + svc + "|" + fmt.Sprint(p.Conditional)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, PermissionGroup{AccessLevel: p.AccessLevel, Service: svc, Resource: p.Resource, Conditional: p.Conditional})
		}
		out[i].Actions = append(out[i].Actions, name)
	}
	for i := range out {
		n := 0
		for _, a := range bySvc[strings.ToLower(out[i].Service)] {
			if a.AccessLevel == out[i].AccessLevel {
				n++
			}
		}
		out[i].All = len(out[i].Actions) > 1 && len(out[i].Actions) == n
	}
	sort.SliceStable(out, func(i, j int) bool {
		if li, lj := levelRank(out[i].AccessLevel), levelRank(out[j].AccessLevel); li != lj {
			return li < lj
		}
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}
