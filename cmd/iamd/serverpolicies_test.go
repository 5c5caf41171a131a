package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamd/iamd/internal/mototest"
	"github.com/iamd/iamd/server"
)

// The resource policies a live server's gateway holds, read by the
// analysis commands run with --endpoint-url (GET /iamd/resource-policies).

const (
	livePolicyAccount = "111122223333"
	liveOtherAccount  = "444455556666"
)

// cliMoto runs moto server for the test (internal/mototest).
func cliMoto(t *testing.T) string { t.Helper(); return mototest.Start(t) }

// liveServer is iamd with a gateway in front of moto (no gateway when
// moto is ""), account A with a root key, and account B.
func liveServer(t *testing.T, moto string) *server.Instance {
	t.Helper()
	opt := server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: livePolicyAccount, RootKeyID: "AKIALIVEPOLICIES", RootSecret: "live-secret",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if moto != "" {
		opt.Gateway = server.GatewayOptions{Backend: moto}
	}
	inst, err := server.Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(context.Background()) })
	if _, err := inst.IAM.CreateAccount(context.Background(), liveOtherAccount, "AKIALIVEOTHER", "live-other-secret"); err != nil {
		t.Fatal(err)
	}
	return inst
}

func liveConfig(url, key, secret string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
}

// useCredentials points the AWS SDK's environment at a key.
func useCredentials(t *testing.T, key, secret string) {
	t.Helper()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
		"AWS_ENDPOINT_URL_IAM": "", "AWS_ENDPOINT_URL": ""} {
		t.Setenv(k, v)
	}
}

func whoCanPrincipals(t *testing.T, args ...string) (map[string]string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"who-can"}, append(args, "--format", "json")...)...)
	if code != 0 {
		t.Fatalf("who-can %v: exit %d\n%s%s", args, code, out, errOut)
	}
	var res []struct {
		Principal string
		Kind      string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("who-can: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, r := range res {
		m[r.Principal] = r.Kind
	}
	return m, errOut
}

// Resources A made through the gateway grant another account and one of
// A's roles; who-can --endpoint-url sees both grants. B's resources and
// their grants are not A's to read.
func TestWhoCanLiveServerResourcePolicies(t *testing.T) {
	moto := cliMoto(t)
	inst := liveServer(t, moto)
	ctx := context.Background()
	a := liveConfig(inst.URL, "AKIALIVEPOLICIES", "live-secret")
	root := awsiam.NewFromConfig(a)
	if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + livePolicyAccount + `:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	s3a := s3.NewFromConfig(a, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared-a"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + liveOtherAccount + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-a/*"},
 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + livePolicyAccount + `:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-a/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ecra := ecr.NewFromConfig(a)
	if _, err := ecra.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ecra.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(`{"Version":"2012-10-17","Statement":[
 {"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + liveOtherAccount + `:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`)}); err != nil {
		t.Fatal(err)
	}
	// B's bucket lets anyone read: A's analysis must not see it.
	s3b := s3.NewFromConfig(liveConfig(inst.URL, "AKIALIVEOTHER", "live-other-secret"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("open-b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3b.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("open-b"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::open-b/*"}]}`)}); err != nil {
		t.Fatal(err)
	}

	useCredentials(t, "AKIALIVEPOLICIES", "live-secret")
	who, errOut := whoCanPrincipals(t, "s3:GetObject", "arn:aws:s3:::shared-a/k", "--endpoint-url", inst.URL)
	if who["arn:aws:iam::"+liveOtherAccount+":root"] != "account" || who["arn:aws:iam::"+livePolicyAccount+":role/reader"] == "" {
		t.Errorf("who-can on the shared bucket: %v", who)
	}
	if !strings.Contains(errOut, "resource policies of the server's gateway") {
		t.Errorf("stderr does not say the gateway's policies were read: %q", errOut)
	}
	// The seed's repository: its grant to B's root.
	who, _ = whoCanPrincipals(t, "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:"+livePolicyAccount+":repository/app", "--endpoint-url", inst.URL)
	if who["arn:aws:iam::"+liveOtherAccount+":root"] != "account" {
		t.Errorf("who-can on the repository: %v", who)
	}
	if who, _ = whoCanPrincipals(t, "s3:GetObject", "arn:aws:s3:::open-b/k", "--endpoint-url", inst.URL); who["*"] != "" {
		t.Errorf("A's analysis read B's bucket policy: %v", who)
	}
	// max-items bounds the listing and says it was cut.
	creds := aws.Credentials{AccessKeyID: "AKIALIVEPOLICIES", SecretAccessKey: "live-secret"}
	for _, c := range []struct {
		query, truncated string
		lines            int
		status           int
	}{{"?max-items=1", "true", 1, 200}, {"?max-items=10", "", 2, 200}, {"?max-items=0", "", 0, 400}, {"?max-items=x", "", 0, 400}} {
		req, _ := http.NewRequest(http.MethodGet, inst.URL+server.ResourcePoliciesPath+c.query, nil)
		empty := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "iam", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get(server.ResourcePoliciesTruncatedHeader) != c.truncated ||
			c.status == 200 && strings.Count(string(body), "\n") != c.lines {
			t.Errorf("%s: %d truncated=%q\n%s", c.query, resp.StatusCode, resp.Header.Get(server.ResourcePoliciesTruncatedHeader), body)
		}
	}
	// An explicit file replaces the server's listing.
	empty := writeFile(t, t.TempDir(), "none.jsonl", "")
	if who, _ = whoCanPrincipals(t, "s3:GetObject", "arn:aws:s3:::shared-a/k", "--endpoint-url", inst.URL, "--resource-policies", empty); who["arn:aws:iam::"+liveOtherAccount+":root"] != "" {
		t.Errorf("--resource-policies did not replace the server's: %v", who)
	}
}

// A server without a gateway lists nothing, and the analysis says so.
func TestWhoCanLiveServerWithoutGateway(t *testing.T) {
	inst := liveServer(t, "")
	useCredentials(t, "AKIALIVEPOLICIES", "live-secret")
	_, errOut := whoCanPrincipals(t, "s3:GetObject", "arn:aws:s3:::shared-a/k", "--endpoint-url", inst.URL)
	if !strings.Contains(errOut, "no gateway") {
		t.Errorf("stderr: %q", errOut)
	}
}

// The listing is an IAM read: a user without
// iam:GetAccountAuthorizationDetails is refused (and the analysis fails
// rather than answer without the grants), one with it is not; a bad
// signature is refused.
func TestResourcePoliciesEndpointAuthorization(t *testing.T) {
	moto := cliMoto(t)
	inst := liveServer(t, moto)
	ctx := context.Background()
	root := awsiam.NewFromConfig(liveConfig(inst.URL, "AKIALIVEPOLICIES", "live-secret"))
	key := func(user, doc string) (string, string) {
		if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		if doc != "" {
			if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
				t.Fatal(err)
			}
		}
		k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
	}
	readAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
	denied := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
 {"Effect":"Deny","Action":"iam:GetAccountAuthorizationDetails","Resource":"*"}]}`
	s3a := s3.NewFromConfig(liveConfig(inst.URL, "AKIALIVEPOLICIES", "live-secret"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket-one")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("bucket-one"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + liveOtherAccount + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-one/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	nk, ns := key("nobody", "")
	dk, ds := key("denied", denied)
	rk, rs := key("auditor", readAll)
	for _, c := range []struct {
		name, key, secret string
		lines             int
		code              string
	}{
		{"no policy", nk, ns, 0, "AccessDenied"},
		{"explicit deny", dk, ds, 0, "AccessDenied"},
		{"bad signature", rk, rs + "x", 0, "SignatureDoesNotMatch"},
		{"unknown key", "AKIAUNKNOWNKEY00000", rs, 0, "InvalidClientTokenId"},
		{"auditor", rk, rs, 1, ""},
		{"root", "AKIALIVEPOLICIES", "live-secret", 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			useCredentials(t, c.key, c.secret)
			lines, _, err := serverResourcePolicies(ctx, inst.URL)
			if c.code != "" {
				if err == nil || !strings.Contains(err.Error(), c.code) {
					t.Fatalf("want %s, got %v (%d lines)", c.code, err, len(lines))
				}
				return
			}
			if err != nil || len(lines) != c.lines || lines[0].ARN != "arn:aws:s3:::bucket-one" {
				t.Fatalf("lines %+v, err %v", lines, err)
			}
		})
	}
	// who-can fails rather than answer without the grants.
	useCredentials(t, nk, ns)
	if code, _, errOut := runCLI(t, "who-can", "s3:GetObject", "arn:aws:s3:::bucket-one/k", "--endpoint-url", inst.URL); code == 0 {
		t.Errorf("who-can without the permission answered: %s", errOut)
	}
	// An unsigned request is refused too.
	resp, err := http.Get(inst.URL + server.ResourcePoliciesPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "bucket-one") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, body)
	}
}

// A function A made through the gateway runs as an administrator role:
// the server lists it with its role, and escalation --endpoint-url finds
// the user who may rewrite its code (lambda-003), not the one who may
// only read it.
func TestEscalationLiveServerExistingFunction(t *testing.T) {
	moto := cliMoto(t)
	inst := liveServer(t, moto)
	ctx := context.Background()
	a := liveConfig(inst.URL, "AKIALIVEPOLICIES", "live-secret")
	root := awsiam.NewFromConfig(a)
	lambdaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("fn-admin"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("fn-admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + livePolicyAccount + ":function:deploy"
	for user, action := range map[string]string{"dev": "lambda:UpdateFunctionCode", "viewer": "lambda:GetFunction"} {
		if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + fn + `"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	// moto checks the function's role in its own IAM: made there too.
	if _, err := awsiam.NewFromConfig(liveConfig(moto, "test", "test")).CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("fn-admin"),
		AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("index.py")
	_, _ = f.Write([]byte("def handler(e, c):\n    return 1\n"))
	_ = zw.Close()
	if _, err := lambda.NewFromConfig(a).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("deploy"),
		Role: aws.String("arn:aws:iam::123456789012:role/fn-admin"), Runtime: lambdatypes.RuntimePython312, Handler: aws.String("index.handler"),
		Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	useCredentials(t, "AKIALIVEPOLICIES", "live-secret")
	lines, _, err := serverResourcePolicies(ctx, inst.URL)
	if err != nil || len(lines) != 1 || lines[0].ARN != fn || lines[0].Role != "arn:aws:iam::"+livePolicyAccount+":role/fn-admin" {
		t.Fatalf("listing: %+v %v", lines, err)
	}
	code, out, errOut := runCLI(t, "escalation", "--endpoint-url", inst.URL, "--format", "json")
	if code != 0 {
		t.Fatalf("escalation: %d %s%s", code, out, errOut)
	}
	var res []struct {
		Principal string
		Steps     []struct{ Technique string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, r := range res {
		found[r.Principal] = r.Steps[0].Technique
	}
	if found["arn:aws:iam::"+livePolicyAccount+":user/dev"] != "lambda-003" {
		t.Errorf("dev not found through the function: %s", out)
	}
	if _, ok := found["arn:aws:iam::"+livePolicyAccount+":user/viewer"]; ok {
		t.Errorf("viewer escalates: %s", out)
	}
}

// A server that is not iamd (or an iamd before the listing) lists none:
// a note, not a failure; iamd's own refusal is a failure.
func TestServerResourcePoliciesOtherServers(t *testing.T) {
	useCredentials(t, "AKIAOTHERSERVER", "secret")
	for _, c := range []struct {
		name, body, ctype string
		status            int
		fails             bool
	}{
		{"not found", "no such path", "text/plain", 404, false},
		{"forbidden, not iamd's", "<Error><Code>Forbidden</Code></Error>", "application/xml", 403, false},
		{"an HTML page", "<html></html>", "text/html", 200, false},
		{"iamd's refusal", `{"error":{"code":"AccessDenied","message":"no"}}`, "application/json", 403, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			defer srv.Close()
			lines, note, err := serverResourcePolicies(context.Background(), srv.URL)
			if c.fails != (err != nil) || len(lines) != 0 || !c.fails && !strings.Contains(note, "lists no resource policies") {
				t.Errorf("lines %v note %q err %v", lines, note, err)
			}
		})
	}
}
