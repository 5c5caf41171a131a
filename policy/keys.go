package policy

import (
	"strings"

	"github.com/iamd/iamd/arn"
)

// ContextKeys returns the condition keys a document uses, and the keys its
// policy variables read (Version 2012-10-17 only), each once (key names
// are compared without case; the first spelling is kept). This is what
// GetContextKeysFor*Policy report.
func (d *Document) ContextKeys() []string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if l := strings.ToLower(k); !seen[l] {
			seen[l] = true
			out = append(out, k)
		}
	}
	vars := d.Version == Version2012
	addVars := func(s string) {
		if !vars {
			return
		}
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				return
			}
			s = s[i+2:]
			j := strings.IndexByte(s, '}')
			if j < 0 {
				return
			}
			body := s[:j]
			s = s[j+1:]
			switch body {
			case "*", "?", "$":
				continue
			}
			name, _, _ := strings.Cut(body, ",")
			add(strings.TrimSpace(name))
		}
	}
	for _, st := range d.Statements {
		for _, c := range st.Condition {
			for _, e := range c.Entries {
				add(e.Key)
				for _, v := range e.Values.List {
					addVars(v)
				}
			}
		}
		for _, r := range append(append([]string{}, st.Resource.List...), st.NotResource.List...) {
			addVars(r)
		}
	}
	return out
}

// GrantsService tells whether an Allow statement of the document can match
// some action of the service: the test of ListPoliciesGrantingServiceAccess,
// which looks at permissions policies only (not at resources, conditions
// or other kinds of policy).
func (d *Document) GrantsService(namespace string) bool {
	for _, st := range d.Statements {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		if st.Action.Present {
			for _, a := range st.Action.List {
				if actionOfService(a, namespace) {
					return true
				}
			}
			continue
		}
		// NotAction grants every action it does not list: some of the
		// service's unless all of them are listed.
		all := false
		for _, a := range st.NotAction.List {
			if a == "*" || strings.EqualFold(a, namespace+":*") {
				all = true
			}
		}
		if !all {
			return true
		}
	}
	return false
}

// actionOfService tells whether an action pattern can match an action of
// the service.
func actionOfService(pattern, namespace string) bool {
	if pattern == "*" {
		return true
	}
	svc, _, ok := strings.Cut(pattern, ":")
	return ok && arn.GlobFold(svc, namespace)
}
