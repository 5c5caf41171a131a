// Package e2e runs the console's browser tests (test files only): in a
// package of their own, so that they do not add to the server package's
// test time.
package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

// TestConsoleBrowser runs console/e2e/run.mjs (playwright-core driving
// Debian's headless Chromium) against a real iamd: sign-in with a
// password and an MFA code, a user created and a policy attached, an
// access key's CSV, a malformed policy's finding at its line, the
// simulator's deciding statement, the credential report's download, the
// write forms shown to a full user and not to a read-only one, and the
// read-only user's crafted post refused with the explanation. Screenshots
// of each page go to $IAMD_ARTIFACTS/console-shots (else
// /tmp/iamd-console-shots).
//
// It is skipped only when Chromium is absent and IAMD_E2E_REQUIRED is
// unset; CI sets it and installs Chromium and the npm package (.ci/run).
func TestConsoleBrowser(t *testing.T) {
	browser, node, dir, shots := browserPrereqs(t)
	os.RemoveAll(shots)

	// The analysis fixture's account, so that its policies' ARNs are this
	// account's.
	inst := startServer(t)
	root := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL),
		Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")})
	ctx := context.Background()
	consoleUser(t, root, "admin", adminPolicy, false)
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	// A user whose password an administrator reset: it changes it first.
	consoleUser(t, root, "resetter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:ChangePassword"],"Resource":"*"}]}`, false)
	if _, err := root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("resetter"), PasswordResetRequired: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	// Enabled with older codes, so that the one the browser types is new.
	n := totp.Counter(time.Now())
	c1, _ := totp.Code(seed, n-4)
	c2, _ := totp.Code(seed, n-3)
	if _, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("admin"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		t.Fatal(err)
	}

	// The analysis fixture, for the graph.
	dump, err := analysis.LoadDump("../../analysis/testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamsync.Push(ctx, root, dump); err != nil {
		t.Fatal(err)
	}

	run, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(run, node, filepath.Join(dir, "run.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "IAMD_URL="+inst.URL, "IAMD_ACCOUNT="+inst.Account, "IAMD_PASSWORD="+consolePassword,
		"IAMD_MFA_SEED="+seed, "CHROMIUM="+browser, "IAMD_SHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("run.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatal("the browser tests did not finish")
	}
	shotsTaken, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	if len(shotsTaken) < 30 { // a screenshot of each page
		t.Fatalf("%d screenshots in %s", len(shotsTaken), shots)
	}
	// What the browser did, the API sees.
	a, err := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("e2e-user")})
	if err != nil || len(a.AttachedPolicies) != 1 || *a.AttachedPolicies[0].PolicyName != "ReadOnlyAccess" {
		t.Fatalf("e2e-user's policies: %v %v", a, err)
	}
	if p, err := root.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("e2e-user"), PolicyName: aws.String("send-messages")}); err != nil || !strings.Contains(*p.PolicyDocument, "sqs") {
		t.Fatalf("e2e-user's inline policy: %v %v", p, err)
	}
	if _, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("e2e-profile")}); err != nil {
		t.Fatalf("the browser's instance profile: %v", err)
	}
	if ps, err := root.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}); err != nil || len(ps.OpenIDConnectProviderList) != 1 {
		t.Fatalf("the browser's identity provider: %v %v", ps, err)
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("not-allowed")}); err == nil {
		t.Fatal("the reader created a user")
	}
	if lp, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("resetter")}); err != nil || lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("resetter's password still to change: %v %v", lp, err)
	}
}

const (
	rootKey         = "AKIAE2EROOTKEY000001"
	rootSecret      = "e2e-root-secret-e2e-root-secret-e2e-root"
	consolePassword = "Corr3ct-Horse-Battery"
	adminPolicy     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	readOnlyPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:GenerateCredentialReport"],"Resource":"*"}]}`
)

// startServer starts a real iamd in the analysis fixture's account (so
// that its policies' ARNs are this account's), with an audit log.
func startServer(t *testing.T) *server.Instance {
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: "111122223333",
		RootKeyID: rootKey, RootSecret: rootSecret, AuditLog: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inst.Close(ctx)
	})
	return inst
}

// consoleUser makes a user with a console password and an inline policy.
func consoleUser(t *testing.T, cl *iam.Client, name, policy string, _ bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := cl.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(consolePassword)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
}

// browserPrereqs finds Chromium, node and the installed playwright-core
// and names the screenshot folder. It skips only when Chromium is absent
// and IAMD_E2E_REQUIRED is unset (CI sets it and installs all three).
func browserPrereqs(t *testing.T) (browser, node, dir, shots string) {
	t.Helper()
	browser = os.Getenv("CHROMIUM")
	if browser == "" {
		browser, _ = exec.LookPath("chromium")
	}
	if browser == "" {
		if os.Getenv("IAMD_E2E_REQUIRED") != "" {
			t.Fatal("chromium is not installed (apt-get install chromium), and IAMD_E2E_REQUIRED is set")
		}
		t.Skip("chromium is not installed")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("chromium is here but node is not: install nodejs")
	}
	dir, _ = filepath.Abs(".")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed: run npm ci in %s (.ci/run does)", dir)
	}
	shots = "/tmp/iamd-console-shots"
	if a := os.Getenv("IAMD_ARTIFACTS"); a != "" {
		shots = filepath.Join(a, "console-shots")
	}
	return browser, node, dir, shots
}
