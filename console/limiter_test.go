package console

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/sqlite"
)

func testLimiter(t *testing.T) (*limiter, iam.Store) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &limiter{store: func() iam.Store { return db }, log: slog.New(slog.DiscardHandler)}, db
}

func count(t *testing.T, st iam.Store, kind string) int {
	var n int
	if err := st.View(context.Background(), func(tx iam.Tx) (err error) { n, err = tx.Count("", kind, ""); return }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLimiter(t *testing.T) {
	ctx := context.Background()
	l, _ := testLimiter(t)
	now := time.Unix(1_000_000, 0)
	fail := func(l *limiter, at time.Time) { l.fail(ctx, at, map[string]int{"k": userFailures}) }
	for i := 0; i < userFailures-1; i++ {
		fail(l, now)
	}
	if l.locked(ctx, "k", now) {
		t.Fatal("locked before the limit")
	}
	fail(l, now)
	if !l.locked(ctx, "k", now) || !l.locked(ctx, "k", now.Add(lockout-time.Second)) || l.locked(ctx, "k", now.Add(lockout)) {
		t.Fatal("the lock's span")
	}
	// After the lock a new count starts; failures older than the window are forgotten.
	fail(l, now.Add(lockout))
	if l.locked(ctx, "k", now.Add(lockout)) {
		t.Fatal("one failure after a lock locks again")
	}
	l2, _ := testLimiter(t)
	for i := 0; i < userFailures-1; i++ {
		fail(l2, now)
	}
	fail(l2, now.Add(failWindow+time.Second))
	if l2.locked(ctx, "k", now.Add(failWindow+time.Second)) {
		t.Fatal("old failures counted")
	}
	// A success forgets the count.
	for i := 0; i < userFailures-1; i++ {
		fail(l2, now)
	}
	l2.clear(ctx, "k")
	fail(l2, now)
	if l2.locked(ctx, "k", now) {
		t.Fatal("failures before a success counted")
	}
}

// The records expire and are bounded: ended ones are dropped as failures
// come, and past limiterMax the oldest go first.
func TestLimiterBounded(t *testing.T) {
	ctx := context.Background()
	l, st := testLimiter(t)
	now := time.Unix(1_000_000, 0)
	for i := range 30 {
		l.fail(ctx, now, map[string]int{"ip|" + string(rune('a'+i)): ipFailures})
	}
	if n := count(t, st, kindSignInFail); n != 30 {
		t.Fatalf("%d records, want 30", n)
	}
	later := now.Add(failWindow + time.Minute)
	l.fail(ctx, later, map[string]int{"ip|new": ipFailures})
	if n := count(t, st, kindSignInFail); n != 30-limiterSweep+1 {
		t.Fatalf("%d records after a sweep, want %d", n, 30-limiterSweep+1)
	}
	if n, m := count(t, st, kindSignInFail), count(t, st, kindSignInFailEnd); n != m {
		t.Fatalf("%d records, %d index entries", n, m)
	}

	old := limiterMax
	limiterMax = 5
	defer func() { limiterMax = old }()
	l2, st2 := testLimiter(t)
	for i := range 12 {
		l2.fail(ctx, now.Add(time.Duration(i)*time.Second), map[string]int{"user|" + string(rune('a'+i)): userFailures})
	}
	if n := count(t, st2, kindSignInFail); n > limiterMax {
		t.Fatalf("%d records, bound %d", n, limiterMax)
	}
	// The newest stays counted, the oldest went.
	for i := 0; i < userFailures-1; i++ {
		l2.fail(ctx, now.Add(20*time.Second), map[string]int{"user|l": userFailures})
	}
	if !l2.locked(ctx, "user|l", now.Add(20*time.Second)) {
		t.Fatal("the newest record was dropped")
	}
}
