package sts

import (
	"encoding/base32"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
)

// Tokens seals sessions into session tokens and opens them again. A token
// is the session (its secret included) encrypted and authenticated with
// the server's token key ring, bound to its access key id: verifying a
// request with temporary credentials needs no store. Rotating keys: seal
// with the newest, open with any.
type Tokens struct {
	sealer *seal.Sealer
}

// NewTokens uses the key ring for session tokens.
func NewTokens(sealer *seal.Sealer) *Tokens { return &Tokens{sealer: sealer} }

// tokenPrefix marks iamd's session tokens (and their format version).
const tokenPrefix = "IQoJiamd1"

// Seal turns a session into its token.
func (t *Tokens) Seal(s *iam.Session) (string, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return tokenPrefix + t.sealer.Seal(string(data), s.AccessKeyID), nil
}

var (
	// ErrBadToken is a token that is not one of ours, was altered, or does
	// not belong to the access key it came with.
	ErrBadToken = errors.New("sts: invalid session token")
	// ErrExpired is a token past its expiration.
	ErrExpired = errors.New("sts: session token expired")
)

// Open verifies a token sent with an access key id and returns its
// session.
func (t *Tokens) Open(token, accessKeyID string, now time.Time) (*iam.Session, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return nil, ErrBadToken
	}
	plain, err := t.sealer.Open(body, accessKeyID)
	if err != nil {
		return nil, ErrBadToken
	}
	var s iam.Session
	if err := json.Unmarshal([]byte(plain), &s); err != nil || s.AccessKeyID != accessKeyID {
		return nil, ErrBadToken
	}
	if !now.Before(s.Expires) {
		return &s, ErrExpired
	}
	return &s, nil
}

// The access key id of temporary credentials carries its account, as
// AWS's do (GetAccessKeyInfo reads it back): ASIA, the account id in 8
// base32 characters, then 8 random ones.
var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSessionKeyID makes an ASIA key id for an account.
func newSessionKeyID(account string) string {
	n, ok := new(big.Int).SetString(account, 10)
	if !ok {
		n = big.NewInt(0)
	}
	var b [5]byte
	n.FillBytes(b[:])
	return iam.PrefixSessionKey + keyEncoding.EncodeToString(b[:]) + iam.NewAccessKeyID("")[:8]
}

// accountOfSessionKey reads the account out of an ASIA key id.
func accountOfSessionKey(id string) (string, bool) {
	if !strings.HasPrefix(id, iam.PrefixSessionKey) || len(id) != 20 {
		return "", false
	}
	b, err := keyEncoding.DecodeString(id[4:12])
	if err != nil {
		return "", false
	}
	s := new(big.Int).SetBytes(b).String()
	for len(s) < 12 {
		s = "0" + s
	}
	return s, true
}
