package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// goPattern translates a model pattern (Java regex syntax) into an RE2
// expression that matches the whole value, as AWS's validator does
// (Java's matches()).
//
// Java writes code points as \uXXXX; RE2 wants \x{XXXX}. The STS model
// writes supplementary planes as \u10000-\u10FFFF, which Java would read
// as \u1000 followed by "0"; the intent (every XML character) is clear,
// so up to six hex digits are taken as one code point.
func goPattern(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '\\' || i+1 >= len(p) {
			b.WriteByte(c)
			continue
		}
		if p[i+1] != 'u' {
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		j := i + 2
		for j < len(p) && j < i+2+6 && isHex(p[j]) {
			j++
		}
		if j-(i+2) < 4 {
			return "", fmt.Errorf("pattern %q: bad \\u escape", p)
		}
		// Take more than four digits only while the value stays a code
		// point.
		for j-(i+2) > 4 {
			if v, err := strconv.ParseUint(p[i+2:j], 16, 32); err == nil && v <= 0x10FFFF {
				break
			}
			j--
		}
		b.WriteString(`\x{` + p[i+2:j] + `}`)
		i = j - 1
	}
	re := "^(?:" + b.String() + ")$"
	if _, err := regexp.Compile(re); err != nil {
		return "", err
	}
	return re, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// patternFuncs are model patterns RE2 cannot express (lookahead), checked
// by hand-written functions of package query instead.
var patternFuncs = map[string]string{
	"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$": "query.MatchAccountAlias",
}
