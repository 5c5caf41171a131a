// Package feed follows a store's change feed (iam.Store.Changes) and tells
// in-memory views which records changed. It sits beside the stores, not in
// iam, because it needs only the store contract: iam.Store, iam.Change and
// iam.TruncatedError; the IAM service sees it as an iam.WriteListener.
package feed

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/iam"
)

// Watcher follows the store's change feed and tells subscribers which
// records changed, so in-memory views (credentials, compiled policies) stay
// current. A node's own writes mark the watcher dirty, and views sync
// before they answer, so a node always sees its own writes; changes made
// by other nodes arrive with the periodic catch-up (Run).
type Watcher struct {
	store   iam.Store
	pushing bool // the store pushes commits: no need to mark dirty
	dirty   atomic.Bool
	mu      sync.Mutex // serializes Sync
	seq     int64
	subs    []func([]iam.Change)
}

// Publisher is a store that pushes its own commits to subscribers (both
// stores do). The watcher then needs no query to see this node's writes.
// Pushed changes with Seq 0 do not move the watcher along the feed (the
// PostgreSQL feed is not in commit order; they come again through it).
type Publisher interface {
	Subscribe(fn func([]iam.Change))
}

// Notifier is a store that announces commits of other nodes: the
// sequence number a commit reached (0: catch up anyway).
type Notifier interface {
	Notifications() <-chan int64
}

// Header is a store that can say where its feed ends now, so a new
// watcher need not read the changes kept before it started.
type Header interface {
	Head(ctx context.Context) (int64, error)
}

// NewWatcher starts following the store from its current end: views start
// empty, so earlier changes do not matter.
func NewWatcher(ctx context.Context, store iam.Store) (*Watcher, error) {
	w := &Watcher{store: store}
	if h, ok := store.(Header); ok {
		seq, err := h.Head(ctx)
		if err != nil {
			return nil, err
		}
		w.seq = seq
	}
	for {
		changes, err := store.Changes(ctx, w.seq, 10000)
		var trunc *iam.TruncatedError
		if errors.As(err, &trunc) {
			w.seq = trunc.Oldest - 1
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(changes) == 0 {
			break
		}
		w.seq = changes[len(changes)-1].Seq
	}
	if p, ok := store.(Publisher); ok {
		p.Subscribe(w.pushed)
		w.pushing = true
	}
	return w, nil
}

// pushed receives a commit's changes from a Publisher.
func (w *Watcher) pushed(changes []iam.Change) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if last := changes[len(changes)-1].Seq; last > w.seq {
		w.seq = last
	}
	for _, fn := range w.subs {
		fn(changes)
	}
}

// Subscribe registers fn to receive batches of changes.
func (w *Watcher) Subscribe(fn func([]iam.Change)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs = append(w.subs, fn)
}

// MarkDirty records that this node wrote something. A nil watcher ignores
// it, as the service did when it held a nil *Watcher.
func (w *Watcher) MarkDirty() {
	if w != nil && !w.pushing {
		w.dirty.Store(true)
	}
}

// SyncIfDirty catches up when this node has written since the last sync.
func (w *Watcher) SyncIfDirty(ctx context.Context) error {
	if !w.dirty.Load() {
		return nil
	}
	return w.Sync(ctx)
}

// Sync reads every change since the last one seen and dispatches them.
func (w *Watcher) Sync(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirty.Store(false)
	for {
		changes, err := w.store.Changes(ctx, w.seq, 1000)
		var trunc *iam.TruncatedError
		if errors.As(err, &trunc) {
			// Too far behind: views forget everything and follow on from
			// the oldest change kept.
			w.seq = trunc.Oldest - 1
			for _, fn := range w.subs {
				fn([]iam.Change{{Kind: KindReset}})
			}
			continue
		}
		if err != nil {
			// Try again on the next request, unless the store pushes this
			// node's writes: then Run catches up, and requests do not wait
			// for a database that may be gone.
			if !w.pushing {
				w.dirty.Store(true)
			}
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		w.seq = changes[len(changes)-1].Seq
		for _, fn := range w.subs {
			fn(changes)
		}
	}
}

// KindReset is the kind of the change a watcher sends when it lost track
// of changes: subscribers drop everything they keep.
const KindReset = "*"

// Seq is the feed position the watcher has reached.
func (w *Watcher) Seq() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// Run catches up until ctx ends (for changes other nodes make): at once
// when the store announces a commit, and every interval in case an
// announcement was lost. An announced change the feed does not show yet
// (an older transaction is still running) is looked for again soon.
func (w *Watcher) Run(ctx context.Context, interval time.Duration) {
	var notes <-chan int64
	if n, ok := w.store.(Notifier); ok {
		notes = n.Notifications()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	const firstRetry = 2 * time.Millisecond
	var want int64
	var retry <-chan time.Time
	wait := firstRetry
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case seq := <-notes:
			want = max(want, seq)
		case <-retry:
			retry = nil
		}
		_ = w.Sync(ctx)
		switch {
		case w.Seq() >= want:
			want, wait = 0, firstRetry
		case retry == nil:
			retry = time.After(wait)
			wait = min(2*wait, interval)
		}
	}
}
