package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd/iamd/server"
)

// The secrets the console handles beyond a user's sign-in: the root
// user's secret key (its sign-in), a new MFA device's seed, a console
// password an administrator sets or changes: none is in the server's log,
// the audit log, a redirect or a later page.
func TestConsoleSecretsOfFormsNotKept(t *testing.T) {
	logs, audit := &syncBuffer{}, &syncBuffer{}
	inst := testServerWith(t, func(o *server.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.AuditLog = audit
		o.AuditReads = true
	})
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "wren", "", false)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	var pages []string
	resp, body := cc.post("/console/users/wren/createmfa", url.Values{})
	seed := between(body, `id="mfa-seed" class="secret">`, "<")
	if resp.StatusCode != http.StatusOK || len(seed) < 16 {
		t.Fatalf("createmfa: %d", resp.StatusCode)
	}
	const set, changed = "S3t-By-Adm1n-Passw0rd", "Ch4nged-By-Adm1n-Passw0rd"
	for _, f := range []struct {
		path, password string
	}{{"/console/users/wren/updatelogin", changed}, {"/console/users/wren/deletelogin", ""}, {"/console/users/wren/createlogin", set}} {
		v := url.Values{}
		if f.password != "" {
			v.Set("password", f.password)
		}
		resp, body := cc.post(f.path, v)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", f.path, resp.StatusCode, body)
		}
		pages = append(pages, resp.Header.Get("Location"))
		_, next := cc.follow(resp)
		pages = append(pages, next)
	}
	_, later := cc.get("/console/users/wren")
	pages = append(pages, later)
	for _, s := range []string{rootSecret, seed, consolePassword, set, changed} {
		for _, where := range []struct{ name, text string }{{"log", logs.text()}, {"audit log", audit.text()}, {"later pages and redirects", strings.Join(pages, "\n")}} {
			if strings.Contains(where.text, s) {
				t.Errorf("%q is in the %s", s[:4]+"…", where.name)
			}
		}
	}
	// The calls are audited, as the user's own, without their secrets.
	a := audit.text()
	for _, want := range []string{`"eventName":"UpdateLoginProfile"`, `"eventName":"CreateLoginProfile"`, `"eventName":"CreateVirtualMFADevice"`} {
		if !strings.Contains(a, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "wren", set)
}

// The editor's finding of a malformed policy is at the line and column of
// the token where the document went wrong, as the editor marks it.
func TestConsoleEditorFindingColumn(t *testing.T) {
	inst := testServer(t)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	cc.get("/console/policy-editor")
	line4 := `    {"Effect": "Allow", "Action": "s3:GetObject" "Resource": "*"}`
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n" + line4 + "\n  ]\n}"
	b, _ := json.Marshal(map[string]string{"document": doc, "kind": "managed"})
	req, _ := http.NewRequest(http.MethodPost, inst.URL+"/console/api/validate", bytes.NewReader(b))
	req.Header.Set("X-CSRF-Token", cc.csrf)
	resp, body := cc.do(req)
	var out struct {
		Findings []struct {
			Line, Column int
			Severity     string
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != http.StatusOK || len(out.Findings) != 1 {
		t.Fatalf("validate: %d %s", resp.StatusCode, body)
	}
	f := out.Findings[0]
	want := strings.Index(line4, `"Resource"`) + 1
	if f.Line != 4 || f.Column != want || f.Severity != "error" {
		t.Fatalf("finding at %d:%d, want 4:%d", f.Line, f.Column, want)
	}
}
