package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/iamd/iamd/internal/jsonlimit"
)

// JWK is one JSON Web Key as a JWKS lists it (RSA and EC P-256 and P-384
// signing keys; others are skipped).
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// KeySet is a JWKS document.
type KeySet struct {
	Keys []JWK `json:"keys"`
}

// PublicKey decodes the key.
func (k *JWK) PublicKey() (crypto.PublicKey, error) {
	dec := base64.RawURLEncoding
	switch k.Kty {
	case "RSA":
		n, err1 := dec.DecodeString(k.N)
		e, err2 := dec.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("oidc: RSA key %q: bad n or e (keys under 2048 bits are refused)", k.Kid)
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			return nil, fmt.Errorf("oidc: RSA key %q: bad exponent", k.Kid)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
	case "EC":
		curve, size := elliptic.P256(), 32
		switch k.Crv {
		case "P-256":
		case "P-384":
			curve, size = elliptic.P384(), 48
		default:
			return nil, fmt.Errorf("oidc: EC key %q: curve %q not supported", k.Kid, k.Crv)
		}
		x, err1 := dec.DecodeString(k.X)
		y, err2 := dec.DecodeString(k.Y)
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, fmt.Errorf("oidc: EC key %q: bad x or y", k.Kid)
		}
		// The uncompressed point form lets the standard library check that
		// the point is on the curve.
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, fmt.Errorf("oidc: EC key %q: %w", k.Kid, err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("oidc: key %q: type %q not supported", k.Kid, k.Kty)
}

// NewJWK encodes a public key (for issuers and tests).
func NewJWK(kid string, key crypto.PublicKey) (JWK, error) {
	enc := base64.RawURLEncoding
	switch k := key.(type) {
	case *rsa.PublicKey:
		return JWK{Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS256", N: enc.EncodeToString(k.N.Bytes()), E: enc.EncodeToString(big.NewInt(int64(k.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		alg, err := Algorithm(k)
		b, err2 := k.Bytes()
		if err != nil || err2 != nil {
			return JWK{}, fmt.Errorf("oidc: only P-256 and P-384 EC keys are supported")
		}
		size := (len(b) - 1) / 2
		return JWK{Kty: "EC", Kid: kid, Use: "sig", Alg: alg, Crv: "P-" + alg[2:], X: enc.EncodeToString(b[1 : 1+size]), Y: enc.EncodeToString(b[1+size:])}, nil
	}
	return JWK{}, fmt.Errorf("oidc: unsupported key type %T", key)
}

// parseKeySet decodes a JWKS into keys by id, skipping keys that are not
// for signatures or cannot be decoded (an issuer may publish encryption
// keys or keys of other types beside its signing keys).
func parseKeySet(data []byte) (map[string][]crypto.PublicKey, error) {
	var ks KeySet
	if err := jsonlimit.Check(data, jsonLimits); err != nil {
		return nil, fmt.Errorf("JWKS: %v", err)
	}
	if err := json.Unmarshal(data, &ks); err != nil {
		return nil, fmt.Errorf("JWKS is not JSON: %w", err)
	}
	out := map[string][]crypto.PublicKey{}
	for i := range ks.Keys {
		k := &ks.Keys[i]
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.PublicKey()
		if err != nil {
			continue
		}
		out[k.Kid] = append(out[k.Kid], pub)
	}
	return out, nil
}
