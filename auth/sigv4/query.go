package sigv4

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// param is one query parameter: decoded, and encoded as the canonical
// query string wants it.
type param struct {
	key, value   string // decoded
	ekey, evalue string // RFC 3986 encoded
}

// parseQuery splits a raw query into parameters, appending to dst. Keys
// and values are decoded ('+' is a space); a malformed escape is kept as
// the literal text it is, so its '%' gets encoded.
func parseQuery(raw string, dst []param) []param {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		dk, dv := unescapeQuery(k), unescapeQuery(v)
		dst = append(dst, param{key: dk, value: dv, ekey: escape(dk), evalue: escape(dv)})
	}
	return dst
}

func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	d, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return d
}

func queryLookup(q []param, key string) (string, bool) {
	for i := range q {
		if q[i].key == key {
			return q[i].value, true
		}
	}
	return "", false
}

func queryValue(q []param, key string) string {
	v, _ := queryLookup(q, key)
	return v
}

func queryHas(q []param, key string) bool {
	_, ok := queryLookup(q, key)
	return ok
}

// appendCanonicalQuery writes the parameters sorted by encoded key, then
// encoded value; a presigned request's own signature is left out.
func appendCanonicalQuery(dst []byte, q []param, presigned bool) []byte {
	slices.SortFunc(q, func(a, b param) int {
		if c := cmp.Compare(a.ekey, b.ekey); c != 0 {
			return c
		}
		return cmp.Compare(a.evalue, b.evalue)
	})
	first := true
	for i := range q {
		if presigned && q[i].key == "X-Amz-Signature" {
			continue
		}
		if !first {
			dst = append(dst, '&')
		}
		first = false
		dst = append(dst, q[i].ekey...)
		dst = append(dst, '=')
		dst = append(dst, q[i].evalue...)
	}
	return dst
}
