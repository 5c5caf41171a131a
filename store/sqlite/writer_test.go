package sqlite

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/iamd/iamd/iam"
)

// FirstNonEmpty answers in one statement what counting each range would:
// the first range holding a key, by the prefix's bounds (a longer name
// sharing the prefix's start is not in it).
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
