// Package storetest is the conformance suite every iam.Store must pass:
// record semantics, ordered scans, atomic transactions, uniqueness and no
// lost updates under concurrent writers, and the change feed.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/iamd/iamd/iam"
)

// Run runs the suite. open returns a fresh, empty store; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) iam.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, iam.Store)
	}{
		{"Records", testRecords},
		{"Scan", testScan},
		{"Accounts and kinds are separate", testIsolation},
		{"Failed update changes nothing", testRollback},
		{"View is read-only", testReadOnly},
		{"Concurrent inserts of one key", testUniqueness},
		{"No lost update", testNoLostUpdate},
		{"Failures do not spoil concurrent writes", testMixedBatch},
		{"Change feed", testChanges},
		{"Binary values and odd keys", testOddValues},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

func update(t *testing.T, s iam.Store, fn func(iam.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s iam.Store, account, kind, key string) (string, error) {
	t.Helper()
	var v []byte
	err := s.View(ctx, func(tx iam.Tx) error {
		var err error
		v, err = tx.Get(account, kind, key)
		return err
	})
	return string(v), err
}

func testRecords(t *testing.T, s iam.Store) {
	if _, err := get(t, s, "a", "user", "alice"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	update(t, s, func(tx iam.Tx) error { return tx.Insert("a", "user", "alice", []byte("v1")) })
	if v, err := get(t, s, "a", "user", "alice"); err != nil || v != "v1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	err := s.Update(ctx, func(tx iam.Tx) error { return tx.Insert("a", "user", "alice", []byte("v2")) })
	if !errors.Is(err, iam.ErrExists) {
		t.Fatalf("second Insert: %v", err)
	}
	update(t, s, func(tx iam.Tx) error { return tx.Put("a", "user", "alice", []byte("v3")) })
	if v, _ := get(t, s, "a", "user", "alice"); v != "v3" {
		t.Fatalf("after Put: %q", v)
	}
	update(t, s, func(tx iam.Tx) error {
		// A transaction reads its own writes.
		if err := tx.Put("a", "user", "bob", []byte("b")); err != nil {
			return err
		}
		v, err := tx.Get("a", "user", "bob")
		if err != nil || string(v) != "b" {
			return fmt.Errorf("read own write: %q, %v", v, err)
		}
		return tx.Delete("a", "user", "alice")
	})
	if _, err := get(t, s, "a", "user", "alice"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	err = s.Update(ctx, func(tx iam.Tx) error { return tx.Delete("a", "user", "alice") })
	if !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Delete of a missing key: %v", err)
	}
}

func testScan(t *testing.T, s iam.Store) {
	keys := []string{"a|1", "a|2", "a|3", "ab|1", "b|1", "c"}
	update(t, s, func(tx iam.Tx) error {
		for _, k := range keys {
			if err := tx.Put("acct", "k", k, []byte("v:"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	scan := func(prefix, after string, limit int) (got []string) {
		err := s.View(ctx, func(tx iam.Tx) error {
			return tx.Scan("acct", "k", prefix, after, limit, func(k string, v []byte) error {
				if string(v) != "v:"+k {
					return fmt.Errorf("value of %s = %q", k, v)
				}
				got = append(got, k)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	tests := []struct {
		prefix, after string
		limit         int
		want          string
	}{
		// Keys sort by bytes: 'b' < '|'.
		{"", "", 0, "[ab|1 a|1 a|2 a|3 b|1 c]"},
		{"a|", "", 0, "[a|1 a|2 a|3]"},
		{"a", "", 0, "[ab|1 a|1 a|2 a|3]"},
		{"a|", "a|1", 0, "[a|2 a|3]"},
		{"", "", 2, "[ab|1 a|1]"},
		{"", "a|2", 2, "[a|3 b|1]"},
		{"z", "", 0, "[]"},
		{"", "c", 0, "[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(scan(tt.prefix, tt.after, tt.limit)); got != tt.want {
			t.Errorf("Scan(%q, %q, %d) = %s, want %s", tt.prefix, tt.after, tt.limit, got, tt.want)
		}
	}
	var n int
	err := s.View(ctx, func(tx iam.Tx) error {
		var seen []string
		if err := tx.Scan("acct", "k", "", "", 0, func(k string, _ []byte) error {
			seen = append(seen, k)
			if len(seen) == 2 {
				return iam.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		if len(seen) != 2 {
			return fmt.Errorf("ErrStop did not stop: %v", seen)
		}
		var err error
		n, err = tx.Count("acct", "k", "a")
		return err
	})
	if err != nil || n != 4 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

func testIsolation(t *testing.T, s iam.Store) {
	update(t, s, func(tx iam.Tx) error {
		for _, r := range [][2]string{{"a1", "user"}, {"a2", "user"}, {"a1", "group"}, {"", "user"}} {
			if err := tx.Insert(r[0], r[1], "x", []byte(r[0]+"/"+r[1])); err != nil {
				return err
			}
		}
		return nil
	})
	for _, r := range [][2]string{{"a1", "user"}, {"a2", "user"}, {"a1", "group"}, {"", "user"}} {
		if v, err := get(t, s, r[0], r[1], "x"); err != nil || v != r[0]+"/"+r[1] {
			t.Errorf("(%q, %q) = %q, %v", r[0], r[1], v, err)
		}
	}
}

func testRollback(t *testing.T, s iam.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx iam.Tx) error {
		if err := tx.Put("a", "user", "carol", []byte("c")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if _, err := get(t, s, "a", "user", "carol"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("write of a failed update is visible: %v", err)
	}
	changes, err := s.Changes(ctx, 0, 100)
	if err != nil || len(changes) != 0 {
		t.Fatalf("failed update left changes %v, %v", changes, err)
	}
}

func testReadOnly(t *testing.T, s iam.Store) {
	err := s.View(ctx, func(tx iam.Tx) error { return tx.Put("a", "user", "x", []byte("x")) })
	if err == nil {
		t.Fatal("Put in a View succeeded")
	}
	if _, err := get(t, s, "a", "user", "x"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("View wrote: %v", err)
	}
}

func testUniqueness(t *testing.T, s iam.Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(ctx, func(tx iam.Tx) error {
				return tx.Insert("a", "user", "same", []byte(strconv.Itoa(i)))
			})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, iam.ErrExists):
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent inserts of one key succeeded, want 1", won)
	}
}

func testNoLostUpdate(t *testing.T, s iam.Store) {
	update(t, s, func(tx iam.Tx) error { return tx.Put("a", "counter", "c", []byte("0")) })
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := s.Update(ctx, func(tx iam.Tx) error {
					v, err := tx.Get("a", "counter", "c")
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(string(v))
					return tx.Put("a", "counter", "c", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v, _ := get(t, s, "a", "counter", "c"); v != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s after %d increments", v, workers*each)
	}
}

func testMixedBatch(t *testing.T, s iam.Store) {
	const n = 64
	var wg sync.WaitGroup
	fail := errors.New("planned failure")
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(ctx, func(tx iam.Tx) error {
				if err := tx.Put("a", "item", strconv.Itoa(i), []byte("x")); err != nil {
					return err
				}
				if i%3 == 0 {
					return fail
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		_, getErr := get(t, s, "a", "item", strconv.Itoa(i))
		if i%3 == 0 {
			if !errors.Is(err, fail) || !errors.Is(getErr, iam.ErrNotFound) {
				t.Errorf("failing write %d: err %v, record %v", i, err, getErr)
			}
		} else if err != nil || getErr != nil {
			t.Errorf("write %d: err %v, record %v", i, err, getErr)
		}
	}
}

func testChanges(t *testing.T, s iam.Store) {
	update(t, s, func(tx iam.Tx) error { return tx.Put("a1", "user", "alice", []byte("1")) })
	update(t, s, func(tx iam.Tx) error {
		if err := tx.Insert("a2", "group", "devs", []byte("2")); err != nil {
			return err
		}
		return tx.Delete("a1", "user", "alice")
	})
	all, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a1/user/alice", "a2/group/devs", "a1/user/alice"}
	if len(all) != len(want) {
		t.Fatalf("changes %+v, want %v", all, want)
	}
	for i, c := range all {
		if got := c.Account + "/" + c.Kind + "/" + c.Key; got != want[i] {
			t.Errorf("change %d = %s, want %s", i, got, want[i])
		}
		if i > 0 && c.Seq <= all[i-1].Seq {
			t.Errorf("sequence not increasing: %d after %d", c.Seq, all[i-1].Seq)
		}
		if c.Time.IsZero() {
			t.Errorf("change %d has no time", i)
		}
	}
	rest, err := s.Changes(ctx, all[0].Seq, 1)
	if err != nil || len(rest) != 1 || rest[0].Seq != all[1].Seq {
		t.Fatalf("Changes(after first, 1) = %+v, %v", rest, err)
	}
}

func testOddValues(t *testing.T, s iam.Store) {
	bin := []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}
	key := "policy|arn:aws:iam::123456789012:policy/path/é-ü"
	update(t, s, func(tx iam.Tx) error { return tx.Put("a", "bin", key, bin) })
	v, err := get(t, s, "a", "bin", key)
	if err != nil || v != string(bin) {
		t.Fatalf("binary value = %q, %v", v, err)
	}
	update(t, s, func(tx iam.Tx) error { return tx.Put("a", "bin", "empty", []byte{}) })
	if v, err := get(t, s, "a", "bin", "empty"); err != nil || v != "" {
		t.Fatalf("empty value = %q, %v", v, err)
	}
	update(t, s, func(tx iam.Tx) error { return tx.Insert("a", "bin", "nil", nil) })
	if v, err := get(t, s, "a", "bin", "nil"); err != nil || v != "" {
		t.Fatalf("nil value = %q, %v", v, err)
	}
}
