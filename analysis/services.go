package analysis

import (
	"sort"
	"strings"
	"sync"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Services in who-can's chains: a service principal a role trusts is not
// someone who acts; the principals that can pass the role to the service
// and start code there are.

// codeService is a way a service runs code as a role passed to it: who
// can pass the role and start the code acts with the role's access.
// They are derived from escalation's passRoleTechniques (one per
// technique and service the role must trust), so that who-can's chains
// and escalation know the same ways in. Left out: techniques whose
// service assumes the role with web identity (Cognito: who-can lists the
// provider itself) and those that pass a second role (EMR's service
// role), which the chain would not show.
type codeService struct {
	service string // the principal the role must trust
	t       *passRoleTechnique
	profile bool   // the role must be in an instance profile
	key     string // names it in the caches (built once: lookups are hot)
	acts    []string
}

var codeServices = func() []codeService {
	var out []codeService
	for i := range passRoleTechniques {
		t := &passRoleTechniques[i]
		if t.federated || t.companion != "" {
			continue
		}
		for _, st := range t.targets {
			acts := make([]string, len(t.actions)) // what the caller needs besides iam:PassRole
			for i, a := range t.actions {
				acts[i] = a.action
			}
			out = append(out, codeService{service: st.service, t: t, profile: st.profile, key: t.ID + " " + st.service, acts: acts})
		}
	}
	// The most specific first: a chain names everything the principal
	// holds.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].t.actions) > len(out[j].t.actions) })
	return out
}()

// codeServicesOf are the code services by trusted service (lower case).
var codeServicesOf = func() map[string][]*codeService {
	m := map[string][]*codeService{}
	for i := range codeServices {
		cs := &codeServices[i]
		k := strings.ToLower(cs.service)
		m[k] = append(m[k], cs)
	}
	return m
}()

// queryCache holds what the queries compute once per graph.
type queryCache struct {
	once     sync.Once
	passRole []*Entity // principals some Allow statement of which may name iam:PassRole
	mu       sync.Mutex
	runs     map[runKey]bool // whether a principal can start code with a service
	passCtx  map[runKey]policy.Context
	// may: per principal, the resource patterns its Allow statements give
	// each action a technique needs (as escalation's attacker holds them).
	may       map[*Entity]map[string][]string
	perPolicy map[*PolicyRef]map[string][]string
}

type runKey struct {
	e       *Entity
	service string
}

func (g *Graph) cache() *queryCache {
	g.qonce.Do(func() {
		g.q = &queryCache{runs: map[runKey]bool{}, passCtx: map[runKey]policy.Context{},
			may: map[*Entity]map[string][]string{}, perPolicy: map[*PolicyRef]map[string][]string{}}
	})
	q := g.q
	q.once.Do(func() {
		// Per policy, not per principal: managed policies are shared.
		names := map[*PolicyRef]bool{}
		has := func(refs []*PolicyRef) bool {
			for _, p := range refs {
				v, ok := names[p]
				if !ok {
					v = mayName(p, "iam:PassRole")
					names[p] = v
				}
				if v {
					return true
				}
			}
			return false
		}
		for _, e := range g.Account.Principals() {
			ok := has(e.Inline) || has(e.Attached)
			for _, grp := range e.Groups {
				ok = ok || has(grp.Inline) || has(grp.Attached)
			}
			if ok {
				q.passRole = append(q.passRole, e)
			}
		}
	})
	return q
}

// prepareServices finds, while the graph is built, the principals that
// may pass roles and the code services each can start code with: the part
// of who-can's service chains that does not depend on the role.
func (g *Graph) prepareServices() {
	q := g.cache()
	for _, p := range q.passRole {
		for _, cs := range codeServices {
			k := runKey{p, cs.key}
			if _, ok := q.runs[k]; !ok {
				q.runs[k] = g.runs(p, cs)
			}
		}
	}
}

// passer is a principal that can make a service act with a role, and the
// actions it starts the code with.
type passer struct {
	e       *Entity
	actions []string
}

func (p passer) detail(roleARN, service string) string {
	return "passes " + short(roleARN) + " to " + service + " with " + strings.Join(p.actions, ", ")
}

// servicePassers lists the principals that can pass roleARN to service and
// run code there (the code services escalation knows), the engine deciding
// iam:PassRole with iam:PassedToService and the service's actions.
// Principals skip says are known already are not asked.
func (g *Graph) servicePassers(roleARN, service string, skip func(*Entity) bool) []passer {
	q := g.cache()
	role, ok := g.Account.Entity(roleARN)
	if !ok || role.Kind != KindRole {
		return nil
	}
	passCtx := map[string][]string{"iam:PassedToService": {service}}
	// The principal's keys with iam:PassedToService, built once per
	// principal and service: the same for every role.
	passAllowed := func(p *Entity) bool {
		k := runKey{p, service}
		q.mu.Lock()
		c, ok := q.passCtx[k]
		q.mu.Unlock()
		if !ok {
			c = principalContext(p, passCtx)
			q.mu.Lock()
			q.passCtx[k] = c
			q.mu.Unlock()
		}
		in := policy.Input{Identity: p.identity, Boundary: p.boundary}
		req := policy.Request{Principal: p.caller, Action: "iam:PassRole", Resource: roleARN, ResourceAccount: g.Account.ID, Context: c}
		return policy.Evaluate(&in, &req) == policy.Allowed
	}
	cands := codeServicesOf[strings.ToLower(service)]
	var out []passer
	for _, p := range q.passRole {
		if p == role || skip != nil && skip(p) {
			continue
		}
		// The first way in (the most specific) the principal can use.
		// Whether p starts code there does not depend on the role: asked
		// once (when the graph is built), and before PassRole.
		var hit *codeService
		for _, cs := range cands {
			if cs.profile && len(role.Profiles) == 0 {
				continue
			}
			k := runKey{p, cs.key}
			q.mu.Lock()
			ok, known := q.runs[k]
			q.mu.Unlock()
			if !known {
				ok = g.runs(p, *cs)
				q.mu.Lock()
				q.runs[k] = ok
				q.mu.Unlock()
			}
			if ok {
				hit = cs
				break
			}
		}
		if hit == nil || !passAllowed(p) {
			continue
		}
		out = append(out, passer{p, hit.acts})
	}
	return out
}

// runs reports whether a principal may start code with a service as the
// technique says: what escalation asks (attacker.runs), each action
// allowed on a resource the principal can name.
func (g *Graph) runs(p *Entity, cs codeService) bool {
	q := g.cache()
	q.mu.Lock()
	may, ok := q.may[p]
	if !ok {
		may = map[string][]string{}
		for _, ref := range p.Policies() {
			m, done := q.perPolicy[ref]
			if !done {
				m = mayAllow(ref)
				q.perPolicy[ref] = m
			}
			for act, res := range m {
				may[act] = append(may[act], res...)
			}
		}
		q.may[p] = may
	}
	q.mu.Unlock()
	at := &attacker{g: g, p: p, may: may}
	return at.runs(cs.t)
}

// grantee is an identity a resource policy lets in.
type grantee struct {
	id   string
	kind Kind
	via  []Step
	cond bool
}

// mayName reports whether some Allow statement of a policy may name
// action.
func mayName(p *PolicyRef, action string) bool {
	if p.Doc == nil {
		return false
	}
	svc, _, _ := strings.Cut(action, ":")
	// Patterns of another service cannot match: most are, and the glob
	// is skipped for them.
	matches := func(pats []string) bool {
		for _, pat := range pats {
			ps, _, _ := strings.Cut(pat, ":")
			if !strings.ContainsAny(ps, "*?") && !strings.EqualFold(ps, svc) {
				continue
			}
			if arn.GlobFold(pat, action) {
				return true
			}
		}
		return false
	}
	for _, st := range p.Doc.Statements {
		if strings.EqualFold(st.Effect, policy.Allow) &&
			(st.NotAction.Present && !matchesAny(st.NotAction.List, action) || matches(st.Action.List)) {
			return true
		}
	}
	return false
}
