package validate

import (
	"strings"
	"sync"

	"github.com/iamd/iamd/catalog"
)

// eqByte compares bytes, without case when fold.
func eqByte(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// globMatch reports whether glob p ('*' any run, '?' any one character)
// matches the literal s: linear, backtracking to the last '*'.
func globMatch(p, s string, fold bool) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || eqByte(p[pi], s[si], fold)):
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// affixesAgree is the cheap test before the search: the literal text
// before the first wildcard of each glob must agree as far as both go, and
// so must the text after the last.
func affixesAgree(p, q string, fold bool) bool {
	for i := 0; i < len(p) && i < len(q); i++ {
		if p[i] == '*' || p[i] == '?' || q[i] == '*' || q[i] == '?' {
			break
		}
		if !eqByte(p[i], q[i], fold) {
			return false
		}
	}
	for i, j := len(p)-1, len(q)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if p[i] == '*' || p[i] == '?' || q[j] == '*' || q[j] == '?' {
			break
		}
		if !eqByte(p[i], q[j], fold) {
			return false
		}
	}
	return true
}

// memo is a table of answers for the two-pattern searches: 0 unknown,
// 1 no, 2 yes.
type memo struct {
	cols int
	cell []uint8
}

func newMemo(n, m int) *memo { return &memo{cols: m + 1, cell: make([]uint8, (n+1)*(m+1))} }

func (t *memo) get(i, j int) (bool, bool) {
	v := t.cell[i*t.cols+j]
	return v == 2, v != 0
}

func (t *memo) set(i, j int, r bool) bool {
	t.cell[i*t.cols+j] = 1
	if r {
		t.cell[i*t.cols+j] = 2
	}
	return r
}

// contains reports whether every string glob a matches is matched by glob
// b: a's wildcards must meet wildcards of b.
func contains(b, a string, fold bool) bool {
	if !hasWildcard(a) {
		return globMatch(b, a, fold)
	}
	if !affixesAgree(b, a, fold) || len(b)*len(a) > 1<<16 {
		return false
	}
	t := newMemo(len(b), len(a))
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if r, ok := t.get(i, j); ok {
			return r
		}
		var r bool
		switch {
		case i == len(b):
			r = j == len(a)
		case b[i] == '*':
			r = rec(i+1, j) || j < len(a) && rec(i, j+1)
		case j == len(a) || a[j] == '*':
			r = false
		case b[i] == '?':
			r = rec(i+1, j+1)
		case a[j] == '?':
			r = false
		default:
			r = eqByte(b[i], a[j], fold) && rec(i+1, j+1)
		}
		return t.set(i, j, r)
	}
	return rec(0, 0)
}

// overlaps reports whether some string matches both globs. It errs on the
// side of yes: it is used to decide that a check does not apply.
func overlaps(p, q string, fold bool) bool {
	switch {
	case !hasWildcard(q):
		return globMatch(p, q, fold)
	case !hasWildcard(p):
		return globMatch(q, p, fold)
	case !affixesAgree(p, q, fold):
		return false
	case len(p)*len(q) > 1<<16:
		return true
	}
	t := newMemo(len(p), len(q))
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if r, ok := t.get(i, j); ok {
			return r
		}
		var r bool
		switch {
		case i < len(p) && p[i] == '*':
			r = rec(i+1, j) || j < len(q) && rec(i, j+1)
		case j < len(q) && q[j] == '*':
			r = rec(i, j+1) || i < len(p) && rec(i+1, j)
		case i == len(p) || j == len(q):
			r = i == len(p) && j == len(q)
		case p[i] == '?' || q[j] == '?':
			r = rec(i+1, j+1)
		default:
			r = eqByte(p[i], q[j], fold) && rec(i+1, j+1)
		}
		return t.set(i, j, r)
	}
	return rec(0, 0)
}

// complexPattern reports a pattern of more wildcards than anyone writes:
// the checks that search with it are skipped (they would report nothing
// useful, slowly).
func complexPattern(s string) bool { return strings.Count(s, "*")+strings.Count(s, "?") > 8 }

// hasWildcard reports a '*' or '?'.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// expand returns the catalogue actions an action pattern of one service
// matches (case-insensitively), as service:Name.
func expand(cat *catalog.Catalog, svc *catalog.Service, name string) []*catalog.Action {
	if !hasWildcard(name) {
		if _, a, ok := cat.Action(svc.Prefix + ":" + name); ok {
			return []*catalog.Action{a}
		}
		return nil
	}
	var out []*catalog.Action
	for n, a := range svc.Actions {
		if contains(name, n, true) {
			out = append(out, a)
		}
	}
	return out
}

// formats caches each resource type's format as a glob and its six fields.
var formats sync.Map // *catalog.ResourceType → *format

type format struct {
	glob   string
	fields []string // nil when the format has fewer than six
}

func formatOf(rt *catalog.ResourceType) *format {
	if f, ok := formats.Load(rt); ok {
		return f.(*format)
	}
	f := &format{glob: formatGlob(rt.ARN)}
	if parts := strings.SplitN(f.glob, ":", 6); len(parts) == 6 {
		f.fields = parts
	}
	formats.Store(rt, f)
	return f
}

// formatGlob turns a catalogue ARN format (arn:${Partition}:s3:::${BucketName})
// into a glob: each ${Variable} becomes '*'.
func formatGlob(f string) string {
	var b strings.Builder
	for {
		i := strings.Index(f, "${")
		if i < 0 {
			b.WriteString(f)
			return b.String()
		}
		b.WriteString(f[:i])
		j := strings.IndexByte(f[i:], '}')
		if j < 0 {
			b.WriteString(f[i:])
			return b.String()
		}
		b.WriteByte('*')
		f = f[i+j+1:]
	}
}

// variableGlob replaces the policy variables of a resource (${aws:username})
// with '*': any value may stand there.
func variableGlob(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return formatGlob(s)
}
