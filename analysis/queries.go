package analysis

import (
	"fmt"
	"sort"
	"strings"

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

// Access is one principal allowed a request and how.
type Access struct {
	Principal   string `json:"principal"`
	Kind        Kind   `json:"kind"`
	Via         []Step `json:"via"`
	Conditional bool   `json:"conditional,omitempty"`
}

// WhoCan lists every principal allowed action on resource: users and roles
// whose policies allow it, and everyone who can reach such a role by
// assuming roles (other accounts, services, anyone included). Each is
// listed once, with its shortest chain. ctx adds request context keys
// (conditions the caller expects to hold).
func (g *Graph) WhoCan(action, resource string, ctx map[string][]string) []Access {
	type state struct {
		via  []Step
		cond bool
	}
	best := map[string]*state{}
	var queue []string
	var conditional []string
	for _, e := range g.Account.Principals() {
		if g.allowed(e, action, resource, ctx) {
			best[e.ARN] = &state{via: g.policySteps(e, action, resource, ctx)}
			queue = append(queue, e.ARN)
		} else if e.optimistic != nil {
			conditional = append(conditional, e.ARN)
		}
	}
	// Principals allowed only when conditions hold.
	for _, id := range conditional {
		e, _ := g.Account.Entity(id)
		if steps, ok := g.conditionalSteps(e, action, resource, ctx); ok {
			best[id] = &state{via: steps, cond: true}
		}
	}
	for _, id := range conditional {
		if best[id] != nil {
			queue = append(queue, id)
		}
	}
	// Breadth first, backwards along assume edges: shortest chains first.
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		cur := best[id]
		for _, ed := range g.assumers[id] {
			cond := cur.cond || ed.Conditional
			// First reached wins, except that an unconditional chain
			// replaces a conditional one.
			if old, seen := best[ed.From]; seen && (!old.cond || cond) {
				continue
			}
			step := Step{Kind: "assume", From: ed.From, To: id, Detail: ed.Label, Conditional: ed.Conditional, Condition: ed.Condition}
			best[ed.From] = &state{via: append([]Step{step}, cur.via...), cond: cond}
			queue = append(queue, ed.From)
		}
	}
	out := make([]Access, 0, len(best))
	for id, st := range best {
		out = append(out, Access{Principal: id, Kind: g.Nodes[id].Kind, Via: st.via, Conditional: st.cond})
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
		if s.Kind == "assume" {
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
	in, req := g.input(e, action, resource, ctx)
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
			var acts []CatalogAction
			if st.NotAction.Present {
				acts = ExpandNotAction(st.NotAction.List, service)
			} else {
				for _, pat := range st.Action.List {
					for _, a := range ExpandAction(pat) {
						if service == "" || strings.EqualFold(a.Service, service) {
							acts = append(acts, a)
						}
					}
				}
			}
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
					in, req := g.input(e, a.Name, r, nil)
					d := policy.Evaluate(in, req)
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
