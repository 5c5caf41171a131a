package actions

import (
	"sort"
	"strings"
)

// Row is one operation of a service as `iamd actions` prints it.
type Row struct {
	Operation string
	Actions   []string // with a note in parentheses where the check depends on the request
	Resources []string // ARN formats, or "*"
	Keys      []string // condition keys the mapper sets from the request
	Override  bool     // an explicit override rather than the default
}

// Services lists the model names the mapper knows, sorted.
func Services() []string {
	ms := mustModels()
	out := make([]string, 0, len(ms.services))
	for n := range ms.services {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Table describes every operation of a service, named by its model name
// or its signing name; nil when there is no such service.
func Table(name string) []Row {
	ms := mustModels()
	svc := ms.services[name]
	if svc == nil && len(ms.bySigning[name]) > 0 {
		svc = ms.bySigning[name][0]
	}
	if svc == nil {
		return nil
	}
	var rows []Row
	for _, o := range svc.Ops {
		r := Row{Operation: o.Name, Resources: []string{"*"}}
		if o.Resource != nil {
			r.Resources = []string{o.Resource.ARN}
		}
		if ov, ok := overrides[svc.Name][o.Name]; ok {
			r.Actions, r.Keys, r.Override = ov.actions, ov.keys, true
			if len(ov.res) > 0 {
				r.Resources = ov.res
			}
		} else {
			a := o.Action
			if a == "" {
				a = svc.Prefix + ":" + o.Name + " (not in the catalogue)"
			}
			r.Actions = []string{a}
			for k := range o.Keys {
				r.Keys = append(r.Keys, k)
			}
			if o.Tags != "" || o.TagKeys != "" {
				reqTag, tagKeys := actionHasKeys(o.Action)
				if reqTag && o.Tags != "" {
					r.Keys = append(r.Keys, "aws:RequestTag/*")
				}
				if tagKeys {
					r.Keys = append(r.Keys, "aws:TagKeys")
				}
			}
			sort.Strings(r.Keys)
		}
		rows = append(rows, r)
	}
	return rows
}

// ActionName strips a table note: "s3:GetObject (source)" → "s3:GetObject".
func ActionName(a string) string {
	if i := strings.IndexByte(a, ' '); i >= 0 {
		return a[:i]
	}
	return a
}
