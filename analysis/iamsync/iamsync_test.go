package iamsync_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/internal/sdktest"
	"github.com/iamd/iamd/server"
)

// TestServerRoundTrip imports the fixture into a real iamd (over HTTP, with
// the AWS SDK), exports it with GetAccountAuthorizationDetails, and checks
// that the export holds the same account and the analysis the same
// answers.
func TestServerRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	orig, err := analysis.LoadDump("../testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := iamsync.Push(ctx, c, orig)
	if err != nil {
		t.Fatal(err)
	}
	checkImport(t, st, orig)
	got, err := iamsync.FetchDump(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, orig, got)
	report, err := iamsync.FetchCredentialReport(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := analysis.ReadCredentialReport(strings.NewReader(string(report)))
	if err != nil || len(rows) != len(orig.UserDetailList)+1 {
		t.Fatalf("credential report: %d rows, %v", len(rows), err)
	}
	// Importing again fails visibly rather than merging.
	if _, err := iamsync.Push(ctx, c, orig); err == nil || !strings.Contains(err.Error(), "EntityAlreadyExists") {
		t.Errorf("second import: %v", err)
	}
}

// TestAWSCLIDump reads what the aws CLI prints for
// get-account-authorization-details against iamd: the shape users feed to
// --from.
func TestAWSCLIDump(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI not on PATH")
		}
		t.Skip("aws CLI not on PATH")
	}
	inst, c := start(t)
	orig, err := analysis.LoadDump("../testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamsync.Push(context.Background(), c, orig); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsPath, "--endpoint-url", inst.URL, "--output", "json", "iam", "get-account-authorization-details")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=" + rootKey, "AWS_SECRET_ACCESS_KEY=" + rootSecret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(string(out), `"PolicyDocument": {`) {
		t.Errorf("the CLI printed documents as strings:\n%.400s", out)
	}
	got, err := analysis.ReadDump(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	compare(t, orig, got)
}

const (
	rootKey    = "AKIAANALYSISTEST"
	rootSecret = "analysis-secret"
)

func start(t *testing.T) (*server.Instance, *iam.Client) {
	t.Helper()
	ctx := context.Background()
	inst, err := server.Start(ctx, server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: "111122223333",
		RootKeyID: rootKey, RootSecret: rootSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inst.Close(c)
	})
	c := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, ""),
		BaseEndpoint: aws.String(inst.URL), Retryer: sdktest.Retryer,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}})
	return inst, c
}

func checkImport(t *testing.T, st *iamsync.ImportStats, orig *analysis.Dump) {
	t.Helper()
	if st.Users != len(orig.UserDetailList) || st.Roles != len(orig.RoleDetailList) || st.Groups != len(orig.GroupDetailList) {
		t.Fatalf("imported %+v", st)
	}
}

// compare checks that got holds the account orig does, and gives the same
// analysis answers.
func compare(t *testing.T, orig, got *analysis.Dump) {
	t.Helper()
	if a, b := summary(t, orig), summary(t, got); !reflect.DeepEqual(a, b) {
		for k := range a {
			if !reflect.DeepEqual(a[k], b[k]) {
				t.Errorf("%s\n dump   %v\n export %v", k, a[k], b[k])
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				t.Errorf("export has %s", k)
			}
		}
	}
	// Same answers from the export as from the file.
	escalating := func(d *analysis.Dump) []string {
		a, err := analysis.NewAccount(d)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range analysis.BuildGraph(a).Escalations() {
			out = append(out, e.Principal+" "+e.Reaches)
		}
		return out
	}
	if a, b := escalating(orig), escalating(got); !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Errorf("escalation from the file %v\nfrom the server %v", a, b)
	}
}

// summary is what the store must keep of a dump: names, paths, members,
// documents (as JSON values), attachments, boundaries, tags, profiles.
// Ids and dates are the store's own.
func summary(t *testing.T, d *analysis.Dump) map[string]any {
	t.Helper()
	doc := func(b analysis.Document) any {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("document %s: %v", b, err)
		}
		return v
	}
	inline := func(list []analysis.PolicyDetail) map[string]any {
		m := map[string]any{}
		for _, p := range list {
			m[p.PolicyName] = doc(p.PolicyDocument)
		}
		return m
	}
	attached := func(list []analysis.AttachedPolicy) []string {
		out := []string{}
		for _, p := range list {
			out = append(out, p.PolicyArn)
		}
		sort.Strings(out)
		return out
	}
	m := map[string]any{}
	for _, u := range d.UserDetailList {
		groups := append([]string{}, u.GroupList...)
		sort.Strings(groups)
		var b string
		if u.PermissionsBoundary != nil {
			b = u.PermissionsBoundary.PermissionsBoundaryArn
		}
		m[u.Arn] = []any{u.Path, groups, inline(u.UserPolicyList), attached(u.AttachedManagedPolicies), b, len(u.Tags)}
	}
	for _, g := range d.GroupDetailList {
		m[g.Arn] = []any{g.Path, inline(g.GroupPolicyList), attached(g.AttachedManagedPolicies)}
	}
	for _, r := range d.RoleDetailList {
		var profiles []string
		for _, p := range r.InstanceProfileList {
			profiles = append(profiles, p.InstanceProfileName)
		}
		m[r.Arn] = []any{r.Path, doc(r.AssumeRolePolicyDocument), inline(r.RolePolicyList), attached(r.AttachedManagedPolicies), profiles}
	}
	for _, p := range d.Policies {
		if strings.Contains(p.Arn, ":aws:policy/") {
			continue // the export adds the AWS managed policies in use
		}
		m[p.Arn] = []any{p.Path, p.DefaultVersionId, doc(p.DefaultDocument())}
	}
	return m
}
