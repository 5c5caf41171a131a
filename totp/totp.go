// Package totp computes time-based one-time passwords (RFC 6238 over
// RFC 4226): HMAC-SHA1, 30-second steps, six digits, as virtual MFA
// devices and IAM use them.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Step is the length of a time step.
const Step = 30 * time.Second

// NewSeed returns a random 40-character base32 seed (25 bytes), the form
// AWS gives virtual MFA devices.
func NewSeed() string {
	b := make([]byte, 25)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base32.StdEncoding.EncodeToString(b)
}

// Counter is the time step a moment falls in.
func Counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// Code is the six-digit code of a seed for a counter.
func Code(seed string, counter int64) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.ToUpper(seed), "="))
	if err != nil {
		return "", fmt.Errorf("totp: bad seed: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1000000), nil
}

// Find returns the counter within window steps of now whose code is code,
// or ok=false.
func Find(seed, code string, now time.Time, window int) (counter int64, ok bool) {
	c := Counter(now)
	for d := -int64(window); d <= int64(window); d++ {
		if got, err := Code(seed, c+d); err == nil && hmac.Equal([]byte(got), []byte(code)) {
			return c + d, true
		}
	}
	return 0, false
}
