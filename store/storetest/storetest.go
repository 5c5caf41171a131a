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
			return fmt.Errorf("read own write: %q, %w", v, err)
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
	incrementConcurrently(t, []iam.Store{s}, 8, 25)
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

// RunNodes runs the tests of several nodes writing to one database. open
// returns a store on a fresh, empty database and a function that opens
// another store (another node) on the same database; the suite closes
// them all.
func RunNodes(t *testing.T, open func(t *testing.T) (iam.Store, func() iam.Store)) {
	tests := []struct {
		name string
		fn   func(*testing.T, []iam.Store)
	}{
		{"Concurrent inserts of one key", testNodesUniqueness},
		{"No lost update", testNodesNoLostUpdate},
		{"No write skew", testNodesWriteSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, another := open(t)
			nodes := []iam.Store{first, another(), another()}
			defer func() {
				for _, s := range nodes {
					s.Close()
				}
			}()
			tt.fn(t, nodes)
		})
	}
}

func testNodesUniqueness(t *testing.T, nodes []iam.Store) {
	const rounds, each = 10, 4
	for r := range rounds {
		key := "user-" + strconv.Itoa(r)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range len(nodes) * each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := nodes[i%len(nodes)].Update(ctx, func(tx iam.Tx) error {
					return tx.Insert("a", "user", key, []byte(strconv.Itoa(i)))
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case !errors.Is(err, iam.ErrExists):
					t.Errorf("unexpected error %v", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: %d concurrent inserts of one key on %d nodes succeeded, want 1", r, won, len(nodes))
		}
	}
}

func testNodesNoLostUpdate(t *testing.T, nodes []iam.Store) {
	incrementConcurrently(t, nodes, 4, 15)
}

// incrementConcurrently runs perNode writers on each node, each
// incrementing one counter each times, and checks that every node reads
// the total: no update was lost.
func incrementConcurrently(t *testing.T, nodes []iam.Store, perNode, each int) {
	update(t, nodes[0], func(tx iam.Tx) error { return tx.Put("a", "counter", "c", []byte("0")) })
	var wg sync.WaitGroup
	for _, s := range nodes {
		for range perNode {
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
	}
	wg.Wait()
	want := strconv.Itoa(len(nodes) * perNode * each)
	for i, s := range nodes {
		if v, _ := get(t, s, "a", "counter", "c"); v != want {
			t.Fatalf("node %d: counter = %s after %s increments", i, v, want)
		}
	}
}

// testNodesWriteSkew races the shape of AttachUserPolicy (the policy must
// exist; add an attachment) with DeletePolicy's (no attachment may exist;
// remove the policy). They write different records, so only a serializable
// store keeps them from leaving an attachment to a deleted policy.
func testNodesWriteSkew(t *testing.T, nodes []iam.Store) {
	errConflict := errors.New("delete conflict")
	for r := range 20 {
		p := "p" + strconv.Itoa(r)
		update(t, nodes[0], func(tx iam.Tx) error { return tx.Insert("a", "policy", p, []byte("{}")) })
		var wg sync.WaitGroup
		var attachErr, deleteErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			attachErr = nodes[1].Update(ctx, func(tx iam.Tx) error {
				if _, err := tx.Get("a", "policy", p); err != nil {
					return err
				}
				return tx.Insert("a", "attached", p+"|alice", nil)
			})
		}()
		go func() {
			defer wg.Done()
			deleteErr = nodes[2].Update(ctx, func(tx iam.Tx) error {
				n, err := tx.Count("a", "attached", p+"|")
				if err != nil {
					return err
				}
				if n > 0 {
					return errConflict
				}
				return tx.Delete("a", "policy", p)
			})
		}()
		wg.Wait()
		if attachErr != nil && !errors.Is(attachErr, iam.ErrNotFound) {
			t.Fatalf("attach: %v", attachErr)
		}
		if deleteErr != nil && !errors.Is(deleteErr, errConflict) {
			t.Fatalf("delete: %v", deleteErr)
		}
		_, policyErr := get(t, nodes[0], "a", "policy", p)
		_, attachedErr := get(t, nodes[0], "a", "attached", p+"|alice")
		policyGone, attached := errors.Is(policyErr, iam.ErrNotFound), attachedErr == nil
		if policyGone && attached {
			t.Fatalf("round %d: attachment to a deleted policy (attach %v, delete %v)", r, attachErr, deleteErr)
		}
		if policyGone == (deleteErr != nil) || attached == (attachErr != nil) {
			t.Fatalf("round %d: outcome (policy gone %v, attached %v) disagrees with the answers (attach %v, delete %v)", r, policyGone, attached, attachErr, deleteErr)
		}
	}
}
