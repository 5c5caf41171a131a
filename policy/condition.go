package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/iamd/iamd/arn"
)

// holds evaluates one operator/key pair against the request (section 4).
func (c *condition) holds(r *evalRequest, tr *trace) bool {
	vals, present := r.Context.lookup(c.key)
	if c.op.fam == famNull {
		for i, wantAbsent := range c.nulls {
			if c.valid[i] && wantAbsent != present {
				return true
			}
		}
		if !present {
			tr.missing(c.key)
		}
		return false
	}
	if !present {
		tr.missing(c.key)
		switch {
		case c.op.set == setForAll:
			return true
		case c.op.set == setForAny:
			return false
		case c.op.ifExists:
			return true
		}
		return c.op.negated
	}
	// The set qualifier decides how the request's values combine; a plain
	// operator on several values acts as ForAnyValue when positive and
	// ForAllValues when negated (section 4.5).
	all := c.op.set == setForAll || c.op.set == setNone && c.op.negated
	for _, v := range vals {
		ok := c.matchesAny(v, r, tr) != c.op.negated
		if all && !ok {
			return false
		}
		if !all && ok {
			return true
		}
	}
	return all
}

// matchesAny reports whether request value v matches some policy value in
// the operator's positive sense.
func (c *condition) matchesAny(v string, r *evalRequest, tr *trace) bool {
	switch c.op.fam {
	case famString:
		fold := c.op.cmp == cmpEqualsFold
		for i := range c.patterns {
			if c.patterns[i].matchString(v, fold, &r.Context, tr) {
				return true
			}
		}
	case famArn:
		parts, ok := arn.Split(v)
		for i := range c.arns {
			if c.arns[i].matchValue(v, &parts, ok, &r.Context, tr) {
				return true
			}
		}
	case famBool:
		for i := range c.patterns {
			if c.patterns[i].matchString(v, true, &r.Context, tr) {
				return true
			}
		}
	case famNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return false
		}
		for i, p := range c.numbers {
			if c.valid[i] && compareOK(c.op.cmp, cmpFloat(n, p)) {
				return true
			}
		}
	case famDate:
		d, ok := parseDate(v)
		if !ok {
			return false
		}
		for i, p := range c.dates {
			if c.valid[i] && compareOK(c.op.cmp, d.compare(p)) {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for i, p := range c.prefixes {
			if c.valid[i] && p.Contains(a) {
				return true
			}
		}
	case famBinary:
		var buf [256]byte
		if base64.StdEncoding.DecodedLen(len(v)) > len(buf) {
			return false
		}
		n, err := base64.StdEncoding.Decode(buf[:], []byte(v))
		if err != nil {
			return false
		}
		for i, b := range c.binaries {
			if c.valid[i] && bytes.Equal(buf[:n], b) {
				return true
			}
		}
	}
	return false
}

// matchString compares a request value with a String-family pattern:
// literal patterns (StringEquals) compare whole strings, Like patterns glob.
func (p *pattern) matchString(v string, fold bool, ctx *Context, tr *trace) bool {
	if p.shape == shapeLiteral && fold {
		return strings.EqualFold(p.text, v)
	}
	return p.match(v, fold, ctx, tr)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareOK(c cmp, order int) bool {
	switch c {
	case cmpEquals:
		return order == 0
	case cmpLess:
		return order < 0
	case cmpLessEq:
		return order <= 0
	case cmpGreater:
		return order > 0
	case cmpGreaterEq:
		return order >= 0
	}
	return false
}
