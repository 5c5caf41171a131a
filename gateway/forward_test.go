package gateway

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// getItem is an allowed DynamoDB call through the gateway.
func getItem(header map[string]string) call {
	h := map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}
	for k, v := range header {
		h[k] = v
	}
	return call{method: "POST", path: "/", service: "dynamodb", body: `{"TableName":"t","Key":{"id":{"S":"1"}}}`, header: h}
}

func forwardFixture(t *testing.T, h http.HandlerFunc) *fixture {
	t.Helper()
	be := httptest.NewServer(h)
	t.Cleanup(be.Close)
	return newFixtureWith(t, func(c *Config) { c.Backend = be.URL }, "dynamodb:GetItem")
}

// Hop-by-hop headers stop at the gateway both ways (and those the
// Connection header names), the forwarding headers a client could forge
// do not reach the backend, and the backend's trailers reach the client.
func TestForwardHeadersAndTrailers(t *testing.T) {
	var got http.Header
	f := forwardFixture(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "X-Back-Hop")
		w.Header().Set("X-Back-Hop", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Trailer", "X-Checksum")
		w.Header().Set("X-Kept", "yes")
		_, _ = io.WriteString(w, `{}`)
		w.Header().Set("X-Checksum", "abc")
	})
	r := getItem(map[string]string{"X-Forwarded-For": "10.9.9.9", "Forwarded": "for=10.9.9.9", "X-Client-Hop": "1", "Connection": "X-Client-Hop"}).request(t, f.srv.URL)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "{}" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Client-Hop", "Keep-Alive"} {
		if v := got.Get(h); v != "" {
			t.Errorf("the backend got %s: %q", h, v)
		}
	}
	if got.Get("Authorization") == "" || got.Get("X-Amz-Target") != "DynamoDB_20120810.GetItem" {
		t.Errorf("the backend's request lacks what it needs: %v", got)
	}
	for _, h := range []string{"X-Back-Hop", "Keep-Alive"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("the client got %s: %q", h, v)
		}
	}
	if resp.Header.Get("X-Kept") != "yes" || resp.Trailer.Get("X-Checksum") != "abc" {
		t.Errorf("header %v, trailer %v", resp.Header, resp.Trailer)
	}
}

// An answer of unknown length (an event stream) reaches the client as it
// comes, not when the backend is done.
func TestForwardFlushesStreams(t *testing.T) {
	release := make(chan struct{})
	f := forwardFixture(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "second\n")
	})
	resp, err := http.DefaultClient.Do(getItem(nil).request(t, f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk %q, %v", line, err)
	}
	close(release)
	if line, _ = br.ReadString('\n'); line != "second\n" {
		t.Fatalf("second chunk %q", line)
	}
}

// A backend answer cut short is cut short for the client too (it never
// looks complete), and the call is recorded all the same.
func TestForwardAnswerCutShort(t *testing.T) {
	f := forwardFixture(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"short")
		_ = buf.Flush()
		conn.Close()
	})
	resp, err := http.DefaultClient.Do(getItem(nil).request(t, f.srv.URL))
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("the client read a complete answer")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.events)
		f.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	ev := f.lastEvent(t)
	if !ev.Forwarded || ev.ErrorCode != "BackendAnswerCutShort" || ev.Operation != "GetItem" {
		t.Fatalf("event %+v", ev)
	}
}
