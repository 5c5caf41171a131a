package sigv4

import "strings"

const upperHex = "0123456789ABCDEF"

// unreserved reports the RFC 3986 characters SigV4 never encodes.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// escape encodes everything but unreserved characters, with upper-case
// hex, as SigV4 requires (a space is %20, never '+').
func escape(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s))
		}
	}
	return s
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendCanonicalURI writes the canonical URI of an escaped request path
// for services other than S3, as the SDKs compute it: empty and "."
// segments dropped, ".." removing the previous segment, and every segment
// of the already-escaped path escaped once more ("%20" becomes "%2520").
// A trailing slash is kept when something remains before it.
func appendCanonicalURI(dst []byte, path string) []byte {
	if path == "" || path == "/" {
		return append(dst, '/')
	}
	base := len(dst)
	rest := path
	for rest != "" {
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		switch seg {
		case "", ".":
		case "..":
			// Back to the previous '/', which the escaping never writes
			// inside a segment.
			j := len(dst) - 1
			for j >= base && dst[j] != '/' {
				j--
			}
			if j >= base {
				dst = dst[:j]
			}
		default:
			dst = append(dst, '/')
			dst = appendEscaped(dst, seg)
		}
	}
	if len(dst) == base {
		return append(dst, '/')
	}
	if path[len(path)-1] == '/' {
		dst = append(dst, '/')
	}
	return dst
}
