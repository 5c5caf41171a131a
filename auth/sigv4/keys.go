package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// DeriveSigningKey computes the SigV4 signing key of a secret for one day,
// region and service: HMAC chained over "AWS4"+secret, date, region,
// service and "aws4_request".
func DeriveSigningKey(secret string, scope Scope) [32]byte {
	k := mac([]byte("AWS4"+secret), scope.Date)
	k = mac(k, scope.Region)
	k = mac(k, scope.Service)
	k = mac(k, terminator)
	return [32]byte(k)
}

func mac(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// sign is HMAC-SHA256 with a 32-byte key, without allocating: buf must
// hold 64 free bytes followed by the message, and is overwritten.
func sign(key *[32]byte, buf []byte) [32]byte {
	const ipad, opad = 0x36, 0x5c
	for i := 0; i < 64; i++ {
		k := byte(0)
		if i < len(key) {
			k = key[i]
		}
		buf[i] = k ^ ipad
	}
	inner := sha256.Sum256(buf)
	var outer [64 + sha256.Size]byte
	for i := 0; i < 64; i++ {
		k := byte(0)
		if i < len(key) {
			k = key[i]
		}
		outer[i] = k ^ opad
	}
	copy(outer[64:], inner[:])
	return sha256.Sum256(outer[:])
}

// keyCache keeps derived signing keys so that verifying costs two hashes
// of the request and two HMACs, not six. Keys change once a day per
// credential, so a small cache holds the working set; when full, an
// arbitrary entry makes room (Go randomizes map iteration).
type keyCache struct {
	mu   sync.RWMutex
	max  int
	keys map[cacheKey][32]byte
}

type cacheKey struct {
	secret string
	scope  Scope
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, keys: make(map[cacheKey][32]byte, max)}
}

func (c *keyCache) get(secret string, scope Scope) [32]byte {
	k := cacheKey{secret, scope}
	c.mu.RLock()
	key, ok := c.keys[k]
	c.mu.RUnlock()
	if ok {
		return key
	}
	key = DeriveSigningKey(secret, scope)
	// Own copies: the scope's strings point into the request.
	k.scope = Scope{strings.Clone(scope.Date), strings.Clone(scope.Region), strings.Clone(scope.Service)}
	c.mu.Lock()
	if len(c.keys) >= c.max {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = key
	c.mu.Unlock()
	return key
}

func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.keys)
}
