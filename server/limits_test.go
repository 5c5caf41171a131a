package server_test

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// TestRequestLimits: a body over the limit is refused with 413 before it
// is read, and changes nothing; connections beyond the limit wait for a
// free one instead of exhausting the server.
func TestRequestLimits(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	big := strings.Repeat("x", 2<<20)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("big"), Path: aws.String("/" + big + "/")})
	if apiCode(err) != "RequestEntityTooLarge" {
		t.Fatalf("a 2 MiB request: %v", err)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("big")})
	wantCode(t, err, "NoSuchEntity")

	// Two idle connections take both slots: a request waits...
	s = testServerWith(t, func(o *server.Options) { o.MaxConns = 2 })
	host := strings.TrimPrefix(s.URL, "http://")
	var idle []net.Conn
	for range 2 {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		idle = append(idle, conn)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them
	done := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(s.URL+"/healthz", "text/plain", bytes.NewReader(nil))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a third connection was served beyond the limit (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	// ...and is served once one is free.
	idle[0].Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting request was not served after a connection closed")
	}
}
