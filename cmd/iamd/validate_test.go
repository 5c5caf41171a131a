package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObjekt\", \"Resource\": \"*\"}]\n}\n")
	warn := writeFile(t, dir, "warn.json", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	clean := writeFile(t, dir, "clean.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	trust := writeFile(t, dir, "trust.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)

	code, out, _ := runCLI(t, "validate", bad, clean)
	// line 3, column 47 (from 1) of the misspelt action.
	if code != 1 || !strings.Contains(out, bad+":3:47: ERROR INVALID_ACTION:") || strings.Contains(out, clean+":") {
		t.Fatalf("bad: %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "validate", warn); code != 0 || !strings.Contains(out, "MISSING_VERSION") {
		t.Fatalf("a warning does not fail by default: %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "validate", "--fail-on", "warning", warn); code != 1 {
		t.Fatalf("--fail-on warning: %d", code)
	}
	if code, _, _ := runCLI(t, "validate", "--fail-on", "none", bad); code != 0 {
		t.Fatalf("--fail-on none: %d", code)
	}
	// A trust policy is an identity policy's error (Principal) but a
	// trust policy's pass.
	if code, out, _ := runCLI(t, "validate", trust); code != 1 || !strings.Contains(out, "UNSUPPORTED_PRINCIPAL") {
		t.Fatalf("trust as identity: %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "validate", "--type", "trust", trust); code != 0 || !strings.Contains(out, "0 errors") {
		t.Fatalf("trust: %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "validate", "--type", "resource", "--resource-type", "AWS::S3::Bucket", clean); code != 1 || !strings.Contains(out, "MISSING_PRINCIPAL") {
		t.Fatalf("bucket policy without principal: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "validate", "--format", "json", bad)
	var res []validatedPolicy
	if code != 1 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || res[0].Findings[0].IssueCode != "INVALID_ACTION" {
		t.Fatalf("json: %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"validate"}, {"validate", "--type", "nope", clean}, {"validate", "--resource-type", "AWS::S3::Bucket", clean},
		{"validate", "--type", "resource", "--resource-type", "AWS::Nope", clean}, {"validate", dir + "/missing.json"},
		{"validate", "--terraform-plan", clean}, {"validate", "--fail-on", "sometimes", clean},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 || errOut == "" {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
	}
}

func TestValidateTerraformPlan(t *testing.T) {
	dir := t.TempDir()
	plan := writeFile(t, dir, "plan.json", `{"format_version":"1.2","resource_changes":[
 {"address":"aws_iam_role.ci","mode":"managed","type":"aws_iam_role","change":{"actions":["create"],"before":null,
  "after":{"name":"ci","assume_role_policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}",
   "inline_policy":[{"name":"x","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\"}]}"}]},"after_unknown":{}}},
 {"address":"aws_iam_policy.later","mode":"managed","type":"aws_iam_policy","change":{"actions":["create"],"before":null,"after":{"name":"later"},"after_unknown":{"policy":true}}}
]}`)
	code, out, _ := runCLI(t, "validate", "--terraform-plan", plan)
	for _, want := range []string{
		plan + ": aws_iam_role.ci (assume_role_policy):1:", "TRUST_POLICY_WILDCARD_PRINCIPAL",
		plan + ": aws_iam_role.ci (inline_policy[0].policy):1:", "PASS_ROLE_WITH_STAR_IN_RESOURCE",
		plan + ": aws_iam_policy.later (policy): not checked: the document is known only after apply", "3 policies",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("no errors, exit %d", code)
	}
}
