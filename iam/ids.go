package iam

import (
	"crypto/rand"
	"encoding/base64"
	"math/big"
)

// Unique-id prefixes (section 9.2 of the spec).
const (
	PrefixUser            = "AIDA"
	PrefixGroup           = "AGPA"
	PrefixRole            = "AROA"
	PrefixPolicy          = "ANPA"
	PrefixPolicyVersion   = "ANVA"
	PrefixInstanceProfile = "AIPA"
	PrefixServerCert      = "ASCA"
	PrefixPublicKey       = "APKA"
	PrefixAccessKey       = "AKIA"
	PrefixSessionKey      = "ASIA"
	PrefixCredential      = "ACCA"
)

// idAlphabet is what AWS's ids are made of: upper-case letters and the
// digits 2-7 (base32 without padding).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns a unique id such as AIDAJQABLZS4A3QDU576Q: the prefix and
// 17 random characters (21 in all, as AWS's).
func NewID(prefix string) string { return prefix + randomString(17, idAlphabet) }

// NewAccessKeyID returns a 20-character access key id with the prefix
// (AKIA for long-term keys, ASIA for temporary ones).
func NewAccessKeyID(prefix string) string { return prefix + randomString(16, idAlphabet) }

// NewSecretAccessKey returns a 40-character secret, base64 like AWS's.
func NewSecretAccessKey() string {
	b := make([]byte, 30)
	mustRead(b)
	return base64.StdEncoding.EncodeToString(b)
}

// NewAccountID returns a random 12-digit account id (not starting with 0).
func NewAccountID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		panic(err)
	}
	return big.NewInt(0).Add(n, big.NewInt(1e11)).String()
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	mustRead(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

func mustRead(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
}
