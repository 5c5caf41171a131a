package oidc_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/oidc"
	"github.com/iamd/iamd/oidc/oidctest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func verify(t *testing.T, v *oidc.Verifier, raw string, thumbprints ...string) error {
	t.Helper()
	tok, err := oidc.Parse(raw)
	if err != nil {
		return err
	}
	u, err := v.IssuerURL(tok.Claims.String("iss"))
	if err != nil {
		return err
	}
	return v.Verify(context.Background(), tok, u, thumbprints)
}

func TestVerify(t *testing.T) {
	is := oidctest.Start(t, false)
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	claims := is.Claims("repo:octo/app:ref:refs/heads/main", "sts.amazonaws.com")
	other := oidctest.NewRSAKey(t)
	tamper := func(raw string) string { // flip a byte of the payload
		parts := strings.Split(raw, ".")
		b := []byte(parts[1])
		b[3] ^= 1
		return parts[0] + "." + string(b) + "." + parts[2]
	}
	none := func(raw string) string {
		return "eyJhbGciOiJub25lIiwia2lkIjoicnNhMSJ9." + strings.Split(raw, ".")[1] + "."
	}
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"RS256", is.Token(t, "rsa1", claims), nil},
		{"ES256", is.Token(t, "ec1", claims), nil},
		{"signed by another key with a published kid", oidctest.Sign(t, "rsa1", other, claims), oidc.ErrSignature},
		{"EC kid on an RSA signature", oidctest.Sign(t, "ec1", other, claims), oidc.ErrSignature},
		{"tampered payload", tamper(is.Token(t, "rsa1", claims)), oidc.ErrSignature},
		{"alg none", none(is.Token(t, "rsa1", claims)), oidc.ErrAlgorithm},
		{"unknown kid", oidctest.Sign(t, "nope", other, claims), oidc.ErrUnknownKey},
		{"not a JWT", "abc.def", oidc.ErrMalformed},
		{"bad base64", "a.b!.c", oidc.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verify(t, v, tc.token)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestHTTPIssuerNeedsOption(t *testing.T) {
	is := oidctest.Start(t, false)
	v := oidc.NewVerifier(oidc.Options{})
	tok := is.Token(t, "rsa1", is.Claims("s", "a"))
	if err := verify(t, v, tok); !errors.Is(err, oidc.ErrIssuer) {
		t.Fatalf("got %v, want ErrIssuer", err)
	}
	v = oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	if _, err := v.IssuerURL("http://example.com"); !errors.Is(err, oidc.ErrIssuer) {
		t.Fatalf("http on a non-loopback host: got %v", err)
	}
}

// Key rotation: an unknown kid refetches the JWKS, at most once per
// MinRefetch.
func TestRotationAndBoundedRefetch(t *testing.T) {
	is := oidctest.Start(t, false)
	c := &clock{t: time.Now()}
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true, Now: c.Now, MinRefetch: 10 * time.Second})
	claims := is.Claims("s", "a")
	if err := verify(t, v, is.Token(t, "rsa1", claims)); err != nil {
		t.Fatal(err)
	}
	if n := is.JWKSFetches.Load(); n != 1 {
		t.Fatalf("fetches %d, want 1", n)
	}
	// Cached: no fetch.
	if err := verify(t, v, is.Token(t, "ec1", claims)); err != nil {
		t.Fatal(err)
	}
	// Rotate: a new key appears; within MinRefetch it is not fetched.
	is.AddKey("rsa2", oidctest.NewRSAKey(t))
	is.RemoveKey("rsa1")
	tok := is.Token(t, "rsa2", claims)
	if err := verify(t, v, tok); !errors.Is(err, oidc.ErrUnknownKey) {
		t.Fatalf("within MinRefetch: got %v", err)
	}
	c.Add(11 * time.Second)
	if err := verify(t, v, tok); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := is.JWKSFetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2", n)
	}
	// A flood of made-up kids costs at most one fetch per interval.
	c.Add(11 * time.Second)
	for i := range 20 {
		bogus := oidctest.Sign(t, "bogus"+string(rune('a'+i)), oidctest.NewECKey(t), claims)
		if err := verify(t, v, bogus); !errors.Is(err, oidc.ErrUnknownKey) {
			t.Fatalf("bogus kid: %v", err)
		}
	}
	if n := is.JWKSFetches.Load(); n != 3 {
		t.Fatalf("fetches %d after a flood of unknown kids, want 3", n)
	}
	// The removed key no longer verifies once the cache is refreshed.
	if err := verify(t, v, is.Token(t, "rsa2", claims)); err != nil {
		t.Fatal(err)
	}
}

// An https issuer whose certificate no trusted CA signed is trusted
// through the provider's thumbprint.
func TestThumbprint(t *testing.T) {
	is := oidctest.Start(t, true)
	v := oidc.NewVerifier(oidc.Options{})
	tok := is.Token(t, "rsa1", is.Claims("s", "a"))
	if err := verify(t, v, tok, "0000000000000000000000000000000000000000"); !errors.Is(err, oidc.ErrFetch) {
		t.Fatalf("wrong thumbprint: got %v", err)
	}
	tp := oidc.Thumbprint(is.Server().Certificate())
	v = oidc.NewVerifier(oidc.Options{})
	if err := verify(t, v, tok, strings.ToUpper(tp)); err != nil {
		t.Fatalf("right thumbprint: %v", err)
	}
}
