// Package sigv4 verifies AWS Signature Version 4 requests, signed in the
// Authorization header or presigned in the query string, as AWS does. It is
// pure: the clock and the lookup of secrets are given to it.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/awserr"
)

const (
	algorithm    = "AWS4-HMAC-SHA256"
	amzDate      = "20060102T150405Z"
	maxSkew      = 15 * time.Minute
	maxPresigned = 7 * 24 * time.Hour
	emptyHash    = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Secrets resolves an access key id (and the session token sent with it)
// to its secret. Its errors are returned by Verify unchanged, so the caller
// chooses them (InvalidClientTokenId, ExpiredToken, ...).
type Secrets interface {
	Secret(ctx context.Context, accessKeyID, sessionToken string) (string, error)
}

// Result is what a verified signature says about the request.
type Result struct {
	AccessKeyID  string
	SessionToken string
	Date         time.Time
	Region       string
	Service      string
	Presigned    bool
}

// Verifier checks signatures. It is safe for concurrent use.
type Verifier struct {
	Secrets Secrets
	Now     func() time.Time

	mu   sync.Mutex
	keys map[string][]byte // derived signing keys by secret, date, region, service
}

// Errors as AWS answers them.
func missingToken() error {
	return awserr.New("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
}

func incomplete(msg string) error {
	return awserr.New("IncompleteSignature", http.StatusBadRequest, "%s", msg)
}

// SignatureDoesNotMatch is the error for a signature that does not verify.
func SignatureDoesNotMatch() error {
	return awserr.New("SignatureDoesNotMatch", http.StatusForbidden,
		"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// signed holds the parsed signature parameters.
type signed struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
	when                             time.Time
	expires                          time.Duration
	token                            string
	presigned                        bool
}

// Verify checks the signature of r, whose body (already read) is body.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Result, error) {
	s, err := parse(r)
	if err != nil {
		return nil, err
	}
	// The credentials first: an expired session says so whatever the clock.
	secret, err := v.Secrets.Secret(ctx, s.accessKey, s.token)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if s.presigned {
		if now.After(s.when.Add(s.expires)) {
			return nil, awserr.New("RequestExpired", http.StatusBadRequest, "Request has expired.")
		}
		if s.when.After(now.Add(maxSkew)) {
			return nil, awserr.New("RequestExpired", http.StatusBadRequest, "Request is not yet valid.")
		}
	} else if d := now.Sub(s.when); d > maxSkew || d < -maxSkew {
		rel := "earlier"
		limit := now.Add(-maxSkew)
		sign := "-"
		if d < 0 {
			rel, limit, sign = "later", now.Add(maxSkew), "+"
		}
		return nil, awserr.New("RequestExpired", http.StatusBadRequest, "Signature expired: %s is now %s than %s (%s %s 15 min.)",
			s.when.Format(amzDate), rel, limit.Format(amzDate), now.UTC().Format(amzDate), sign)
	}
	canonical := canonicalRequest(r, body, s)
	scope := s.date + "/" + s.region + "/" + s.service + "/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + s.when.Format(amzDate) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, v.signingKey(secret, s.date, s.region, s.service))
	mac.Write([]byte(toSign))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(s.signature)
	if err != nil || !hmac.Equal(want, got) {
		return nil, SignatureDoesNotMatch()
	}
	return &Result{AccessKeyID: s.accessKey, SessionToken: s.token, Date: s.when, Region: s.region, Service: s.service, Presigned: s.presigned}, nil
}

// parse reads the signature from the Authorization header or the query.
func parse(r *http.Request) (*signed, error) {
	q := r.URL.Query()
	auth := r.Header.Get("Authorization")
	var s signed
	var credential, headers string
	switch {
	case auth != "":
		rest, ok := strings.CutPrefix(auth, algorithm+" ")
		if !ok {
			return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': %q", strings.SplitN(auth, " ", 2)[0]))
		}
		var missing []string
		params := map[string]string{}
		for _, part := range strings.Split(rest, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			params[k] = val
		}
		for _, p := range []string{"Credential", "Signature", "SignedHeaders"} {
			if params[p] == "" {
				missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", p))
			}
		}
		date := r.Header.Get("X-Amz-Date")
		if date == "" && r.Header.Get("Date") == "" {
			missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		if len(missing) > 0 {
			return nil, incomplete(strings.Join(missing, " ") + " Authorization=" + auth)
		}
		credential, headers, s.signature = params["Credential"], params["SignedHeaders"], params["Signature"]
		when, err := parseWhen(date, r.Header.Get("Date"))
		if err != nil {
			return nil, err
		}
		s.when = when
		s.token = r.Header.Get("X-Amz-Security-Token")
	case q.Get("X-Amz-Algorithm") != "" || q.Get("X-Amz-Signature") != "":
		if q.Get("X-Amz-Algorithm") != algorithm {
			return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': %q", q.Get("X-Amz-Algorithm")))
		}
		var missing []string
		for _, p := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
			if q.Get(p) == "" {
				missing = append(missing, "'"+p+"'")
			}
		}
		if len(missing) > 0 {
			return nil, incomplete("AWS query-string parameters must include " + strings.Join(missing, ", ") + ".")
		}
		credential, headers, s.signature = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
		when, err := parseWhen(q.Get("X-Amz-Date"), "")
		if err != nil {
			return nil, err
		}
		s.when = when
		s.expires = maxPresigned
		if e := q.Get("X-Amz-Expires"); e != "" {
			n, err := strconv.Atoi(e)
			if err != nil || n < 0 || time.Duration(n)*time.Second > maxPresigned {
				return nil, awserr.New("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Expires must be a number of seconds between 0 and 604800.")
			}
			s.expires = time.Duration(n) * time.Second
		}
		s.token = q.Get("X-Amz-Security-Token")
		s.presigned = true
	default:
		return nil, missingToken()
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return nil, incomplete(fmt.Sprintf("Credential should be scoped to a valid region, and the scope should end with 'aws4_request'. Credential=%s", credential))
	}
	s.accessKey, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	if s.date != s.when.Format("20060102") {
		return nil, awserr.New("SignatureDoesNotMatch", http.StatusForbidden,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			s.date, s.when.Format("20060102"), s.when.Format(amzDate))
	}
	s.signedHeaders = strings.Split(strings.ToLower(headers), ";")
	if !sort.StringsAreSorted(s.signedHeaders) {
		sort.Strings(s.signedHeaders)
	}
	return &s, nil
}

func parseWhen(xAmzDate, date string) (time.Time, error) {
	if xAmzDate != "" {
		t, err := time.Parse(amzDate, xAmzDate)
		if err != nil {
			return t, incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", xAmzDate))
		}
		return t, nil
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return t, incomplete(fmt.Sprintf("Invalid date header: '%s'", date))
	}
	return t.UTC(), nil
}

// canonicalRequest builds the canonical form of the request (SigV4 task 1).
func canonicalRequest(r *http.Request, body []byte, s *signed) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, s.presigned))
	b.WriteByte('\n')
	for _, h := range s.signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(s.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash(r, body, s.presigned))
	return b.String()
}

// canonicalURI encodes the path as the SDKs do for services other than
// S3: the escaped path, normalized, and each segment escaped once more.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	out := segs[:0]
	for i, seg := range segs {
		switch {
		case seg == "." || seg == "" && i > 0 && i < len(segs)-1:
			continue
		case seg == "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			continue
		}
		out = append(out, escape(seg))
	}
	res := strings.Join(out, "/")
	if !strings.HasPrefix(res, "/") {
		res = "/" + res
	}
	return res
}

// canonicalQuery sorts the parameters and encodes them per RFC 3986; the
// signature itself is not part of a presigned request's canonical form.
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			dk, dv = k, v
		}
		if presigned && dk == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{escape(dk), escape(dv)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// headerValue is a header's canonical value: values trimmed, inner runs of
// spaces collapsed, several values joined by commas.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
			vals = vs
		} else if r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vals = r.Header.Values(name)
	}
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

func payloadHash(r *http.Request, body []byte, presigned bool) string {
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return h
	}
	if presigned {
		if h := r.URL.Query().Get("X-Amz-Content-Sha256"); h != "" {
			return h
		}
	}
	if len(body) == 0 {
		return emptyHash
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// escape encodes per RFC 3986: everything but unreserved characters.
func escape(s string) string {
	const hexd = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexd[c>>4], hexd[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// signingKey derives (and caches) the key for a secret, date, region and
// service.
func (v *Verifier) signingKey(secret, date, region, service string) []byte {
	cacheKey := secret + "\x00" + date + "\x00" + region + "\x00" + service
	v.mu.Lock()
	k, ok := v.keys[cacheKey]
	v.mu.Unlock()
	if ok {
		return k
	}
	k = DeriveKey(secret, date, region, service)
	v.mu.Lock()
	if v.keys == nil || len(v.keys) > 10000 {
		v.keys = map[string][]byte{} // bounded: a day's keys are few
	}
	v.keys[cacheKey] = k
	v.mu.Unlock()
	return k
}

// DeriveKey computes the SigV4 signing key.
func DeriveKey(secret, date, region, service string) []byte {
	h := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(data))
		return m.Sum(nil)
	}
	return h(h(h(h([]byte("AWS4"+secret), date), region), service), "aws4_request")
}
