package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Algorithm is the JWS algorithm a key signs with: RS256 for RSA keys,
// ES256 and ES384 for ECDSA keys on P-256 and P-384.
func Algorithm(key crypto.PublicKey) (string, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return "ES256", nil
		case 384:
			return "ES384", nil
		}
	}
	return "", fmt.Errorf("%w: key %T", ErrAlgorithm, key)
}

// Sign makes a compact JWS of the claims, naming kid in its header.
func Sign(kid string, key crypto.Signer, claims any) (string, error) {
	alg, err := Algorithm(key.Public())
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(Header{Alg: alg, Kid: kid, Typ: "JWT"})
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256([]byte(signed))
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:]); err != nil {
			return "", err
		}
	case *ecdsa.PrivateKey:
		digest, size := ecDigest(alg, []byte(signed))
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return "", err
		}
		// JWS carries r||s, each the curve's size, not ASN.1.
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
	default:
		return "", fmt.Errorf("%w: key %T", ErrAlgorithm, key)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// ecDigest hashes for an ECDSA algorithm and gives the curve's size in
// bytes.
func ecDigest(alg string, data []byte) ([]byte, int) {
	if alg == "ES384" {
		sum := sha512.Sum384(data)
		return sum[:], 48
	}
	sum := sha256.Sum256(data)
	return sum[:], 32
}
