package arn

import "unicode/utf8"

// Glob reports whether value matches pattern, where '*' matches any run of
// characters (including none, and including ':' and '/') and '?' matches
// exactly one character. The match is anchored at both ends and
// case-sensitive. This is StringLike's semantics.
func Glob(pattern, value string) bool {
	return glob(pattern, value, false)
}

// GlobFold is Glob with ASCII case folding, as IAM compares actions.
func GlobFold(pattern, value string) bool {
	return glob(pattern, value, true)
}

// glob is the classic linear-time wildcard match: on a mismatch it backs up
// to the most recent '*' and lets it swallow one more character.
func glob(p, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '*':
				star, mark = pi, si
				pi++
				continue
			case c == '?':
				// One character, which in UTF-8 may be several bytes.
				_, n := utf8.DecodeRuneInString(s[si:])
				pi++
				si += n
				continue
			case c == s[si] || fold && lower(c) == lower(s[si]):
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Like reports whether the ARN value matches the ARN pattern the way IAM
// matches Resource elements and ArnLike conditions: the pattern "*" matches
// everything; otherwise both are split into their six parts and each part is
// globbed separately, so a wildcard never crosses the colons between parts
// (it may cross '/' and the colons inside the resource part). A pattern or
// value that is not six parts matches only through "*" or exact equality.
func Like(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	pp, ok := Split(pattern)
	if !ok {
		return pattern == value
	}
	vp, ok := Split(value)
	if !ok {
		return false
	}
	for i := range pp {
		if !glob(pp[i], vp[i], false) {
			return false
		}
	}
	return true
}
