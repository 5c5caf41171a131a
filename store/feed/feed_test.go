package feed_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/sqlite"
)

// plainStore hides the SQLite store's Subscribe: a store that does not
// push its commits, so the watcher must read the feed.
type plainStore struct {
	iam.Store
	truncate bool // the next Changes answers that the feed was truncated
}

func (p *plainStore) Changes(ctx context.Context, after int64, limit int) ([]iam.Change, error) {
	if p.truncate {
		p.truncate = false
		return nil, &iam.TruncatedError{Oldest: 1}
	}
	return p.Store.Changes(ctx, after, limit)
}

func put(t *testing.T, st iam.Store, key string) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx iam.Tx) error { return tx.Put("123456789012", "user", key, []byte("{}")) }); err != nil {
		t.Fatal(err)
	}
}

type recorder struct {
	mu   sync.Mutex
	keys []string
}

func (r *recorder) record(changes []iam.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range changes {
		r.keys = append(r.keys, c.Kind+"/"+c.Key)
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.keys
	r.keys = nil
	return out
}

// TestWatcherFollowsTheFeed: a new watcher starts at the feed's end; a
// pushing store's commits arrive at once; otherwise a write marks the
// watcher dirty and SyncIfDirty reads it; a truncated feed sends a reset.
func TestWatcherFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	put(t, db, "before") // older than every watcher: never delivered

	pushed, err := feed.NewWatcher(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var fromPush recorder
	pushed.Subscribe(fromPush.record)
	put(t, db, "alice")
	if got := fromPush.take(); len(got) != 1 || got[0] != "user/alice" {
		t.Fatalf("pushed %v", got)
	}

	plain := &plainStore{Store: db}
	w, err := feed.NewWatcher(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	var fromFeed recorder
	w.Subscribe(fromFeed.record)
	put(t, db, "bob")
	if err := w.SyncIfDirty(ctx); err != nil || len(fromFeed.take()) != 0 {
		t.Fatal("a clean watcher read the feed")
	}
	w.MarkDirty()
	if err := w.SyncIfDirty(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fromFeed.take(); len(got) != 1 || got[0] != "user/bob" {
		t.Fatalf("synced %v", got)
	}
	if w.Seq() != pushed.Seq() {
		t.Fatalf("watchers at %d and %d", w.Seq(), pushed.Seq())
	}

	plain.truncate = true
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got := fromFeed.take()
	if len(got) == 0 || got[0] != feed.KindReset+"/" {
		t.Fatalf("after truncation %v, want a reset first", got)
	}

	var nilWatcher *feed.Watcher
	nilWatcher.MarkDirty() // the service may hold a nil watcher
}
