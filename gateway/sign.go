package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/auth/sigv4"
)

// signer signs forwarded requests exactly as the AWS SDK's v4 signer
// (SignHTTP) does — the same headers signed, the same canonical request,
// the query rewritten in the same canonical form — without its
// per-request allocations (about 40), and with the signing key derived
// once per day, region and service instead of being looked up through
// the SDK's cache. TestSignerMatchesSDK holds the two together.
type signer struct {
	accessKey, secret string
	s3                bool // S3's canonical URI: the path escaped once

	mu   sync.Mutex
	keys map[sigv4.Scope][32]byte
}

// maxSigningKeys bounds the key cache: scopes are days × regions ×
// services, a handful in use at a time.
const maxSigningKeys = 64

func (s *signer) key(scope sigv4.Scope) [32]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[scope]; ok {
		return k
	}
	if s.keys == nil || len(s.keys) >= maxSigningKeys {
		s.keys = make(map[sigv4.Scope][32]byte, 8)
	}
	k := sigv4.DeriveSigningKey(s.secret, scope)
	s.keys[scope] = k
	return k
}

// ignoredHeaders are the headers the SDK never signs (its IgnoredHeaders).
var ignoredHeaders = map[string]bool{"Authorization": true, "User-Agent": true, "X-Amzn-Trace-Id": true, "Expect": true, "Transfer-Encoding": true}

// signScratch is the memory of one signing, pooled.
type signScratch struct {
	buf     []byte
	entries []signedHeader
}

var signScratches = sync.Pool{New: func() any { return &signScratch{buf: make([]byte, 0, 1024), entries: make([]signedHeader, 0, 24)} }}

// sign sets X-Amz-Date and Authorization on r (and rewrites its query in
// canonical form) for payloadHash, service and region at now.
func (s *signer) sign(r *http.Request, payloadHash, service, region string, now time.Time) {
	now = now.UTC()
	var stamp [16]byte
	amzDate := string(now.AppendFormat(stamp[:0], "20060102T150405Z"))
	r.Header["X-Amz-Date"] = append(r.Header["X-Amz-Date"][:0], amzDate)

	// The host signed: the default port dropped, as the SDK does.
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if h, port, ok := cutPort(host); ok && (port == "" || strings.EqualFold(r.URL.Scheme, "http") && port == "80" || strings.EqualFold(r.URL.Scheme, "https") && port == "443") {
		r.Host, host = h, h
	}

	// The signed headers, lower-cased and sorted; keys that differ only
	// in case share a line (as the SDK; their order is the map's).
	sc := signScratches.Get().(*signScratch)
	defer signScratches.Put(sc)
	entries := append(sc.entries[:0], signedHeader{name: "host"})
	if r.ContentLength > 0 {
		entries = append(entries, signedHeader{name: "content-length"})
	}
next:
	for k, vs := range r.Header {
		if ignoredHeaders[k] || strings.EqualFold(k, "Content-Length") {
			continue
		}
		lk := lowerASCII(k)
		for i := range entries {
			if entries[i].name == lk {
				if lk != "host" {
					entries[i].more = append(entries[i].more, vs)
				}
				continue next
			}
		}
		entries = append(entries, signedHeader{name: lk, values: vs})
	}
	slices.SortFunc(entries, func(a, b signedHeader) int { return strings.Compare(a.name, b.name) })
	defer func() { clear(entries); sc.entries = entries[:0] }() // no header values kept alive by the pool

	if r.URL.RawQuery != "" {
		r.URL.RawQuery = canonicalQuery(r.URL.RawQuery)
	}

	buf := sc.buf[:0]
	buf = append(buf, r.Method...)
	buf = append(buf, '\n')
	path := uriPath(r.URL)
	if s.s3 {
		buf = append(buf, path...)
	} else {
		buf = appendEscapePath(buf, path)
	}
	buf = append(buf, '\n')
	buf = append(buf, r.URL.RawQuery...)
	buf = append(buf, '\n')
	for _, e := range entries {
		buf = append(buf, e.name...)
		buf = append(buf, ':')
		switch e.name {
		case "host":
			buf = appendStripped(buf, host)
		case "content-length":
			buf = strconv.AppendInt(buf, r.ContentLength, 10)
		default:
			for i, v := range e.values {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = appendStripped(buf, v)
			}
			for _, vs := range e.more {
				for _, v := range vs {
					buf = append(buf, ',')
					buf = appendStripped(buf, v)
				}
			}
		}
		buf = append(buf, '\n')
	}
	buf = append(buf, '\n')
	signedStart := len(buf)
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ';')
		}
		buf = append(buf, e.name...)
	}
	signedHeaders := string(buf[signedStart:])
	buf = append(buf, '\n')
	buf = append(buf, payloadHash...)
	canonicalSum := sha256.Sum256(buf)

	scope := sigv4.Scope{Date: amzDate[:8], Region: region, Service: service}
	// The string to sign, after room for HMAC's inner key block.
	buf = append(buf[:0], make([]byte, sha256.BlockSize)...)
	buf = append(buf, "AWS4-HMAC-SHA256\n"...)
	buf = append(buf, amzDate...)
	buf = append(buf, '\n')
	scopeStart := len(buf)
	buf = append(buf, scope.Date...)
	buf = append(buf, '/')
	buf = append(buf, region...)
	buf = append(buf, '/')
	buf = append(buf, service...)
	buf = append(buf, "/aws4_request"...)
	scopeEnd := len(buf)
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, canonicalSum[:])
	sig := hmacSHA256(s.key(scope), buf)

	auth := make([]byte, 0, 64+len(s.accessKey)+(scopeEnd-scopeStart)+len(signedHeaders)+64)
	auth = append(auth, "AWS4-HMAC-SHA256 Credential="...)
	auth = append(auth, s.accessKey...)
	auth = append(auth, '/')
	auth = append(auth, buf[scopeStart:scopeEnd]...)
	auth = append(auth, ", SignedHeaders="...)
	auth = append(auth, signedHeaders...)
	auth = append(auth, ", Signature="...)
	auth = hex.AppendEncode(auth, sig[:])
	r.Header["Authorization"] = append(r.Header["Authorization"][:0], string(auth))
	sc.buf = buf
}

// hmacSHA256 is HMAC-SHA256 with a 32-byte key of the message in
// buf[sha256.BlockSize:]; the first block of buf is its scratch.
func hmacSHA256(key [32]byte, buf []byte) [32]byte {
	pad := buf[:sha256.BlockSize]
	clear(pad)
	copy(pad, key[:])
	for i := range pad {
		pad[i] ^= 0x36
	}
	inner := sha256.Sum256(buf)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], key[:])
	for i := 0; i < sha256.BlockSize; i++ {
		outer[i] ^= 0x5c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// cutPort splits host:port ("" port when none; IPv6 literals kept whole).
func cutPort(hostport string) (host, port string, ok bool) {
	colon := strings.LastIndexByte(hostport, ':')
	if colon < 0 || strings.LastIndexByte(hostport, ']') > colon {
		return hostport, "", false
	}
	host = hostport[:colon]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return host, hostport[colon+1:], true
}

// signedHeader is one line of the canonical headers.
type signedHeader struct {
	name   string
	values []string
	more   [][]string // the values of other keys of the same name
}

// lowerASCII lower-cases a header name (allocating only when it has upper case).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// uriPath is the escaped path the SDK signs (GetURIPath).
func uriPath(u *url.URL) string {
	p := ""
	if u.Opaque != "" {
		o := u.Opaque
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			p = o[i:]
		}
	} else {
		p = u.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// appendEscapePath escapes every byte but the unreserved ones and '/'
// (the SDK's httpbinding.EscapePath(path, false)).
func appendEscapePath(dst []byte, path string) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return dst
}

// appendStripped is a header value trimmed of spaces, inner runs of
// spaces collapsed to one (the SDK's StripExcessSpaces).
func appendStripped(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, v[i])
	}
	return dst
}

// canonicalQuery is the query as the SDK rewrites it: every parameter
// escaped (spaces as %20), sorted by name then value, value-less ones
// written "name=".
func canonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	type param struct{ k, v string }
	params := make([]param, 0, len(q))
	for k, vs := range q {
		ek := queryEscape(k)
		for _, v := range vs {
			params = append(params, param{ek, queryEscape(v)})
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
