// Package oidctest is an OpenID Connect issuer for tests: its own signing
// keys, a discovery document and a JWKS served on loopback, and tokens
// signed with RS256 or ES256.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/oidc"
)

// Issuer is a running test issuer.
type Issuer struct {
	URL    string // the issuer (iss) URL, http://127.0.0.1:PORT
	server *httptest.Server

	mu   sync.Mutex
	keys map[string]crypto.Signer // published keys by kid

	// JWKSFetches counts requests for the JWKS.
	JWKSFetches atomic.Int64
}

// Start starts an issuer on loopback with one RSA key ("rsa1") and one
// EC P-256 key ("ec1"); tls serves it over https with a self-signed
// certificate instead.
func Start(t testing.TB, useTLS bool) *Issuer {
	t.Helper()
	is := &Issuer{keys: map[string]crypto.Signer{}}
	is.AddKey("rsa1", NewRSAKey(t))
	is.AddKey("ec1", NewECKey(t))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL, "jwks_uri": is.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		is.JWKSFetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(is.KeySet(t))
	})
	if useTLS {
		is.server = httptest.NewTLSServer(mux)
	} else {
		is.server = httptest.NewServer(mux)
	}
	is.URL = is.server.URL
	t.Cleanup(is.server.Close)
	return is
}

// Server is the underlying test server (its certificate, for TLS).
func (is *Issuer) Server() *httptest.Server { return is.server }

// NewRSAKey makes a 2048-bit RSA key.
func NewRSAKey(t testing.TB) crypto.Signer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// NewECKey makes a P-256 key.
func NewECKey(t testing.TB) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// AddKey publishes a key.
func (is *Issuer) AddKey(kid string, k crypto.Signer) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys[kid] = k
}

// RemoveKey stops publishing a key.
func (is *Issuer) RemoveKey(kid string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	delete(is.keys, kid)
}

// KeySet is the JWKS of the published keys.
func (is *Issuer) KeySet(t testing.TB) oidc.KeySet {
	is.mu.Lock()
	defer is.mu.Unlock()
	ks := oidc.KeySet{Keys: []oidc.JWK{}}
	for kid, k := range is.keys {
		j, err := oidc.NewJWK(kid, k.Public())
		if err != nil {
			t.Error(err)
		}
		ks.Keys = append(ks.Keys, j)
	}
	return ks
}

// Key returns a published key.
func (is *Issuer) Key(kid string) crypto.Signer {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.keys[kid]
}

// Claims are the usual claims of a token from this issuer: iss, sub, aud,
// iat, exp (an hour from now).
func (is *Issuer) Claims(sub, aud string) map[string]any {
	now := time.Now()
	return map[string]any{"iss": is.URL, "sub": sub, "aud": aud, "iat": now.Unix(), "nbf": now.Unix() - 5, "exp": now.Add(time.Hour).Unix()}
}

// Token signs claims with the published key kid.
func (is *Issuer) Token(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	k := is.Key(kid)
	if k == nil {
		t.Fatalf("no key %q", kid)
	}
	return Sign(t, kid, k, claims)
}

// Sign makes a compact JWS of claims with a key (RS256 for RSA keys,
// ES256 for EC keys), naming kid in its header.
func Sign(t testing.TB, kid string, k crypto.Signer, claims map[string]any) string {
	t.Helper()
	token, err := oidc.Sign(kid, k, claims)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
