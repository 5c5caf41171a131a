package genpolicy

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Grant is one action a principal's current policies allow on a resource
// pattern (what-can's answer, see analysis.Graph.WhatCan).
type Grant struct {
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	Policy      string `json:"policy"`
	Statement   int    `json:"statement"`
	Conditional bool   `json:"conditional,omitempty"`
}

// Unused returns the grants no observed call exercised: the action (any
// case) was never called on a resource the grant's pattern matches. A
// pattern with policy variables (${aws:username}) is compared as written,
// so a grant used only through a variable is reported unused; the caller
// says so.
func Unused(grants []Grant, calls []Call) []Grant {
	byAction := map[string][]string{}
	for _, c := range calls {
		k := strings.ToLower(c.Action)
		byAction[k] = append(byAction[k], c.Resource)
	}
	var out []Grant
	for _, g := range grants {
		used := false
		for _, r := range byAction[strings.ToLower(g.Action)] {
			if arn.Glob(g.Resource, r) {
				used = true
				break
			}
		}
		if !used {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Action != out[j].Action {
			return out[i].Action < out[j].Action
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// ServiceUse sums up grants by service: how many granted actions it has
// and how many of them were used.
type ServiceUse struct {
	Service       string
	Granted, Used int
	UnusedActions []Grant
}

// ByService groups the unused grants of all grants by service prefix,
// sorted, with the counts.
func ByService(grants, unused []Grant) []ServiceUse {
	granted := map[string]map[string]bool{}
	idle := map[string]map[string]bool{}
	m := map[string]*ServiceUse{}
	get := func(a string) *ServiceUse {
		svc, _, _ := strings.Cut(strings.ToLower(a), ":")
		if m[svc] == nil {
			m[svc] = &ServiceUse{Service: svc}
			granted[svc], idle[svc] = map[string]bool{}, map[string]bool{}
		}
		return m[svc]
	}
	for _, g := range grants {
		su := get(g.Action)
		granted[su.Service][g.Action+" "+g.Resource] = true
	}
	for _, g := range unused {
		su := get(g.Action)
		su.UnusedActions = append(su.UnusedActions, g)
		idle[su.Service][g.Action+" "+g.Resource] = true
	}
	out := make([]ServiceUse, 0, len(m))
	for svc, su := range m {
		su.Granted = len(granted[svc])
		su.Used = su.Granted - len(idle[svc])
		out = append(out, *su)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}
