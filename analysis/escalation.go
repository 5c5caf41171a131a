package analysis

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Admin is the node every escalation search aims for: access equal to an
// administrator's.
const Admin = "ADMIN"

// codeServices are the services that run code as a role passed to them:
// who can pass the role and start the code acts with the role's access.
type codeService struct {
	service string   // the principal the role must trust
	actions []string // what the caller needs besides iam:PassRole
	probe   string   // a resource for the actions ("" = "*")
	profile bool     // the role must be in an instance profile
}

var codeServices = []codeService{
	{"lambda.amazonaws.com", []string{"lambda:CreateFunction", "lambda:InvokeFunction"}, "arn:${P}:lambda:us-east-1:${A}:function:iamd-probe", false},
	{"ec2.amazonaws.com", []string{"ec2:RunInstances"}, "*", true},
	{"cloudformation.amazonaws.com", []string{"cloudformation:CreateStack"}, "arn:${P}:cloudformation:us-east-1:${A}:stack/iamd-probe/*", false},
	{"glue.amazonaws.com", []string{"glue:CreateDevEndpoint"}, "arn:${P}:glue:us-east-1:${A}:devEndpoint/iamd-probe", false},
	{"codebuild.amazonaws.com", []string{"codebuild:CreateProject", "codebuild:StartBuild"}, "arn:${P}:codebuild:us-east-1:${A}:project/iamd-probe", false},
	{"ecs-tasks.amazonaws.com", []string{"ecs:RegisterTaskDefinition", "ecs:RunTask"}, "*", false},
	{"sagemaker.amazonaws.com", []string{"sagemaker:CreateNotebookInstance"}, "arn:${P}:sagemaker:us-east-1:${A}:notebook-instance/iamd-probe", false},
}

// escalationActions are the actions the techniques need; a principal none
// of whose statements can name one of them is skipped.
var escalationActions = []string{
	"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
	"iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AttachGroupPolicy", "iam:PutGroupPolicy",
	"iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
	"iam:UpdateAssumeRolePolicy", "iam:AddUserToGroup", "iam:PassRole",
}

// EscalationEdges computes the edges the known techniques give each
// principal (once per graph).
func (g *Graph) EscalationEdges() []Edge {
	if g.escalation != nil {
		return g.escalation
	}
	a := g.Account
	out := []Edge{}
	add := func(from, to, technique, detail string) {
		out = append(out, Edge{From: from, To: to, Kind: EdgeEscalate, Label: technique + ": " + detail})
	}
	// The services each role trusts (unconditionally), for PassRole.
	trusted := map[string]map[string]bool{}
	for _, r := range a.Roles {
		for _, ed := range g.assumers[r.ARN] {
			if !ed.Conditional && g.Nodes[ed.From] != nil && g.Nodes[ed.From].Kind == KindService {
				if trusted[r.ARN] == nil {
					trusted[r.ARN] = map[string]bool{}
				}
				trusted[r.ARN][ed.From] = true
			}
		}
	}
	for _, p := range a.Principals() {
		// The resource patterns of the statements that may allow each
		// technique: the engine is asked only about targets they match.
		may := map[string][]string{}
		for _, act := range escalationActions {
			if res := allowedResources(p, act); res != nil {
				may[act] = res
			}
		}
		if len(may) == 0 {
			continue
		}
		can := func(action, resource string) bool {
			for _, pat := range may[action] {
				if pat == "*" || arn.Like(pat, resource) {
					return g.allowed(p, action, resource, nil)
				}
			}
			return false
		}
		// Policies it writes on itself count only when no boundary caps
		// them, or it can remove the boundary.
		selfUnbounded := p.Boundary == nil ||
			p.Kind == KindUser && g.allowed(p, "iam:DeleteUserPermissionsBoundary", p.ARN, nil) ||
			p.Kind == KindRole && g.allowed(p, "iam:DeleteRolePermissionsBoundary", p.ARN, nil)
		if selfUnbounded {
			if p.Kind == KindUser {
				for _, act := range []string{"iam:AttachUserPolicy", "iam:PutUserPolicy"} {
					if can(act, p.ARN) {
						add(p.ARN, Admin, act, "grant itself any policy")
					}
				}
				for _, grp := range p.Groups {
					for _, act := range []string{"iam:AttachGroupPolicy", "iam:PutGroupPolicy"} {
						if can(act, grp.ARN) {
							add(p.ARN, Admin, act, "grant its group "+grp.Name+" any policy")
						}
					}
				}
			} else {
				for _, act := range []string{"iam:AttachRolePolicy", "iam:PutRolePolicy"} {
					if can(act, p.ARN) {
						add(p.ARN, Admin, act, "grant itself any policy")
					}
				}
			}
			for _, pol := range p.Policies() {
				if pol.Inline || strings.Contains(pol.ARN, ":aws:policy/") {
					continue
				}
				if can("iam:CreatePolicyVersion", pol.ARN) {
					add(p.ARN, Admin, "iam:CreatePolicyVersion", "rewrite its policy "+pol.Name+" and set it as default")
				} else if can("iam:SetDefaultPolicyVersion", pol.ARN) && g.adminVersion(pol.ARN) != "" {
					add(p.ARN, Admin, "iam:SetDefaultPolicyVersion", "make version "+g.adminVersion(pol.ARN)+" of "+pol.Name+" the default")
				}
			}
		}
		for _, u := range a.Users {
			if u == p {
				continue
			}
			if can("iam:CreateAccessKey", u.ARN) {
				add(p.ARN, u.ARN, "iam:CreateAccessKey", "create an access key for "+u.Name)
			}
			for _, act := range []string{"iam:CreateLoginProfile", "iam:UpdateLoginProfile"} {
				if can(act, u.ARN) {
					add(p.ARN, u.ARN, act, "set the console password of "+u.Name)
					break
				}
			}
		}
		if p.Kind == KindUser {
			for _, grp := range a.Groups {
				if can("iam:AddUserToGroup", grp.ARN) && !inGroup(p, grp) {
					add(p.ARN, grp.ARN, "iam:AddUserToGroup", "add itself to "+grp.Name)
				}
			}
		}
		// The services it can start code with, whichever role it passes.
		var runs []codeService
		if may["iam:PassRole"] != nil {
		next:
			for _, cs := range codeServices {
				for _, act := range cs.actions {
					if !g.allowed(p, act, g.probe(cs.probe), nil) {
						continue next
					}
				}
				runs = append(runs, cs)
			}
		}
		for _, r := range a.Roles {
			if r == p {
				continue
			}
			if can("iam:UpdateAssumeRolePolicy", r.ARN) {
				add(p.ARN, r.ARN, "iam:UpdateAssumeRolePolicy", "make "+r.Name+" trust it, then assume it")
			}
			if r.Boundary == nil {
				for _, ed := range g.assumes[p.ARN] {
					if ed.To != r.ARN || ed.Conditional {
						continue
					}
					for _, act := range []string{"iam:AttachRolePolicy", "iam:PutRolePolicy"} {
						if can(act, r.ARN) {
							add(p.ARN, Admin, act, "grant "+r.Name+", which it can assume, any policy")
						}
					}
				}
			}
			if len(runs) == 0 || len(trusted[r.ARN]) == 0 || !can("iam:PassRole", r.ARN) {
				continue
			}
			for _, cs := range runs {
				if !trusted[r.ARN][cs.service] || cs.profile && len(r.Profiles) == 0 {
					continue
				}
				add(p.ARN, r.ARN, "iam:PassRole", "pass "+r.Name+" to "+cs.service+" and run code with "+strings.Join(cs.actions, ", "))
			}
		}
	}
	g.escalation = out
	g.escalationFrom = map[string][]Edge{}
	for _, e := range out {
		g.escalationFrom[e.From] = append(g.escalationFrom[e.From], e)
	}
	return out
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
		return Step{Kind: "assume", From: ed.From, To: ed.To, Detail: ed.Label, Conditional: ed.Conditional, Condition: ed.Condition}
	}
	technique, detail, _ := strings.Cut(ed.Label, ": ")
	return Step{Kind: technique, From: ed.From, To: ed.To, Detail: detail}
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
