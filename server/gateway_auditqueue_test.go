package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/gateway"
)

// slowLog is an audit log whose writes take a while, so that the queue
// fills up behind its writer.
type slowLog struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	delay  time.Duration
	fail   bool
}

func (l *slowLog) Write(p []byte) (int, error) {
	time.Sleep(l.delay)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	if l.fail {
		return 0, errors.New("disk full")
	}
	return l.b.Write(p)
}

func (l *slowLog) ids(t *testing.T) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var ev AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("record %q: %v", sc.Text(), err)
		}
		out = append(out, ev.RequestID)
	}
	return out
}

// The audit records leave the request path, but none is lost: more
// records than the queue holds, API calls' and gateway events, from
// several goroutines, all reach the log, each goroutine's in its order, in
// fewer writes than records; flush waits for them; close drains what is
// queued, and a record after close is written at once.
func TestAuditQueue(t *testing.T) {
	log := &slowLog{delay: 200 * time.Microsecond}
	a := NewAuditor(log)
	q := a.queue
	const writers, each = 4, maxAuditQueue/2 + 10 // more than the queue holds
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := strconv.Itoa(w) + "-" + strconv.Itoa(i)
				if w%2 == 0 {
					q.add(queued{gateway: &gateway.Event{RequestID: id, Service: "s3", Operation: "GetObject", Time: time.Now()}, mode: gateway.Enforce})
				} else {
					a.add(&AuditEvent{RequestID: id, EventName: "CreateUser"})
				}
			}
		})
	}
	wg.Wait()
	a.flushQueued()
	ids := log.ids(t)
	if len(ids) != writers*each {
		t.Fatalf("%d records after flush, want %d", len(ids), writers*each)
	}
	next := map[string]int{}
	for _, id := range ids {
		w, i := id[:1], id[2:]
		if want := strconv.Itoa(next[w]); i != want {
			t.Fatalf("writer %s: record %s, want %s (out of order or lost)", w, i, want)
		}
		next[w]++
	}
	if log.writes >= len(ids) {
		t.Fatalf("%d writes for %d records: not batched", log.writes, len(ids))
	}

	// Close drains what is queued behind a slow write.
	log.delay = 5 * time.Millisecond
	for i := range 50 {
		q.add(queued{gateway: &gateway.Event{RequestID: "late-" + strconv.Itoa(i)}})
	}
	a.closeQueue()
	if n := len(log.ids(t)); n != writers*each+50 {
		t.Fatalf("%d records after close, want %d", n, writers*each+50)
	}
	a.add(&AuditEvent{RequestID: "after-close"})
	if ids := log.ids(t); ids[len(ids)-1] != "after-close" {
		t.Fatalf("the record after close was not written: last %q", ids[len(ids)-1])
	}
	a.closeQueue() // twice is harmless
}

// A log that cannot be written is told about (metrics, the error log),
// and the calls go on.
func TestAuditQueueWriteFailure(t *testing.T) {
	log := &slowLog{fail: true}
	a := NewAuditor(log)
	var mu sync.Mutex
	var failures int
	a.failed = func(error) { mu.Lock(); failures++; mu.Unlock() }
	a.queue.add(queued{gateway: &gateway.Event{RequestID: "1"}, mode: gateway.Observe})
	a.flushQueued()
	a.closeQueue()
	mu.Lock()
	defer mu.Unlock()
	if failures == 0 {
		t.Fatal("a failed write was not reported")
	}
}
