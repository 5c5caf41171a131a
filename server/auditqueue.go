package server

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"github.com/iamd/iamd/gateway"
)

// auditQueue writes the audit records off the request path: a call hands
// its record (or the gateway's event it is made from) over and returns,
// and one writer encodes what has accumulated and writes it in one go
// (one write per batch instead of one per call, under no lock the calls
// wait for, and a JSON encoding the request does not wait for).
//
// No record is dropped: a full queue makes the next call wait for the
// writer (back pressure, as the synchronous write did), and close drains
// the queue. Records reach the log a moment after their answers (flush
// waits for them); their order is the calls' order.
type auditQueue struct {
	a *Auditor

	mu      sync.Mutex
	cond    *sync.Cond // signalled when the queue empties or has room
	pending []queued
	writing bool // the writer holds a batch not yet written
	closed  bool
	wake    chan struct{} // has one token when pending may be non-empty
	hurry   chan struct{} // has one token when a reader or a full queue waits
	done    chan struct{} // closed when the writer has returned
}

// auditGather is how long the writer lets records accumulate after the
// first one: woken for every record, it would write one record a time
// and cost the calls more (a wake-up each) than the write it saves.
const auditGather = time.Millisecond

// queued is one record waiting: built already (an API call's), or a
// gateway call's event that the writer makes the record of.
type queued struct {
	rec     *AuditEvent
	gateway *gateway.Event
	mode    gateway.Mode // the gateway's, for its record
}

func (e queued) record() *AuditEvent {
	if e.gateway != nil {
		return gatewayRecord(e.gateway, e.mode)
	}
	return e.rec
}

// maxAuditQueue bounds the records waiting for the writer (a few MB).
const maxAuditQueue = 4096

func newAuditQueue(a *Auditor) *auditQueue {
	q := &auditQueue{a: a, wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1), done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.run()
	return q
}

// add queues a record; after close it is written at once.
func (q *auditQueue) add(ev queued) {
	q.mu.Lock()
	for len(q.pending) >= maxAuditQueue && !q.closed {
		q.hasten()
		q.cond.Wait()
	}
	if q.closed {
		q.mu.Unlock()
		q.write([]queued{ev}, &bytes.Buffer{})
		return
	}
	q.pending = append(q.pending, ev)
	select { // under the lock: close closes wake under it
	case q.wake <- struct{}{}:
	default: // the writer is already told
	}
	q.mu.Unlock()
}

// hasten ends the writer's gathering now.
func (q *auditQueue) hasten() {
	select {
	case q.hurry <- struct{}{}:
	default: // already told
	}
}

func (q *auditQueue) run() {
	defer close(q.done)
	var buf bytes.Buffer
	var batch []queued
	gather := time.NewTimer(auditGather)
	gather.Stop()
	for {
		_, open := <-q.wake
		if open {
			gather.Reset(auditGather)
			select {
			case <-gather.C:
			case <-q.hurry:
				gather.Stop()
			}
		}
		for { // until nothing is pending
			q.mu.Lock()
			batch, q.pending = q.pending, batch[:0]
			q.writing = len(batch) > 0
			q.cond.Broadcast() // room again
			q.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			q.write(batch, &buf)
			clear(batch) // the records are garbage now
			q.mu.Lock()
			q.writing = false
			q.cond.Broadcast()
			q.mu.Unlock()
		}
		if !open {
			return // closed, and drained: nothing can be added any more
		}
	}
}

// write encodes a batch and writes it to the log under the auditor's lock.
func (q *auditQueue) write(batch []queued, buf *bytes.Buffer) {
	buf.Reset()
	enc := json.NewEncoder(buf)
	recs := make([]*AuditEvent, 0, len(batch))
	for _, ev := range batch {
		rec := ev.record()
		if err := enc.Encode(rec); err != nil && q.a.failed != nil {
			q.a.failed(err)
		}
		recs = append(recs, rec)
	}
	q.a.mu.Lock()
	_, err := q.a.w.Write(buf.Bytes())
	for _, rec := range recs {
		q.a.remember(rec)
	}
	q.a.mu.Unlock()
	if err != nil && q.a.failed != nil {
		q.a.failed(err)
	}
	if buf.Cap() > 1<<20 {
		*buf = bytes.Buffer{} // do not keep a burst's memory
	}
}

// flush returns once every event added before it is written.
func (q *auditQueue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pending) > 0 || q.writing {
		q.hasten()
		q.cond.Wait()
	}
}

// close writes what is queued and stops the writer; later events are
// written synchronously.
func (q *auditQueue) close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.done
		return
	}
	q.closed = true
	close(q.wake)
	q.hasten()
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
}

// flushQueued returns once the queued records are written.
func (a *Auditor) flushQueued() {
	if a != nil {
		a.queue.flush()
	}
}

// closeQueue drains the queued records and stops their writer.
func (a *Auditor) closeQueue() {
	if a != nil {
		a.queue.close()
	}
}
