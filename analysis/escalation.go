package analysis

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Admin is the node every escalation search aims for: access equal to an
// administrator's.
const Admin = "ADMIN"

// adminPolicyARN is the policy an attacker attaches: it exists in every
// account (conditions on iam:PolicyARN are asked about it).
const adminPolicyARN = "arn:${P}:iam::aws:policy/AdministratorAccess"

// escalationActions are the IAM and STS actions the techniques need.
var escalationActions = []string{
	"iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
	"iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AttachGroupPolicy", "iam:PutGroupPolicy",
	"iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
	"iam:UpdateAssumeRolePolicy", "iam:AddUserToGroup", "iam:PassRole",
	"iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
}

// attacker is one principal being examined: the resource patterns its
// Allow statements give each relevant action, and the engine's answers.
type attacker struct {
	g   *Graph
	p   *Entity
	may map[string][]string // action -> resource patterns
	// policyCtx carries iam:PolicyARN = AdministratorAccess, for attaching.
	policyCtx policy.Context
	ctxDone   bool
	// passCtx carries iam:PassedToService, per service.
	passCtx map[string]policy.Context
	// companion: whether some role trusting the service can be passed.
	companion map[string]bool
}

func (at *attacker) mayDo(action string) bool { return at.may[action] != nil }

// named lists the entities of a kind that a statement allowing one of the
// actions may name, in ARN order: looked up by ARN, or (for patterns with
// wildcards) matched against every entity of the kind.
func (at *attacker) named(kind Kind, actions ...string) []*Entity {
	a := at.g.Account
	all := a.Users
	switch kind {
	case KindRole:
		all = a.Roles
	case KindGroup:
		all = a.Groups
	}
	var pats []string
	scan := false
	for _, act := range actions {
		for _, pat := range at.may[act] {
			pats = append(pats, pat)
			scan = scan || strings.ContainsAny(pat, "*?")
		}
	}
	if len(pats) == 0 {
		return nil
	}
	var out []*Entity
	if scan {
		for _, e := range all {
			for _, pat := range pats {
				if pat == "*" || arn.Like(pat, e.ARN) {
					out = append(out, e)
					break
				}
			}
		}
		return out
	}
	seen := map[*Entity]bool{}
	for _, pat := range pats {
		if e, ok := a.Entity(pat); ok && e.Kind == kind && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// can asks the engine about action on resource, when some statement may
// name the resource at all.
func (at *attacker) can(action, resource string) bool {
	return at.canCtx(action, resource, nil)
}

func (at *attacker) canCtx(action, resource string, ctx *policy.Context) bool {
	for _, pat := range at.may[action] {
		if pat == "*" || arn.Like(pat, resource) {
			return at.g.allowedIn(at.p, action, resource, ctx)
		}
	}
	return false
}

// canAttach is can for attaching the administrator policy.
func (at *attacker) canAttach(action, resource string) bool {
	if !at.ctxDone {
		at.policyCtx = principalContext(at.p, map[string][]string{"iam:PolicyARN": {at.g.probe(adminPolicyARN)}})
		at.ctxDone = true
	}
	return at.canCtx(action, resource, &at.policyCtx)
}

// canPass is iam:PassRole of a role to a service.
func (at *attacker) canPass(role, service string) bool {
	c, ok := at.passCtx[service]
	if !ok {
		c = principalContext(at.p, map[string][]string{"iam:PassedToService": {service}})
		at.passCtx[service] = c
	}
	return at.canCtx("iam:PassRole", role, &c)
}

// grantsAny: some way to write a policy that applies to target (a user or
// role), with the administrator policy or one of its own.
func (at *attacker) grantsAny(target *Entity) (string, bool) {
	attach, put := "iam:AttachUserPolicy", "iam:PutUserPolicy"
	if target.Kind == KindRole {
		attach, put = "iam:AttachRolePolicy", "iam:PutRolePolicy"
	}
	if at.canAttach(attach, target.ARN) {
		return attach, true
	}
	if at.can(put, target.ARN) {
		return put, true
	}
	return "", false
}

// unbounded: policies written on target take full effect (no boundary,
// or the attacker can delete it).
func (at *attacker) unbounded(target *Entity) bool {
	if target.Boundary == nil {
		return true
	}
	if target.Kind == KindUser {
		return at.can("iam:DeleteUserPermissionsBoundary", target.ARN)
	}
	return at.can("iam:DeleteRolePermissionsBoundary", target.ARN)
}

// runs reports whether the attacker can make the technique's service run
// its code: every action allowed on some resource it can name, actions on
// the same kind of resource on the same one.
func (at *attacker) runs(t *passRoleTechnique) bool {
	for _, a := range t.actions {
		if !at.mayDo(a.action) {
			return false
		}
	}
	groups := map[string][]string{}
	var order []string
	for _, a := range t.actions {
		if groups[a.template] == nil {
			order = append(order, a.template)
		}
		groups[a.template] = append(groups[a.template], a.action)
	}
	for _, tmpl := range order {
		acts := groups[tmpl]
		cands := []string{at.g.fillTemplate(tmpl)}
		for _, act := range acts {
			for _, pat := range at.may[act] {
				if w, ok := at.g.witness(tmpl, pat); ok {
					cands = append(cands, w)
				}
			}
		}
		found := false
		for _, w := range cands {
			all := true
			for _, act := range acts {
				if !at.g.allowed(at.p, act, w, nil) {
					all = false
					break
				}
			}
			if all {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// EscalationEdges computes the edges the known techniques give each
// principal (once per graph).
func (g *Graph) EscalationEdges() []Edge {
	if g.escalation != nil {
		return g.escalation
	}
	a := g.Account
	// Each principal's edges are gathered apart, then joined once: the
	// edges run to hundreds of thousands on a large account.
	var cur []Edge
	from := map[string][]Edge{}
	var order []string
	// One edge to ADMIN per principal and technique is enough (the first
	// target named), and none from a principal that is an administrator
	// already.
	toAdmin := map[[2]string]bool{}
	add := func(src, to, technique, id, detail string, cond bool) {
		if to == Admin {
			if n := g.Nodes[src]; n != nil && n.Admin || toAdmin[[2]string{src, id}] {
				return
			}
			toAdmin[[2]string{src, id}] = true
		}
		cur = append(cur, Edge{From: src, To: to, Kind: EdgeEscalate, Label: technique + ": " + detail + " [" + id + "]", Conditional: cond})
	}
	flush := func(p *Entity) {
		if len(cur) > 0 {
			from[p.ARN] = cur
			order = append(order, p.ARN)
			cur = nil
		}
	}
	// The services each role trusts, for PassRole: unconditionally, or (for
	// web identity) with conditions.
	trusted := map[string]map[string]roleTrust{}
	for _, r := range a.Roles {
		for _, ed := range g.assumers[r.ARN] {
			n := g.Nodes[ed.From]
			if n == nil || n.Kind != KindService && n.Kind != KindFederated {
				continue
			}
			if ed.Conditional && n.Kind != KindFederated && !g.ownSourceTrust(r, ed) {
				continue
			}
			if trusted[r.ARN] == nil {
				trusted[r.ARN] = map[string]roleTrust{}
			}
			trusted[r.ARN][ed.From] = roleTrust{ed.Conditional && n.Kind == KindFederated}
		}
	}
	// Customer managed policies attached to roles (directly), for the
	// policy-version paths.
	rolesOf := map[string][]*Entity{}
	for _, r := range a.Roles {
		for _, pol := range r.Attached {
			if !strings.Contains(pol.ARN, ":aws:policy/") {
				rolesOf[pol.ARN] = append(rolesOf[pol.ARN], r)
			}
		}
	}
	// What each policy may allow, once per policy: most are shared.
	perPolicy := map[*PolicyRef]map[string][]string{}
	for _, p := range a.Principals() {
		may := map[string][]string{}
		for _, ref := range p.Policies() {
			m, ok := perPolicy[ref]
			if !ok {
				m = mayAllow(ref)
				perPolicy[ref] = m
			}
			for act, res := range m {
				may[act] = append(may[act], res...)
			}
		}
		if len(may) == 0 {
			continue
		}
		at := &attacker{g: g, p: p, may: may, passCtx: map[string]policy.Context{}}
		g.selfEscalation(at, add)
		g.principalAccess(at, rolesOf, add)
		if at.mayDo("iam:PassRole") {
			g.passRole(at, trusted, add)
		}
		g.existingRunners(at, add)
		flush(p)
	}
	total := 0
	for _, id := range order {
		total += len(from[id])
	}
	out := make([]Edge, 0, total)
	for _, id := range order {
		out = append(out, from[id]...)
	}
	g.escalation = out
	g.escalationFrom = from
	return out
}

// passRole: roles passed to a service that runs the attacker's code (the
// catalogue's new-passrole paths), one edge per role.
func (g *Graph) passRole(at *attacker, trusted map[string]map[string]roleTrust, add func(from, to, technique, id, detail string, cond bool)) {
	p := at.p
	// The techniques it can start code with, whichever role it passes.
	var runs []*passRoleTechnique
	for i := range passRoleTechniques {
		if t := &passRoleTechniques[i]; at.runs(t) {
			runs = append(runs, t)
		}
	}
	if len(runs) == 0 {
		return
	}
	// The most specific first: its id names what the attacker holds.
	sort.SliceStable(runs, func(i, j int) bool { return len(runs[i].actions) > len(runs[j].actions) })
	for _, r := range at.named(KindRole, "iam:PassRole") {
		if r == p || len(trusted[r.ARN]) == 0 {
			continue
		}
	techniques:
		for _, t := range runs {
			for _, st := range t.targets {
				tr, ok := trusted[r.ARN][st.service]
				if !ok || tr.conditional && !t.federated || st.profile && len(r.Profiles) == 0 {
					continue
				}
				if !at.canPass(r.ARN, st.service) || t.companion != "" && !g.companionPassable(at, t.companion, trusted) {
					continue
				}
				add(p.ARN, r.ARN, "iam:PassRole", t.ID, "pass "+r.Name+" to "+st.service+" and run code with "+t.actionList(), tr.conditional)
				break techniques // one edge per role
			}
		}
	}
}

// ownSourceTrust: a service's trust that holds only on aws:SourceAccount
// (the confused-deputy guard AWS recommends) holds for a resource the
// attacker creates in the account itself.
func (g *Graph) ownSourceTrust(r *Entity, ed Edge) bool {
	if len(ed.Condition) != 1 || !strings.EqualFold(ed.Condition[0], "aws:SourceAccount") || r.trust == nil {
		return false
	}
	req := &policy.Request{Principal: policy.Principal{Type: policy.TypeService, ARN: ed.From, Service: ed.From},
		Action: "sts:AssumeRole", Resource: r.ARN, ResourceAccount: g.Account.ID}
	policy.AddPrincipalKeys(&req.Context, &req.Principal)
	req.Context.Set("aws:SourceAccount", g.Account.ID)
	return policy.Evaluate(&policy.Input{Resource: r.trust}, req) == policy.Allowed
}

// roleTrust is a service (or web identity provider) a role trusts.
type roleTrust struct{ conditional bool }

// allowedIn is allowed with a request context built beforehand.
func (g *Graph) allowedIn(e *Entity, action, resource string, ctx *policy.Context) bool {
	in, req := g.input(e, action, resource, nil)
	if ctx != nil {
		req.Context = *ctx
	}
	return policy.Evaluate(in, req) == policy.Allowed
}

// companionPassable: some role trusting service that the attacker may pass.
func (g *Graph) companionPassable(at *attacker, service string, trusted map[string]map[string]roleTrust) bool {
	if ok, done := at.companion[service]; done {
		return ok
	}
	if at.companion == nil {
		at.companion = map[string]bool{}
	}
	for _, r := range at.named(KindRole, "iam:PassRole") {
		if tr, ok := trusted[r.ARN][service]; ok && !tr.conditional && at.canPass(r.ARN, service) {
			at.companion[service] = true
			return true
		}
	}
	at.companion[service] = false
	return false
}

// selfEscalation: policies the principal writes on itself, its groups, its
// own managed policies (iam-001, 005, 007-011, 013).
func (g *Graph) selfEscalation(at *attacker, add func(from, to, technique, id, detail string, cond bool)) {
	p := at.p
	if at.unbounded(p) {
		if p.Kind == KindUser {
			if at.canAttach("iam:AttachUserPolicy", p.ARN) {
				add(p.ARN, Admin, "iam:AttachUserPolicy", "iam-008", "attach AdministratorAccess to itself", false)
			}
			if at.can("iam:PutUserPolicy", p.ARN) {
				add(p.ARN, Admin, "iam:PutUserPolicy", "iam-007", "grant itself any policy", false)
			}
			for _, grp := range p.Groups {
				if at.canAttach("iam:AttachGroupPolicy", grp.ARN) {
					add(p.ARN, Admin, "iam:AttachGroupPolicy", "iam-010", "attach AdministratorAccess to its group "+grp.Name, false)
				}
				if at.can("iam:PutGroupPolicy", grp.ARN) {
					add(p.ARN, Admin, "iam:PutGroupPolicy", "iam-011", "grant its group "+grp.Name+" any policy", false)
				}
			}
		} else {
			if at.canAttach("iam:AttachRolePolicy", p.ARN) {
				add(p.ARN, Admin, "iam:AttachRolePolicy", "iam-009", "attach AdministratorAccess to itself", false)
			}
			if at.can("iam:PutRolePolicy", p.ARN) {
				add(p.ARN, Admin, "iam:PutRolePolicy", "iam-005", "grant itself any policy", false)
			}
		}
		for _, pol := range p.Policies() {
			if pol.Inline || strings.Contains(pol.ARN, ":aws:policy/") {
				continue
			}
			if at.can("iam:CreatePolicyVersion", pol.ARN) {
				add(p.ARN, Admin, "iam:CreatePolicyVersion", "iam-001", "rewrite its policy "+pol.Name+" and set it as default", false)
			} else if at.can("iam:SetDefaultPolicyVersion", pol.ARN) && g.adminVersion(pol.ARN) != "" {
				add(p.ARN, Admin, "iam:SetDefaultPolicyVersion", "iamd-setdefault", "make version "+g.adminVersion(pol.ARN)+" of "+pol.Name+" the default", false)
			}
		}
	}
	if p.Kind == KindUser && at.mayDo("iam:AddUserToGroup") {
		for _, grp := range at.named(KindGroup, "iam:AddUserToGroup") {
			if !inGroup(p, grp) && at.can("iam:AddUserToGroup", grp.ARN) {
				add(p.ARN, grp.ARN, "iam:AddUserToGroup", "iam-013", "add itself to "+grp.Name, false)
			}
		}
	}
}

// principalAccess: credentials for other users, trust policies rewritten,
// and the modify-then-take-over chains (iam-002..006, 012, 014..021).
func (g *Graph) principalAccess(at *attacker, rolesOf map[string][]*Entity, add func(from, to, technique, id, detail string, cond bool)) {
	p, a := at.p, g.Account
	takeOver := at.mayDo("iam:CreateAccessKey") || at.mayDo("iam:CreateLoginProfile") || at.mayDo("iam:UpdateLoginProfile")
	if takeOver {
		modify := at.mayDo("iam:AttachUserPolicy") || at.mayDo("iam:PutUserPolicy")
		for _, u := range at.named(KindUser, "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile") {
			if u == p {
				continue
			}
			how, id := "", ""
			switch {
			case at.can("iam:CreateAccessKey", u.ARN):
				how, id = "iam:CreateAccessKey", "iam-002"
				if at.can("iam:DeleteAccessKey", u.ARN) {
					id = "iam-003"
				}
			case at.can("iam:CreateLoginProfile", u.ARN):
				how, id = "iam:CreateLoginProfile", "iam-004"
			case at.can("iam:UpdateLoginProfile", u.ARN):
				how, id = "iam:UpdateLoginProfile", "iam-006"
			}
			if how == "" {
				continue
			}
			verb := "create an access key for "
			if how != "iam:CreateAccessKey" {
				verb = "set the console password of "
			}
			add(p.ARN, u.ARN, how, id, verb+u.Name, false)
			if !modify || !at.unbounded(u) {
				continue
			}
			if w, ok := at.grantsAny(u); ok {
				id := "iam-015"
				if w == "iam:PutUserPolicy" {
					id = "iam-018"
				}
				add(p.ARN, Admin, w, id, "grant "+u.Name+" any policy, then "+verb+"it", false)
			}
		}
	}
	trustEdit := at.mayDo("iam:UpdateAssumeRolePolicy")
	writeRole := at.mayDo("iam:AttachRolePolicy") || at.mayDo("iam:PutRolePolicy")
	version := at.mayDo("iam:CreatePolicyVersion")
	// Roles it can already assume, unconditionally.
	assumable := map[string]bool{}
	for _, ed := range g.assumes[p.ARN] {
		if !ed.Conditional {
			assumable[ed.To] = true
		}
	}
	if !trustEdit && !(writeRole || version) {
		return
	}
	// The roles it can rewrite the trust of, and those it can assume.
	cands := at.named(KindRole, "iam:UpdateAssumeRolePolicy")
	if writeRole || version {
		seen := map[*Entity]bool{}
		for _, r := range cands {
			seen[r] = true
		}
		for _, r := range a.Roles {
			if assumable[r.ARN] && !seen[r] {
				cands = append(cands, r)
			}
		}
	}
	for _, r := range cands {
		if r == p {
			continue
		}
		retrust := trustEdit && at.can("iam:UpdateAssumeRolePolicy", r.ARN)
		if retrust {
			add(p.ARN, r.ARN, "iam:UpdateAssumeRolePolicy", "iam-012", "make "+r.Name+" trust it, then assume it", false)
		}
		if !retrust && !assumable[r.ARN] || !at.unbounded(r) {
			continue
		}
		then := ", which it can assume"
		if !assumable[r.ARN] {
			then = ", make it trust it and assume it"
		}
		if writeRole {
			if w, ok := at.grantsAny(r); ok {
				id := map[[2]bool]string{{true, true}: "iam-014", {false, true}: "iam-017", {true, false}: "iam-019", {false, false}: "iam-021"}[[2]bool{w == "iam:AttachRolePolicy", assumable[r.ARN]}]
				add(p.ARN, Admin, w, id, "grant "+r.Name+" any policy"+then, false)
				continue
			}
		}
		if version {
			for _, pol := range r.Attached {
				if _, ok := rolesOf[pol.ARN]; !ok || !at.can("iam:CreatePolicyVersion", pol.ARN) {
					continue
				}
				id := "iam-020"
				if assumable[r.ARN] {
					id = "iam-016"
				}
				add(p.ARN, Admin, "iam:CreatePolicyVersion", id, "rewrite "+pol.Name+", attached to "+r.Name+then, false)
				break
			}
		}
	}
}

func inGroup(u, grp *Entity) bool {
	for _, x := range u.Groups {
		if x == grp {
			return true
		}
	}
	return false
}

// adminVersion is a non-default version of a customer managed policy that
// would make its holders administrators ("" when none).
func (g *Graph) adminVersion(policyARN string) string {
	for _, mp := range g.Account.dump.Policies {
		if mp.Arn != policyARN {
			continue
		}
		for _, v := range mp.PolicyVersionList {
			if v.IsDefaultVersion || v.VersionId == mp.DefaultVersionId {
				continue
			}
			ref := compileRef(&PolicyRef{Name: mp.PolicyName, ARN: mp.Arn, Text: v.Document}, "managed")
			if ref.Policy != nil && g.groupIsAdmin(&Entity{Attached: []*PolicyRef{ref}}) {
				return v.VersionId
			}
		}
	}
	return ""
}

// Escalation is a principal that can reach administrator-equivalent
// access, and how.
type Escalation struct {
	Principal string `json:"principal"`
	Kind      Kind   `json:"kind"`
	Steps     []Step `json:"steps"`
	// Reaches is the administrator it becomes, or ADMIN when it grants
	// itself the access.
	Reaches string `json:"reaches"`
	// Conditional is set when a step holds only if its conditions do
	// (an sts:ExternalId, MFA, a source IP ...).
	Conditional bool `json:"conditional,omitempty"`
}

// Escalations lists every principal that is not an administrator itself
// but can become one: through roles it assumes, credentials it can create
// for others, policies it can write, roles it can pass to code. Each comes
// with its shortest chain of steps.
func (g *Graph) Escalations() []Escalation {
	g.EscalationEdges()
	next := g.towardsAdmin()
	var out []Escalation
	for _, e := range g.Account.Principals() {
		if g.Nodes[e.ARN].Admin {
			continue
		}
		if _, ok := next[e.ARN]; ok {
			var steps []Step
			to := e.ARN
			for {
				ed, ok := next[to]
				if !ok {
					break
				}
				steps = append(steps, edgeStep(ed))
				to = ed.To
			}
			es := Escalation{Principal: e.ARN, Kind: e.Kind, Steps: steps, Reaches: to}
			for _, st := range steps {
				es.Conditional = es.Conditional || st.Conditional
			}
			out = append(out, es)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Principal < out[j].Principal })
	return out
}

// towardsAdmin is one breadth-first search backwards from every
// administrator-equivalent node along assume and escalation edges: for
// each node that can reach one, the first edge of a shortest way there.
func (g *Graph) towardsAdmin() map[string]Edge {
	ids := make([]string, 0, len(g.Nodes)+1)
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// In-edges in order of their source, so ties break the same way on
	// every run.
	in := map[string][]Edge{}
	for _, id := range ids {
		for _, ed := range g.assumes[id] {
			in[ed.To] = append(in[ed.To], ed)
		}
		for _, ed := range g.escalationFrom[id] {
			in[ed.To] = append(in[ed.To], ed)
		}
	}
	var queue []string
	goal := map[string]bool{}
	for _, id := range append([]string{Admin}, ids...) { // granting oneself first
		if g.isAdminNode(id) {
			goal[id] = true
			queue = append(queue, id)
		}
	}
	next := map[string]Edge{}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, ed := range in[id] {
			if _, seen := next[ed.From]; seen || goal[ed.From] {
				continue
			}
			next[ed.From] = ed
			queue = append(queue, ed.From)
		}
	}
	return next
}

func (g *Graph) isAdminNode(id string) bool {
	if id == Admin {
		return true
	}
	n := g.Nodes[id]
	if n == nil {
		return false
	}
	if n.Kind == KindGroup {
		return g.groupIsAdmin(n.Entity)
	}
	return n.Admin
}

// search is a breadth-first search from a principal along assume and
// escalation edges (a group reached by joining it gives its policies, so it
// is a goal only when they are an administrator's).
func (g *Graph) search(from string, goal func(string) bool) ([]Step, string, bool) {
	prev := map[string]Edge{}
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if id != from && goal(id) {
			var steps []Step
			for at := id; at != from; {
				ed := prev[at]
				steps = append([]Step{edgeStep(ed)}, steps...)
				at = ed.From
			}
			return steps, id, true
		}
		for _, ed := range append(append([]Edge{}, g.assumes[id]...), g.escalationFrom[id]...) {
			if seen[ed.To] {
				continue
			}
			seen[ed.To] = true
			prev[ed.To] = ed
			queue = append(queue, ed.To)
		}
	}
	return nil, "", false
}

func edgeStep(ed Edge) Step {
	if ed.Kind == EdgeAssume {
		st := Step{Kind: "assume", From: ed.From, To: ed.To, Detail: ed.Label, Conditional: ed.Conditional, Condition: ed.Condition}
		if ed.Label == "sts:AssumeRole" {
			st.Technique = "sts-001"
		}
		return st
	}
	technique, detail, _ := strings.Cut(ed.Label, ": ")
	st := Step{Kind: technique, From: ed.From, To: ed.To, Detail: detail, Conditional: ed.Conditional}
	if i := strings.LastIndex(detail, " ["); i >= 0 && strings.HasSuffix(detail, "]") {
		st.Technique = detail[i+2 : len(detail)-1]
	}
	return st
}

// Path finds how a principal reaches a target: a role (or user, or group)
// ARN, or an action (on resource) that it or something it becomes is
// allowed. Assume and escalation edges both count.
func (g *Graph) Path(from, target, resource string) ([]Step, bool) {
	g.EscalationEdges()
	var goal func(string) bool
	if _, ok := g.Nodes[target]; ok || target == Admin {
		goal = func(id string) bool { return id == target }
	} else {
		if resource == "" {
			resource = "*"
		}
		goal = func(id string) bool {
			if id == Admin {
				return true
			}
			n := g.Nodes[id]
			if n == nil || n.Entity == nil || n.Kind == KindGroup {
				return false
			}
			return g.allowed(n.Entity, target, resource, nil)
		}
		if n := g.Nodes[from]; n != nil && n.Entity != nil && goal(from) {
			return g.policySteps(n.Entity, target, resource, nil), true
		}
	}
	steps, to, ok := g.search(from, goal)
	if ok && to != Admin && !strings.HasPrefix(target, "arn:") {
		if n := g.Nodes[to]; n != nil && n.Entity != nil {
			steps = append(steps, g.policySteps(n.Entity, target, resource, nil)...)
		}
	}
	return steps, ok
}
