package oidc

import (
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/jsonlimit"
)

// Options configure a Verifier.
type Options struct {
	// AllowHTTP lets issuers on loopback hosts (127.0.0.0/8, ::1,
	// localhost) use plain http, for tests. AWS requires https; so does the
	// verifier unless this is set.
	AllowHTTP bool
	// RootCAs verifies issuers' TLS certificates; the system's when nil.
	RootCAs *x509.CertPool
	// CacheTTL is how long fetched keys are used before they are fetched
	// again (default 1 hour).
	CacheTTL time.Duration
	// MinRefetch bounds refetches caused by unknown key ids: at most one
	// per issuer per interval (default 10 seconds), so that tokens with
	// made-up key ids cannot make the server hammer an issuer.
	MinRefetch time.Duration
	// Timeout bounds one fetch (default 5 seconds).
	Timeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier checks token signatures against issuers' published keys.
type Verifier struct {
	opt   Options
	mu    sync.Mutex
	cache map[string]*issuerKeys
}

// issuerKeys is the cached JWKS of one issuer. Its lock serializes
// fetches, so concurrent requests share one.
type issuerKeys struct {
	mu      sync.Mutex
	keys    map[string][]crypto.PublicKey
	fetched time.Time // zero: never fetched successfully
	tried   time.Time // the last fetch attempt
}

// NewVerifier returns a verifier.
func NewVerifier(opt Options) *Verifier {
	if opt.CacheTTL <= 0 {
		opt.CacheTTL = time.Hour
	}
	if opt.MinRefetch <= 0 {
		opt.MinRefetch = 10 * time.Second
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Verifier{opt: opt, cache: map[string]*issuerKeys{}}
}

// IssuerURL checks an iss claim and returns its URL: https (or, when
// allowed, http on loopback), with a host and no query or fragment. An
// iss without a scheme is read as https, as AWS does.
func (v *Verifier) IssuerURL(iss string) (*url.URL, error) {
	if !strings.Contains(iss, "://") {
		iss = "https://" + iss
	}
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w: %q is not an issuer URL", ErrIssuer, iss)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && v.opt.AllowHTTP && loopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("%w: %q must use https", ErrIssuer, iss)
	}
	return u, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Verify checks the token's signature with a key the issuer publishes.
// thumbprints are the provider's certificate thumbprints (SHA-1, hex),
// trusted for issuers whose certificate the root CAs do not verify.
func (v *Verifier) Verify(ctx context.Context, t *Token, issuer *url.URL, thumbprints []string) error {
	switch t.Header.Alg {
	case "RS256", "ES256", "ES384":
	default:
		return fmt.Errorf("%w: %q", ErrAlgorithm, t.Header.Alg)
	}
	key := strings.TrimSuffix(issuer.String(), "/")
	v.mu.Lock()
	ik := v.cache[key]
	if ik == nil {
		ik = &issuerKeys{}
		v.cache[key] = ik
	}
	v.mu.Unlock()

	ik.mu.Lock()
	defer ik.mu.Unlock()
	now := v.opt.Now()
	var fetchErr error
	if ik.fetched.IsZero() || now.Sub(ik.fetched) >= v.opt.CacheTTL {
		fetchErr = v.refresh(ctx, ik, issuer, thumbprints, now)
		if fetchErr != nil && ik.fetched.IsZero() {
			return fetchErr
		}
		// A failed refresh keeps the keys fetched before: an issuer's
		// passing outage should not lock its users out.
	}
	keys := ik.candidates(t.Header)
	if len(keys) == 0 && fetchErr == nil && now.Sub(ik.tried) >= v.opt.MinRefetch {
		// A key id we do not know: the issuer may have rotated its keys.
		if err := v.refresh(ctx, ik, issuer, thumbprints, now); err != nil {
			return err
		}
		keys = ik.candidates(t.Header)
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: %q", ErrUnknownKey, t.Header.Kid)
	}
	for _, k := range keys {
		if t.Verify(k) == nil {
			return nil
		}
	}
	return ErrSignature
}

// candidates are the keys a token may be signed with: those with its key
// id (every key when it names none).
func (ik *issuerKeys) candidates(h Header) []crypto.PublicKey {
	if h.Kid != "" {
		return ik.keys[h.Kid]
	}
	var all []crypto.PublicKey
	for _, ks := range ik.keys {
		all = append(all, ks...)
	}
	return all
}

// refresh fetches the discovery document and the JWKS it names.
func (v *Verifier) refresh(ctx context.Context, ik *issuerKeys, issuer *url.URL, thumbprints []string, now time.Time) error {
	ik.tried = now
	ctx, cancel := context.WithTimeout(ctx, v.opt.Timeout)
	defer cancel()
	base := strings.TrimSuffix(issuer.String(), "/")
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	body, err := v.get(ctx, issuer.Hostname(), thumbprints, base+"/.well-known/openid-configuration")
	if err != nil {
		return err
	}
	if jsonlimit.Check(body, jsonLimits) != nil || json.Unmarshal(body, &disc) != nil || disc.JWKSURI == "" {
		return fmt.Errorf("%w: the discovery document has no jwks_uri", ErrFetch)
	}
	if strings.TrimSuffix(disc.Issuer, "/") != base {
		// OpenID Connect Discovery 1.0, section 4.3.
		return fmt.Errorf("%w: the discovery document is for issuer %q", ErrFetch, disc.Issuer)
	}
	ju, err := url.Parse(disc.JWKSURI)
	if err != nil || !(ju.Scheme == "https" || ju.Scheme == "http" && v.opt.AllowHTTP && loopback(ju.Hostname())) {
		return fmt.Errorf("%w: jwks_uri %q must use https", ErrFetch, disc.JWKSURI)
	}
	body, err = v.get(ctx, ju.Hostname(), thumbprints, ju.String())
	if err != nil {
		return err
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	ik.keys, ik.fetched = keys, now
	return nil
}

// maxDocBytes bounds a discovery document or JWKS.
const maxDocBytes = 1 << 20

func (v *Verifier) get(ctx context.Context, host string, thumbprints []string, u string) ([]byte, error) {
	client := v.client(host, thumbprints)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrFetch, u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil || len(body) > maxDocBytes {
		return nil, fmt.Errorf("%w: %s: body unreadable or over %d bytes", ErrFetch, u, maxDocBytes)
	}
	return body, nil
}

// client is an HTTP client whose TLS accepts a certificate chain the root
// CAs verify or, failing that, one whose top certificate has one of the
// provider's thumbprints (as IAM uses an OIDC provider's thumbprints for
// issuers whose certificates no trusted CA signs). Redirects are not
// followed to other schemes than https.
func (v *Verifier) client(host string, thumbprints []string) *http.Client {
	roots := v.opt.RootCAs
	tlsConfig := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection, with the thumbprint fallback
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyChain(cs, host, roots, thumbprints)
		},
	}
	return &http.Client{
		Timeout:   v.opt.Timeout,
		Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if req.URL.Scheme != "https" && !(v.opt.AllowHTTP && loopback(req.URL.Hostname())) {
				return errors.New("redirect away from https")
			}
			return nil
		},
	}
}

func verifyChain(cs tls.ConnectionState, host string, roots *x509.CertPool, thumbprints []string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("no certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host})
	if err == nil {
		return nil
	}
	if leaf.VerifyHostname(host) != nil {
		return err
	}
	top := cs.PeerCertificates[len(cs.PeerCertificates)-1]
	sum := sha1.Sum(top.Raw)
	got := hex.EncodeToString(sum[:])
	for _, tp := range thumbprints {
		if strings.EqualFold(tp, got) {
			return nil
		}
	}
	return fmt.Errorf("certificate not trusted and its thumbprint %s is not the provider's: %w", got, err)
}

// Thumbprint is the SHA-1 thumbprint (hex) IAM takes for a certificate.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return hex.EncodeToString(sum[:])
}
