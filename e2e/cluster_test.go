package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/pgtest"
)

// TestClusterNodeKilled runs three iamd processes on one PostgreSQL, writes
// through all three, kills one (SIGKILL) in the middle, and checks that
// every acknowledged write is there once, seen through every node, and
// that the killed node comes back with everything.
func TestClusterNodeKilled(t *testing.T) {
	pg := pgtest.New(t, pgtest.Options{})
	url := pg.NewDB(t)
	// What the nodes share besides the database.
	t.Setenv("IAMD_SEAL_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	t.Setenv("IAMD_TOKEN_KEYS", "t1:"+base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	var nodes []*daemon
	for range 3 {
		nodes = append(nodes, startDaemon(t, t.TempDir(), "--store", url, "--quota-users", "1000000"))
	}
	clients := []*iam.Client{sdkClient(nodes[0].url), sdkClient(nodes[1].url), sdkClient(nodes[2].url)}
	if _, err := clients[0].CreateGroup(context.Background(), &iam.CreateGroupInput{GroupName: aws.String("all")}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[string]bool{}     // created and added to the group
	attempted := map[string]bool{} // sent, outcome maybe unknown
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				c := clients[(w+i)%3]
				name := fmt.Sprintf("w%d-u%05d", w, i)
				mu.Lock()
				attempted[name] = true
				mu.Unlock()
				if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					continue // node 2 is gone: outcome unknown, try the next node
				}
				if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("all"), UserName: aws.String(name)}); err != nil {
					continue
				}
				mu.Lock()
				acked[name] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(time.Second)
	nodes[1].kill()
	mu.Lock()
	atKill := len(acked)
	mu.Unlock()
	time.Sleep(time.Second)
	cancel()
	wg.Wait()
	if atKill == 0 || len(acked) == atKill {
		t.Fatalf("writes acknowledged: %d before the kill, %d in all: the load did not run on both sides of it", atKill, len(acked))
	}

	check := func(c *iam.Client, node string) {
		t.Helper()
		users := map[string]int{}
		p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("%s: %v", node, err)
			}
			for _, u := range page.Users {
				users[*u.UserName]++
			}
		}
		members := map[string]int{}
		var marker *string
		for {
			g, err := c.GetGroup(context.Background(), &iam.GetGroupInput{GroupName: aws.String("all"), Marker: marker})
			if err != nil {
				t.Fatalf("%s: %v", node, err)
			}
			for _, u := range g.Users {
				members[*u.UserName]++
			}
			if !g.IsTruncated {
				break
			}
			marker = g.Marker
		}
		for name := range acked {
			if users[name] != 1 || members[name] != 1 {
				t.Errorf("%s: acknowledged %s listed %d times, in the group %d times", node, name, users[name], members[name])
			}
		}
		for name, n := range users {
			if !attempted[name] || n != 1 {
				t.Errorf("%s: user %s listed %d times (attempted: %v)", node, name, n, attempted[name])
			}
		}
		t.Logf("%s: %d users (%d acknowledged, %d attempted)", node, len(users), len(acked), len(attempted))
	}
	check(clients[0], "node 1")
	check(clients[2], "node 3")
	// The killed node starts again and serves the same state.
	restarted := startDaemon(t, nodes[1].data, "--store", url)
	check(sdkClient(restarted.url), "node 2 restarted")
}
