package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// `iamd console --from` serves the dump's views read-only: the entities,
// their details, the graph and its escalation paths, with no sign-in, no
// write form on any page, and every POST refused.
func TestConsoleFromDumpReadOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- serveDumpConsole(ctx, fixture, "127.0.0.1:0", func(u string) { urls <- u }) }()
	var home string
	select {
	case home = <-urls:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(60 * time.Second):
		t.Fatal("the console did not start")
	}
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}()
	if !strings.HasPrefix(home, "http://127.0.0.1:") {
		t.Fatalf("not on loopback: %s", home)
	}
	base := strings.TrimSuffix(home, "/console/home")
	cl := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := cl.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for path, want := range map[string]string{
		"/console/home": "IAM dashboard", "/console/users": "ci-deploy", "/console/users/alice": "alice",
		"/console/roles": "lambda-admin", "/console/roles/admin-role": "admin-role", "/console/groups": "User groups",
		"/console/policies": "Policies", "/console/graph": "Escalation paths", "/console/api/graph": "user/dave",
	} {
		code, body := get(path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want %q in\n%.2000s", path, code, want, body)
			continue
		}
		if strings.Contains(strings.ToLower(body), `method="post"`) {
			t.Errorf("%s has a form that posts:\n%s", path, body)
		}
	}
	// The graph's views: the (small) account open whole, and the dump's
	// escalation paths.
	_, data := get("/console/api/graph")
	var g struct {
		Items []struct {
			ID      string
			Cluster bool
		}
		Nodes int
	}
	nodes := 0
	if err := json.Unmarshal([]byte(data), &g); err == nil {
		for _, it := range g.Items {
			if !it.Cluster {
				nodes++
			}
		}
	}
	if nodes == 0 || g.Nodes < nodes {
		t.Errorf("graph data: %d nodes shown of %d\n%.500s", nodes, g.Nodes, data)
	}
	_, data = get("/console/api/graph/escalations")
	var esc struct {
		Total       int
		Escalations []json.RawMessage
	}
	if err := json.Unmarshal([]byte(data), &esc); err != nil || esc.Total == 0 || len(esc.Escalations) == 0 {
		t.Errorf("escalations: %v, %d\n%.500s", err, esc.Total, data)
	}
	// No sign-in page: it leads to the views.
	if code, _ := get("/console/signin"); code != http.StatusSeeOther {
		t.Errorf("signin: %d", code)
	}
	// Every write is refused, and changes nothing.
	for _, path := range []string{"/console/users", "/console/users/alice/delete", "/console/groups", "/console/account/alias", "/console/simulator", "/console/signout"} {
		resp, err := cl.PostForm(base+path, url.Values{"name": {"zz-intruder"}, "UserName": {"zz-intruder"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d, want 405", path, resp.StatusCode)
		}
	}
	if code, body := get("/console/users"); code != http.StatusOK || strings.Contains(body, "zz-intruder") || !strings.Contains(body, "alice") {
		t.Errorf("after the refused writes: %d\n%.2000s", code, body)
	}
}
