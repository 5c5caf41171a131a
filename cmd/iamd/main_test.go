package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSimulate(t *testing.T) {
	dir := t.TempDir()
	identity := writeFile(t, dir, "id.json", `{"Version":"2012-10-17","Statement":[
  {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
  {"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`)
	boundary := writeFile(t, dir, "b.json", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`)
	base := []string{"simulate", "--identity", identity, "--principal", "arn:aws:iam::111122223333:user/alice", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"}

	tests := []struct {
		name  string
		extra []string
		want  string
	}{
		{"allowed from the office", []string{"--context", "aws:SourceIp=203.0.113.9"}, "allowed"},
		{"denied elsewhere", []string{"--context", "aws:SourceIp=198.51.100.1"}, "explicitDeny"},
		{"denied without a source ip", nil, "explicitDeny"},
		{"capped by the boundary", []string{"--context", "aws:SourceIp=203.0.113.9", "--boundary", boundary}, "implicitDeny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(append([]string{}, base...), append(tt.extra, "--json")...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var e struct {
				Decision string `json:"decision"`
				Matched  []struct {
					Sid string `json:"sid"`
				} `json:"matched_statements"`
			}
			if err := json.Unmarshal([]byte(out), &e); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if e.Decision != tt.want {
				t.Fatalf("decision %s, want %s\n%s", e.Decision, tt.want, out)
			}
		})
	}

	code, out, _ := runCLI(t, append(base, "--context", "aws:SourceIp=198.51.100.1")...)
	if code != 0 || !strings.Contains(out, "explicitDeny") || !strings.Contains(out, `Deny by identity policy `+identity+`, statement 1 (Sid "Office") at line 3, column 3`) {
		t.Fatalf("text output:\n%s", out)
	}
}

func TestSimulateBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\"}\n}")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--identity", bad, "--action", "s3:GetObject"}, "line 3, column 16: Policy statement must contain resources."},
		{[]string{"simulate", "--identity", filepath.Join(dir, "missing.json"), "--action", "s3:GetObject"}, "no such file"},
		{[]string{"simulate", "--action", "s3:GetObject", "--principal", "bob"}, "not an ARN"},
		{[]string{"simulate", "--action", "s3:GetObject", "--context", "novalue"}, "want key=value"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestTestCommandVectors(t *testing.T) {
	code, out, errOut := runCLI(t, "test", filepath.Join("..", "..", "testdata", "eval-vectors"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.HasSuffix(out, " passed, 0 failed\n") {
		t.Fatalf("summary: %q", out)
	}
}

func TestTestCommandFailures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "cases.yaml", `
- name: reader-can-read
  identity_policies:
    - Version: "2012-10-17"
      Statement:
        - Sid: Read
          Effect: Allow
          Action: s3:GetObject
          Resource: "arn:aws:s3:::b/*"
  principal: {type: User, arn: "arn:aws:iam::111122223333:user/alice", account: "111122223333"}
  action: s3:GetObject
  resource: arn:aws:s3:::b/k
  context: {}
  expect: allowed
- name: reader-cannot-write
  identity_policies:
    - Version: "2012-10-17"
      Statement: {Effect: Allow, Action: "s3:*", Resource: "*"}
  principal: {type: User, arn: "arn:aws:iam::111122223333:user/alice", account: "111122223333"}
  action: s3:PutObject
  resource: arn:aws:s3:::b/k
  context: {}
  expect: implicitDeny
`)
	code, out, _ := runCLI(t, "test", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"FAIL reader-cannot-write",
		"expected implicitDeny, got allowed",
		"Allow by identity policy identity_policies[0], statement 0",
		"1 passed, 1 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL reader-can-read") {
		t.Errorf("passing case reported as failed:\n%s", out)
	}
}
