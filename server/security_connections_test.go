package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// fromAddr dials the server from a loopback address of its own (Linux
// routes all of 127/8 to lo), so that one test plays several clients.
func fromAddr(ip string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
}

// idleConn opens a keep-alive connection, makes one unauthenticated
// request on it and leaves it idle. ok is false when the server refused or
// dropped it.
func idleConn(t *testing.T, host, ip string) (net.Conn, bool) {
	t.Helper()
	c, err := fromAddr(ip).Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: iamd\r\n\r\n"); err != nil {
		return c, false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return c, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.SetDeadline(time.Time{})
	return c, resp.StatusCode == http.StatusOK
}

// slowloris opens a connection that sends a request's headers a byte at a
// time, never finishing them, until stop; dropped is closed when the
// server closes the connection.
func slowloris(t *testing.T, host, ip string, stop <-chan struct{}) (dropped <-chan struct{}) {
	t.Helper()
	c, err := fromAddr(ip).Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: iamd\r\n")
	done := make(chan struct{})
	go func() { // the server closing the connection ends the read
		defer close(done)
		io.Copy(io.Discard, c)
	}()
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-done:
				return
			case <-tick.C:
				if _, err := io.WriteString(c, "X"); err != nil {
					return
				}
			}
		}
	}()
	return done
}

// clientFrom is a client that connects from ip; get checks /healthz and
// signed reaches the IAM API with the root's credentials.
type clientFrom struct {
	http *http.Client
	iam  *iam.Client
}

func newClientFrom(s *server.Instance, ip string) clientFrom {
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: fromAddr(ip).DialContext, DisableKeepAlives: true}}
	cfg := awsConfig(s.URL, rootKey, rootSecret, "")
	cfg.HTTPClient = hc
	return clientFrom{hc, iam.NewFromConfig(cfg)}
}

// served checks that the client gets /healthz and a signed request
// answered within limit.
func (c clientFrom) served(t *testing.T, s *server.Instance, limit time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := c.http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %s", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.iam.GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Fatalf("signed GetUser: %v", err)
	}
	if d := time.Since(start); d > limit {
		t.Fatalf("served after %v (limit %v)", d, limit)
	}
}

// TestConnectionsIdleFlood: one address holding idle keep-alive
// connections gets at most its share (its own idle ones are closed for
// its new ones); many addresses filling every slot lose their idle
// connections to new clients; other clients keep being served at once.
func TestConnectionsIdleFlood(t *testing.T) {
	const total, perClient = 32, 8
	s := testServerWith(t, func(o *server.Options) { o.MaxConns, o.MaxConnsPerClient = total, perClient })
	host := strings.TrimPrefix(s.URL, "http://")

	// One address opens four times its share: each new one is served
	// (its oldest idle one is closed for it), it never holds more.
	var conns []net.Conn
	for range 4 * perClient {
		c, ok := idleConn(t, host, "127.0.0.10")
		if !ok {
			t.Fatal("a client's new connection was refused while it had idle ones")
		}
		conns = append(conns, c)
	}
	if open := countOpen(conns); open > perClient {
		t.Fatalf("one address holds %d connections, cap %d", open, perClient)
	}
	newClientFrom(s, "127.0.0.2").served(t, s, 2*time.Second)

	// Four more addresses fill every slot with idle connections: a new
	// client takes the place of an idle one.
	for i := range total / perClient {
		for range perClient {
			idleConn(t, host, fmt.Sprintf("127.0.1.%d", i+1))
		}
	}
	for i := range 3 {
		newClientFrom(s, fmt.Sprintf("127.0.2.%d", i+1)).served(t, s, 2*time.Second)
	}
	// And the legitimate client with its own keep-alive pool still works.
	must[*iam.GetUserOutput](t)(iamClient(s, rootKey, rootSecret).GetUser(ctx, &iam.GetUserInput{}))
}

// countOpen is how many of the connections the server has not closed.
func countOpen(conns []net.Conn) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, err := c.Read(make([]byte, 1))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return open
}

// TestConnectionsSlowloris: clients trickling their headers over every
// slot are dropped for new clients once they have had pressureGrace, and a
// lone one is dropped at the header timeout; /healthz and signed requests
// are served meanwhile.
func TestConnectionsSlowloris(t *testing.T) {
	const total, perClient = 16, 4
	s := testServerWith(t, func(o *server.Options) { o.MaxConns, o.MaxConnsPerClient = total, perClient })
	host := strings.TrimPrefix(s.URL, "http://")
	stop := make(chan struct{})
	defer close(stop)

	// A fifth slowloris from one address is refused at once.
	var dropped []<-chan struct{}
	for range perClient + 1 {
		dropped = append(dropped, slowloris(t, host, "127.0.0.20", stop))
	}
	select {
	case <-dropped[perClient]:
	case <-time.After(2 * time.Second):
		t.Fatal("a connection beyond the client's cap was kept")
	}
	// Every slot taken by slowloris clients of many addresses...
	for i := 1; i < total/perClient; i++ {
		for range perClient {
			dropped = append(dropped, slowloris(t, host, fmt.Sprintf("127.0.3.%d", i), stop))
		}
	}
	time.Sleep(100 * time.Millisecond)
	// ...a new client is served within the grace, and a slowloris went.
	newClientFrom(s, "127.0.0.2").served(t, s, 4*time.Second)
	gone := 0
	for _, d := range dropped[:perClient] {
		select {
		case <-d:
			gone++
		default:
		}
	}
	for _, d := range dropped[perClient+1:] {
		select {
		case <-d:
			gone++
		default:
		}
	}
	if gone == 0 {
		t.Fatal("no slowloris connection was dropped to serve the new client")
	}
	// Without pressure, the header timeout drops them all.
	deadline := time.After(8 * time.Second)
	for i, d := range dropped {
		select {
		case <-d:
		case <-deadline:
			t.Fatalf("slowloris %d still connected after the header timeout", i)
		}
	}
}
