package validate

import (
	"strings"

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

// contains reports whether every string glob a matches is matched by glob
// b ('*' any run, '?' any one character): a's wildcards must meet
// wildcards of b.
func contains(b, a string, fold bool) bool {
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(b):
			r = j == len(a)
		case b[i] == '*':
			r = rec(i+1, j) || j < len(a) && rec(i, j+1)
		case j == len(a):
			r = false
		case a[j] == '*':
			r = false
		case b[i] == '?':
			r = rec(i+1, j+1)
		case a[j] == '?':
			r = false
		default:
			r = eqByte(b[i], a[j], fold) && rec(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

// overlaps reports whether some string matches both globs. It errs on the
// side of yes: it is used to decide that a check does not apply.
func overlaps(p, q string, fold bool) bool {
	if len(p)*len(q) > 1<<16 {
		return true
	}
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
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
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

// hasWildcard reports a '*' or '?'.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// expand returns the catalogue actions an action pattern of one service
// matches (case-insensitively), as service:Name.
func expand(svc *catalog.Service, name string) []*catalog.Action {
	if !hasWildcard(name) {
		for n, a := range svc.Actions {
			if strings.EqualFold(n, name) {
				return []*catalog.Action{a}
			}
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
