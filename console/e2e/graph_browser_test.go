package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
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

	"github.com/iamd/iamd/server"
)

var viewerOnce sync.Once

// generatedWithViewer is the generated account with a console user
// "viewer" who reads IAM (iam:Get*, iam:List*).
func generatedWithViewer(t *testing.T) *server.Instance {
	inst := generatedAccount(t)
	viewerOnce.Do(func() {
		root := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL),
			Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")})
		consoleUser(t, root, "viewer", readOnlyPolicy, false)
	})
	return inst
}

// The first view of the 5,000-principal account is clustered, small, and
// served in at most 100 ms once the account's graph is kept.
func TestGraphDataGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("large account")
	}
	inst := generatedWithViewer(t)
	b := signedIn(t, inst.URL, inst.Account, "viewer", consolePassword)
	t0 := time.Now()
	var v viewData
	if code := b.json("/console/api/graph", &v); code != 200 {
		t.Fatalf("graph: %d", code)
	}
	t.Logf("first view (graph built): %v", time.Since(t0))
	closed, nodes := 0, 0
	for _, it := range v.Items {
		switch {
		case it.Cluster && !it.Open:
			closed++
		case !it.Cluster:
			nodes++
		}
	}
	if v.Nodes < 5000 || closed < 10 || closed+nodes > 200 || len(v.Edges) > 1000 {
		t.Fatalf("%d nodes in the account: %d closed clusters, %d nodes, %d edges shown", v.Nodes, closed, nodes, len(v.Edges))
	}
	// The server time of a view: the best of five (the machine is shared),
	// once the escalation paths the first view set going are done.
	if code, _ := b.get("/console/api/graph/escalations"); code != 200 {
		t.Fatalf("escalations: %d", code)
	}
	best := time.Hour
	for range 5 {
		t0 := time.Now()
		b.get("/console/api/graph")
		best = min(best, time.Since(t0))
	}
	if best > 100*time.Millisecond {
		t.Errorf("a view takes %v", best)
	}
	t0 = time.Now()
	b.get("/console/graph")
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Errorf("the page takes %v", d)
	}
	// Opening a cluster of users shows its members and keeps the rest.
	var users string
	for _, it := range v.Items {
		if it.Cluster && !it.Open && it.Kind == "user" && users == "" {
			users = it.ID
		}
	}
	var o viewData
	if code := b.json("/console/api/graph?open=&open="+url.QueryEscape(users), &o); code != http.StatusOK {
		t.Fatalf("open %s: %d", users, code)
	}
	i := o.item(users)
	if i < 0 || !o.Items[i].Open || i+1 >= len(o.Items) || o.Items[i+1].Depth != o.Items[i].Depth+1 || o.Items[i+1].Column != "user" {
		t.Fatalf("%s not open: %+v", users, o.Items)
	}
	// A node asked for is shown on its own, its cluster closed.
	var f viewData
	focus := "arn:aws:iam::" + inst.Account + ":role/role-42"
	b.json("/console/api/graph?open=&focus="+url.QueryEscape(focus), &f)
	if j := f.item(focus); j < 0 || f.Items[j].Cluster || len(f.Items) > 100 {
		t.Fatalf("role-42 not shown on its own: %d items", len(f.Items))
	}
}

// TestConsoleGraphBrowser runs graph.mjs (playwright-core driving
// Debian's headless Chromium) on the generated account of 5,000
// principals: clustered, interactive in at most 2 s (kept, and after a
// change to the account), who-can highlighted,
// an escalation path in red with its steps, and the read-only views.
// Skipped, like TestConsoleBrowser, only when Chromium is absent and
// IAMD_E2E_REQUIRED is unset.
func TestConsoleGraphBrowser(t *testing.T) {
	browser, node, dir, shots := browserPrereqs(t)
	old, _ := filepath.Glob(filepath.Join(shots, "graph-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	inst := generatedWithViewer(t)
	ro := httptest.NewServer(inst.ReadOnlyConsole()) // what `iamd console --from` serves
	defer ro.Close()

	run, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(run, node, filepath.Join(dir, "graph.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "IAMD_URL="+inst.URL, "IAMD_ACCOUNT="+inst.Account, "IAMD_PASSWORD="+consolePassword,
		"IAMD_RO_URL="+ro.URL, "IAMD_ROOT_KEY="+rootKey, "IAMD_ROOT_SECRET="+rootSecret, "CHROMIUM="+browser, "IAMD_SHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("graph.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatal("the browser tests did not finish")
	}
	taken, _ := filepath.Glob(filepath.Join(shots, "graph-*.png"))
	if len(taken) < 6 {
		t.Fatalf("%d graph screenshots in %s", len(taken), shots)
	}
}
