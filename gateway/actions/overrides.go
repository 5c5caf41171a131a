package actions

import (
	"sort"
	"strings"
)

// override is an operation whose authorization differs from the default
// (prefix:Operation on the resource its input names).
type override struct {
	actions []string // the actions it checks, for the table
	keys    []string // the condition keys it sets, for the table
	res     []string // the resource ARN formats, for the table ("" : the model's)
	fn      func(c *call) ([]Authorization, error)
}

// overrides: service (model name) → operation → override.
var overrides = map[string]map[string]override{}

func reg(svc, op string, o override) {
	if overrides[svc] == nil {
		overrides[svc] = map[string]override{}
	}
	overrides[svc][op] = o
}

// auth is one authorization with the default's tag and service keys.
func (c *call) auth(action, resource string) Authorization {
	a := Authorization{Action: action, Resource: resource}
	if action == c.op.Action {
		c.addTags(&a)
		c.addKeys(&a)
	}
	return a
}

func one(a Authorization) ([]Authorization, error) { return []Authorization{a}, nil }

// catARN fills the catalogue's ARN format of a resource type.
func (c *call) catARN(prefix, typ string, vars map[string]string) string {
	f := arnFormat(prefix, typ)
	if f == "" {
		return ""
	}
	return c.arn(f, vars)
}

func arnFormat(prefix, typ string) string {
	cat := mustCatalog()
	if cat == nil {
		return ""
	}
	s := cat.Services[prefix]
	if s == nil || s.ResourceTypes[typ] == nil {
		return ""
	}
	return s.ResourceTypes[typ].ARN
}

// orStar is "*" for an ARN that could not be made.
func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// raw is a member's value by its own name wherever the protocol puts it
// (body, form parameter), for members the generated data does not carry.
func (c *call) raw(name string) string {
	if _, ok := c.op.Members[name]; ok {
		return c.str(name)
	}
	if c.form != nil {
		return c.form.Get(name)
	}
	if c.labels != nil {
		if v, ok := c.labels[name]; ok {
			return v
		}
	}
	return jsonString(c.jsonBody()[name])
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

func sortStrings(s []string) { sort.Strings(s) }
