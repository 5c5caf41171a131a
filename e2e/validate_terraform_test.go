package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// extraTF adds resource policies of other services to the e2e layout, with
// the mistakes ValidatePolicy finds: a bucket policy without Version, a
// queue policy with a misspelt action, a KMS key policy, an SCP.
const extraTF = `
resource "aws_s3_bucket_policy" "site" {
  bucket = "site"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" }]
  })
}

resource "aws_sqs_queue_policy" "jobs" {
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "123456789012" }, Action = "sqs:SendMesage", Resource = "arn:aws:sqs:us-east-1:123456789012:jobs" }]
  })
}

resource "aws_kms_key" "data" {
  description = "data"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_organizations_policy" "regions" {
  name = "regions"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "*", Resource = "*", Condition = { StringNotEquals = { "aws:RequestedRegion" = ["eu-west-1"] } } }]
  })
}
`

// TestTerraformPlanValidate plans the project's e2e configuration (and the
// resource policies above) with Terraform's AWS provider and checks every
// policy document of the plan with iamd validate --terraform-plan.
func TestTerraformPlanValidate(t *testing.T) {
	mirror := providerMirror()
	need(t, "terraform", haveCommand("terraform"))
	need(t, "the AWS provider mirror", mirror != "")
	d := startDaemon(t, t.TempDir())
	dir, tfEnv := terraformDir(t, mirror)
	if err := os.WriteFile(filepath.Join(dir, "extra.tf"), []byte(extraTF), 0o644); err != nil {
		t.Fatal(err)
	}
	env := clientEnv(d, tfEnv...)
	tf := func(args ...string) (string, error) { return run(t, env, dir, "terraform", args...) }
	if out, err := tf("init", "-input=false", "-no-color"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := tf("plan", "-input=false", "-no-color", "-out=plan.bin", "-var=endpoint="+d.url); err != nil {
		t.Fatalf("plan: %v\n%s\n--- iamd:\n%s", err, out, d.log())
	}
	show := exec.Command("terraform", "show", "-json", "plan.bin")
	show.Dir, show.Env = dir, append(os.Environ(), env...)
	planJSON, err := show.Output()
	if err != nil {
		t.Fatalf("show: %v", err)
	}
	plan := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(plan, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(iamdBin, "validate", "--terraform-plan", plan, "--format", "json")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	if err == nil {
		t.Fatalf("validate exited 0 with a misspelt action in the plan:\n%s", out)
	}
	var results []struct {
		Resource, Attribute, PolicyType string
		Findings                        []struct{ IssueCode, FindingType string }
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	codes := map[string][]string{}
	for _, r := range results {
		key := r.Resource + " " + r.Attribute
		got[key] = r.PolicyType
		for _, f := range r.Findings {
			codes[key] = append(codes[key], f.IssueCode)
		}
	}
	for key, typ := range map[string]string{
		"aws_iam_policy.artifacts_read policy":     "IDENTITY_POLICY",
		"aws_iam_policy.boundary policy":           "IDENTITY_POLICY",
		"aws_iam_user_policy.dev_inline policy":    "IDENTITY_POLICY",
		"aws_iam_role_policy.lambda_inline policy": "IDENTITY_POLICY",
		"aws_iam_role.lambda assume_role_policy":   "RESOURCE_POLICY (AWS::IAM::AssumeRolePolicyDocument)",
		"aws_iam_role.web assume_role_policy":      "RESOURCE_POLICY (AWS::IAM::AssumeRolePolicyDocument)",
		"aws_s3_bucket_policy.site policy":         "RESOURCE_POLICY (AWS::S3::Bucket)",
		"aws_sqs_queue_policy.jobs policy":         "RESOURCE_POLICY",
		"aws_kms_key.data policy":                  "RESOURCE_POLICY",
		"aws_organizations_policy.regions content": "SERVICE_CONTROL_POLICY",
	} {
		if got[key] != typ {
			t.Errorf("%s: checked as %q, want %q (all: %v)", key, got[key], typ, got)
		}
	}
	if c := strings.Join(codes["aws_s3_bucket_policy.site policy"], ","); !strings.Contains(c, "MISSING_VERSION") {
		t.Errorf("bucket policy findings %s", c)
	}
	if c := strings.Join(codes["aws_sqs_queue_policy.jobs policy"], ","); c != "INVALID_ACTION" {
		t.Errorf("queue policy findings %s", c)
	}
	for _, clean := range []string{"aws_iam_role.lambda assume_role_policy", "aws_kms_key.data policy", "aws_organizations_policy.regions content"} {
		if len(codes[clean]) != 0 {
			t.Errorf("%s: %v", clean, codes[clean])
		}
	}
	// Text output names the resource and the line within its document.
	text, _ := exec.Command(iamdBin, "validate", "--terraform-plan", plan).Output()
	if !strings.Contains(string(text), plan+": aws_sqs_queue_policy.jobs (policy):1:") || !strings.Contains(string(text), "INVALID_ACTION") {
		t.Errorf("text output:\n%s", text)
	}
}
