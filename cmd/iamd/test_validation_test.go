package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A repository keeps its policies as files, and beside them the cases that
// must be allowed, denied, accepted and rejected.
func TestTestCommandPolicyDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "read.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	if err := os.Mkdir(filepath.Join(dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "policies"), "deny.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::secret/*"}]}`)
	writeFile(t, dir, "cases.json", `[
 {"name":"by-file","identity_policies":["read.json"],"principal":{"type":"user","arn":"arn:aws:iam::111122223333:user/a","account":"111122223333"},
  "action":"s3:GetObject","resource":"arn:aws:s3:::b/k","expect":"allowed"},
 {"name":"by-managed-arn","identity_policies":["arn:aws:iam::aws:policy/ReadOnlyAccess","policies/deny.json"],
  "principal":{"type":"user","arn":"arn:aws:iam::111122223333:user/a","account":"111122223333"},
  "action":"s3:GetObject","resource":"arn:aws:s3:::secret/k","expect":"explicitDeny"},
 {"name":"managed-read","identity_policies":["arn:aws:iam::aws:policy/ReadOnlyAccess"],
  "principal":{"type":"user","arn":"arn:aws:iam::111122223333:user/a","account":"111122223333"},
  "action":"s3:GetObject","resource":"arn:aws:s3:::any/k","expect":"allowed"}
]`)
	writeFile(t, dir, "rejected.yaml", `
- name: no-version
  kind: managed
  policy: '{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}'
  expect: MalformedPolicyDocument
  message: Policy document must be version 2012-10-17 or greater.
- name: file-accepted
  kind: managed
  policy_file: read.json
  expect: valid
- name: object-accepted
  kind: inline-user
  policy: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
  expect: valid
`)
	code, out, errOut := runCLI(t, "test", "-v", dir)
	if code != 0 || !strings.Contains(out, "6 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// A validation case that fails says what was expected and what IAM said.
	writeFile(t, dir, "wrong.json", `[{"name":"wrongly-valid","kind":"managed","policy":"{\"Statement\":[]}","expect":"valid","note":"an empty Statement"}]`)
	code, out, _ = runCLI(t, "test", dir)
	if code != 1 || !strings.Contains(out, `FAIL wrongly-valid`) || !strings.Contains(out, `expected valid, got MalformedPolicyDocument "Syntax errors in policy."`) || !strings.Contains(out, "note: an empty Statement") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// A policy file named on its own is not a case file; a case naming a
	// file or a managed policy that does not exist is refused.
	if code, _, errOut := runCLI(t, "test", filepath.Join(dir, "read.json")); code != 2 || !strings.Contains(errOut, "not a case file") {
		t.Fatalf("policy file: %d %s", code, errOut)
	}
	bad := t.TempDir()
	writeFile(t, bad, "c.json", `[{"name":"x","identity_policies":["arn:aws:iam::aws:policy/NoSuchPolicy"],"action":"s3:GetObject","resource":"*","expect":"allowed"}]`)
	if code, _, errOut := runCLI(t, "test", bad); code != 2 || !strings.Contains(errOut, "no such AWS managed policy") {
		t.Fatalf("unknown managed policy: %d %s", code, errOut)
	}
	writeFile(t, bad, "c.json", `[{"name":"x","identity_policies":["missing.json"],"action":"s3:GetObject","resource":"*","expect":"allowed"}]`)
	if code, _, errOut := runCLI(t, "test", bad); code != 2 || !strings.Contains(errOut, "missing.json") {
		t.Fatalf("missing file: %d %s", code, errOut)
	}
}

// The shared validation vectors run as they are.
func TestTestCommandValidationVectors(t *testing.T) {
	code, out, errOut := runCLI(t, "test", filepath.Join("..", "..", "testdata", "policy-validation"))
	if code != 0 || !strings.Contains(out, " passed, 0 failed") || strings.HasPrefix(out, "0 passed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
