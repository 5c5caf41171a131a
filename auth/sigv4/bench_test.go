package sigv4

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkVerify is the hot path: an IAM query request signed in its
// header by the SDK, its signing key already derived.
func BenchmarkVerify(b *testing.B) {
	r, body := sdkRequests[0].sign(b)
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(b, testStamp))})
	if _, err := v.Verify(r, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	r, body := sdkRequests[0].sign(b)
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(b, testStamp))})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(r, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerifyPresigned(b *testing.B) {
	r, body := sdkRequests[4].sign(b)
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(b, testStamp))})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyUncached derives the signing key every time (a cache of
// one entry alternating between two secrets).
func BenchmarkVerifyUncached(b *testing.B) {
	r, body := sdkRequests[0].sign(b)
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(b, testStamp)), CacheSize: 1})
	b.ReportAllocs()
	for b.Loop() {
		v.keys.get("other", Scope{"20240315", "us-east-1", "iam"})
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// The key cache stays bounded and correct under concurrent use by many
// credentials (run with -race).
func TestKeyCacheConcurrent(t *testing.T) {
	const keys, size = 64, 16
	creds := fakeCreds{}
	for i := range keys {
		creds[fmt.Sprintf("AKIA%016d", i)] = key{secret: fmt.Sprintf("secret-%d", i)}
	}
	v := New(Config{Credentials: creds, Now: fixedClock(mustTime(t, testStamp)), CacheSize: size})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("AKIA%016d", (i*7+w)%keys)
				sc := Scope{"20240315", "us-east-1", "iam"}
				want := DeriveSigningKey(creds[id].secret, sc)
				if got := v.keys.get(creds[id].secret, sc); got != want {
					t.Errorf("key for %s differs", id)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := v.keys.len(); n > size {
		t.Errorf("cache holds %d keys, bound %d", n, size)
	}
}

// A derived key must match AWS's documented example: the signing key of
// the suite's secret for 20150830/us-east-1/iam.
func TestDeriveSigningKey(t *testing.T) {
	k := DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Scope{"20150830", "us-east-1", "iam"})
	const want = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
	if got := fmt.Sprintf("%x", k); got != want {
		t.Errorf("key %s, want %s", got, want)
	}
}
