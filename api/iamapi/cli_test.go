package iamapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/internal/querytest"
)

// TestCLI drives the test server with the aws CLI (botocore's own query
// serializer and XML parser): a list in, a list and a map out, an error.
func TestCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH")
	}
	svc := &fake{}
	srv, _ := querytest.Server(t, iamapi.Namespace, dispatchTo(svc))
	run := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsPath, append([]string{"--endpoint-url", srv.URL, "--output", "json", "iam"}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
			"AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	out, stderr, err := run("create-role", "--role-name", "app", "--assume-role-policy-document", `{"Version":"2012-10-17"}`,
		"--tags", "Key=team,Value=blue", "Key=env,Value=dev")
	if err != nil {
		t.Fatalf("create-role: %v\n%s", err, stderr)
	}
	in := svc.lastInput().(*iamapi.CreateRoleInput)
	if want := []iamapi.Tag{{Key: "team", Value: "blue"}, {Key: "env", Value: "dev"}}; !reflect.DeepEqual(in.Tags, want) || in.Description != nil {
		t.Errorf("server got %+v", in)
	}
	var role struct {
		Role struct {
			RoleName   string
			CreateDate string
			Tags       []struct{ Key, Value string }
		}
	}
	if err := json.Unmarshal([]byte(out), &role); err != nil || role.Role.RoleName != "app" || len(role.Role.Tags) != 2 ||
		role.Role.Tags[1].Value != "dev" || !strings.HasPrefix(role.Role.CreateDate, "2024-05-01T12:00:00") {
		t.Errorf("create-role printed %s (%v)", out, err)
	}

	out, stderr, err = run("get-account-summary")
	if err != nil {
		t.Fatalf("get-account-summary: %v\n%s", err, stderr)
	}
	var summary struct{ SummaryMap map[string]int }
	if err := json.Unmarshal([]byte(out), &summary); err != nil || !reflect.DeepEqual(summary.SummaryMap, map[string]int{"Users": 3, "UsersQuota": 5000, "Groups": 0}) {
		t.Errorf("get-account-summary printed %s (%v)", out, err)
	}

	_, stderr, err = run("list-users", "--max-items", "5", "--page-size", "1001")
	if err == nil || !strings.Contains(stderr, "(ValidationError) when calling the ListUsers operation: 1 validation error detected: Value at 'maxItems'") {
		t.Errorf("list-users: %v\n%s", err, stderr)
	}
}
