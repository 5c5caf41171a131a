package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

// The failed sign-in limit holds across the nodes of a cluster: the
// failures are counted in the store, so guesses spread over two nodes
// lock the user as guesses on one do, on both nodes; after the lock the
// right password signs in on either.
func TestConsoleSignInLimitAcrossNodes(t *testing.T) {
	url := pgtest.DB(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	nodes := make([]*server.Instance, 2)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst, err := server.Start(context.Background(), server.Options{
				Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url, AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
				SealKey: clusterSealKey, TokenKeys: clusterTokenKeys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now,
			})
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				inst.Close(ctx)
			})
			nodes[i] = inst
		}()
	}
	wg.Wait()
	if nodes[0] == nil || nodes[1] == nil {
		t.FailNow()
	}
	a, b := nodes[0], nodes[1]
	root := iamClient(a, rootKey, rootSecret)
	consoleUser(t, root, "bob", readOnlyPolicy, false)
	waitFor(t, propagationBound, "bob on node b", func() error {
		_, err := iamClient(b, rootKey, rootSecret).GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("bob")})
		return err
	})

	// Five guesses, alternating nodes: one node alone saw too few to lock.
	for i := 0; i < 5; i++ {
		n := nodes[i%2]
		resp, body := newConsoleClient(t, n.URL).signIn(n.Account, "bob", "guess-"+string(rune('a'+i)))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your authentication information is incorrect") {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	for _, n := range nodes {
		resp, body := newConsoleClient(t, n.URL).signIn(n.Account, "bob", consolePassword)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Too many failed sign-in attempts") {
			t.Fatalf("the right password on %s while locked: %d", n.URL, resp.StatusCode)
		}
	}
	// Past the lock, the legitimate sign-in works on either node, and a
	// failure after it starts a new count (it does not lock at once).
	clock.Add(int64(5*time.Minute + time.Second))
	newConsoleClient(t, b.URL).mustSignIn(b.Account, "bob", consolePassword)
	if resp, _ := newConsoleClient(t, a.URL).signIn(a.Account, "bob", "guess-z"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a guess after the lock: %d", resp.StatusCode)
	}
	newConsoleClient(t, a.URL).mustSignIn(a.Account, "bob", consolePassword)
}
