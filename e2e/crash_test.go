package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestCrashDuringOfflineImport kills iamd import --data (SIGKILL) while it
// writes: the data directory's lock dies with it, iamd serve starts on the
// directory, and the store holds whole calls in each entity's order (a
// user's inline policies p0, p1, p2 as a prefix, none without the user):
// each call's transaction committed or not at all. Running the import
// again stops at the first entity it finds already there.
func TestCrashDuringOfflineImport(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"UserDetailList":[`)
	const users = 20000
	for i := range users {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"UserName":"u%05d","Path":"/","Arn":"arn:aws:iam::%s:user/u%05d","UserPolicyList":[`, i, account, i)
		for k := range 3 {
			if k > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"PolicyName":"p%d","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b%d/*"}]}}`, k, k)
		}
		b.WriteString("]}")
	}
	b.WriteString(`],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`)
	dump := filepath.Join(dir, "dump.json")
	if err := os.WriteFile(dump, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	imp := exec.Command(iamdBin, "import", dump, "--data", data, "--account-id", account, "--quota-users", "100000")
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once the WAL shows commits under way.
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		if fi, err := os.Stat(filepath.Join(data, "iamd.db-wal")); err == nil && fi.Size() > 2<<20 {
			break
		}
		if time.Since(start) > 60*time.Second {
			imp.Process.Kill()
			t.Fatal("the import wrote nothing")
		}
	}
	imp.Process.Kill()
	if err := imp.Wait(); err == nil {
		t.Fatal("the import finished before it was killed: the test proves nothing")
	}

	d := startDaemon(t, data, "--quota-users", "100000")
	c := sdkClient(d.url)
	ctx := context.Background()
	var names []string
	for p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(1000)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			names = append(names, *u.UserName)
		}
	}
	if len(names) == 0 || len(names) == users {
		t.Fatalf("%d of %d users after the crash: not a crash mid-import", len(names), users)
	}
	// Every tenth user (all of them would take long): its policies are a
	// prefix of the dump's.
	for i := 0; i < len(names); i += 10 {
		out, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(names[i])})
		if err != nil {
			t.Fatal(err)
		}
		for k, p := range out.PolicyNames {
			if p != fmt.Sprintf("p%d", k) {
				t.Fatalf("%s has policies %v: not the dump's order", names[i], out.PolicyNames)
			}
		}
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	again, err := exec.Command(iamdBin, "import", dump, "--data", data, "--account-id", account, "--quota-users", "100000", "--parallel", "1").CombinedOutput()
	if err == nil || !strings.Contains(string(again), "CreateUser u00000: EntityAlreadyExists") {
		t.Errorf("the import run again: %v\n%s", err, again)
	}
	t.Logf("%d of %d users imported before SIGKILL, each whole", len(names), users)
}
