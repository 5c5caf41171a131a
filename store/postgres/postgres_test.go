package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, Options{PruneEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iam.Store { return open(t, pgtest.DB(t)) })
}

func TestNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) (iam.Store, func() iam.Store) {
		url := pgtest.DB(t)
		return open(t, url), func() iam.Store { return open(t, url) }
	})
}

// TestFeedWaitsForOlderTransactions: a transaction that started writing
// first but commits last has the lower numbers; the feed must not show
// the later one's change before it, or a reader would step past it.
func TestFeedWaitsForOlderTransactions(t *testing.T) {
	url := pgtest.DB(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	wrote, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- a.Update(ctx, func(tx iam.Tx) error {
			if err := tx.Put("acct", "user", "slow", []byte("1")); err != nil {
				return err
			}
			close(wrote)
			<-release
			return nil
		})
	}()
	<-wrote
	if err := b.Update(ctx, func(tx iam.Tx) error { return tx.Put("acct", "user", "fast", []byte("2")) }); err != nil {
		t.Fatal(err)
	}
	early, err := b.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(early) != 0 {
		t.Fatalf("feed shows %+v while an older transaction is still running", early)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	all, err := b.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Key != "slow" || all[1].Key != "fast" || all[0].Seq >= all[1].Seq {
		t.Fatalf("feed = %+v, want slow then fast", all)
	}
}

// TestFeedFollowerMissesNothing follows the feed while three nodes write
// concurrently: every committed write is read exactly once.
func TestFeedFollowerMissesNothing(t *testing.T) {
	url := pgtest.DB(t)
	nodes := []*Store{open(t, url), open(t, url), open(t, url)}
	for _, s := range nodes {
		defer s.Close()
	}
	ctx := context.Background()
	const writers, each = 12, 20
	stop := make(chan struct{})
	seen := map[string]int{}
	var after int64
	follow := func() {
		for {
			changes, err := nodes[0].Changes(ctx, after, 7) // small pages: many boundaries
			if err != nil {
				t.Error(err)
				return
			}
			if len(changes) == 0 {
				return
			}
			for _, c := range changes {
				if c.Seq <= after {
					t.Errorf("seq %d after %d", c.Seq, after)
				}
				after = c.Seq
				seen[c.Key]++
			}
		}
	}
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		for {
			select {
			case <-stop:
				follow()
				return
			default:
				follow()
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				err := nodes[w%len(nodes)].Update(ctx, func(tx iam.Tx) error {
					if err := tx.Put("acct", "user", key, nil); err != nil {
						return err
					}
					if i%4 == 0 {
						time.Sleep(time.Millisecond) // hold the transaction open a while
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-followed
	if len(seen) != writers*each {
		t.Fatalf("follower saw %d of %d writes", len(seen), writers*each)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", k, n)
		}
	}
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	url := pgtest.DB(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 6)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), url, Options{PruneEvery: -1})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	var n int
	if err := stores[0].pool.QueryRow(context.Background(), `SELECT count(*) FROM iamd_schema_version`).Scan(&n); err != nil || n != len(names) {
		t.Fatalf("%d versions recorded (%v), want %d", n, err, len(names))
	}
}

func TestNotificationsReachOtherNodes(t *testing.T) {
	url := pgtest.DB(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	waitNote(t, b, 0) // the listener's first catch-up: it is listening now
	if err := a.Update(context.Background(), func(tx iam.Tx) error { return tx.Put("acct", "user", "x", nil) }); err != nil {
		t.Fatal(err)
	}
	waitNote(t, b, 1)
}

// waitNote waits for a notification of at least seq.
func waitNote(t *testing.T, s *Store, seq int64) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case n := <-s.Notifications():
			if n >= seq {
				return
			}
		case <-timeout:
			t.Fatalf("no notification of seq >= %d", seq)
		}
	}
}

func TestPruneTruncatesFeed(t *testing.T) {
	s := open(t, pgtest.DB(t))
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Update(ctx, func(tx iam.Tx) error { return tx.Put("acct", "user", k, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Changes(ctx, 0, 100)
	if err != nil || len(all) != 3 {
		t.Fatalf("changes %+v, %v", all, err)
	}
	if n, err := s.Prune(ctx, all[1].Time.Add(time.Hour)); err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	_, err = s.Changes(ctx, all[0].Seq, 100)
	var trunc *iam.TruncatedError
	if !errors.As(err, &trunc) || trunc.Oldest != all[2].Seq+1 {
		t.Fatalf("Changes after pruning = %v, want truncated at %d", err, all[2].Seq+1)
	}
	if rest, err := s.Changes(ctx, trunc.Oldest-1, 100); err != nil || len(rest) != 0 {
		t.Fatalf("Changes from the new start = %+v, %v", rest, err)
	}
	// A watcher started now follows on from the end.
	w, err := feed.NewWatcher(ctx, s)
	if err != nil || w.Seq() < all[2].Seq {
		t.Fatalf("watcher at %d (%v), want past %d", w.Seq(), err, all[2].Seq)
	}
}

// TestDatabaseLoss: with the server gone every operation fails soon with
// ErrUnavailable; when it returns the store works again by itself.
func TestDatabaseLoss(t *testing.T) {
	c := pgtest.New(t, pgtest.Options{})
	url := c.NewDB(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	put := func(k string) error {
		return a.Update(ctx, func(tx iam.Tx) error { return tx.Put("acct", "user", k, nil) })
	}
	if err := put("before"); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	start := time.Now()
	if err := put("during"); !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("Update without a database: %v", err)
	}
	if err := a.View(ctx, func(tx iam.Tx) error { _, err := tx.Get("acct", "user", "before"); return err }); !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("View without a database: %v", err)
	}
	if _, err := a.Changes(ctx, 0, 10); !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("Changes without a database: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("failing took %v", d)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := put("after")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The other node's listener reconnects (within its 2s backoff) and
	// hears commits again.
	deadline = time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if err := put(fmt.Sprint("after", i)); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-b.Notifications():
			if n > 0 {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the other node hears no commits after the database returned")
		}
	}
}
