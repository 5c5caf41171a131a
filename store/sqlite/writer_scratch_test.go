package sqlite

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	msqlite "modernc.org/sqlite"

	"github.com/iamd/iamd/iam"
)

// The writer binds every statement from one argument buffer and reads the
// outermost query's rows into one row buffer: statements nested in a
// scan's callback (reads and writes, as renaming a user does) must neither
// see nor disturb the outer scan's row or arguments.
func TestWriterNestedStatementsKeepTheirValues(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.Update(ctx, func(tx iam.Tx) error {
		for i := range 5 {
			if err := tx.Put("a", "src", fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("v%d", i))); err != nil {
				return err
			}
			if err := tx.Put("a", "other", fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("other-%d", i))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := s.Update(ctx, func(tx iam.Tx) error {
		return tx.Scan("a", "src", "", "", 0, func(k string, v []byte) error {
			// A nested read, a nested scan and a nested write per row.
			o, err := tx.Get("a", "other", k)
			if err != nil {
				return err
			}
			n := 0
			if err := tx.Scan("a", "other", "", "", 2, func(string, []byte) error { n++; return nil }); err != nil {
				return err
			}
			if err := tx.Put("a", "dst", k, append([]byte(string(v)+"+"), o...)); err != nil {
				return err
			}
			seen = append(seen, fmt.Sprintf("%s=%s/%d", k, v, n))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	want := "[k0=v0/2 k1=v1/2 k2=v2/2 k3=v3/2 k4=v4/2]"
	if got := fmt.Sprint(seen); got != want {
		t.Fatalf("outer scan saw %s, want %s", got, want)
	}
	if err := s.View(ctx, func(tx iam.Tx) error {
		for i := range 5 {
			v, err := tx.Get("a", "dst", fmt.Sprintf("k%d", i))
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("v%d+other-%d", i, i); string(v) != want {
				t.Errorf("dst k%d = %q, want %q", i, v, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Open switches commits to fdatasync where the system has it (as SQLite's
// own Linux builds sync), and a committed write reads back.
func TestOpenCommitsWithFdatasync(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if runtime.GOOS == "linux" && !msqlite.FdatasyncEnabled() {
		t.Fatal("commits sync with fsync, not fdatasync")
	}
	if err := s.Update(t.Context(), func(tx iam.Tx) error { return tx.Put("a", "k", "x", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(t.Context(), func(tx iam.Tx) error {
		v, err := tx.Get("a", "k", "x")
		if err == nil && string(v) != "1" {
			t.Errorf("read %q", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
