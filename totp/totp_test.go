package totp

import (
	"encoding/base32"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA1 key "12345678901234567890" (8-digit values; we
// use the last six).
func TestRFC6238Vectors(t *testing.T) {
	seed := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := Code(seed, Counter(time.Unix(tt.unix, 0)))
		if err != nil || got != tt.want {
			t.Errorf("T=%d: %s, %v; want %s", tt.unix, got, err, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	seed := NewSeed()
	now := time.Unix(1700000000, 0)
	code, _ := Code(seed, Counter(now)-1)
	if c, ok := Find(seed, code, now, 1); !ok || c != Counter(now)-1 {
		t.Fatal("previous step's code not accepted")
	}
	if _, ok := Find(seed, code, now.Add(3*Step), 1); ok {
		t.Fatal("stale code accepted")
	}
	if len(seed) != 40 {
		t.Fatalf("seed %q", seed)
	}
}
