package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd/iamd/server"
)

var fixture = filepath.Join("..", "..", "analysis", "testdata", "account.json")
var credReport = filepath.Join("..", "..", "analysis", "testdata", "credential-report.csv")

func TestLintCommand(t *testing.T) {
	base := []string{"lint", "--from", fixture, "--credential-report", credReport, "--now", "2026-12-01T00:00:00Z", "--format", "json"}
	code, out, errOut := runCLI(t, base...)
	if code != 1 {
		t.Fatalf("exit %d (want 1: there are errors): %s", code, errOut)
	}
	var findings []struct{ Rule, Severity, Arn, Message string }
	if err := json.Unmarshal([]byte(out), &findings); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rules := map[string]bool{}
	for _, f := range findings {
		rules[f.Rule] = true
		if f.Severity != "error" && f.Severity != "warning" && f.Severity != "info" || f.Arn == "" || f.Message == "" {
			t.Errorf("finding %+v", f)
		}
	}
	for _, r := range []string{"trust-any-principal", "passrole-wildcard", "console-without-mfa", "idle-user", "unknown-action"} {
		if !rules[r] {
			t.Errorf("no %s finding", r)
		}
	}
	if code, _, _ := runCLI(t, append(base, "--fail-on", "none")...); code != 0 {
		t.Errorf("--fail-on none: exit %d", code)
	}
	// An account with only info findings passes at warning.
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.json", `{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::111122223333:user/u","GroupList":["g"]}],
 "GroupDetailList":[{"GroupName":"g","Arn":"arn:aws:iam::111122223333:group/g","GroupPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}]}],
 "RoleDetailList":[],"Policies":[]}`)
	if code, out, errOut := runCLI(t, "lint", "--from", clean, "--fail-on", "warning"); code != 0 {
		t.Errorf("clean account: exit %d\n%s%s", code, out, errOut)
	}
	for _, bad := range [][]string{{"lint"}, {"lint", "--from", fixture, "--fail-on", "loud"}, {"lint", "--from", filepath.Join(dir, "none.json")}, {"lint", "--from", fixture, "--format", "dot"}} {
		if code, _, _ := runCLI(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

func TestGraphCommands(t *testing.T) {
	code, out, errOut := runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--from", fixture, "--format", "json")
	if code != 0 {
		t.Fatalf("who-can: %d %s", code, errOut)
	}
	var who []struct {
		Principal string
		Via       []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &who); err != nil || len(who) == 0 {
		t.Fatalf("who-can json: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, w := range who {
		seen[w.Principal] = len(w.Via) > 0
	}
	if !seen["arn:aws:iam::111122223333:user/ci-deploy"] || !seen["arn:aws:iam::111122223333:user/carol"] {
		t.Errorf("who-can: %s", out)
	}

	code, out, _ = runCLI(t, "what-can", "arn:aws:iam::111122223333:user/dave", "--service", "lambda", "--from", fixture, "--format", "json")
	var what struct {
		Principal string
		Actions   []struct{ Action, Resource string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &what) != nil || what.Principal != "arn:aws:iam::111122223333:user/dave" || len(what.Actions) != 4 {
		t.Errorf("what-can: %d %s", code, out)
	}

	code, out, _ = runCLI(t, "escalation", "--from", fixture, "--format", "json")
	var esc []struct {
		Principal string
		Steps     []json.RawMessage
	}
	if code != 0 || json.Unmarshal([]byte(out), &esc) != nil || len(esc) < 10 {
		t.Errorf("escalation: %d %s", code, out)
	}

	for _, f := range []struct{ format, want string }{{"dot", "digraph"}, {"mermaid", "flowchart LR"}, {"text", "1. user/bob may sts:AssumeRole role/dev-sandbox"}} {
		code, out, errOut := runCLI(t, "path", "arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:role/admin-role", "--from", fixture, "--format", f.format)
		if code != 0 || !strings.Contains(out, f.want) {
			t.Errorf("path --format %s: %d %s%s", f.format, code, out, errOut)
		}
	}
	if code, _, _ := runCLI(t, "path", "arn:aws:iam::111122223333:user/erin", "arn:aws:iam::111122223333:role/admin-role", "--from", fixture); code != 1 {
		t.Errorf("path with no way: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "what-can", "arn:aws:iam::111122223333:user/nobody", "--from", fixture); code != 2 {
		t.Errorf("what-can unknown principal: exit %d", code)
	}
}

// TestImportExportStore imports the fixture into a serve data directory,
// analyses the store, and exports it again.
func TestImportExportStore(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333")
	if code != 0 || !strings.Contains(out, "23 users, 6 groups, 12 roles, 5 policies, 2 instance profiles") {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "escalation", "--data", data, "--format", "json")
	var esc []struct{ Principal string }
	if code != 0 || json.Unmarshal([]byte(out), &esc) != nil || len(esc) < 10 {
		t.Fatalf("escalation --data: %d %s%s", code, out, errOut)
	}
	exported := filepath.Join(t.TempDir(), "export.json")
	if code, _, errOut := runCLI(t, "export", "--data", data, "-o", exported); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	code, out, errOut = runCLI(t, "diff", fixture, exported, "--service", "s3", "--format", "json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("diff of the dump and its export: %d %s%s", code, out, errOut)
	}
	// The one-off root key used to read the store is gone again: the
	// store's credential report shows no root key.
	code, out, _ = runCLI(t, "lint", "--data", data, "--format", "json", "--fail-on", "none")
	if code != 0 || strings.Contains(out, "root-access-key") {
		t.Errorf("lint --data: %d, root key reported:\n%s", code, out)
	}
}

// TestEndpoint imports into a running iamd and analyses it over its API,
// with the credentials the AWS SDK reads from the environment.
func TestEndpoint(t *testing.T) {
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: "111122223333",
		RootKeyID: "AKIAENDPOINTTEST", RootSecret: "endpoint-secret", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENDPOINTTEST", "AWS_SECRET_ACCESS_KEY": "endpoint-secret", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": ""} {
		t.Setenv(k, v)
	}
	if code, out, errOut := runCLI(t, "import", fixture, "--endpoint-url", inst.URL); code != 0 || !strings.Contains(out, "23 users") {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--endpoint-url", inst.URL, "--format", "json")
	if code != 0 || !strings.Contains(out, `"principal": "arn:aws:iam::111122223333:user/ci-deploy"`) {
		t.Fatalf("who-can: %d %s%s", code, out, errOut)
	}
	// The live server's credential report: the root key used here shows.
	code, out, _ = runCLI(t, "lint", "--endpoint-url", inst.URL, "--format", "json", "--fail-on", "none")
	if code != 0 || !strings.Contains(out, `"rule": "root-access-key"`) {
		t.Errorf("lint --endpoint-url: %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "lint", "--endpoint-url", inst.URL, "--from", fixture); code != 2 {
		t.Errorf("two sources: exit %d", code)
	}
}
