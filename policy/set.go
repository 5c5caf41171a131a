package policy

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Set is a group of policies evaluated together in one role of the
// decision: a principal's identity policies, its boundary, a session's
// policies, one SCP level, a resource policy. It indexes the statements by
// action so a decision looks only at statements that can apply.
//
// A Set is immutable apart from an internal cache and safe for concurrent
// use. Build one per distinct list of policies and reuse it.
type Set struct {
	policies []*Policy
	exact    map[string][]*stmt // lower-cased action -> statements naming it exactly
	service  map[string][]*stmt // lower-cased service -> statements with a wildcard action in it
	global   []*stmt            // NotAction, "*" and wildcard-service statements

	seed    maphash.Seed
	plans   atomic.Pointer[planTable] // action as requested -> statements that apply
	planMu  sync.Mutex
	pending map[string]*plan // plans built since the table was last rebuilt (under planMu)
	planCap int
}

// planTable is an immutable open-addressing hash table from action to plan.
// It is replaced, never modified, when a new action is seen, so readers need
// no lock. It beats a Go map here because the key is hashed with the set's
// seed once and probed without the map's general machinery.
type planTable struct {
	mask  uint64
	slots []planSlot
	n     int
}

// planSlot holds its plan inline: one cache line, one memory load fewer on
// the hot path. used tells taken slots from empty ones.
type planSlot struct {
	action string
	plan   plan
	used   bool
}

func (t *planTable) get(seed maphash.Seed, action string) *plan {
	for i := maphash.String(seed, action) & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if !sl.used {
			return nil
		}
		if sl.action == action {
			return &sl.plan
		}
	}
}

// with returns a copy of t holding the added entries too, grown to stay
// at most half full.
func (t *planTable) with(seed maphash.Seed, added map[string]*plan) *planTable {
	n := t.n + len(added)
	size := len(t.slots)
	for size < 2*n {
		size *= 2
	}
	next := &planTable{mask: uint64(size - 1), slots: make([]planSlot, size), n: n}
	put := func(action string, p *plan) {
		i := maphash.String(seed, action) & next.mask
		for next.slots[i].used {
			i = (i + 1) & next.mask
		}
		next.slots[i] = planSlot{action: action, plan: *p, used: true}
	}
	for i := range t.slots {
		if sl := &t.slots[i]; sl.used {
			put(sl.action, &sl.plan)
		}
	}
	for action, p := range added {
		put(action, p)
	}
	return next
}

// plan is the statements of a set whose Action/NotAction matches one
// action, split by effect. The statements are copies laid out side by side
// for the evaluator's sake; seq keeps their document order. Allows come
// cheapest first, since any one of them decides.
type plan struct {
	deny, allow []stmt
}

// maxPlans bounds the per-set cache: actions are a closed catalogue, so a
// set meets few of them, but a caller inventing action names must not grow
// memory without end.
const maxPlans = 4096

// NewSet indexes policies. nil policies are skipped.
func NewSet(policies ...*Policy) *Set {
	s := &Set{exact: map[string][]*stmt{}, service: map[string][]*stmt{}, planCap: maxPlans, seed: maphash.MakeSeed()}
	for _, p := range policies {
		if p == nil {
			continue
		}
		s.policies = append(s.policies, p)
		for _, st := range p.stmts {
			s.index(st)
		}
	}
	s.plans.Store(&planTable{mask: 7, slots: make([]planSlot, 8)})
	return s
}

func (s *Set) index(st *stmt) {
	if st.notAction {
		s.global = append(s.global, st)
		return
	}
	seen := map[string]bool{}
	add := func(m map[string][]*stmt, key string) {
		if !seen[key] {
			seen[key] = true
			m[key] = append(m[key], st)
		}
	}
	for _, a := range st.actions {
		switch {
		case a.exact != "":
			add(s.exact, a.exact)
		case a.service != "":
			add(s.service, "svc:"+a.service)
		default:
			if !seen[""] {
				seen[""] = true
				s.global = append(s.global, st)
			}
		}
	}
}

// Policies returns the policies of the set.
func (s *Set) Policies() []*Policy { return s.policies }

// Empty reports whether the set holds no policy.
func (s *Set) Empty() bool { return s == nil || len(s.policies) == 0 }

// planFor returns the statements that apply to action, from the cache
// when it was seen before; nil for a nil or empty set.
//
// The table readers use without a lock is rebuilt, not changed; a plan
// built since its last rebuild waits in pending until an eighth as many
// as the table holds have gathered, so that meeting n new actions costs
// O(n) copies, not O(n²) (an analysis walks thousands of actions).
func (s *Set) planFor(action string) *plan {
	if s.Empty() {
		return nil
	}
	if p := s.plans.Load().get(s.seed, action); p != nil {
		return p
	}
	s.planMu.Lock()
	defer s.planMu.Unlock()
	if p := s.pending[action]; p != nil {
		return p
	}
	old := s.plans.Load()
	if cached := old.get(s.seed, action); cached != nil {
		return cached
	}
	p := s.buildPlan(action)
	if old.n+len(s.pending) >= s.planCap {
		return p
	}
	if s.pending == nil {
		s.pending = map[string]*plan{}
	}
	s.pending[action] = p
	if len(s.pending) > old.n/8 {
		s.plans.Store(old.with(s.seed, s.pending))
		s.pending = nil
	}
	return p
}

func (s *Set) buildPlan(action string) *plan {
	l := strings.ToLower(action)
	svc, _, _ := strings.Cut(l, ":")
	var cands []*stmt
	cands = append(cands, s.exact[l]...)
	for _, st := range s.service["svc:"+svc] {
		if st.matchesAction(l) {
			cands = append(cands, st)
		}
	}
	for _, st := range s.global {
		if st.matchesAction(l) {
			cands = append(cands, st)
		}
	}
	// Restore document order (policy, then statement) and drop the
	// duplicates of statements indexed under several keys.
	order := map[*stmt]int{}
	n := 0
	for _, p := range s.policies {
		for _, st := range p.stmts {
			order[st] = n
			n++
		}
	}
	slices.SortFunc(cands, func(a, b *stmt) int { return order[a] - order[b] })
	cands = slices.Compact(cands)
	p := &plan{}
	for _, st := range cands {
		c := *st
		c.seq = order[st]
		if st.deny {
			p.deny = append(p.deny, c)
		} else {
			p.allow = append(p.allow, c)
		}
	}
	slices.SortStableFunc(p.allow, func(a, b stmt) int { return a.cost() - b.cost() })
	p.pack()
	return p
}

// pack copies the resource patterns of the plan's statements, and their
// text, into two contiguous blocks, so that a decision walks a few adjacent
// cache lines instead of chasing pointers across the heap.
func (p *plan) pack() {
	lists := [2][]stmt{p.deny, p.allow}
	var text strings.Builder
	n := 0
	for _, list := range lists {
		for _, st := range list {
			n += len(st.resources)
			for _, r := range st.resources {
				text.WriteString(r.text)
			}
		}
	}
	all := text.String()
	res := make([]resourcePattern, 0, n)
	off := 0
	for _, list := range lists {
		for i := range list {
			start := len(res)
			for _, r := range list[i].resources {
				r.text = all[off : off+len(r.text)]
				off += len(r.text)
				res = append(res, r)
			}
			list[i].resources = res[start:len(res):len(res)]
		}
	}
}

// cost estimates how much work checking a statement takes.
func (st *stmt) cost() int {
	c := 4 * len(st.conds)
	for _, r := range st.resources {
		if r.kind > resPrefix {
			c += 2
		}
	}
	if st.principal != nil {
		c++
	}
	return c
}

// matchesAction applies Action/NotAction to a lower-cased action.
func (st *stmt) matchesAction(lowerAction string) bool {
	for i := range st.actions {
		if st.actions[i].pat.match(lowerAction, false, nil, nil) {
			return !st.notAction
		}
	}
	return st.notAction
}
