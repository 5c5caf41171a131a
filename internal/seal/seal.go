// Package seal encrypts secrets at rest with a ring of AES-256-GCM keys: the
// newest seals, all open, so keys rotate without rewriting stored values.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts secrets at rest (secret access keys, MFA seeds, password
// hashes' peppers) with AES-256-GCM. It holds a ring of keys: the first
// seals, all open, so keys can be rotated without rewriting the store.
type Sealer struct {
	keys []sealKey
}

type sealKey struct {
	id   string
	aead cipher.AEAD
}

// NewSealer builds a sealer from named 32-byte keys, newest first.
func NewSealer(keys map[string][]byte, order []string) (*Sealer, error) {
	if len(order) == 0 {
		return nil, errors.New("sealer: no keys")
	}
	s := &Sealer{}
	for _, id := range order {
		k, ok := keys[id]
		if !ok || len(k) != 32 {
			return nil, fmt.Errorf("sealer: key %q must be 32 bytes", id)
		}
		if strings.Contains(id, ":") {
			return nil, fmt.Errorf("sealer: key id %q must not contain ':'", id)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, sealKey{id: id, aead: aead})
	}
	return s, nil
}

// NewSealKey returns a fresh random 32-byte key.
func NewSealKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k
}

// Seal encrypts plaintext, binding it to context (for example the access
// key id), so a sealed value cannot be moved to another record. The result
// is "keyid:base64(nonce|ciphertext)".
func (s *Sealer) Seal(plaintext, context string) string {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return k.id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// ErrUnseal is returned for a value that no key of the ring opens.
var ErrUnseal = errors.New("sealer: cannot open sealed value")

// Open decrypts a value made by Seal with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	id, body, ok := strings.Cut(sealed, ":")
	if !ok {
		return "", ErrUnseal
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return "", ErrUnseal
	}
	for _, k := range s.keys {
		if k.id != id || len(raw) < k.aead.NonceSize() {
			continue
		}
		n := k.aead.NonceSize()
		pt, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
		if err != nil {
			return "", ErrUnseal
		}
		return string(pt), nil
	}
	return "", ErrUnseal
}
