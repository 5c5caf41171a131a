// Package oidc verifies OpenID Connect ID tokens (JWTs signed with RS256,
// ES256 or ES384) against the signing keys an issuer publishes: its discovery
// document (/.well-known/openid-configuration) names its JWKS, which is
// fetched, cached, and fetched again (at most once per interval) when a
// token names a key id the cache does not hold. It uses only the standard
// library's crypto.
package oidc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/iamd/iamd/internal/jsonlimit"
)

// Errors a token can fail with. Callers map them to their own protocol's
// errors (STS: InvalidIdentityToken, IDPCommunicationError).
var (
	ErrMalformed  = errors.New("oidc: malformed token")
	ErrAlgorithm  = errors.New("oidc: unsupported signing algorithm")
	ErrSignature  = errors.New("oidc: signature does not verify")
	ErrUnknownKey = errors.New("oidc: no signing key with the token's key id")
	ErrFetch      = errors.New("oidc: could not fetch the issuer's keys")
	ErrIssuer     = errors.New("oidc: issuer not allowed")
)

// Header is a token's JOSE header.
type Header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// Token is a parsed (not yet verified) JWT.
type Token struct {
	Header Header
	Claims Claims
	signed []byte // header.payload, what the signature covers
	sig    []byte
}

// maxTokenBytes bounds what is parsed: AWS takes tokens up to 20000
// characters.
const maxTokenBytes = 20000

// jsonLimits bound the JSON of tokens and of an issuer's documents: no
// claim set or key set nests deeper than a few levels.
var jsonLimits = jsonlimit.Limits{MaxDepth: 32}

// Parse splits and decodes a compact JWS without verifying it.
func Parse(raw string) (*Token, error) {
	if len(raw) > maxTokenBytes {
		return nil, fmt.Errorf("%w: longer than %d characters", ErrMalformed, maxTokenBytes)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	dec := base64.RawURLEncoding
	hb, err1 := dec.DecodeString(parts[0])
	pb, err2 := dec.DecodeString(parts[1])
	sig, err3 := dec.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("%w: bad base64url", ErrMalformed)
	}
	// The claims are the caller's JSON: bound their nesting before
	// decoding (a token is small, but the decoder recurses per level).
	if jsonlimit.Check(hb, jsonLimits) != nil || jsonlimit.Check(pb, jsonLimits) != nil {
		return nil, fmt.Errorf("%w: JSON nested too deeply", ErrMalformed)
	}
	t := &Token{signed: []byte(parts[0] + "." + parts[1]), sig: sig}
	if err := json.Unmarshal(hb, &t.Header); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	d := json.NewDecoder(bytes.NewReader(pb))
	d.UseNumber()
	if err := d.Decode(&t.Claims); err != nil || t.Claims == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	return t, nil
}

// Verify checks the token's signature with key (an *rsa.PublicKey, or an
// *ecdsa.PublicKey on P-256 or P-384), which must fit the header's
// algorithm.
func (t *Token) Verify(key crypto.PublicKey) error {
	switch t.Header.Alg {
	case "RS256":
		k, ok := key.(*rsa.PublicKey)
		if !ok {
			return ErrSignature
		}
		h := sha256.Sum256(t.signed)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], t.sig) != nil {
			return ErrSignature
		}
		return nil
	case "ES256", "ES384":
		k, ok := key.(*ecdsa.PublicKey)
		if alg, err := Algorithm(key); !ok || err != nil || alg != t.Header.Alg {
			return ErrSignature
		}
		digest, size := ecDigest(t.Header.Alg, t.signed)
		if len(t.sig) != 2*size {
			return ErrSignature
		}
		// JWS carries r||s, not ASN.1.
		r, s := new(big.Int).SetBytes(t.sig[:size]), new(big.Int).SetBytes(t.sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrSignature
		}
		return nil
	}
	return fmt.Errorf("%w: %q", ErrAlgorithm, t.Header.Alg)
}

// Claims are a token's payload. Numbers stay json.Number.
type Claims map[string]any

// String returns a string claim ("" when absent or not a string).
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Strings returns a claim that may be a string or an array of strings
// (aud, amr).
func (c Claims) Strings(name string) []string {
	switch v := c[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Time returns a NumericDate claim in seconds since the epoch; ok is false
// when it is absent or not a number.
func (c Claims) Time(name string) (int64, bool) {
	n, ok := c[name].(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false
	}
	return int64(f), true
}
