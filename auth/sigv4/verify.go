// Package sigv4 verifies AWS Signature Version 4 requests, signed in the
// Authorization header or presigned in the query string, as AWS's own
// services do, and answers AWS's errors when they do not verify.
//
// It is pure: the clock and the lookup of secrets are given to it, and it
// knows nothing of users or sessions.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
)

// Credentials resolves an access key id, and the session token sent with
// it ("" when none), to the secret access key that signed the request.
//
// Its error is returned by Verify unchanged, so the caller decides what an
// unknown or inactive key or an expired session is: typically
// ErrInvalidClientTokenID() or ErrExpiredToken(), or an error of its own
// (a store failure) that it maps to a 5xx.
type Credentials interface {
	SecretFor(ctx context.Context, accessKeyID, sessionToken string) (secret string, err error)
}

// CredentialsFunc adapts a function to Credentials.
type CredentialsFunc func(ctx context.Context, accessKeyID, sessionToken string) (string, error)

// SecretFor calls f.
func (f CredentialsFunc) SecretFor(ctx context.Context, accessKeyID, sessionToken string) (string, error) {
	return f(ctx, accessKeyID, sessionToken)
}

// Config configures a Verifier.
type Config struct {
	// Credentials looks up secrets; required.
	Credentials Credentials
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date (or Date) may be from Now; AWS allows
	// 15 minutes, the default.
	MaxSkew time.Duration
	// CacheSize bounds the derived signing keys kept; 1024 when 0.
	CacheSize int
	// Partition is the one partition this server serves (aws when
	// empty): a credential scope naming a region of another partition, or
	// no region at all, is refused, as an AWS endpoint refuses a region it
	// does not serve. The caller's partition is the server's, never the
	// one the client chose to sign for.
	Partition string
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
	// (as S3 does). IAM and STS carry the action in the body, so by
	// default the body is always hashed.
	AllowUnsignedPayload bool
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	creds         Credentials
	now           func() time.Time
	skew          time.Duration
	allowUnsigned bool
	partition     string
	keys          *keyCache
}

// New returns a Verifier; it panics without Credentials.
func New(c Config) *Verifier {
	if c.Credentials == nil {
		panic("sigv4: Config.Credentials is required")
	}
	v := &Verifier{creds: c.Credentials, now: c.Now, skew: c.MaxSkew, allowUnsigned: c.AllowUnsignedPayload, partition: c.Partition}
	if v.partition == "" {
		v.partition = "aws"
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.skew <= 0 {
		v.skew = 15 * time.Minute
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 1024
	}
	v.keys = newKeyCache(c.CacheSize)
	return v
}

// Result is what a verified signature establishes.
type Result struct {
	AccessKeyID  string
	SessionToken string // "" without one
	Scope        Scope  // the credential scope signed: date, region, service
	Time         time.Time
	Presigned    bool
	// Expires is a presigned request's X-Amz-Expires (0 when absent).
	Expires time.Duration
}

// Verify checks the signature of r, whose body has already been read into
// body (r.Body is not touched). Any service may be signed for, in any
// region of the server's partition; see VerifyService to require one
// service.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Result, error) {
	return v.verifyNew(r, body, "", "")
}

// VerifyFor is VerifyService ("" for any service) with the context and
// the credentials of one call, writing its result to res: the secret is
// looked up by creds in ctx, not by the Config's in r.Context(), so that
// a caller can keep what its lookup found, and the result, with its own
// state (no context value, no copy of the request, no allocation here).
func (v *Verifier) VerifyFor(ctx context.Context, creds Credentials, r *http.Request, body []byte, service string, res *Result) error {
	return v.verify(ctx, creds, r, body, service, "", res)
}

// VerifyPayloadHashFor is VerifyPayloadHash with the context and the
// credentials of one call (see VerifyFor).
func (v *Verifier) VerifyPayloadHashFor(ctx context.Context, creds Credentials, r *http.Request, payloadHash string, res *Result) error {
	if payloadHash == "" {
		return ErrSignatureDoesNotMatch()
	}
	return v.verify(ctx, creds, r, nil, "", payloadHash, res)
}

// verifyNew verifies with the Config's credentials in r's context, into a
// new Result.
func (v *Verifier) verifyNew(r *http.Request, body []byte, service, declaredHash string) (*Result, error) {
	res := new(Result)
	if err := v.verify(r.Context(), v.creds, r, body, service, declaredHash, res); err != nil {
		return nil, err
	}
	return res, nil
}

// VerifyService is Verify requiring the credential scope to name service
// ("iam", "sts"), as each AWS endpoint does.
func (v *Verifier) VerifyService(r *http.Request, body []byte, service string) (*Result, error) {
	return v.verifyNew(r, body, service, "")
}

// VerifyPayloadHash checks the signature of a request whose body is not
// read: its canonical request takes payloadHash (the request's declared
// X-Amz-Content-Sha256: a hex SHA-256, UNSIGNED-PAYLOAD, or a STREAMING-*
// value) as S3 does. The caller must then check that the body streamed is
// the one declared. Any service may be signed for.
func (v *Verifier) VerifyPayloadHash(r *http.Request, payloadHash string) (*Result, error) {
	if payloadHash == "" {
		return nil, ErrSignatureDoesNotMatch()
	}
	return v.verifyNew(r, nil, "", payloadHash)
}

// hmacRoom is the space sign needs before its message.
var hmacRoom [64]byte

// scratch is the per-call memory, pooled so that verifying allocates
// little more than its Result.
type scratch struct {
	buf   []byte
	query []param
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, 0, 1024), query: make([]param, 0, 16)}
}}

func (v *Verifier) verify(ctx context.Context, creds Credentials, r *http.Request, body []byte, service, declaredHash string, res *Result) error {
	sc := scratchPool.Get().(*scratch)
	defer func() {
		clear(sc.query) // drop references to the request's strings
		sc.query = sc.query[:0]
		if cap(sc.buf) <= 64<<10 {
			scratchPool.Put(sc)
		}
	}()
	var s signed
	if err := parseRequest(r, &s, sc); err != nil {
		return err
	}
	if !arn.RegionInPartition(s.scope.Region, v.partition) {
		return errRegion(s.scope.Region)
	}
	if service != "" && s.scope.Service != service {
		return errService(service)
	}
	if err := v.checkTime(&s); err != nil {
		return err
	}
	secret, err := creds.SecretFor(ctx, s.accessKeyID, s.token)
	if err != nil {
		return err
	}
	if secret == "" {
		// An empty secret would let anyone sign; never accept it.
		return ErrInvalidClientTokenID()
	}
	key := v.keys.get(secret, s.scope)

	// Canonical request, then the string to sign after 64 bytes left free
	// for the HMAC's padded key.
	var hash [64]byte
	var buf []byte
	if declaredHash != "" {
		buf = append(sc.buf[:0], declaredHash...)
	} else {
		buf = payloadHash(sc.buf[:0], r, sc.query, body, v.allowUnsigned)
	}
	n := copy(hash[:], buf)
	buf = appendCanonicalRequest(buf[:0], r, &s, sc.query, hash[:n])
	sum := sumSHA256(buf)
	buf = append(buf[:0], hmacRoom[:]...)
	buf = append(buf, algorithm+"\n"...)
	buf = append(buf, s.stamp...)
	buf = append(buf, '\n')
	buf = appendScope(buf, s.scope)
	buf = append(buf, '\n')
	buf = append(buf, sum[:]...)
	want := sign(&key, buf)
	var wantHex [64]byte
	hexEncode(wantHex[:], want[:])
	sc.buf = buf
	if subtle.ConstantTimeCompare(wantHex[:], []byte(s.signature)) != 1 {
		return ErrSignatureDoesNotMatch()
	}
	*res = Result{
		AccessKeyID:  s.accessKeyID,
		SessionToken: s.token,
		Scope:        s.scope,
		Time:         s.when,
		Presigned:    s.presigned,
		Expires:      s.expires,
	}
	return nil
}

// parseRequest finds how r is signed and reads the signature's parameters.
func parseRequest(r *http.Request, s *signed, sc *scratch) *awserr.Error {
	if r.URL != nil && r.URL.RawQuery != "" {
		sc.query = parseQuery(r.URL.RawQuery, sc.query[:0])
	}
	h := r.Header.Get("Authorization")
	presigned := isPresigned(sc.query)
	switch {
	case h != "" && presigned:
		return errTwoMechanisms()
	case h != "":
		return parseHeaderAuth(r, h, sc.query, s)
	case presigned:
		return parseQueryAuth(r, sc.query, s)
	}
	return ErrMissingAuthenticationToken()
}

// checkTime applies AWS's clock rules: a request must be within the skew
// (15 minutes) of now, whether signed in its header or presigned. Only S3
// honours X-Amz-Expires, up to a week; every other service, IAM and STS
// included, ignores it and keeps a presigned request for the skew only
// (aws-sdk-go#2167, #2224: "a fixed request signature expiration of about
// 15 minutes"), which is what makes a presigned GetCallerIdentity a fresh
// proof of identity.
func (v *Verifier) checkTime(s *signed) *awserr.Error {
	now := v.now().UTC().Truncate(time.Second)
	switch d := now.Sub(s.when); {
	case d < -v.skew:
		return errSkew(s.when, now, v.skew)
	case s.presigned && s.hasExpires && s.scope.Service == "s3":
		if d > s.expires {
			return errPresignExpired()
		}
	case d > v.skew:
		return errSkew(s.when, now, v.skew)
	}
	return nil
}

func appendScope(dst []byte, sc Scope) []byte {
	dst = append(dst, sc.Date...)
	dst = append(dst, '/')
	dst = append(dst, sc.Region...)
	dst = append(dst, '/')
	dst = append(dst, sc.Service...)
	dst = append(dst, '/')
	return append(dst, terminator...)
}

// sumSHA256 is the lower-case hex SHA-256 of b.
func sumSHA256(b []byte) [64]byte {
	sum := sha256.Sum256(b)
	var out [64]byte
	hexEncode(out[:], sum[:])
	return out
}

func hexEncode(dst, src []byte) {
	const digits = "0123456789abcdef"
	for i, c := range src {
		dst[2*i] = digits[c>>4]
		dst[2*i+1] = digits[c&15]
	}
}
