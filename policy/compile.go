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
	ID   string `json:"id"`
	Type string `json:"type,omitempty"`
}

// Policy is a compiled document, ready to evaluate. It is immutable and
// safe to share between goroutines.
type Policy struct {
	Source   Source
	Document *Document
	stmts    []*stmt
}

// stmt is a compiled statement. The fields a decision reads come first,
// so that they share the first cache lines of the copies plans keep.
type stmt struct {
	deny         bool
	notResource  bool
	notPrincipal bool
	// resources is empty when Resource is absent (trust policies).
	resources []resourcePattern
	conds     []condition
	principal *principalSet // nil when the statement names no principal

	policy    *Policy
	src       *Statement
	seq       int // document order within a set (in plans)
	notAction bool
	actions   []actionPattern
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
//
// Most patterns have wildcards or variables only in the resource part. Then
// the literal first five parts ("arn:aws:s3:::") fix where the parts begin
// in any value that starts with them, so the pattern is matched as head
// plus tail, and usually as one prefix or equality test on the whole ARN.
type resourcePattern struct {
	kind  resKind
	text  string      // resLiteral, resPrefix: the ARN or its prefix; resHeadTail: the head
	pat   *pattern    // resHeadTail: the tail; resWhole: the whole value
	parts *[6]pattern // resParts
}

type resKind uint8

const (
	resAny      resKind = iota // "*"
	resLiteral                 // the whole ARN, literally
	resPrefix                  // a literal prefix of the ARN then "*"
	resHeadTail                // literal first five parts, pattern for the sixth
	resWhole                   // not six parts: the value must equal it (with variables)
	resParts                   // anything else: six patterns
)

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
		return resourcePattern{kind: resAny}
	}
	raw, ok := arn.Split(r)
	if !ok {
		p := compilePattern(r, false, vars)
		return resourcePattern{kind: resWhole, pat: &p}
	}
	var parts [6]pattern
	literalHead := true
	for i, part := range raw {
		parts[i] = compilePattern(part, true, vars)
		literalHead = literalHead && (i == 5 || parts[i].shape == shapeLiteral)
	}
	if !literalHead {
		return resourcePattern{kind: resParts, parts: &parts}
	}
	head := strings.Join(raw[:5], ":") + ":"
	switch tail := parts[5]; tail.shape {
	case shapeLiteral:
		return resourcePattern{kind: resLiteral, text: head + tail.text}
	case shapePrefix:
		return resourcePattern{kind: resPrefix, text: head + tail.text}
	default:
		// Move the tail's literal lead into the head, so that most values
		// are rejected by one prefix test before any wildcard work.
		lead, rest := splitLead(raw[5], vars)
		p := compilePattern(rest, true, vars)
		return resourcePattern{kind: resHeadTail, text: head + lead, pat: &p}
	}
}

// splitLead cuts a pattern before its first wildcard (or variable).
func splitLead(s string, vars bool) (lead, rest string) {
	i := strings.IndexAny(s, "*?")
	if vars {
		if j := strings.Index(s, "${"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// match reports whether the request's resource matches. The common
// shapes are tested inline; the rest go through matchValue.
func (rp *resourcePattern) match(r *evalRequest, tr *trace) bool {
	v := r.Resource
	switch rp.kind {
	case resAny:
		return true
	case resLiteral:
		return v == rp.text
	case resPrefix:
		return len(v) >= len(rp.text) && v[:len(rp.text)] == rp.text
	case resParts:
		parts, ok := r.parts()
		return rp.matchValue(v, parts, ok, &r.Context, tr)
	}
	return rp.matchValue(v, nil, false, &r.Context, tr)
}

// matchValue reports whether the ARN value v matches. parts are v's six
// parts (ok false when it has fewer); only resParts patterns use them.
func (rp *resourcePattern) matchValue(v string, parts *[6]string, ok bool, ctx *Context, tr *trace) bool {
	switch rp.kind {
	case resAny:
		return true
	case resLiteral:
		return v == rp.text
	case resPrefix:
		return strings.HasPrefix(v, rp.text)
	case resHeadTail:
		return strings.HasPrefix(v, rp.text) && rp.pat.match(v[len(rp.text):], false, ctx, tr)
	case resWhole:
		return rp.pat.match(v, false, ctx, tr)
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
