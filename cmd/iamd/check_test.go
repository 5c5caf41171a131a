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

// TestCheckTerraformPlan compares the policies a plan changes with their
// prior state: a widened inline policy and a trust policy opened to a
// feature branch fail, a narrowed bucket policy passes, a created policy
// has nothing to compare with.
func TestCheckTerraformPlan(t *testing.T) {
	enc := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`
	readWrite := `{"Version":"2012-10-17","Statement":[{"Sid":"S3ReadWrite","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/*"}]}`
	trust := func(sub string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"` + sub + `"}}}]}`
	}
	bucket := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`
	}
	plan := `{"format_version":"1.2","resource_changes":[
	 {"address":"aws_iam_role_policy.app","type":"aws_iam_role_policy","change":{"actions":["update"],
	   "before":{"name":"app","policy":` + enc(readOnly) + `},"after":{"name":"app","policy":` + enc(readWrite) + `}}},
	 {"address":"aws_iam_role.ci","type":"aws_iam_role","change":{"actions":["update"],
	   "before":{"assume_role_policy":` + enc(trust("repo:octo-org/app:ref:refs/heads/main")) + `,"inline_policy":[{"name":"read","policy":` + enc(readOnly) + `}]},
	   "after":{"assume_role_policy":` + enc(trust("repo:octo-org/app:*")) + `,"inline_policy":[{"name":"read","policy":` + enc(readOnly) + `}]}}},
	 {"address":"aws_s3_bucket_policy.data","type":"aws_s3_bucket_policy","change":{"actions":["update"],
	   "before":{"policy":` + enc(bucket(`"*"`)) + `},"after":{"policy":` + enc(bucket(`{"AWS":"arn:aws:iam::111122223333:root"}`)) + `}}},
	 {"address":"aws_iam_policy.new","type":"aws_iam_policy","change":{"actions":["create"],"before":null,"after":{"policy":` + enc(readWrite) + `}}},
	 {"address":"aws_instance.web","type":"aws_instance","change":{"actions":["create"],"before":null,"after":{"ami":"ami-1"}}}]}`
	path := writeFile(t, t.TempDir(), "plan.json", plan)
	code, out, errOut := runCLI(t, "check", "no-new-access", "--terraform-plan", path)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"aws_iam_role_policy.app (policy): FAIL: The modified permissions grant new access compared to your existing policy.",
		"New access in the statement with sid: S3ReadWrite.", "action:    s3:PutObject",
		"aws_iam_role.ci (assume_role_policy): FAIL:", "principal: arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
		"aws_iam_role.ci (inline_policy[read]): PASS",
		"aws_s3_bucket_policy.data (policy): PASS",
		"aws_iam_policy.new (policy): created, no prior state to compare with",
		"4 changed policies compared, 2 with new access",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "aws_instance") {
		t.Errorf("a resource without a policy is reported:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "check", "no-new-access", "--terraform-plan", writeFile(t, t.TempDir(), "x.json", `{"a":1}`)); code != 2 || !strings.Contains(errOut, "terraform show -json") {
		t.Errorf("not a plan: %d %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "check", "no-new-access", "--terraform-plan", path, path); code != 2 {
		t.Errorf("plan and files: exit %d", code)
	}
}
