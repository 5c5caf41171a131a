package policycheck

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/policy"
)

// Conditions are reasoned about as opaque truth values, one per
// operator/key pair (an entry), related only by implications that hold
// whatever the request: the same entry, or the same operator and key with
// a value list that is narrower in the operator's sense. Everything else
// is taken to be independently true or false, which can only make a check
// FAIL more often, never PASS wrongly; the counterexample the evaluator
// confirms shows whether the failure is real.

// entry is one normalized condition: operator name, lower-cased key,
// sorted values.
type entry struct {
	op     string
	key    string
	values []string
	vers   string // the document's Version (variables in values)
	name   string // the key as written
}

func (e entry) id() string {
	return e.op + "\x00" + e.key + "\x00" + strings.Join(e.values, "\x00") + "\x00" + e.vers
}

// negated reports whether the operator is a negation (more values make it
// stronger).
func (e entry) negated() bool {
	base := e.op
	if _, after, ok := strings.Cut(base, ":"); ok {
		base = after
	}
	base = strings.TrimSuffix(base, "IfExists")
	switch base {
	case "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
		"DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike":
		return true
	}
	return false
}

// impliedBy reports whether f being true forces e to be true.
func (e entry) impliedBy(f entry) bool {
	if e.key != f.key || e.vers != f.vers {
		return false
	}
	if e.op != f.op {
		return e.impliedByPatterns(f)
	}
	if e.op == "Null" {
		return sameStrings(e.values, f.values)
	}
	if e.negated() {
		return subset(e.values, f.values)
	}
	return subset(f.values, e.values)
}

// splitOp cuts an operator name into its set qualifier, base and
// IfExists.
func splitOp(op string) (qual, base string, ifExists bool) {
	base = op
	if q, after, ok := strings.Cut(op, ":"); ok {
		qual, base = q, after
	}
	base, ifExists = strings.CutSuffix(base, "IfExists")
	return qual, base, ifExists
}

// likeFamilies are the operators whose values are patterns (or literals
// a pattern can stand for), with the negation and whether they glob.
var likeFamilies = map[string]likeFamily{
	"StringEquals": {"string", false, false}, "StringLike": {"string", false, true},
	"StringNotEquals": {"string", true, false}, "StringNotLike": {"string", true, true},
	"ArnEquals": {"arn", false, true}, "ArnLike": {"arn", false, true},
	"ArnNotEquals": {"arn", true, true}, "ArnNotLike": {"arn", true, true},
}

type likeFamily struct {
	family  string
	negated bool
	glob    bool
}

// impliedByPatterns relates entries of different operators over the same
// values' languages: StringEquals "a-1" implies StringLike "a-*", and
// StringLike "repo:o/app:*" implies StringLike "repo:o/*"; for the negated
// operators the other way round. The set qualifier and IfExists must be
// the same, so that absent keys and several values behave alike.
func (e entry) impliedByPatterns(f entry) bool {
	eq, eb, ei := splitOp(e.op)
	fq, fb, fi := splitOp(f.op)
	ef, ok1 := likeFamilies[eb]
	ff, ok2 := likeFamilies[fb]
	if !ok1 || !ok2 || eq != fq || ei != fi || ef.family != ff.family || ef.negated != ff.negated {
		return false
	}
	for _, vs := range [][]string{e.values, f.values} {
		for _, v := range vs {
			if strings.Contains(v, "${") {
				return false // the values depend on the request
			}
		}
	}
	compile := func(v string, fam likeFamily) glob {
		switch {
		case fam.family == "arn":
			return resourceGlob(v, false, &vars{})
		case fam.glob:
			return globOf(v)
		}
		return literalGlob([]rune(v))
	}
	// sub's language within the union of sup's, value by value.
	within := func(sub []string, subF likeFamily, sup []string, supF likeFamily) bool {
		for _, a := range sub {
			ga := compile(a, subF)
			found := false
			for _, b := range sup {
				if globWithin(ga, compile(b, supF)) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	if ef.negated {
		return within(e.values, ef, f.values, ff)
	}
	return within(f.values, ff, e.values, ef)
}

// anyString is the domain of condition values.
var anyString = []glob{{{kind: tStar}}}

// globWithin reports whether every string a matches, b matches too, by
// the walk (false when the walk is cut short).
func globWithin(a, b glob) bool {
	as, complete := atoms(anyString, []glob{a, b})
	if !complete {
		return false
	}
	for _, at := range as {
		if at.match.has(0) && !at.match.has(1) {
			return false
		}
	}
	return true
}

func sameStrings(a, b []string) bool { return subset(a, b) && subset(b, a) }

// subset reports whether every value of a is in b.
func subset[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// blockOf normalizes a statement's Condition element.
func blockOf(st *policy.Statement, version string) []entry {
	var out []entry
	for _, c := range st.Condition {
		for _, e := range c.Entries {
			vals := append([]string(nil), e.Values.List...)
			sort.Strings(vals)
			out = append(out, entry{op: c.Operator, key: strings.ToLower(e.Key), values: vals, vers: version, name: e.Key})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id() < out[j].id() })
	return out
}

func blockID(b []entry) string {
	ids := make([]string, len(b))
	for i, e := range b {
		ids[i] = e.id()
	}
	return strings.Join(ids, "\x01")
}

// condEval decides single entries with iamd's own evaluator, so that what
// the checks assume of an operator is what a decision does.
type condEval struct {
	cache map[string]*policy.Set
}

func (ce *condEval) set(e entry) *policy.Set {
	if ce.cache == nil {
		ce.cache = map[string]*policy.Set{}
	}
	k := e.id()
	if s, ok := ce.cache[k]; ok {
		return s
	}
	doc := &policy.Document{Version: e.vers, Statements: []*policy.Statement{{
		Effect:    policy.Allow,
		Action:    policy.Values{List: []string{"*"}, Present: true},
		Resource:  policy.Values{List: []string{"*"}, Present: true},
		Condition: []policy.Condition{{Operator: e.op, Entries: []policy.ConditionEntry{{Key: e.key, Values: policy.Values{List: e.values, Present: true}}}}},
	}}}
	s := policy.NewSet(policy.Compile(doc, policy.Source{ID: "condition"}))
	ce.cache[k] = s
	return s
}

// holds evaluates e against a context.
func (ce *condEval) holds(e entry, ctx map[string][]string) bool {
	req := &policy.Request{
		Principal: policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/iamd-check", Account: "123456789012"},
		Action:    "iamdcheck:Probe", Resource: "*", Context: policy.NewContext(ctx),
	}
	return policy.Evaluate(&policy.Input{Identity: ce.set(e)}, req) == policy.Allowed
}

// candidates proposes values that may satisfy or falsify entries on one
// key: each policy value, instantiated and nudged either way.
func candidates(es []entry) [][]string {
	var out [][]string
	seen := map[string]bool{}
	add := func(v ...string) {
		k := strings.Join(v, "\x00")
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	add() // absent
	for _, e := range es {
		for _, v := range e.values {
			for _, c := range valueVariants(v) {
				add(c)
			}
		}
	}
	add("iamd-check-other")
	add("true")
	add("false")
	add("203.0.113.7")
	add("0")
	// Two values at once, for the set operators.
	var singles []string
	for _, c := range out {
		if len(c) == 1 {
			singles = append(singles, c[0])
		}
	}
	for i := 0; i < len(singles) && i < 12; i++ {
		add(singles[i], "iamd-check-other")
	}
	return out
}

// valueVariants instantiates a policy value as request values: itself
// with wildcards filled, and, for numbers, dates and addresses, values
// just beside it.
func valueVariants(v string) []string {
	inst := strings.NewReplacer("*", "", "?", "x").Replace(v)
	out := []string{inst, v, strings.NewReplacer("*", "iamd", "?", "x").Replace(v)}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		out = append(out, strconv.FormatFloat(f+1, 'f', -1, 64), strconv.FormatFloat(f-1, 'f', -1, 64))
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		out = append(out, t.Add(time.Second).Format(time.RFC3339), t.Add(-time.Second).Format(time.RFC3339))
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		out = append(out, p.Addr().String())
		if n := p.Addr().Next(); n.IsValid() {
			out = append(out, n.String())
		}
		if last := lastAddr(p); last.IsValid() {
			if n := last.Next(); n.IsValid() {
				out = append(out, n.String())
			}
		}
	} else if a, err := netip.ParseAddr(v); err == nil {
		out = append(out, a.String())
		if n := a.Next(); n.IsValid() {
			out = append(out, n.String())
		}
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 1 << (7 - j)
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// buildContext finds a context in which every entry of want holds and, for
// each block of avoid, at least one entry fails. fixed holds the keys
// whose values are not ours to choose (the principal's, the variables').
// ok is false when no such context was found among the candidates.
func (ce *condEval) buildContext(want []entry, avoid [][]entry, fixed map[string][]string) (map[string][]string, bool) {
	ctx := map[string][]string{}
	for k, v := range fixed {
		ctx[k] = v
	}
	// Choose, for each block to avoid, the entry to falsify: the first one
	// on a key that is free and not also wanted; else any.
	wanted := map[string]bool{}
	for _, e := range want {
		wanted[e.key] = true
	}
	type constraint struct {
		e    entry
		want bool
	}
	byKey := map[string][]constraint{}
	var keys []string
	addC := func(e entry, w bool) {
		if _, ok := byKey[e.key]; !ok {
			keys = append(keys, e.key)
		}
		byKey[e.key] = append(byKey[e.key], constraint{e, w})
	}
	for _, e := range want {
		addC(e, true)
	}
	for _, b := range avoid {
		if len(b) == 0 {
			return nil, false
		}
		// Already false under the fixed keys: nothing to do.
		done := false
		for _, e := range b {
			if _, isFixed := fixed[e.key]; isFixed && !ce.holds(e, fixed) {
				done = true
				break
			}
		}
		if done {
			continue
		}
		pick := -1
		for i, e := range b {
			if _, isFixed := fixed[e.key]; !isFixed && !wanted[e.key] {
				pick = i
				break
			}
		}
		if pick < 0 {
			for i, e := range b {
				if _, isFixed := fixed[e.key]; !isFixed {
					pick = i
					break
				}
			}
		}
		if pick < 0 {
			return nil, false
		}
		addC(b[pick], false)
	}
	for _, k := range keys {
		cs := byKey[k]
		if _, isFixed := fixed[k]; isFixed {
			for _, c := range cs {
				if ce.holds(c.e, fixed) != c.want {
					return nil, false
				}
			}
			continue
		}
		var es []entry
		for _, c := range cs {
			es = append(es, c.e)
		}
		found := false
		for _, vals := range candidates(es) {
			trial := map[string][]string{}
			for kk, vv := range fixed {
				trial[kk] = vv
			}
			if len(vals) > 0 {
				trial[k] = vals
			}
			good := true
			for _, c := range cs {
				if ce.holds(c.e, trial) != c.want {
					good = false
					break
				}
			}
			if good {
				if len(vals) > 0 {
					ctx[k] = vals
				}
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return ctx, true
}
