package query

import (
	"net/url"
	"strings"
)

// maxFastParams is the most parameters ParseParams parses itself.
const maxFastParams = 256

// ParseParams is url.ParseQuery (the same values, the same error) for a
// request's parameters, with fewer allocations: the values of all keys
// share one array, each key's slice capped at its own values, so that
// appending to one never writes into another's. Malformed input and long
// lists (beyond the usual call's, where url.ParseQuery applies its own
// limit on their number) are url.ParseQuery's.
func ParseParams(s string) (url.Values, error) {
	if s == "" {
		return url.Values{}, nil
	}
	n := strings.Count(s, "&") + 1
	if n > maxFastParams || strings.Contains(s, ";") {
		return url.ParseQuery(s)
	}
	m := make(url.Values, n)
	vals := make([]string, 0, n)
	for rest := s; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return url.ParseQuery(s)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return url.ParseQuery(s)
		}
		if prev, ok := m[key]; ok {
			m[key] = append(prev, value) // capped: appends to a copy of its own
			continue
		}
		vals = append(vals, value)
		m[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return m, nil
}
