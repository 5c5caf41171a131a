package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/iamd/iamd/iam"
)

// FirstNonEmpty answers in one statement what counting each range would:
// the first range holding a key, by the prefix's bounds (a longer name
// sharing the prefix's start is not in it), or for an exact range the key
// itself (a longer one is not it).
func TestFirstNonEmpty(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(account, kind, key string) {
		t.Helper()
		if err := s.Update(t.Context(), func(tx iam.Tx) error { return tx.Put(account, kind, key, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "userkey", "bobby|AKIA1") // another user's: not bob's
	put("b", "inline", "user|bob|p1")  // another account's
	put("a", "mfa", "bob|dev")
	put("a", "cert", "bob|c1")
	put("a", "login", "bobby") // another user's profile: not bob's
	put("a", "login", "carol")
	ranges := []iam.Range{{Kind: "userkey", Prefix: "bob|"}, {Kind: "inline", Prefix: "user|bob|"}, {Kind: "mfa", Prefix: "bob|"}, {Kind: "cert", Prefix: "bob|"}}
	for _, tc := range []struct {
		ranges []iam.Range
		want   int
	}{
		{ranges, 2},
		{ranges[3:], 0},
		{ranges[:2], -1},
		{[]iam.Range{{Kind: "userkey", Prefix: "bobby|"}}, 0},
		{[]iam.Range{{Kind: "userkey", Prefix: ""}}, 0}, // unbounded: counted
		{[]iam.Range{ranges[0], {Kind: "login", Prefix: "bob", Exact: true}}, -1},
		{[]iam.Range{ranges[0], {Kind: "login", Prefix: "carol", Exact: true}, ranges[2]}, 1},
		{[]iam.Range{{Kind: "login", Prefix: "bob", Exact: true}, {Kind: "userkey", Prefix: ""}}, 1}, // counted, exact by Get
		{[]iam.Range{{Kind: "login", Prefix: "carol", Exact: true}, {Kind: "userkey", Prefix: ""}}, 0},
	} {
		var got int
		err := s.Update(t.Context(), func(tx iam.Tx) error {
			var err error
			got, err = tx.(iam.RangeProber).FirstNonEmpty("a", tc.ranges)
			return err
		})
		if err != nil || got != tc.want {
			t.Errorf("FirstNonEmpty(%v) = %d, %v; want %d", tc.ranges, got, err, tc.want)
		}
	}
}

// A failed call inside a batch undoes only its own writes, and a scan may
// read other records while it runs (a nested use of a statement).
func TestWriterSavepointsAndNestedScan(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	boom := errors.New("boom")
	err = s.Update(t.Context(), func(tx iam.Tx) error {
		if err := tx.Put("a", "user", "x", []byte("1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want boom", err)
	}
	for _, k := range []string{"a1", "a2", "a3"} {
		if err := s.Update(t.Context(), func(tx iam.Tx) error { return tx.Insert("a", "user", k, []byte(k)) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update(t.Context(), func(tx iam.Tx) error { return tx.Insert("a", "user", "a1", nil) }); !errors.Is(err, iam.ErrExists) {
		t.Fatalf("second Insert: %v, want ErrExists", err)
	}
	var seen []string
	err = s.Update(t.Context(), func(tx iam.Tx) error {
		if _, err := tx.Get("a", "user", "x"); !errors.Is(err, iam.ErrNotFound) {
			t.Errorf("rolled-back write visible: %v", err)
		}
		return tx.Scan("a", "user", "a", "", 0, func(k string, v []byte) error {
			return tx.Scan("a", "user", "a", k, 1, func(next string, _ []byte) error {
				seen = append(seen, k+">"+next)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a1>a2", "a2>a3"}; len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("nested scan saw %v, want %v", seen, want)
	}
}

// AddCounter moves a counter in one statement as Get and Put would: an
// absent counter starts at the delta, a sum past the limit changes nothing,
// and the value reads back as the decimal Put writes.
func TestAddCounter(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		delta, limit int
		wantOK       bool
		want         string // the value after; "" when absent
	}{
		{1, 2, true, "1"}, // created
		{1, 2, true, "2"},
		{1, 2, false, "2"}, // at the limit: unchanged
		{-1, 1 << 62, true, "1"},
		{-1, 1 << 62, true, "0"},
		{-1, 1 << 62, true, "-1"},
		{1, 0, true, "0"},
	} {
		var ok bool
		err := s.Update(t.Context(), func(tx iam.Tx) error {
			var err error
			ok, err = tx.(iam.CounterAdder).AddCounter("a", "count", "user", tc.delta, tc.limit)
			return err
		})
		if err != nil || ok != tc.wantOK {
			t.Fatalf("AddCounter(%d, %d) = %v, %v; want %v", tc.delta, tc.limit, ok, err, tc.wantOK)
		}
		var got []byte
		if err := s.View(t.Context(), func(tx iam.Tx) error {
			got, err = tx.Get("a", "count", "user")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("after AddCounter(%d, %d) the counter reads %q; want %q", tc.delta, tc.limit, got, tc.want)
		}
	}
}

// In one batch, each failed call undoes only its own writes (its
// savepoint), and the others' writes, counters included, commit together.
func TestWriterBatchUndoesEachFailedCall(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const queued = 6
	boom := errors.New("boom")
	before := s.commits.Load()
	first, entered := make(chan error), make(chan struct{})
	go func() {
		first <- s.Update(t.Context(), func(tx iam.Tx) error {
			close(entered)
			for len(s.writes) < queued { // hold the batch open until all are queued
				runtime.Gosched()
			}
			return tx.Put("a", "user", "first", nil)
		})
	}()
	<-entered
	results := make(chan error, queued)
	for i := range queued {
		go func() {
			results <- s.Update(t.Context(), func(tx iam.Tx) error {
				if err := tx.Put("a", "user", fmt.Sprintf("k%d", i), nil); err != nil {
					return err
				}
				if _, err := tx.(iam.CounterAdder).AddCounter("a", "count", "user", 1, 100); err != nil {
					return err
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
		}()
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	failed := 0
	for range queued {
		if err := <-results; errors.Is(err, boom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if failed != queued/2 {
		t.Fatalf("%d calls failed, want %d", failed, queued/2)
	}
	if n := s.commits.Load() - before; n != 1 {
		t.Fatalf("%d commits, want the one batch", n)
	}
	err = s.View(t.Context(), func(tx iam.Tx) error {
		for i := range queued {
			_, err := tx.Get("a", "user", fmt.Sprintf("k%d", i))
			if wantFound := i%2 == 0; (err == nil) != wantFound {
				t.Errorf("k%d: %v, want found %v", i, err, wantFound)
			}
		}
		v, err := tx.Get("a", "count", "user")
		if string(v) != "3" {
			t.Errorf("counter %q, %v; want 3", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
