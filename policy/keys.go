package policy

import "strings"

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
