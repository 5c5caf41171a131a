package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// appendCanonicalRequest writes SigV4's canonical request: method, URI,
// query, the signed headers' canonical lines, the signed header list and
// the payload hash, one per line.
func appendCanonicalRequest(dst []byte, r *http.Request, s *signed, q []param, payloadHash []byte) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	path := "/"
	if r.URL != nil {
		path = r.URL.EscapedPath()
	}
	if s.scope.Service == "s3" {
		// S3 signs the path as escaped once, without normalizing it
		// (keys may hold spaces, "//" or ".."), as its SDKs do.
		if path == "" {
			path = "/"
		}
		dst = append(dst, path...)
	} else {
		dst = appendCanonicalURI(dst, path)
	}
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, q, s.presigned)
	dst = append(dst, '\n')
	// The list is used as sent: it is what the client signed.
	for list := s.signedHeaders; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, s.signedHeaders...)
	dst = append(dst, '\n')
	return append(dst, payloadHash...)
}

// appendHeaderValue writes a header's canonical value: each value trimmed
// with inner runs of spaces collapsed, several values joined by commas in
// the order received.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	if name == "host" {
		// Go moves Host out of the header map.
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return appendTrimmed(dst, h)
	}
	vals := headerValues(r.Header, name)
	if len(vals) == 0 {
		// Values Go keeps outside the map on requests built in-process
		// (the server keeps Content-Length in the map).
		switch name {
		case "content-length":
			if r.ContentLength > 0 {
				return strconv.AppendInt(dst, r.ContentLength, 10)
			}
		case "transfer-encoding":
			vals = r.TransferEncoding
		}
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// headerValues finds a header by its lower-case name without allocating
// on the common path: the canonical key is built on the stack.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) && tokenName(name) {
		b := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
			upper = c == '-'
		}
		return h[string(b)]
	}
	// No case-insensitive scan of the map: it would make a long list of
	// absent signed headers cost headers × names before the signature is
	// checked. Requests read by net/http have canonical keys.
	return h[textproto.CanonicalMIMEHeaderKey(name)]
}

func tokenName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// appendTrimmed writes v without leading and trailing blanks and with each
// inner run of spaces made one space (SigV4's Trimall).
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// payloadHash is the hex SHA-256 of the body. UNSIGNED-PAYLOAD is honoured
// only when the verifier allows it; any other declared X-Amz-Content-Sha256
// is ignored in favour of the real hash, so a declared hash that is not the
// body's makes the signature fail.
func payloadHash(dst []byte, r *http.Request, q []param, body []byte, allowUnsigned bool) []byte {
	if allowUnsigned {
		declared := r.Header.Get("X-Amz-Content-Sha256")
		if declared == "" {
			declared = queryValue(q, "X-Amz-Content-Sha256")
		}
		if declared == unsignedPayload {
			return append(dst, unsignedPayload...)
		}
	}
	sum := sha256.Sum256(body)
	return hex.AppendEncode(dst, sum[:])
}
