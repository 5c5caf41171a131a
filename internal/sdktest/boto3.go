package sdktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// boto3Script asks who the default chain's credentials are, lists users
// (which the tests' roles allow) and tries to create one (which they do
// not): it prints the caller's ARN and CreateUser's error code, or
// "error: KIND" when no credentials were found.
const boto3Script = `
import boto3, botocore.exceptions
s = boto3.session.Session()
try:
    print(s.client("sts").get_caller_identity()["Arn"])
except Exception as e:
    print("error:", type(e).__name__)
    raise SystemExit(0)
iam = s.client("iam")
iam.list_users()
try:
    iam.create_user(UserName="not-allowed")
    print("create_user allowed")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
`

// Boto3DefaultChain runs boto3 with only the environment given of AWS's
// variables (no config files, no metadata service unless env names one)
// and returns what the script printed. It skips without python3 or boto3,
// except in CI.
func Boto3DefaultChain(t testing.TB, env []string) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil && os.Getenv("CI") == "" {
		t.Skip("python3 not installed")
	}
	cmd := exec.Command("python3", "-c", boto3Script)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	dir := t.TempDir()
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE="+filepath.Join(dir, "c"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "k"), "AWS_DEFAULT_REGION=us-east-1",
		"AWS_METADATA_SERVICE_NUM_ATTEMPTS=1")
	cmd.Env = append(cmd.Env, env...)
	if !strings.Contains(strings.Join(env, "\n"), "AWS_EC2_METADATA_SERVICE_ENDPOINT=") {
		// No reaching out to a real metadata address when the door under
		// test fails.
		cmd.Env = append(cmd.Env, "AWS_EC2_METADATA_DISABLED=true")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named 'boto3'") && os.Getenv("CI") == "" {
			t.Skip("boto3 not installed")
		}
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}
