package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/sdktest"
)

func sdkClient(url string) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(rootKey, rootSecret, ""),
		Retryer:      sdktest.Retryer,
		BaseEndpoint: aws.String(url),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
	})
}

// TestCrashKeepsAcknowledgedWrites kills iamd (SIGKILL) during a stream of
// writes from several clients, restarts it on the same data, and checks
// that every write a client saw succeed is there.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	d := startDaemon(t, data, "--quota-users", "1000000")
	c := sdkClient(d.url)
	var mu sync.Mutex
	var acked []string
	var lastAck time.Time
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("w%d-u%05d", w, i)
				if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					return // the server died mid-request: the outcome is unknown
				}
				mu.Lock()
				acked = append(acked, name)
				lastAck = time.Now()
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	sinceAck := time.Since(lastAck)
	mu.Unlock()
	d.kill()
	cancel()
	wg.Wait()
	if len(acked) < 50 || sinceAck > 500*time.Millisecond {
		t.Fatalf("writes were not under way at the crash: %d acknowledged, the last %v before", len(acked), sinceAck)
	}

	d2 := startDaemon(t, data, "--quota-users", "1000000")
	present := map[string]bool{}
	p := iam.NewListUsersPaginator(sdkClient(d2.url), &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			present[*u.UserName] = true
		}
	}
	lost := 0
	for _, name := range acked {
		if !present[name] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes lost in the crash", lost, len(acked))
	}
	t.Logf("%d acknowledged writes before SIGKILL, all present after restart (%d users in all)", len(acked), len(present))
}
