package analysis

import (
	"sort"
)

// Change is the access one principal gained or lost between two dumps.
type Change struct {
	Principal string       `json:"principal"`
	Status    string       `json:"status,omitempty"` // added, removed, or "" when in both
	Gained    []Permission `json:"gained"`
	Lost      []Permission `json:"lost"`
	// GainedRoles and LostRoles are roles it may newly (no longer) assume.
	GainedRoles []string `json:"gained_roles,omitempty"`
	LostRoles   []string `json:"lost_roles,omitempty"`
}

// Diff compares the effective permissions (what-can) of every principal of
// two graphs, matched by ARN. Principals with no change are left out.
func Diff(old, new *Graph, service string) []Change {
	type side struct {
		caps  *Capabilities
		exist bool
	}
	get := func(g *Graph, id string) side {
		e, ok := g.Account.Entity(id)
		if !ok || e.Kind == KindGroup {
			return side{caps: &Capabilities{}}
		}
		return side{caps: g.WhatCan(e, service), exist: true}
	}
	ids := map[string]bool{}
	for _, g := range []*Graph{old, new} {
		for _, e := range g.Account.Principals() {
			ids[e.ARN] = true
		}
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	var out []Change
	for _, id := range sorted {
		// Same policies, same boundary, same roles to assume: same access.
		// Skipping these keeps a diff of a large account fast.
		if eo, ok := old.Account.Entity(id); ok {
			if en, ok := new.Account.Entity(id); ok && eo.fingerprint == en.fingerprint && sameStrings(roleTargets(old, id), roleTargets(new, id)) {
				continue
			}
		}
		a, b := get(old, id), get(new, id)
		c := Change{Principal: id, Gained: minus(b.caps.Actions, a.caps.Actions), Lost: minus(a.caps.Actions, b.caps.Actions),
			GainedRoles: minusStrings(b.caps.Assumable, a.caps.Assumable), LostRoles: minusStrings(a.caps.Assumable, b.caps.Assumable)}
		switch {
		case !a.exist:
			c.Status = "added"
		case !b.exist:
			c.Status = "removed"
		}
		if len(c.Gained)+len(c.Lost)+len(c.GainedRoles)+len(c.LostRoles) > 0 || c.Status != "" {
			out = append(out, c)
		}
	}
	return out
}

func minus(a, b []Permission) []Permission {
	have := map[string]bool{}
	for _, p := range b {
		have[p.Action+"|"+p.Resource] = true
	}
	out := []Permission{}
	for _, p := range a {
		if !have[p.Action+"|"+p.Resource] {
			out = append(out, p)
		}
	}
	return out
}

func minusStrings(a, b []string) []string {
	have := map[string]bool{}
	for _, s := range b {
		have[s] = true
	}
	var out []string
	for _, s := range a {
		if !have[s] {
			out = append(out, s)
		}
	}
	return out
}

func roleTargets(g *Graph, id string) []string {
	var out []string
	for _, e := range g.assumes[id] {
		out = append(out, e.To)
	}
	sort.Strings(out)
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
