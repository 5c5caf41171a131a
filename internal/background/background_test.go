package background

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counts records the outcomes a runner reports.
type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) observe(task, outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[task+"/"+outcome]++
}

func (c *counts) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestCloseDrainsQueuedTasks(t *testing.T) {
	var c counts
	r := New(Options{Workers: 2, Queue: 100, Logger: quiet, Observe: c.observe})
	var ran atomic.Int32
	for range 50 {
		if !r.Go("write", func(context.Context) error { time.Sleep(time.Millisecond); ran.Add(1); return nil }) {
			t.Fatal("a task was dropped below the queue's bound")
		}
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 50 || c.get("write/ok") != 50 {
		t.Fatalf("ran %d, counted %d; want 50 run before Close returned", ran.Load(), c.get("write/ok"))
	}
	// Closed: a late task is refused and counted, never run.
	if r.Go("write", func(context.Context) error { ran.Add(1); return nil }) || ran.Load() != 50 || c.get("write/dropped") != 1 {
		t.Fatal("a task queued after Close ran or was not counted")
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestErrorsAndPanicsAreCounted(t *testing.T) {
	var c counts
	r := New(Options{Workers: 1, Logger: quiet, Observe: c.observe})
	r.Go("fails", func(context.Context) error { return errors.New("disk full") })
	r.Go("panics", func(context.Context) error { panic("bug") })
	r.Go("works", func(context.Context) error { return nil })
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.get("fails/error") != 1 || c.get("panics/error") != 1 || c.get("works/ok") != 1 {
		t.Fatalf("counts %v", c.m)
	}
}

func TestFullQueueDropsWithoutBlocking(t *testing.T) {
	var c counts
	r := New(Options{Workers: 1, Queue: 2, Logger: quiet, Observe: c.observe})
	release := make(chan struct{})
	started := make(chan struct{})
	r.Go("slow", func(context.Context) error { close(started); <-release; return nil })
	<-started // the worker is busy; the queue holds two more
	r.Go("slow", func(context.Context) error { return nil })
	r.Go("slow", func(context.Context) error { return nil })
	done := make(chan bool)
	go func() { done <- r.Go("slow", func(context.Context) error { return nil }) }()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("a task beyond the bound was queued")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Go blocked on a full queue")
	}
	if c.get("slow/dropped") != 1 {
		t.Fatalf("counts %v", c.m)
	}
	close(release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.get("slow/ok") != 3 {
		t.Fatalf("counts %v", c.m)
	}
}

func TestCloseGivesUpAtItsDeadline(t *testing.T) {
	var c counts
	r := New(Options{Workers: 1, Queue: 10, Logger: quiet, Observe: c.observe})
	r.Go("stuck", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	for range 3 {
		r.Go("queued", func(context.Context) error { return nil })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := r.Close(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the deadline", err)
	}
	if c.get("stuck/error") != 1 || c.get("queued/dropped") != 3 {
		t.Fatalf("counts %v", c.m)
	}
}

func TestNilRunnerRunsInline(t *testing.T) {
	var r *Runner
	ran := false
	if !r.Go("x", func(context.Context) error { ran = true; return nil }) || !ran {
		t.Fatal("a nil runner did not run the task at once")
	}
	if r.Close(context.Background()) != nil || r.Pending() != 0 {
		t.Fatal("nil runner")
	}
}
