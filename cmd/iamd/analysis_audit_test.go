package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/server"
)

// who-can over a dump with a resource policies file: a repository of
// another account granting this account's root, delegated to one role.
func TestWhoCanResourcePoliciesFile(t *testing.T) {
	dir := t.TempDir()
	dump := writeFile(t, dir, "b.json", `{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[
 {"RoleName":"puller","Arn":"arn:aws:iam::222233334444:role/puller","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},
  "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}]}}]},
 {"RoleName":"worker","Arn":"arn:aws:iam::222233334444:role/worker","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},
  "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}]}]}`)
	res := writeFile(t, dir, "resources.jsonl", `{"arn":"arn:aws:ecr:us-east-1:111100002222:repository/app","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222233334444:root\"},\"Action\":\"ecr:BatchGetImage\"}]}"}`+"\n")
	code, out, errOut := runCLI(t, "who-can", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111100002222:repository/app", "--from", dump, "--resource-policies", res, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var who []struct{ Principal string }
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatal(err)
	}
	if len(who) != 1 || who[0].Principal != "arn:aws:iam::222233334444:role/puller" {
		t.Errorf("who-can: %s", out)
	}
	// Without the file: nobody.
	if _, out, _ := runCLI(t, "who-can", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111100002222:repository/app", "--from", dump, "--format", "json"); strings.Contains(out, "puller") {
		t.Errorf("without resource policies: %s", out)
	}
	bad := writeFile(t, dir, "bad.jsonl", "{not json\n")
	if code, _, _ := runCLI(t, "who-can", "ecr:BatchGetImage", "*", "--from", dump, "--resource-policies", bad); code != 2 {
		t.Errorf("bad resource policies: exit %d", code)
	}
}

// An explicit --endpoint-url wins over AWS_ENDPOINT_URL_IAM (the variable
// iamd serve tells users to export) and AWS_ENDPOINT_URL.
func TestEndpointFlagWinsOverEnvironment(t *testing.T) {
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: "111122223333",
		RootKeyID: "AKIAENDPOINTTEST", RootSecret: "endpoint-secret", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENDPOINTTEST", "AWS_SECRET_ACCESS_KEY": "endpoint-secret", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
		// Nothing listens there: a command that used it would fail.
		"AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"} {
		t.Setenv(k, v)
	}
	if code, out, errOut := runCLI(t, "import", fixture, "--endpoint-url", inst.URL); code != 0 || !strings.Contains(out, "23 users") {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--endpoint-url", inst.URL, "--format", "json")
	if code != 0 || !strings.Contains(out, "user/ci-deploy") {
		t.Fatalf("who-can --endpoint-url with AWS_ENDPOINT_URL_IAM set: %d %s%s", code, out, errOut)
	}
}

// After iamd account create, --data commands read the store's first
// account (not the lowest id) and say which; --account-id picks another.
func TestDataDefaultAccount(t *testing.T) {
	data := t.TempDir()
	if code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333"); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	time.Sleep(1100 * time.Millisecond) // creation times have a second's resolution
	if code, out, errOut := runCLI(t, "account", "create", "--data", data, "--account-id", "000000000001"); code != 0 {
		t.Fatalf("account create: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--data", data, "--format", "json")
	if code != 0 || !strings.Contains(out, "arn:aws:iam::111122223333:user/ci-deploy") {
		t.Fatalf("who-can --data: %d %s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "reading account 111122223333, the first of the 2 accounts") {
		t.Errorf("no note of the account used: %q", errOut)
	}
	code, out, _ = runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--data", data, "--account-id", "000000000001", "--format", "json")
	if code != 0 || strings.Contains(out, "ci-deploy") {
		t.Errorf("--account-id 000000000001: %d %s", code, out)
	}
}

// lint --data says how old the store's credential report is, builds one
// with --fresh-report, never reports its own one-off key and leaves no
// report with that key in the store.
func TestLintDataCredentialReport(t *testing.T) {
	data := t.TempDir()
	if code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333"); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "lint", "--data", data, "--format", "json", "--fail-on", "none")
	if code != 0 || strings.Contains(out, "root-access-key") || !strings.Contains(errOut, "credential report was built now") {
		t.Fatalf("lint --data: %d %s\n%s", code, errOut, out)
	}
	// No report was cached: a client of the store finds none.
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: data, RootKeyID: "AKIALINTDATATEST", RootSecret: "lint-secret",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := awsiam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIALINTDATATEST", "lint-secret", ""),
		BaseEndpoint: aws.String(inst.URL)})
	ctx := context.Background()
	if _, err := c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{}); err == nil || !strings.Contains(err.Error(), "ReportNotPresent") {
		t.Errorf("a report was cached by lint --data: %v", err)
	}
	// A user generates one (with the server's own root key in it) ...
	if _, err := c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String("AKIALINTDATATEST")}); err != nil {
		t.Fatal(err)
	}
	inst.Close(ctx)
	// ... which lint reads, saying its age; the root row is the store's now.
	code, out, errOut = runCLI(t, "lint", "--data", data, "--format", "json", "--fail-on", "none")
	if code != 0 || !strings.Contains(errOut, "the credential report was generated") || !strings.Contains(errOut, "--fresh-report") || strings.Contains(out, "root-access-key") {
		t.Errorf("lint --data with a cached report: %d %s\n%s", code, errOut, out)
	}
	code, _, errOut = runCLI(t, "lint", "--data", data, "--format", "json", "--fail-on", "none", "--fresh-report")
	if code != 0 || !strings.Contains(errOut, "built now") {
		t.Errorf("--fresh-report: %d %s", code, errOut)
	}
	// iamd credential-report prints AWS's CSV, without the one-off key.
	code, out, errOut = runCLI(t, "credential-report", "--data", data, "--fresh-report")
	if code != 0 {
		t.Fatalf("credential-report: %d %s", code, errOut)
	}
	rows, err := analysis.ReadCredentialReport(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active") {
		t.Errorf("columns: %s", out)
	}
	users := 0
	for _, r := range rows {
		if r.Root && (r.Keys[0].Active || r.Keys[1].Active) {
			t.Errorf("root row shows a key: %+v", r)
		}
		if !r.Root {
			users++
		}
	}
	if users != 23 || !rows[0].Root || !strings.Contains(out, "<root_account>,arn:aws:iam::111122223333:root,") {
		t.Errorf("%d users:\n%s", users, out)
	}
	if code, _, _ := runCLI(t, "lint", "--from", fixture, "--fresh-report", "--fail-on", "none"); code != 0 {
		t.Errorf("--fresh-report with --from: %d", code)
	}
}

// simulate, who-can and what-can warn about actions the catalogue does
// not know, with the closest it knows; known actions stay quiet.
func TestUnknownActionWarned(t *testing.T) {
	dir := t.TempDir()
	id := writeFile(t, dir, "id.json", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--identity", id, "--action", "s3:GetObjekt", "--resource", "arn:aws:s3:::b/k"}, "did you mean s3:GetObject?"},
		{[]string{"who-can", "s3:GetObjekt", "arn:aws:s3:::b/k", "--from", fixture}, "did you mean s3:GetObject?"},
		{[]string{"what-can", "arn:aws:iam::111122223333:user/dave", "--service", "s4", "--from", fixture}, "s4:* is not an action"},
		{[]string{"simulate", "--identity", id, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"}, ""},
		{[]string{"who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--from", fixture}, ""},
	} {
		_, _, errOut := runCLI(t, tt.args...)
		if tt.want == "" && strings.Contains(errOut, "warning") || tt.want != "" && !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: stderr %q, want %q", tt.args, errOut, tt.want)
		}
	}
}

// A clean setup (an account iamd serve created, with the root key it
// made) passes lint; --rules picks profiles, --list-rules lists them.
func TestLintCleanSetupAndRules(t *testing.T) {
	data := t.TempDir()
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: data, AccountID: "111122223333",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	inst.Close(context.Background())
	code, out, errOut := runCLI(t, "lint", "--data", data)
	if code != 0 || !strings.Contains(out, "the one iamd created with the account") || strings.Contains(out, "error ") {
		t.Errorf("clean setup: exit %d\n%s%s", code, out, errOut)
	}
	// A root key made later is an error as ever.
	base := []string{"lint", "--from", fixture, "--credential-report", credReport, "--now", "2026-12-01T00:00:00Z", "--format", "json", "--fail-on", "none"}
	code, out, _ = runCLI(t, append(base, "--rules", "credentials")...)
	var findings []struct{ Rule, Severity string }
	if err := json.Unmarshal([]byte(out), &findings); code != 0 || err != nil || len(findings) == 0 {
		t.Fatalf("--rules credentials: %d %v %s", code, err, out)
	}
	for _, f := range findings {
		if f.Rule == "root-access-key" && f.Severity != "error" {
			t.Errorf("fixture's root key: %+v", f)
		}
		if strings.HasPrefix(f.Rule, "trust-") || f.Rule == "inline-policy" {
			t.Errorf("--rules credentials reported %s", f.Rule)
		}
	}
	if code, _, _ := runCLI(t, append(base, "--rules", "loud")...); code != 2 {
		t.Errorf("--rules loud: exit %d", code)
	}
	code, out, _ = runCLI(t, "lint", "--list-rules")
	if code != 0 || !strings.Contains(out, "mfa-deny-bool-false") || !strings.Contains(out, "best-practices") {
		t.Errorf("--list-rules: %d %s", code, out)
	}
}

// iamd import --resource-policies keeps them beside the store; --data
// commands read them.
func TestImportResourcePolicies(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	res := writeFile(t, dir, "r.jsonl", `{"arn":"arn:aws:s3:::partner-drop","policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999900001111:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::partner-drop/*"}]}}`+"\n")
	code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333", "--resource-policies", res)
	if code != 0 || !strings.Contains(out, "kept the resource policies") {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::partner-drop/x", "--data", data, "--format", "json")
	if code != 0 || !strings.Contains(out, `"principal": "arn:aws:iam::999900001111:root"`) || !strings.Contains(errOut, "with the resource policies imported") {
		t.Errorf("who-can --data: %d %s%s", code, out, errOut)
	}
	bad := writeFile(t, dir, "bad.jsonl", `{"arn":"arn:aws:s3:::b","policy":"{not"}`+"\n")
	if code, _, _ := runCLI(t, "import", fixture, "--data", t.TempDir(), "--resource-policies", bad); code != 2 {
		t.Errorf("bad file: exit %d", code)
	}
}
