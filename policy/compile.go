package policy

import (
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Source identifies a policy in explanations, as AWS's simulator names it:
// SourcePolicyId (a policy name, ARN or label) and SourcePolicyType (user,
// group, role, aws-managed, user-managed, resource, none, ...).
type Source struct {
	ID   string
	Type string
}

// Policy is a compiled document, ready to evaluate. It is immutable and
// safe to share between goroutines.
type Policy struct {
	Source   Source
	Document *Document
	stmts    []*stmt
}

// stmt is a compiled statement.
type stmt struct {
	policy *Policy
	src    *Statement
	deny   bool

	notAction bool
	actions   []actionPattern

	notResource bool
	resources   []resourcePattern // empty with Resource absent (trust policies)

	principal    *principalSet // nil when the statement names no principal
	notPrincipal bool

	conds []condition
}

// actionPattern is one Action/NotAction entry, lower-cased and split at the
// colon so the set can index it by service.
type actionPattern struct {
	service string  // lower-cased; "" for "*"
	exact   string  // lower-cased full action when there is no wildcard
	pat     pattern // the whole action, for matching
}

// resourcePattern is one Resource/NotResource entry split into the six ARN
// parts, so that a wildcard never crosses the colons between parts (3.2).
type resourcePattern struct {
	any   bool       // "*"
	whole *pattern   // a pattern that is not six parts: matched as a whole
	parts [6]pattern // otherwise
}

// condition is one operator/key pair.
type condition struct {
	op       operator
	opName   string
	key      string // lower-cased
	patterns []pattern
	arns     []resourcePattern
	numbers  []float64
	dates    []instant
	prefixes []netip.Prefix
	binaries [][]byte
	nulls    []bool
	valid    []bool // per value: false when the policy value did not parse
}

// Compile turns a parsed document into an evaluable policy. It never fails:
// values that cannot be evaluated (an unparsable date in a document that was
// not validated) simply never match.
func Compile(doc *Document, src Source) *Policy {
	p := &Policy{Source: src, Document: doc}
	vars := doc.Version == Version2012
	for _, s := range doc.Statements {
		p.stmts = append(p.stmts, compileStatement(p, s, vars))
	}
	return p
}

// MustParse parses and compiles text, panicking on a syntax error. For
// tests and fixed documents only.
func MustParse(text string, src Source) *Policy {
	doc, err := Parse([]byte(text))
	if err != nil {
		panic(err)
	}
	return Compile(doc, src)
}

func compileStatement(p *Policy, s *Statement, vars bool) *stmt {
	c := &stmt{policy: p, src: s, deny: s.IsDeny()}
	acts := s.Action.List
	if s.NotAction.Present {
		c.notAction, acts = true, s.NotAction.List
	}
	for _, a := range acts {
		c.actions = append(c.actions, compileAction(a))
	}
	res := s.Resource.List
	if s.NotResource.Present {
		c.notResource, res = true, s.NotResource.List
	}
	for _, r := range res {
		c.resources = append(c.resources, compileResource(r, vars))
	}
	switch {
	case s.Principal != nil:
		c.principal = compilePrincipal(s.Principal)
	case s.NotPrincipal != nil:
		c.principal, c.notPrincipal = compilePrincipal(s.NotPrincipal), true
	}
	for _, cond := range s.Condition {
		op, err := parseOperator(cond.Operator)
		for _, e := range cond.Entries {
			if err != nil {
				// An unknown operator with keys is a syntax error, so this
				// is only reachable for documents built by hand: such a
				// condition can never hold.
				c.conds = append(c.conds, condition{op: operator{fam: famNull}, opName: cond.Operator, key: strings.ToLower(e.Key), valid: []bool{false}, nulls: []bool{false}})
				continue
			}
			c.conds = append(c.conds, compileCondition(op, cond.Operator, e, vars))
		}
	}
	return c
}

func compileAction(a string) actionPattern {
	l := strings.ToLower(a)
	ap := actionPattern{pat: compilePattern(l, true, false)}
	if l == "*" {
		return ap
	}
	svc, _, _ := strings.Cut(l, ":")
	if !strings.ContainsAny(svc, "*?") {
		ap.service = svc
	}
	if !strings.ContainsAny(l, "*?") {
		ap.exact = l
	}
	return ap
}

func compileResource(r string, vars bool) resourcePattern {
	if r == "*" {
		return resourcePattern{any: true}
	}
	parts, ok := arn.Split(r)
	if !ok {
		p := compilePattern(r, false, vars)
		return resourcePattern{whole: &p}
	}
	var rp resourcePattern
	for i, part := range parts {
		rp.parts[i] = compilePattern(part, true, vars)
	}
	return rp
}

// match reports whether the ARN value v, already split into parts (ok
// false when it is not six parts), matches.
func (rp *resourcePattern) match(v string, parts *[6]string, ok bool, ctx *Context, tr *trace) bool {
	if rp.any {
		return true
	}
	if rp.whole != nil {
		return rp.whole.match(v, false, ctx, tr)
	}
	if !ok {
		return false
	}
	for i := range rp.parts {
		if !rp.parts[i].match(parts[i], false, ctx, tr) {
			return false
		}
	}
	return true
}

func compileCondition(op operator, name string, e ConditionEntry, vars bool) condition {
	c := condition{op: op, opName: name, key: strings.ToLower(e.Key)}
	for _, v := range e.Values.List {
		ok := true
		switch op.fam {
		case famString:
			c.patterns = append(c.patterns, compilePattern(v, op.cmp == cmpLike, vars))
		case famArn:
			c.arns = append(c.arns, compileResource(v, vars))
		case famBool:
			c.patterns = append(c.patterns, compilePattern(v, false, vars))
		case famNumeric:
			var f float64
			f, ok = parseNumber(v)
			c.numbers = append(c.numbers, f)
		case famDate:
			var d instant
			d, ok = parseDate(v)
			c.dates = append(c.dates, d)
		case famIP:
			var p netip.Prefix
			p, ok = parsePrefix(v)
			c.prefixes = append(c.prefixes, p)
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(v)
			ok = err == nil
			c.binaries = append(c.binaries, b)
		case famNull:
			switch strings.ToLower(v) {
			case "true":
				c.nulls = append(c.nulls, true)
			case "false":
				c.nulls = append(c.nulls, false)
			default:
				ok = false
				c.nulls = append(c.nulls, false)
			}
		}
		c.valid = append(c.valid, ok)
	}
	return c
}
