package sqlite

import (
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iam.Store {
		s, err := Open(filepath.Join(t.TempDir(), "iamd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx iam.Tx) error { return tx.Put("a", "user", "alice", []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v []byte
	err = s.View(t.Context(), func(tx iam.Tx) error { v, err = tx.Get("a", "user", "alice"); return err })
	if err != nil || string(v) != "x" {
		t.Fatalf("after reopen: %q, %v", v, err)
	}
}

// BenchmarkUpdate measures durable single-record writes, one goroutine and
// many (group commit).
func BenchmarkUpdate(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "iamd.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var n atomic.Int64
			write := func() {
				k := strconv.FormatInt(n.Add(1), 10)
				if err := s.Update(b.Context(), func(tx iam.Tx) error { return tx.Put("a", "user", k, []byte(`{"UserName":"x"}`)) }); err != nil {
					b.Error(err)
				}
			}
			if parallel {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						write()
					}
				})
				commits, calls := s.Stats()
				b.ReportMetric(float64(calls)/float64(commits), "calls/commit")
				return
			}
			for b.Loop() {
				write()
			}
		})
	}
}

func TestNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) (iam.Store, func() iam.Store) {
		path := filepath.Join(t.TempDir(), "iamd.db")
		open := func() iam.Store {
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		return open(), open
	})
}
