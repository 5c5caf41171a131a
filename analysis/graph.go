package analysis

import (
	"sort"
	"strings"
	"sync"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Node is a vertex of the permissions graph: a user, group, role, another
// account (or a principal in it), a service, a federated provider, or
// anyone.
type Node struct {
	ID     string  `json:"id"` // the ARN; the service or provider name; "*"
	Kind   Kind    `json:"kind"`
	Entity *Entity `json:"-"`
	// Admin is set for principals whose own policies already give
	// administrator-equivalent access.
	Admin bool `json:"admin,omitempty"`
}

// EdgeKind is what an edge means.
type EdgeKind string

const (
	EdgeMember   EdgeKind = "member"   // user -> group
	EdgeAttached EdgeKind = "attached" // entity -> managed policy
	EdgeAssume   EdgeKind = "assume"   // principal -> role it may assume
	EdgeEscalate EdgeKind = "escalate" // principal -> what a technique gives it
)

// Edge is a directed edge.
type Edge struct {
	From        string   `json:"from"`
	To          string   `json:"to"`
	Kind        EdgeKind `json:"kind"`
	Label       string   `json:"label,omitempty"`
	Conditional bool     `json:"conditional,omitempty"` // holds only when the statement's conditions do
	Condition   []string `json:"condition_keys,omitempty"`
}

// Graph is the permissions graph of an account.
type Graph struct {
	Account *Account
	Nodes   map[string]*Node
	Edges   []Edge
	// assumers[role] are the edges into a role (who may assume it).
	assumers map[string][]Edge
	// assumes[principal] are the roles it may assume.
	assumes  map[string][]Edge
	allowAll *policy.Set

	escalation     []Edge
	escalationFrom map[string][]Edge

	qonce sync.Once
	q     *queryCache // see services.go
}

// BuildGraph builds the graph: membership, attachment and trust edges,
// with every trust decision made by the policy engine.
func BuildGraph(a *Account) *Graph {
	g := &Graph{Account: a, Nodes: map[string]*Node{}, assumers: map[string][]Edge{}, assumes: map[string][]Edge{},
		allowAll: policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.Source{ID: "external", Type: "assumed"}))}
	for _, e := range a.Users {
		g.Nodes[e.ARN] = &Node{ID: e.ARN, Kind: KindUser, Entity: e}
	}
	for _, e := range a.Groups {
		g.Nodes[e.ARN] = &Node{ID: e.ARN, Kind: KindGroup, Entity: e}
	}
	for _, e := range a.Roles {
		g.Nodes[e.ARN] = &Node{ID: e.ARN, Kind: KindRole, Entity: e}
	}
	for _, e := range a.Users {
		for _, grp := range e.Groups {
			g.Edges = append(g.Edges, Edge{From: e.ARN, To: grp.ARN, Kind: EdgeMember})
		}
	}
	for _, e := range append(append(append([]*Entity{}, a.Users...), a.Groups...), a.Roles...) {
		for _, p := range e.Attached {
			g.Edges = append(g.Edges, Edge{From: e.ARN, To: p.ARN, Kind: EdgeAttached, Label: p.Name})
		}
	}
	// Principals whose identity policies may allow sts:AssumeRole at all;
	// only they are asked about roles that trust the whole account.
	var assumers []assumer
	for _, e := range a.Principals() {
		if res := allowedResources(e, "sts:AssumeRole"); res != nil {
			assumers = append(assumers, assumer{e, res})
		}
	}
	for _, r := range a.Roles {
		g.trustEdges(r, assumers)
	}
	for _, e := range a.Principals() {
		g.Nodes[e.ARN].Admin = g.IsAdmin(e)
	}
	g.prepareServices()
	return g
}

// candidate is a principal a trust policy may let in.
type candidate struct {
	id, kind  string
	principal policy.Principal
	entity    *Entity
	action    string
	cond      bool // named by an Allow statement with a condition
}

// assumer is a principal whose Allow statements may name sts:AssumeRole,
// with their resource patterns.
type assumer struct {
	e         *Entity
	resources []string
}

func (g *Graph) trustEdges(r *Entity, assumers []assumer) {
	if r.Trust == nil || r.Trust.Doc == nil {
		return
	}
	a := g.Account
	cands := map[string]*candidate{}
	add := func(c *candidate) {
		if old, ok := cands[c.id]; ok {
			old.cond = old.cond && c.cond
			return
		}
		cands[c.id] = c
	}
	wholeAccount, anyoneHere := false, false
	for _, st := range r.Trust.Doc.Statements {
		if !strings.EqualFold(st.Effect, policy.Allow) {
			continue
		}
		cond := st.HasCondition
		action := "sts:AssumeRole"
		for _, act := range []string{"sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"} {
			if matchesAny(st.Action.List, act) && !matchesAny(st.Action.List, "sts:AssumeRole") {
				action = act
			}
		}
		var entries []policy.PrincipalEntry
		anyone := st.NotPrincipal != nil
		if st.Principal != nil {
			anyone = anyone || st.Principal.Wildcard
			entries = st.Principal.Entries
		}
		if anyone {
			entries = append(entries, policy.PrincipalEntry{Type: "AWS", Values: policy.Values{List: []string{"*"}}})
		}
		for _, ent := range entries {
			for _, v := range ent.Values.List {
				switch ent.Type {
				case "Service":
					add(&candidate{id: v, kind: string(KindService), principal: policy.Principal{Type: policy.TypeService, ARN: v, Service: v}, action: action, cond: cond})
				case "Federated":
					typ := policy.TypeWebIdentity
					if action == "sts:AssumeRoleWithSAML" {
						typ = policy.TypeSAML
					}
					add(&candidate{id: v, kind: string(KindFederated), principal: policy.Principal{Type: typ, ARN: v, Federated: v}, action: action, cond: cond})
				case "AWS":
					switch {
					case v == "*":
						// The trust policy alone grants it: every principal of
						// the account may assume the role, identity policy or not.
						anyoneHere = true
						add(&candidate{id: "*", kind: string(KindAnyone), principal: policy.Principal{Type: policy.TypeAccount, ARN: "arn:" + a.Partition + ":iam::000000000000:root", Account: "000000000000"}, action: "sts:AssumeRole", cond: cond})
					default:
						acct, isRoot := rootAccount(v)
						if isRoot && acct == a.ID {
							wholeAccount = true
							continue
						}
						if e, ok := a.Entity(v); ok && e.Kind != KindGroup {
							add(&candidate{id: e.ARN, kind: string(e.Kind), principal: e.caller, entity: e, action: "sts:AssumeRole", cond: cond})
							continue
						}
						if isRoot {
							add(&candidate{id: "arn:" + a.Partition + ":iam::" + acct + ":root", kind: string(KindAccount), principal: policy.Principal{Type: policy.TypeAccount, ARN: "arn:" + a.Partition + ":iam::" + acct + ":root", Account: acct}, action: "sts:AssumeRole", cond: cond})
							continue
						}
						if p, err := policy.PrincipalFromARN(v); err == nil && p.Account != a.ID {
							add(&candidate{id: v, kind: string(KindAccount), principal: p, action: "sts:AssumeRole", cond: cond})
						}
					}
				}
			}
		}
	}
	if anyoneHere {
		// The trust policy alone grants it: ask about everyone.
		for _, e := range a.Principals() {
			add(&candidate{id: e.ARN, kind: string(e.Kind), principal: e.caller, entity: e, action: "sts:AssumeRole"})
		}
	} else if wholeAccount {
		// Trusting the account leaves the decision to the identity
		// policies: skip principals none of whose statements can name
		// this role.
		for _, as := range assumers {
			for _, pat := range as.resources {
				if pat == "*" || arn.Like(pat, r.ARN) {
					add(&candidate{id: as.e.ARN, kind: string(as.e.Kind), principal: as.e.caller, entity: as.e, action: "sts:AssumeRole"})
					break
				}
			}
		}
	}
	ids := make([]string, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := cands[id]
		if c.entity == r {
			continue
		}
		in := &policy.Input{Resource: r.trust}
		switch {
		case c.entity != nil:
			in.Identity, in.Boundary, in.SCPs = c.entity.identity, c.entity.boundary, a.SCPs
		case c.principal.Account != "":
			// Another account decides its own side: assume it lets them.
			in.Identity = g.allowAll
		}
		req := &policy.Request{Principal: c.principal, Action: c.action, Resource: r.ARN, ResourceAccount: a.ID}
		if c.entity != nil {
			_, base := g.input(c.entity, c.action, r.ARN, nil)
			req.Context = base.Context
		} else {
			policy.AddPrincipalKeys(&req.Context, &req.Principal)
		}
		d := policy.Evaluate(in, req)
		edge := Edge{From: id, To: r.ARN, Kind: EdgeAssume, Label: c.action}
		if d != policy.Allowed {
			if d == policy.ExplicitDeny || !c.cond {
				continue
			}
			e := policy.Explain(in, req)
			if len(e.MissingContextKeys) == 0 {
				continue
			}
			edge.Conditional, edge.Condition = true, e.MissingContextKeys
		}
		if _, ok := g.Nodes[id]; !ok {
			g.Nodes[id] = &Node{ID: id, Kind: Kind(c.kind)}
		}
		g.Edges = append(g.Edges, edge)
		g.assumers[r.ARN] = append(g.assumers[r.ARN], edge)
		g.assumes[id] = append(g.assumes[id], edge)
	}
}

// rootAccount reads "123456789012" or "arn:aws:iam::123456789012:root".
func rootAccount(v string) (string, bool) {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v, true
	}
	p, err := arn.Parse(v)
	if err == nil && p.Service == "iam" && p.Resource == "root" {
		return p.AccountID, true
	}
	return "", false
}

// allowedResources lists the resource patterns of the Allow statements
// that may name action ("*" for NotResource and policy variables); nil
// when none can.
func allowedResources(e *Entity, action string) []string {
	var out []string
	for _, p := range e.Policies() {
		if p.Doc == nil {
			continue
		}
		for _, st := range p.Doc.Statements {
			if !strings.EqualFold(st.Effect, policy.Allow) {
				continue
			}
			if !(st.NotAction.Present && !matchesAny(st.NotAction.List, action) || matchesAny(st.Action.List, action)) {
				continue
			}
			if st.NotResource.Present {
				out = append(out, "*")
				continue
			}
			for _, r := range st.Resource.List {
				if strings.Contains(r, "${") {
					r = "*"
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// Decide asks the engine whether a principal of the account may perform
// action on resource, with its identity policies and boundary, and the
// role's trust policy when the resource is a role and the action an STS
// one. extra adds request context keys.
func (g *Graph) Decide(e *Entity, action, resource string, extra map[string][]string) *policy.Explanation {
	in, req := g.input(e, action, resource, extra)
	return policy.Explain(in, req)
}

func (g *Graph) allowed(e *Entity, action, resource string, extra map[string][]string) bool {
	if extra == nil && len(g.Account.Resources) == 0 && !strings.HasPrefix(strings.ToLower(action), "sts:assumerole") {
		// The common case, without the allocations of input: who-can asks
		// it of every principal.
		if !e.ctxDone {
			e.ctx, e.ctxDone = principalContext(e, nil), true
		}
		in := policy.Input{Identity: e.identity, Boundary: e.boundary}
		req := policy.Request{Principal: e.caller, Action: action, Resource: resource, ResourceAccount: g.resourceAccount(resource), Context: e.ctx}
		return policy.Evaluate(&in, &req) == policy.Allowed
	}
	in, req := g.input(e, action, resource, extra)
	return policy.Evaluate(in, req) == policy.Allowed
}

func (g *Graph) input(e *Entity, action, resource string, extra map[string][]string) (*policy.Input, *policy.Request) {
	in := &policy.Input{Identity: e.identity, Boundary: e.boundary, SCPs: g.Account.SCPs}
	if strings.HasPrefix(strings.ToLower(action), "sts:assumerole") {
		if r, ok := g.Account.Entity(resource); ok && r.Kind == KindRole {
			in.Resource = r.trust
		}
	}
	req := &policy.Request{Principal: e.caller, Action: action, Resource: resource, ResourceAccount: g.resourceAccount(resource)}
	if in.Resource == nil {
		if rp := g.Account.resourcePolicy(resource); rp != nil {
			in.Resource, req.ResourceAccount = rp.set, rp.Account
		}
	}
	if extra == nil {
		// The principal's keys are the same for every request: build
		// them once (the engine only reads the context).
		if !e.ctxDone {
			e.ctx, e.ctxDone = principalContext(e, nil), true
		}
		req.Context = e.ctx
		return in, req
	}
	req.Context = principalContext(e, extra)
	return in, req
}

// principalContext is the request context of a principal: the keys the
// caller gave, its tags as aws:PrincipalTag, and the keys AWS derives from
// the principal.
func principalContext(e *Entity, extra map[string][]string) policy.Context {
	var c policy.Context
	for k, v := range extra {
		c.Set(k, v...)
	}
	for _, t := range e.Tags {
		if len(c.Get("aws:PrincipalTag/"+t.Key)) == 0 {
			c.Set("aws:PrincipalTag/"+t.Key, t.Value)
		}
	}
	p := e.caller
	policy.AddPrincipalKeys(&c, &p)
	return c
}

// resourceAccount is the account of a resource ARN; S3 ARNs carry none,
// and are taken to be the account's own.
func (g *Graph) resourceAccount(resource string) string {
	if parts, ok := arn.Split(resource); ok && parts[4] != "" && parts[4] != "aws" && !strings.ContainsAny(parts[4], "*?") {
		return parts[4]
	}
	return g.Account.ID
}

// adminProbes are requests only an administrator is allowed, across the
// services that matter most; a principal allowed every one of them on
// resources it has no particular claim to is administrator-equivalent.
var adminProbes = []struct{ action, resource string }{
	{"iam:PutRolePolicy", "arn:${P}:iam::${A}:role/iamd-probe-role"},
	{"iam:CreateAccessKey", "arn:${P}:iam::${A}:user/iamd-probe-user"},
	{"iam:AttachUserPolicy", "arn:${P}:iam::${A}:user/iamd-probe-user"},
	{"s3:PutObject", "arn:${P}:s3:::iamd-probe-bucket/key"},
	{"ec2:TerminateInstances", "arn:${P}:ec2:us-east-1:${A}:instance/i-0123456789abcdef0"},
	{"kms:CreateKey", "*"},
	{"lambda:UpdateFunctionCode", "arn:${P}:lambda:us-east-1:${A}:function:iamd-probe"},
	{"secretsmanager:GetSecretValue", "arn:${P}:secretsmanager:us-east-1:${A}:secret:iamd-probe-AbCdEf"},
	{"organizations:LeaveOrganization", "*"},
}

func (g *Graph) probe(resource string) string {
	return strings.ReplaceAll(strings.ReplaceAll(resource, "${P}", g.Account.Partition), "${A}", g.Account.ID)
}

// IsAdmin reports whether a principal's own policies give it
// administrator-equivalent access.
func (g *Graph) IsAdmin(e *Entity) bool {
	if e.identity == nil || e.identity.Empty() {
		return false
	}
	for _, p := range adminProbes {
		if !g.allowed(e, p.action, g.probe(p.resource), nil) {
			return false
		}
	}
	return true
}

// groupIsAdmin reports whether a group's policies alone are
// administrator-equivalent (for a user added to it without a boundary).
func (g *Graph) groupIsAdmin(grp *Entity) bool {
	var pols []*policy.Policy
	for _, p := range append(append([]*PolicyRef{}, grp.Inline...), grp.Attached...) {
		if p.Policy != nil {
			pols = append(pols, p.Policy)
		}
	}
	probe := &Entity{Kind: KindUser, identity: policy.NewSet(pols...),
		caller: policy.Principal{Type: policy.TypeUser, ARN: "arn:" + g.Account.Partition + ":iam::" + g.Account.ID + ":user/iamd-probe", Account: g.Account.ID}}
	return g.IsAdmin(probe)
}

// Assumers are the edges into a role.
func (g *Graph) Assumers(roleARN string) []Edge { return g.assumers[roleARN] }

// Assumes are the roles a principal may assume.
func (g *Graph) Assumes(id string) []Edge { return g.assumes[id] }
