package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckCommands(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, dir, "old.json", `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`)
	wider := writeFile(t, dir, "new.json", `{"Version":"2012-10-17","Statement":[
  {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
  {"Sid":"Write","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*",
   "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`)
	narrower := writeFile(t, dir, "narrow.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/x/*"}]}`)
	bucket := writeFile(t, dir, "bucket.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	orgOnly := writeFile(t, dir, "org.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
  "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`)
	bad := writeFile(t, dir, "bad.json", `{"Version":"2012-10-17","Statement":`)

	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"check", "no-new-access", old, wider}, 1, []string{
			"FAIL: The modified permissions grant new access compared to your existing policy.",
			"new.json:3:3: New access in the statement with sid: Write.",
			"counterexample (confirmed by iamd's evaluator):", "action:    s3:PutObject", "resource:  arn:aws:s3:::b/", "context:   aws:SecureTransport = true"}},
		{[]string{"check", "no-new-access", old, narrower}, 0, []string{"PASS: The modified permissions do not grant new access compared to your existing policy."}},
		{[]string{"check", "no-new-access", old, old, "--type", "resource"}, 0, []string{"PASS"}},
		{[]string{"check", "access-not-granted", wider, "--action", "s3:PutObject,iam:PassRole"}, 1, []string{
			"FAIL: The policy document grants access to perform one or more of the listed actions.", "One or more of the listed actions in the statement with sid: Write."}},
		{[]string{"check", "access-not-granted", wider, "--action", "s3:Delete*"}, 0, []string{"PASS"}},
		{[]string{"check", "access-not-granted", wider, "--resource", "arn:aws:s3:::other/*"}, 0, []string{"PASS"}},
		{[]string{"check", "no-public-access", bucket, "--resource-type", "AWS::S3::Bucket"}, 1, []string{
			"FAIL: The resource policy grants public access for the given resource type.", "Public access granted in the following statement with sid: Public.", "principal: *"}},
		{[]string{"check", "no-public-access", orgOnly, "--resource-type", "AWS::S3::Bucket"}, 0, []string{"PASS: The resource policy does not grant public access for the given resource type."}},

		{[]string{"check", "no-new-access", old, bad}, 2, []string{"new.json", "bad.json"}},
		{[]string{"check", "no-new-access", old, wider, "--type", "scp"}, 2, []string{"--type"}},
		{[]string{"check", "no-new-access", old, dir + "/missing.json"}, 2, []string{"missing.json"}},
		{[]string{"check", "access-not-granted", wider}, 2, []string{"--action or --resource"}},
		{[]string{"check", "access-not-granted", wider, "--resource", "arn:aws:s3:*::b"}, 2, []string{"resource ID"}},
		{[]string{"check", "no-public-access", bucket, "--resource-type", "AWS::EC2::Instance"}, 2, []string{"enum value set"}},
	} {
		code, out, errOut := runCLI(t, c.args...)
		all := out + errOut
		if c.code == 2 && c.want[0] == "new.json" {
			// The bad document is named by its path.
			c.want = []string{"bad.json"}
		}
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.args[1:], code, c.code, all)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args[1:], w, all)
			}
		}
	}

	// --json is Access Analyzer's shape, with the counterexample.
	code, out, _ := runCLI(t, "check", "no-new-access", old, wider, "--json")
	var r struct {
		Result  string `json:"result"`
		Message string `json:"message"`
		Reasons []struct {
			Description    string `json:"description"`
			StatementIndex int    `json:"statementIndex"`
			StatementID    string `json:"statementId"`
		} `json:"reasons"`
		Counterexample struct {
			Action   string              `json:"action"`
			Resource string              `json:"resource"`
			Context  map[string][]string `json:"context"`
		} `json:"counterexample"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 {
		t.Fatalf("--json: %d %v\n%s", code, err, out)
	}
	if r.Result != "FAIL" || len(r.Reasons) != 1 || r.Reasons[0].StatementIndex != 1 || r.Reasons[0].StatementID != "Write" ||
		r.Counterexample.Action != "s3:PutObject" || r.Counterexample.Context["aws:SecureTransport"][0] != "true" {
		t.Errorf("--json: %+v", r)
	}
}
