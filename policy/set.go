package policy

import (
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

	plans   atomic.Pointer[map[string]*plan] // action as requested -> statements that apply
	planMu  sync.Mutex
	planCap int
}

// plan is the statements of a set whose Action/NotAction matches one
// action, in document order, split by effect.
type plan struct {
	deny, allow []*stmt
}

// maxPlans bounds the per-set cache: actions are a closed catalogue, so a
// set meets few of them, but a caller inventing action names must not grow
// memory without end.
const maxPlans = 4096

// NewSet indexes policies. nil policies are skipped.
func NewSet(policies ...*Policy) *Set {
	s := &Set{exact: map[string][]*stmt{}, service: map[string][]*stmt{}, planCap: maxPlans}
	for _, p := range policies {
		if p == nil {
			continue
		}
		s.policies = append(s.policies, p)
		for _, st := range p.stmts {
			s.index(st)
		}
	}
	empty := map[string]*plan{}
	s.plans.Store(&empty)
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

// plan returns the statements that apply to action, from the cache when it
// was seen before.
func (s *Set) plan(action string) *plan {
	if p := (*s.plans.Load())[action]; p != nil {
		return p
	}
	p := s.buildPlan(action)
	s.planMu.Lock()
	defer s.planMu.Unlock()
	old := *s.plans.Load()
	if len(old) < s.planCap {
		next := make(map[string]*plan, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[action] = p
		s.plans.Store(&next)
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
		if st.deny {
			p.deny = append(p.deny, st)
		} else {
			p.allow = append(p.allow, st)
		}
	}
	return p
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
