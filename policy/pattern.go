package policy

import (
	"strings"
	"unicode/utf8"

	"github.com/iamd/iamd/arn"
)

// pattern is a compiled string that may hold '*' and '?' wildcards and, in
// Version 2012-10-17 policies, ${...} variables (section 5). The common
// shapes get fast paths; the general one is a token list matched without
// allocating.
type pattern struct {
	shape patShape
	text  string  // literal text, or the prefix for shapePrefix
	toks  []token // for shapeTokens
}

type patShape uint8

const (
	shapeAny     patShape = iota // "*"
	shapeLiteral                 // no wildcards, no variables
	shapePrefix                  // literal followed by one trailing '*'
	shapeGlob                    // wildcards, no variables
	shapeTokens                  // variables (and maybe wildcards)
)

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokQuest
	tokVar
)

type token struct {
	kind   tokKind
	text   string // literal text; for tokVar the lower-cased key
	def    string // default value of a variable
	hasDef bool
}

// maxVars bounds the variables resolved on the stack; patterns with more
// are unusual and take a slower, allocating path.
const maxVars = 8

// compilePattern compiles s. wildcards says whether '*' and '?' are special
// (Like operators, resources, actions) or literal (StringEquals);
// variables whether ${...} is substituted.
func compilePattern(s string, wildcards, variables bool) pattern {
	if variables && strings.Contains(s, "${") {
		toks := tokenize(s, wildcards)
		hasVar := false
		for _, t := range toks {
			hasVar = hasVar || t.kind == tokVar
		}
		if hasVar {
			return pattern{shape: shapeTokens, text: s, toks: toks}
		}
		// Only special variables such as ${*}: flatten to a literal when
		// no wildcards remain, else keep the tokens.
		var b strings.Builder
		for _, t := range toks {
			if t.kind != tokLit {
				return pattern{shape: shapeTokens, text: s, toks: toks}
			}
			b.WriteString(t.text)
		}
		return pattern{shape: shapeLiteral, text: b.String()}
	}
	if !wildcards || !strings.ContainsAny(s, "*?") {
		return pattern{shape: shapeLiteral, text: s}
	}
	if s == "*" {
		return pattern{shape: shapeAny}
	}
	if i := strings.IndexAny(s, "*?"); i == len(s)-1 && s[i] == '*' {
		return pattern{shape: shapePrefix, text: s[:i]}
	}
	return pattern{shape: shapeGlob, text: s}
}

// tokenize splits s into literals, wildcards and variables. An unterminated
// "${" is literal text.
func tokenize(s string, wildcards bool) []token {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '$' && strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				lit.WriteString(s[i:])
				i = len(s)
				continue
			}
			body := s[i+2 : i+end]
			i += end + 1
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			flush()
			toks = append(toks, parseVariable(body))
		case wildcards && c == '*':
			flush()
			toks = append(toks, token{kind: tokStar})
			i++
		case wildcards && c == '?':
			flush()
			toks = append(toks, token{kind: tokQuest})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return toks
}

// parseVariable reads "key" or "key, 'default'" (section 5).
func parseVariable(body string) token {
	key, def, hasComma := strings.Cut(body, ",")
	t := token{kind: tokVar, text: strings.ToLower(strings.TrimSpace(key))}
	if hasComma {
		def = strings.TrimSpace(def)
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			t.def, t.hasDef = def[1:len(def)-1], true
		}
	}
	return t
}

// match reports whether s matches. fold compares ASCII case-insensitively
// (actions). ctx resolves variables; a variable with no value and no
// default makes the pattern match nothing (section 5). tr, when not nil,
// records variables that were missing.
func (p *pattern) match(s string, fold bool, ctx *Context, tr *trace) bool {
	switch p.shape {
	case shapeAny:
		return true
	case shapeLiteral:
		if fold {
			return strings.EqualFold(p.text, s)
		}
		return p.text == s
	case shapePrefix:
		if len(s) < len(p.text) {
			return false
		}
		if fold {
			return strings.EqualFold(p.text, s[:len(p.text)])
		}
		return s[:len(p.text)] == p.text
	case shapeGlob:
		if fold {
			return arn.GlobFold(p.text, s)
		}
		return arn.Glob(p.text, s)
	}
	var stack [maxVars]string
	vals := stack[:0]
	for _, t := range p.toks {
		if t.kind != tokVar {
			continue
		}
		v, ok := resolveVar(&t, ctx, tr)
		if !ok {
			return false
		}
		vals = append(vals, v)
	}
	return matchTokens(p.toks, vals, s, fold)
}

// resolveVar returns a variable's value: the context's (a single value; a
// multivalued key cannot be a variable), else the default.
func resolveVar(t *token, ctx *Context, tr *trace) (string, bool) {
	if ctx != nil {
		if v, ok := ctx.lookup(t.text); ok && len(v) == 1 {
			return v[0], true
		}
	}
	if t.hasDef {
		return t.def, true
	}
	tr.missing(t.text)
	return "", false
}

// matchTokens is a wildcard match over tokens whose literal text comes from
// the pattern or from resolved variables (vals, in order). Text from a
// variable is never a wildcard (section 5: substitution is not re-scanned).
func matchTokens(toks []token, vals []string, s string, fold bool) bool {
	// A position in the pattern is (token, byte offset within its text).
	type pos struct{ tok, off, val int }
	text := func(p pos) string {
		t := &toks[p.tok]
		if t.kind == tokVar {
			return vals[p.val]
		}
		return t.text
	}
	// next moves past a finished token; val counts variables passed.
	next := func(p pos) pos {
		if toks[p.tok].kind == tokVar {
			p.val++
		}
		return pos{p.tok + 1, 0, p.val}
	}
	// settle skips literal tokens that are exhausted (or empty).
	settle := func(p pos) pos {
		for p.tok < len(toks) {
			k := toks[p.tok].kind
			if (k == tokLit || k == tokVar) && p.off >= len(text(p)) {
				p = next(p)
				continue
			}
			break
		}
		return p
	}
	pi := settle(pos{})
	si := 0
	star, mark := pos{tok: -1}, 0
	for si < len(s) {
		if pi.tok < len(toks) {
			switch toks[pi.tok].kind {
			case tokStar:
				star, mark = settle(next(pi)), si
				pi = star
				continue
			case tokQuest:
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi = settle(next(pi))
				continue
			default:
				c := text(pi)[pi.off]
				if c == s[si] || fold && lowerByte(c) == lowerByte(s[si]) {
					pi.off++
					si++
					pi = settle(pi)
					continue
				}
			}
		}
		if star.tok < 0 {
			return false
		}
		mark++
		pi, si = star, mark
	}
	for pi.tok < len(toks) && toks[pi.tok].kind == tokStar {
		pi = settle(next(pi))
	}
	return pi.tok == len(toks)
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
