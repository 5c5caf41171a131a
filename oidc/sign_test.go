package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

func TestSignVerify(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	other384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for _, tc := range []struct {
		alg string
		key crypto.Signer
	}{{"RS256", rsaKey}, {"ES256", p256}, {"ES384", p384}} {
		raw, err := Sign("k1", tc.key, map[string]any{"sub": "s", "aud": "a"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Header.Alg != tc.alg || tok.Header.Kid != "k1" || tok.Claims.String("sub") != "s" {
			t.Fatalf("%s: header %+v claims %v", tc.alg, tok.Header, tok.Claims)
		}
		if err := tok.Verify(tc.key.Public()); err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if err := tok.Verify(other384.Public()); err == nil {
			t.Fatalf("%s verified with another key", tc.alg)
		}
	}
	// An ES384 token does not verify with a P-256 key's algorithm.
	raw, _ := Sign("k", p384, map[string]any{})
	tok, _ := Parse(raw)
	if tok.Verify(p256.Public()) == nil {
		t.Fatal("ES384 verified with a P-256 key")
	}
}

func TestJWKRoundTrip(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for _, k := range []crypto.Signer{rsaKey, p256, p384} {
		j, err := NewJWK("k", k.Public())
		if err != nil {
			t.Fatal(err)
		}
		pub, err := j.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
			t.Fatalf("%s key changed in the JWK", j.Alg)
		}
	}
}
