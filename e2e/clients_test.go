package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLI drives iamd with the aws CLI: creating, paginated listing,
// attaching, and AWS's error codes.
func TestAWSCLI(t *testing.T) {
	need(t, "the aws CLI", haveCommand("aws"))
	d := startDaemon(t, t.TempDir())
	env := clientEnv(d)
	aws := func(args ...string) (string, error) {
		return run(t, env, "", "aws", append(args, "--output", "json")...)
	}
	mustAWS := func(args ...string) string {
		t.Helper()
		out, err := aws(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	who := mustAWS("sts", "get-caller-identity")
	if !strings.Contains(who, `"Arn": "arn:aws:iam::123456789012:root"`) {
		t.Fatalf("get-caller-identity: %s", who)
	}
	for i := range 12 {
		mustAWS("iam", "create-user", "--user-name", fmt.Sprintf("cli-user-%02d", i), "--path", "/cli/")
	}
	// The CLI follows markers itself when given a page size.
	var all struct{ Users []struct{ UserName string } }
	if err := json.Unmarshal([]byte(mustAWS("iam", "list-users", "--page-size", "5")), &all); err != nil || len(all.Users) != 12 {
		t.Fatalf("list-users over pages: %d users, %v", len(all.Users), err)
	}
	var page struct {
		Users     []struct{ UserName string }
		NextToken string
	}
	if err := json.Unmarshal([]byte(mustAWS("iam", "list-users", "--max-items", "5", "--path-prefix", "/cli/")), &page); err != nil || len(page.Users) != 5 || page.NextToken == "" {
		t.Fatalf("list-users --max-items 5: %+v %v", page, err)
	}
	policyFile := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(policyFile, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::logs"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	created := mustAWS("iam", "create-policy", "--policy-name", "logs-list", "--policy-document", "file://"+policyFile)
	var cp struct{ Policy struct{ Arn string } }
	if err := json.Unmarshal([]byte(created), &cp); err != nil {
		t.Fatalf("create-policy: %v: %s", err, created)
	}
	mustAWS("iam", "create-group", "--group-name", "loggers")
	mustAWS("iam", "attach-group-policy", "--group-name", "loggers", "--policy-arn", cp.Policy.Arn)
	mustAWS("iam", "add-user-to-group", "--group-name", "loggers", "--user-name", "cli-user-00")
	attached := mustAWS("iam", "list-attached-group-policies", "--group-name", "loggers")
	if !strings.Contains(attached, cp.Policy.Arn) {
		t.Fatalf("attached: %s", attached)
	}
	// The CLI decodes policy documents itself (it URL-decodes them).
	version := mustAWS("iam", "get-policy-version", "--policy-arn", cp.Policy.Arn, "--version-id", "v1")
	if !strings.Contains(version, `"Action": "s3:ListBucket"`) {
		t.Fatalf("get-policy-version: %s", version)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"iam", "get-user", "--user-name", "nobody"}, "(NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found."},
		{[]string{"iam", "create-user", "--user-name", "CLI-USER-00"}, "(EntityAlreadyExists)"},
		{[]string{"iam", "delete-group", "--group-name", "loggers"}, "(DeleteConflict)"},
		{[]string{"iam", "create-user", "--user-name", "bad name"}, "(ValidationError)"},
		{[]string{"iam", "create-policy", "--policy-name", "x", "--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`},
			"(MalformedPolicyDocument) when calling the CreatePolicy operation: Policy statement must contain resources."},
	} {
		out, err := aws(tt.args...)
		if err == nil || !strings.Contains(out, tt.want) {
			t.Errorf("aws %s: %v\n%s\nwant %q", strings.Join(tt.args, " "), err, out, tt.want)
		}
	}
	out, err := run(t, append(env, "AWS_SECRET_ACCESS_KEY=wrong"), "", "aws", "iam", "list-users")
	if err == nil || !strings.Contains(out, "(SignatureDoesNotMatch)") {
		t.Errorf("wrong secret: %v %s", err, out)
	}
}

// TestBoto3 drives iamd with boto3 (the SDK most scripts use).
func TestBoto3(t *testing.T) {
	need(t, "python3 with boto3", haveCommand("python3") && func() bool {
		_, err := run(t, nil, "", "python3", "-c", "import boto3")
		return err == nil
	}())
	d := startDaemon(t, t.TempDir())
	script := `
import boto3, os
iam = boto3.client("iam", endpoint_url=os.environ["AWS_ENDPOINT_URL_IAM"])
iam.create_user(UserName="py", Tags=[{"Key": "lang", "Value": "python"}])
iam.put_user_policy(UserName="py", PolicyName="p", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
doc = iam.get_user_policy(UserName="py", PolicyName="p")["PolicyDocument"]
assert doc["Statement"][0]["Action"] == "s3:*", doc
users = [u["UserName"] for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1}) for u in p["Users"]]
assert users == ["py"], users
try:
    iam.get_role(RoleName="missing")
    raise SystemExit("expected NoSuchEntity")
except iam.exceptions.NoSuchEntityException as e:
    assert "cannot be found" in str(e)
print("boto3 ok")
`
	out, err := run(t, clientEnv(d), "", "python3", "-c", script)
	if err != nil || !strings.Contains(out, "boto3 ok") {
		t.Fatalf("%v\n%s", err, out)
	}
}
