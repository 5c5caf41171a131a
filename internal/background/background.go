// Package background runs the writes a request starts but does not wait
// for (an access key's or a role's last use, service last accessed data)
// on a bounded pool that the server drains when it shuts down.
//
// The queue is bounded and a full queue drops the task and counts it,
// rather than blocking the request or running the write inline: these
// writes are advisory and throttled (one per key or entity a minute), so
// a lost one is rewritten by the next request, while waiting for the
// store would slow every request exactly when the store is the
// bottleneck.
package background

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Outcomes a task is counted under.
const (
	OK      = "ok"      // ran without error
	Error   = "error"   // ran and failed (the error is logged)
	Dropped = "dropped" // not run: the queue was full or the runner closed
)

// Options configure a Runner.
type Options struct {
	Workers int           // concurrent tasks (default 4)
	Queue   int           // tasks waiting beyond those running (default 1024)
	Timeout time.Duration // per task (default 10s)
	Logger  *slog.Logger  // failures are logged here (default slog.Default())
	// Observe counts each task by name and outcome (for metrics).
	Observe func(task, outcome string)
}

// Runner runs tasks on a fixed number of workers. A nil *Runner runs each
// task at once, in the caller's goroutine (for tools without a server to
// drain).
type Runner struct {
	tasks   chan task
	workers sync.WaitGroup
	timeout time.Duration
	log     *slog.Logger
	observe func(task, outcome string)

	// base is cancelled when Close gives up waiting, to stop running tasks.
	base   context.Context
	cancel context.CancelFunc

	mu        sync.RWMutex // guards closed against a send on a closed channel
	closed    bool
	abandoned atomic.Int64 // queued tasks Close gave up on
}

type task struct {
	name string
	fn   func(context.Context) error
}

// New starts a runner.
func New(opt Options) *Runner {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Queue <= 0 {
		opt.Queue = 1024
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Observe == nil {
		opt.Observe = func(string, string) {}
	}
	r := &Runner{tasks: make(chan task, opt.Queue), timeout: opt.Timeout, log: opt.Logger, observe: opt.Observe}
	r.base, r.cancel = context.WithCancel(context.Background())
	for range opt.Workers {
		r.workers.Add(1)
		go r.work()
	}
	return r
}

// Go queues fn under a name (a small fixed set: it labels metrics). It
// never blocks: when the queue is full or the runner closed it drops the
// task, counts it and returns false.
func (r *Runner) Go(name string, fn func(ctx context.Context) error) bool {
	if r == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := run(ctx, fn); err != nil {
			slog.Default().Warn("background task failed", "task", name, "err", err)
		}
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		select {
		case r.tasks <- task{name, fn}:
			return true
		default:
		}
	}
	r.observe(name, Dropped)
	r.log.Warn("background task dropped", "task", name, "closed", r.closed)
	return false
}

func (r *Runner) work() {
	defer r.workers.Done()
	for t := range r.tasks {
		if r.base.Err() != nil { // Close gave up: count what is left, run none of it
			r.observe(t.name, Dropped)
			r.abandoned.Add(1)
			continue
		}
		ctx, cancel := context.WithTimeout(r.base, r.timeout)
		err := run(ctx, t.fn)
		cancel()
		if err != nil {
			r.observe(t.name, Error)
			r.log.Warn("background task failed", "task", t.name, "err", err)
			continue
		}
		r.observe(t.name, OK)
	}
}

// run calls fn, turning a panic into an error: a bad write must not take
// the server down.
func run(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(ctx)
}

// Close stops taking tasks and waits until the queued ones have run, or
// until ctx ends: then it cancels those still running and returns an
// error. Close is safe to call more than once.
func (r *Runner) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.tasks)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.workers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.cancel() // running tasks see their context end; queued ones are dropped
		<-done
		return errors.Join(fmt.Errorf("background: shut down with %d queued writes not run", r.abandoned.Load()), ctx.Err())
	}
}

// Pending is the number of queued tasks not yet started.
func (r *Runner) Pending() int {
	if r == nil {
		return 0
	}
	return len(r.tasks)
}
