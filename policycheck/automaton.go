package policycheck

import (
	"strings"
)

// The containment questions of the checks ("is there an action the new
// policy names and the old one does not?") are questions about regular
// languages: every Action and Resource entry is a glob. The atoms of a
// dimension are every combination of patterns that some single string
// matches, found exactly by walking the product of the patterns' automata:
// each reachable product state is a set of strings that match the same
// patterns so far, and the states where the walk can stop give every
// realizable membership vector, each with its shortest witness. Nothing is
// sampled, so a vector that exists is never missed.

// Reserved runes of the walk's alphabet. otherRune stands for every rune no
// pattern names literally (they behave alike in every glob); varRune+k is
// the value of the k-th policy variable, modelled as a fresh value that
// equals no literal of any pattern.
const (
	otherRune rune = 0xE100
	varRune   rune = 0xE000
)

type tokKind uint8

const (
	tLit  tokKind = iota // one literal rune
	tOne                 // '?': one rune
	tStar                // '*': any run
)

// tok is one element of a compiled glob. noColon restricts '?' and '*' to
// runes other than ':' (the wildcards of an ARN's first five parts).
type tok struct {
	kind    tokKind
	r       rune
	noColon bool
}

type glob []tok

// step computes the positions reached from set on rune c, with the star
// closure applied. set and the result are sorted position lists.
func (g glob) step(set []int32, c rune, out []int32) []int32 {
	out = out[:0]
	var last int32 = -1
	add := func(p int32) {
		// Positions arrive in increasing order per source; dedupe lazily.
		if p == last {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
		last = p
	}
	for _, p := range set {
		if int(p) >= len(g) {
			continue
		}
		t := g[p]
		ok := t.kind != tLit && !(t.noColon && c == ':') || t.kind == tLit && t.r == c
		if !ok {
			continue
		}
		if t.kind == tStar {
			add(p)
		} else {
			add(p + 1)
		}
	}
	return g.closure(out)
}

// closure adds the positions after stars (a star may match nothing).
func (g glob) closure(set []int32) []int32 {
	for i := 0; i < len(set); i++ {
		p := set[i]
		if int(p) < len(g) && g[p].kind == tStar {
			n := p + 1
			found := false
			for _, q := range set {
				if q == n {
					found = true
					break
				}
			}
			if !found {
				set = append(set, n)
			}
		}
	}
	sortInt32(set)
	return set
}

func sortInt32(s []int32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (g glob) accepts(set []int32) bool {
	for _, p := range set {
		if int(p) == len(g) {
			return true
		}
	}
	return false
}

// atom is one realizable membership vector of a dimension: the patterns a
// witness string matches.
type atom struct {
	witness []rune
	match   bitset // over the dimension's patterns
}

// maxSteps bounds the walk (pattern transitions). Past it the atoms may
// be incomplete: the caller must not conclude PASS, and adds the directed
// witnesses of each pattern to look for a counterexample.
const maxSteps = 3_000_000

// walker interns each pattern's position sets and caches their
// transitions, so a product state is a short list of (pattern, set id)
// pairs for the patterns still alive.
type walker struct {
	pats   []glob
	ids    []map[string]int32
	sets   [][][]int32
	accept [][]bool
	trans  map[[3]int32]int32
	buf    []int32
}

func (w *walker) intern(pat int, set []int32) int32 {
	k := setKey(set)
	if id, ok := w.ids[pat][k]; ok {
		return id
	}
	id := int32(len(w.sets[pat]))
	w.ids[pat][k] = id
	w.sets[pat] = append(w.sets[pat], append([]int32(nil), set...))
	w.accept[pat] = append(w.accept[pat], w.pats[pat].accepts(set))
	return id
}

// step is the set pattern pat reaches from set id on c; -1 when dead.
func (w *walker) step(pat int, id int32, c rune) int32 {
	k := [3]int32{int32(pat), id, c}
	if n, ok := w.trans[k]; ok {
		return n
	}
	w.buf = w.pats[pat].step(w.sets[pat][id], c, w.buf)
	n := int32(-1)
	if len(w.buf) > 0 {
		n = w.intern(pat, w.buf)
	}
	w.trans[k] = n
	return n
}

func setKey(set []int32) string {
	b := make([]byte, 0, 4*len(set))
	for _, p := range set {
		b = append(b, byte(p), byte(p>>8), byte(p>>16), byte(p>>24))
	}
	return string(b)
}

type pstate struct{ pat, set int32 }

func pstateKey(ps []pstate) string {
	b := make([]byte, 0, 7*len(ps))
	for _, p := range ps {
		b = append(b, byte(p.pat), byte(p.pat>>8), byte(p.pat>>16), byte(p.set), byte(p.set>>8), byte(p.set>>16), byte(p.set>>24))
	}
	return string(b)
}

// atoms walks the product of the patterns, restricted to strings the
// domain glob accepts, and returns every realizable membership vector.
// complete is false when the walk was cut short.
//
// From a product state, a rune that no live pattern names literally at a
// live position behaves exactly as otherRune does, so only those runes,
// ':' and otherRune are tried: that keeps the walk small in practice.
func atoms(domain []glob, pats []glob) (out []atom, complete bool) {
	nd := int32(len(domain))
	all := append(append([]glob(nil), domain...), pats...)
	w := &walker{pats: all, ids: make([]map[string]int32, len(all)), sets: make([][][]int32, len(all)),
		accept: make([][]bool, len(all)), trans: map[[3]int32]int32{}}
	for i := range all {
		w.ids[i] = map[string]int32{}
	}
	type node struct {
		ps     []pstate
		parent int
		r      rune
	}
	var start []pstate
	for i, g := range all {
		start = append(start, pstate{int32(i), w.intern(i, g.closure([]int32{0}))})
	}
	nodes := []node{{ps: start, parent: -1}}
	seen := map[string]bool{pstateKey(start): true}
	vectors := map[string]bool{}
	var runes []rune
	steps := 0
	for qi := 0; qi < len(nodes); qi++ {
		ps := nodes[qi].ps
		inDomain := false
		for _, p := range ps {
			inDomain = inDomain || p.pat < nd && w.accept[p.pat][p.set]
		}
		if inDomain {
			v := newBitset(len(pats))
			for _, p := range ps {
				if p.pat >= nd && w.accept[p.pat][p.set] {
					v.set(int(p.pat - nd))
				}
			}
			if k := v.key(); !vectors[k] {
				vectors[k] = true
				var path []rune
				for n := qi; nodes[n].parent >= 0; n = nodes[n].parent {
					path = append(path, nodes[n].r)
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				out = append(out, atom{witness: path, match: v})
			}
		}
		runes = append(runes[:0], otherRune, ':')
		for _, p := range ps {
			g := all[p.pat]
			for _, pos := range w.sets[p.pat][p.set] {
				if int(pos) < len(g) && g[pos].kind == tLit && !containsRune(runes, g[pos].r) {
					runes = append(runes, g[pos].r)
				}
			}
		}
		steps += len(runes) * len(ps)
		if steps > maxSteps {
			return out, false
		}
		for _, c := range runes {
			next := make([]pstate, 0, len(ps))
			for _, p := range ps {
				if n := w.step(int(p.pat), p.set, c); n >= 0 {
					next = append(next, pstate{p.pat, n})
				}
			}
			if len(next) == 0 || next[0].pat >= nd {
				continue // left the domain: no extension returns to it
			}
			k := pstateKey(next)
			if seen[k] {
				continue
			}
			seen[k] = true
			nodes = append(nodes, node{ps: next, parent: qi, r: c})
		}
	}
	return out, true
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// globOf compiles an action-style glob ('*' and '?' match any rune).
func globOf(s string) glob {
	g := make(glob, 0, len(s))
	for _, r := range s {
		switch r {
		case '*':
			g = append(g, tok{kind: tStar})
		case '?':
			g = append(g, tok{kind: tOne})
		default:
			g = append(g, tok{kind: tLit, r: r})
		}
	}
	return g
}

// literalGlob matches exactly s.
func literalGlob(s []rune) glob {
	g := make(glob, 0, len(s))
	for _, r := range s {
		g = append(g, tok{kind: tLit, r: r})
	}
	return g
}

// actionDomain is what an action can be: service:Name, neither part empty
// nor holding a colon.
var actionDomain = []glob{{{kind: tOne, noColon: true}, {kind: tStar, noColon: true}, {kind: tLit, r: ':'}, {kind: tOne, noColon: true}, {kind: tStar, noColon: true}}}

// resourceDomain is what a request's resource can be: an ARN (six parts),
// or "*", what actions that take no resource type are decided on.
var resourceDomain = func() []glob {
	g := literalGlob([]rune("arn:"))
	for i := 0; i < 4; i++ {
		g = append(g, tok{kind: tStar, noColon: true}, tok{kind: tLit, r: ':'})
	}
	return []glob{append(g, tok{kind: tStar}), literalGlob([]rune("*"))}
}()

// vars assigns each policy variable name a rune of the walk.
type vars struct {
	names []string
	index map[string]int
	// subst, when set, gives variables a literal value instead of their
	// fresh rune (the second pass of a check, see engine.run).
	subst map[string]string
}

func (v *vars) rune(name string) rune {
	if v.index == nil {
		v.index = map[string]int{}
	}
	i, ok := v.index[name]
	if !ok {
		i = len(v.names)
		v.index[name] = i
		v.names = append(v.names, name)
	}
	return varRune + rune(i)
}

// resourceGlob compiles a Resource entry as arn.Like and the evaluator
// match it: "*" matches everything; an ARN is matched part by part, so the
// wildcards of the first five parts never match a colon; anything else
// only equals itself. Policy variables (Version 2012-10-17) become their
// variable's rune.
func resourceGlob(s string, withVars bool, vs *vars) glob {
	if s == "*" {
		return glob{{kind: tStar}}
	}
	toks := tokens(s, withVars, vs)
	colons := 0
	for _, t := range toks {
		if t.kind == tLit && t.r == ':' && t.noColon {
			colons++
		}
	}
	if colons < 5 {
		// Not six parts: compared for equality, wildcards included.
		out := make(glob, 0, len(toks))
		for _, t := range toks {
			switch t.kind {
			case tStar:
				out = append(out, tok{kind: tLit, r: '*'})
			case tOne:
				out = append(out, tok{kind: tLit, r: '?'})
			default:
				out = append(out, tok{kind: tLit, r: t.r})
			}
		}
		return out
	}
	out := make(glob, 0, len(toks))
	part := 0
	for _, t := range toks {
		if t.kind == tLit && t.noColon && t.r == ':' && part < 5 {
			part++
			out = append(out, tok{kind: tLit, r: ':'})
			continue
		}
		if t.kind != tLit {
			t.noColon = part < 5
		} else {
			t.noColon = false
		}
		out = append(out, t)
	}
	return out
}

// tokens splits s into wildcard and literal runes; a literal colon that
// came from the pattern text (not from ${...}) is marked noColon so the
// caller can find the part separators.
func tokens(s string, withVars bool, vs *vars) glob {
	var g glob
	for i := 0; i < len(s); {
		if withVars && strings.HasPrefix(s[i:], "${") {
			if end := strings.IndexByte(s[i:], '}'); end >= 0 {
				body := s[i+2 : i+end]
				i += end + 1
				switch body {
				case "*", "?", "$":
					g = append(g, tok{kind: tLit, r: rune(body[0])})
					continue
				}
				name, _, _ := strings.Cut(body, ",")
				key := strings.ToLower(strings.TrimSpace(name))
				r := vs.rune(key)
				if v, ok := vs.subst[key]; ok {
					for _, c := range v {
						g = append(g, tok{kind: tLit, r: c})
					}
					continue
				}
				g = append(g, tok{kind: tLit, r: r})
				continue
			}
		}
		r, n := decodeRune(s[i:])
		i += n
		switch r {
		case '*':
			g = append(g, tok{kind: tStar})
		case '?':
			g = append(g, tok{kind: tOne})
		case ':':
			g = append(g, tok{kind: tLit, r: ':', noColon: true})
		default:
			g = append(g, tok{kind: tLit, r: r})
		}
	}
	return g
}

func decodeRune(s string) (rune, int) {
	for i, r := range s {
		if i == 0 {
			n := len(string(r))
			if r == 0xFFFD && len(s) > 0 && s[0] >= 0x80 {
				n = 1
			}
			return r, n
		}
	}
	return 0, 1
}

// matches runs g on a witness.
func (g glob) matches(w []rune) bool {
	set := g.closure([]int32{0})
	var buf []int32
	for _, c := range w {
		buf = g.step(set, c, buf)
		set = append(set[:0], buf...)
		if len(set) == 0 {
			return false
		}
	}
	return g.accepts(set)
}

// instances are strings a glob matches, with its wildcards filled in a
// few ways (nothing, a rune no pattern names, a literal of the others):
// the directed witnesses used when the walk is cut short.
func (g glob) instances(fills []rune) [][]rune {
	var out [][]rune
	for _, f := range append([]rune{0, otherRune}, fills...) {
		var w []rune
		for _, t := range g {
			switch {
			case t.kind == tLit:
				w = append(w, t.r)
			case t.kind == tOne:
				if f == 0 || t.noColon && f == ':' {
					w = append(w, otherRune)
				} else {
					w = append(w, f)
				}
			case f != 0 && !(t.noColon && f == ':'):
				w = append(w, f)
			}
		}
		out = append(out, w)
	}
	return out
}

// directed adds to a cut-short walk's atoms the instances of every
// pattern that the domain accepts, each with its exact memberships.
func directed(domain []glob, pats []glob, have []atom) []atom {
	seen := map[string]bool{}
	for _, a := range have {
		seen[a.match.key()] = true
	}
	fills := []rune{'-', '/', '0', 'a'}
	for _, g := range pats {
		for _, w := range g.instances(fills) {
			in := false
			for _, d := range domain {
				in = in || d.matches(w)
			}
			if !in {
				continue
			}
			v := newBitset(len(pats))
			for i, p := range pats {
				if p.matches(w) {
					v.set(i)
				}
			}
			if k := v.key(); !seen[k] {
				seen[k] = true
				have = append(have, atom{witness: w, match: v})
			}
		}
	}
	return have
}
