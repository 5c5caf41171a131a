package server

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// Connection limits. Connections cost a slot from the moment they are
// accepted, before any credential is seen, so without these an anonymous
// client could hold every slot: 1,024 idle keep-alive connections locked
// everyone out for the idle timeout (two minutes), and slowloris clients,
// trickling their headers, for the header timeout. The listener therefore
//   - caps the connections of one client address (an IPv6 /64 counts as
//     one address: anyone holding one has all of it), reclaiming that
//     client's own idle connections first and answering 503 beyond that;
//   - when every slot is taken, closes a connection that is not serving a
//     request to make room: an idle keep-alive connection at once, one
//     still reading its request's headers (or sending nothing) once it
//     has done so for pressureGrace; only when all are busy serving does
//     the new connection wait for a slot.
//
// A request being served is never cut: what is slow inside a handler is
// bounded by the server's read and write timeouts.
const pressureGrace = time.Second

// connLimiter is a listener with the limits above. Its conns report their
// state through the http.Server's ConnState hook and its handler wrapper.
type connLimiter struct {
	net.Listener
	max, perClient int

	mu      sync.Mutex
	freed   chan struct{} // closed and replaced when a slot is freed
	conns   map[*limitedConn]struct{}
	byAddr  map[string]int
	closing bool
}

func newConnLimiter(l net.Listener, max, perClient int) *connLimiter {
	if perClient <= 0 || perClient > max {
		perClient = max
	}
	return &connLimiter{Listener: l, max: max, perClient: perClient, freed: make(chan struct{}),
		conns: map[*limitedConn]struct{}{}, byAddr: map[string]int{}}
}

// connState is how far a connection is with its requests.
type connState int

const (
	connWaiting connState = iota // new, or reading a request's headers
	connServing                  // a handler runs
	connIdle                     // between requests (keep-alive)
)

type limitedConn struct {
	net.Conn
	l    *connLimiter
	addr string

	// guarded by l.mu
	state  connState
	since  time.Time
	closed bool
}

// Close frees the slot at once, so that a connection closed to make room
// makes room before the server's goroutine for it has noticed.
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.l.release(c)
	return err
}

func (l *connLimiter) release(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	delete(l.conns, c)
	if l.byAddr[c.addr]--; l.byAddr[c.addr] <= 0 {
		delete(l.byAddr, c.addr)
	}
	close(l.freed)
	l.freed = make(chan struct{})
}

// clientAddr is the address a client's connections are counted under.
func clientAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ip4 := tcp.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// tooMany is the answer to a client over its limit: SDKs back off and
// retry a 503.
const tooMany = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 46\r\n\r\nToo many connections from this client address\n"

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &limitedConn{Conn: nc, l: l, addr: clientAddr(nc.RemoteAddr()), since: time.Now()}
		if l.admit(c) {
			return c, nil
		}
		nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		nc.Write([]byte(tooMany))
		nc.Close()
	}
}

// admit takes a slot for c, making room or waiting as the limits say;
// false refuses c.
func (l *connLimiter) admit(c *limitedConn) bool {
	for {
		l.mu.Lock()
		if l.closing {
			l.mu.Unlock()
			return false
		}
		now := time.Now()
		var victim *limitedConn
		switch {
		case l.perClient < l.max && l.byAddr[c.addr] >= l.perClient: // a cap of all slots is none
			if victim = l.reclaimable(c.addr, now); victim == nil {
				l.mu.Unlock()
				return false
			}
		case len(l.conns) >= l.max:
			victim = l.reclaimable("", now)
		default:
			l.conns[c] = struct{}{}
			l.byAddr[c.addr]++
			l.mu.Unlock()
			return true
		}
		freed := l.freed
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
			continue
		}
		// Every slot serves a request or has only just been taken: wait
		// for one to free, looking again as the waiting ones age.
		select {
		case <-freed:
		case <-time.After(pressureGrace / 4):
		}
	}
}

// reclaimable is the connection to close to make room (of addr only,
// unless ""): the longest idle one, else the one waiting longest for its
// request beyond pressureGrace; nil when there is none. l.mu is held.
func (l *connLimiter) reclaimable(addr string, now time.Time) *limitedConn {
	var idle, waiting *limitedConn
	for c := range l.conns {
		if addr != "" && c.addr != addr {
			continue
		}
		switch c.state {
		case connIdle:
			if idle == nil || c.since.Before(idle.since) {
				idle = c
			}
		case connWaiting:
			if now.Sub(c.since) >= pressureGrace && (waiting == nil || c.since.Before(waiting.since)) {
				waiting = c
			}
		}
	}
	if idle != nil {
		return idle
	}
	return waiting
}

// setState records a connection's progress (from http.Server.ConnState
// and the handler wrapper).
func (l *connLimiter) setState(nc net.Conn, s connState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	c.state, c.since = s, time.Now()
	l.mu.Unlock()
}

// connStateHook is the http.Server's ConnState: a connection that has read
// part of a request is still waiting until its handler runs.
func (l *connLimiter) connStateHook(nc net.Conn, s http.ConnState) {
	switch s {
	case http.StateIdle:
		l.setState(nc, connIdle)
	case http.StateActive:
		l.setState(nc, connWaiting)
	}
}

type connKey struct{}

// connContext keeps the connection in its requests' context, for handler.
func (l *connLimiter) connContext(ctx context.Context, nc net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, nc)
}

// handler marks a connection as serving while h runs.
func (l *connLimiter) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if nc, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			l.setState(nc, connServing)
		}
		h.ServeHTTP(w, r)
	})
}

// Close stops accepting and lets waiting Accepts give up.
func (l *connLimiter) Close() error {
	l.mu.Lock()
	l.closing = true
	close(l.freed)
	l.freed = make(chan struct{})
	l.mu.Unlock()
	return l.Listener.Close()
}
