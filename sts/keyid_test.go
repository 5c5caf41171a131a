package sts

import (
	"strings"
	"testing"
)

// The ASIA key id carries its account, leading zeros included, and
// GetAccessKeyInfo reads it back; other ids carry none.
func TestSessionKeyIDCarriesTheAccount(t *testing.T) {
	for _, account := range []string{"123456789012", "000000000001", "999999999999", "012345678901"} {
		id := newSessionKeyID(account)
		if len(id) != 20 || !strings.HasPrefix(id, "ASIA") {
			t.Fatalf("%s: id %q", account, id)
		}
		if got, ok := accountOfSessionKey(id); !ok || got != account {
			t.Errorf("%s: read back %q %v", account, got, ok)
		}
		if other := newSessionKeyID(account); other == id {
			t.Errorf("%s: two ids alike", account)
		}
	}
	for _, id := range []string{"AKIAIOSFODNN7EXAMPLE", "ASIA", "ASIA1111111111111111", "ASIA!!!!!!!!XXXXXXXX"} {
		if got, ok := accountOfSessionKey(id); ok {
			t.Errorf("%s: read account %q", id, got)
		}
	}
}
