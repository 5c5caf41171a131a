package analysis

import (
	"sort"
	"strings"
	"sync"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/catalog"
)

// CatalogAction is one action of the catalogue, flattened for scanning.
type CatalogAction struct {
	Name        string // service:Action in the catalogue's case
	Service     string
	AccessLevel string
	Def         *catalog.Action
	Svc         *catalog.Service
}

var (
	actionsOnce sync.Once
	allActions  []CatalogAction
	bySvc       map[string][]CatalogAction
	cat         *catalog.Catalog
)

func loadActions() {
	actionsOnce.Do(func() {
		cat = catalog.MustLoad()
		bySvc = map[string][]CatalogAction{}
		for _, prefix := range cat.Prefixes() {
			s := cat.Services[prefix]
			names := make([]string, 0, len(s.Actions))
			for n := range s.Actions {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				a := CatalogAction{Name: prefix + ":" + n, Service: prefix, AccessLevel: s.Actions[n].AccessLevel, Def: s.Actions[n], Svc: s}
				allActions = append(allActions, a)
				bySvc[prefix] = append(bySvc[prefix], a)
			}
		}
	})
}

// Catalog returns the service catalogue.
func Catalog() *catalog.Catalog {
	loadActions()
	return cat
}

// ExpandAction lists the catalogue's actions a pattern of an Action
// element matches (IAM compares actions without case).
func ExpandAction(pattern string) []CatalogAction {
	loadActions()
	if pattern == "*" {
		return allActions
	}
	svc, name, ok := strings.Cut(pattern, ":")
	if !ok {
		return nil
	}
	candidates := allActions
	if !strings.ContainsAny(svc, "*?") {
		candidates = bySvc[strings.ToLower(svc)]
	}
	if name == "*" && candidates != nil && !strings.ContainsAny(svc, "*?") {
		return candidates
	}
	var out []CatalogAction
	for _, a := range candidates {
		if arn.GlobFold(pattern, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

// ExpandNotAction lists the actions a NotAction element leaves allowed,
// optionally within one service.
func ExpandNotAction(patterns []string, service string) []CatalogAction {
	loadActions()
	candidates := allActions
	if service != "" {
		candidates = bySvc[strings.ToLower(service)]
	}
	var out []CatalogAction
next:
	for _, a := range candidates {
		for _, p := range patterns {
			if arn.GlobFold(p, a.Name) {
				continue next
			}
		}
		out = append(out, a)
	}
	return out
}

// matchesAny reports whether an action is matched by one of the patterns.
func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if arn.GlobFold(p, action) {
			return true
		}
	}
	return false
}
