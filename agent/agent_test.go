package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/agent"
	"github.com/iamd/iamd/internal/sdktest"
	"github.com/iamd/iamd/server"
)

const (
	account    = "123456789012"
	rootKey    = "ROOTKEY"
	rootSecret = "ROOTSECRET"
	instanceID = "i-0123456789abcdef0"
)

func startIAMD(t *testing.T) *server.Instance {
	t.Helper()
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: account,
		RootKeyID: rootKey, RootSecret: rootSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

func awsCfg(url, key, secret, token string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, token),
		Retryer: sdktest.Retryer, BaseEndpoint: aws.String(url),
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func code(err error) string {
	var ae smithy.APIError
	if err != nil && asAPI(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func asAPI(err error, ae *smithy.APIError) bool {
	for e := err; e != nil; {
		if a, ok := e.(smithy.APIError); ok {
			*ae = a
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// fixture is an account with a role for a service, allowed to list users
// and nothing else, and a launcher user allowed to pass it (or not).
type fixture struct {
	inst                  *server.Instance
	roleARN               string
	launcherKey, launcher string // access key id and secret
}

func setup(t *testing.T, service string, trusted, passRole bool) *fixture {
	t.Helper()
	ctx := context.Background()
	inst := startIAMD(t)
	ic := iam.NewFromConfig(awsCfg(inst.URL, rootKey, rootSecret, ""))
	trustService := service
	if !trusted {
		trustService = "lambda.amazonaws.com"
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:SourceAccount":"%s"}}}]}`, trustService, account)
	role := must[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}))
	must[*iam.PutRolePolicyOutput](t)(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}))
	must[*iam.CreateInstanceProfileOutput](t)(ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("app")}))
	must[*iam.CreateUserOutput](t)(ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("launcher")}))
	passed := service
	if !passRole {
		passed = "glue.amazonaws.com" // PassRole to another service only
	}
	must[*iam.PutUserPolicyOutput](t)(ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("launcher"), PolicyName: aws.String("pass"),
		PolicyDocument: aws.String(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"%s",
			"Condition":{"StringEquals":{"iam:PassedToService":"%s"}}}]}`, *role.Role.Arn, passed))}))
	key := must[*iam.CreateAccessKeyOutput](t)(ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("launcher")}))
	return &fixture{inst: inst, roleARN: *role.Role.Arn, launcherKey: *key.AccessKey.AccessKeyId, launcher: *key.AccessKey.SecretAccessKey}
}

func (f *fixture) source(params url.Values) *agent.Source {
	return &agent.Source{Endpoint: f.inst.URL, Credentials: credentials.NewStaticCredentialsProvider(f.launcherKey, f.launcher, ""), Params: params}
}

// cleanEnv clears every AWS_ variable and sets those given, so that only
// they reach the SDK.
func cleanEnv(t *testing.T, env []string) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "us-east-1")
	if !strings.Contains(strings.Join(env, "\n"), "AWS_EC2_METADATA_SERVICE_ENDPOINT=") {
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// goChain loads the Go SDK's default configuration from the environment
// alone; it returns the caller's ARN, having checked that the role's
// policy allows ListUsers and not CreateUser.
func goChain(t *testing.T, env []string) (string, error) {
	t.Helper()
	cleanEnv(t, env)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
	if err != nil {
		return "", err
	}
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.ListUsers(ctx, nil); err != nil {
		t.Errorf("ListUsers (allowed): %v", err)
	}
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nope")}); code(err) != "AccessDenied" {
		t.Errorf("CreateUser: got %v, want AccessDenied", err)
	}
	return aws.ToString(id.Arn), nil
}

func startIMDS(t *testing.T, src *agent.Source, allowV1 bool, now func() time.Time) (*httptest.Server, *agent.IMDS) {
	m := &agent.IMDS{Source: src, InstanceID: instanceID, Region: "us-east-1", AllowV1: allowV1, Now: now}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv, m
}

func imdsParams() url.Values {
	return url.Values{"ServicePrincipal": {"ec2.amazonaws.com"}, "InstanceProfileName": {"web"}, "RoleSessionName": {instanceID}}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func call(t *testing.T, method, u string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestIMDSProtocol(t *testing.T) {
	f := setup(t, "ec2.amazonaws.com", true, true)
	c := &clock{t: time.Now()}
	srv, _ := startIMDS(t, f.source(imdsParams()), false, c.Now)
	ttl := "X-aws-ec2-metadata-token-ttl-seconds"
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"no TTL", nil, 400},
		{"TTL 0", map[string]string{ttl: "0"}, 400},
		{"TTL over 6 hours", map[string]string{ttl: "21601"}, 400},
		{"TTL not a number", map[string]string{ttl: "ten"}, 400},
		{"through a proxy", map[string]string{ttl: "60", "X-Forwarded-For": "10.0.0.1"}, 403},
		{"good", map[string]string{ttl: "60"}, 200},
	} {
		if st, _ := call(t, "PUT", srv.URL+"/latest/api/token", tc.hdr); st != tc.status {
			t.Errorf("PUT token %s: status %d, want %d", tc.name, st, tc.status)
		}
	}
	if st, _ := call(t, "GET", srv.URL+"/latest/api/token", map[string]string{ttl: "60"}); st != 405 {
		t.Errorf("GET token: %d", st)
	}
	_, tok := call(t, "PUT", srv.URL+"/latest/api/token", map[string]string{ttl: "60"})
	auth := map[string]string{"X-aws-ec2-metadata-token": tok}
	if st, _ := call(t, "GET", srv.URL+"/latest/meta-data/iam/info", nil); st != 401 {
		t.Errorf("IMDSv1 GET with v1 disabled: %d, want 401", st)
	}
	if st, _ := call(t, "GET", srv.URL+"/latest/meta-data/iam/info", map[string]string{"X-aws-ec2-metadata-token": tok + "x"}); st != 401 {
		t.Errorf("bad token: %d, want 401", st)
	}
	st, body := call(t, "GET", srv.URL+"/latest/meta-data/iam/info", auth)
	var info map[string]string
	if st != 200 || json.Unmarshal([]byte(body), &info) != nil || info["Code"] != "Success" ||
		info["InstanceProfileArn"] != "arn:aws:iam::"+account+":instance-profile/web" || !strings.HasPrefix(info["InstanceProfileId"], "AIPA") {
		t.Errorf("iam/info: %d %s", st, body)
	}
	if st, body := call(t, "GET", srv.URL+"/latest/meta-data/iam/security-credentials/", auth); st != 200 || body != "app" {
		t.Errorf("security-credentials/: %d %q", st, body)
	}
	st, body = call(t, "GET", srv.URL+"/latest/meta-data/iam/security-credentials/app", auth)
	var creds map[string]string
	if st != 200 || json.Unmarshal([]byte(body), &creds) != nil || creds["Code"] != "Success" || creds["Type"] != "AWS-HMAC" ||
		!strings.HasPrefix(creds["AccessKeyId"], "ASIA") || creds["Token"] == "" {
		t.Errorf("credentials: %d %s", st, body)
	}
	if st, _ := call(t, "GET", srv.URL+"/latest/meta-data/iam/security-credentials/other", auth); st != 404 {
		t.Errorf("another role: %d, want 404", st)
	}
	if st, body := call(t, "GET", srv.URL+"/latest/meta-data/instance-id", auth); st != 200 || body != instanceID {
		t.Errorf("instance-id: %d %q", st, body)
	}
	// The token expires with its TTL.
	c.Add(61 * time.Second)
	if st, _ := call(t, "GET", srv.URL+"/latest/meta-data/instance-id", auth); st != 401 {
		t.Errorf("expired token: %d, want 401", st)
	}

	// IMDSv1 when enabled.
	v1, _ := startIMDS(t, f.source(imdsParams()), true, nil)
	if st, body := call(t, "GET", v1.URL+"/latest/meta-data/iam/security-credentials/", nil); st != 200 || body != "app" {
		t.Errorf("IMDSv1: %d %q", st, body)
	}
}

// Credentials are renewed before they expire.
func TestSourceRefresh(t *testing.T) {
	f := setup(t, "ec2.amazonaws.com", true, true)
	c := &clock{t: time.Now()}
	src := f.source(imdsParams())
	src.Now = c.Now
	first := must[*agent.Credentials](t)(src.Get(context.Background()))
	c.Add(30 * time.Minute)
	if again := must[*agent.Credentials](t)(src.Get(context.Background())); again.AccessKeyID != first.AccessKeyID {
		t.Errorf("renewed with 30 minutes left")
	}
	c.Add(16 * time.Minute) // 14 minutes left of the hour
	if renewed := must[*agent.Credentials](t)(src.Get(context.Background())); renewed.AccessKeyID == first.AccessKeyID {
		t.Errorf("not renewed with 14 minutes left")
	}
}

func TestIMDSDefaultChains(t *testing.T) {
	f := setup(t, "ec2.amazonaws.com", true, true)
	srv, _ := startIMDS(t, f.source(imdsParams()), false, nil)
	env := []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + srv.URL, "AWS_ENDPOINT_URL=" + f.inst.URL}
	want := "arn:aws:sts::" + account + ":assumed-role/app/" + instanceID
	t.Run("go", func(t *testing.T) {
		arn, err := goChain(t, env)
		if err != nil || arn != want {
			t.Fatalf("got %s, %v; want %s", arn, err, want)
		}
	})
	t.Run("boto3", func(t *testing.T) {
		if got := sdktest.Boto3DefaultChain(t, env); got != want+"\nAccessDenied" {
			t.Fatalf("boto3 printed %q", got)
		}
	})
}

// Without iam:PassRole for ec2.amazonaws.com, or without the role
// trusting it, the instance gets no credentials.
func TestIMDSDenied(t *testing.T) {
	for _, tc := range []struct {
		name              string
		trusted, passRole bool
	}{
		{"no PassRole for ec2", true, false},
		{"trust policy without ec2", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, "ec2.amazonaws.com", tc.trusted, tc.passRole)
			srv, _ := startIMDS(t, f.source(imdsParams()), true, nil)
			st, body := call(t, "GET", srv.URL+"/latest/meta-data/iam/info", nil)
			if st != 200 || !strings.Contains(body, `"Code": "AccessDenied"`) {
				t.Errorf("iam/info: %d %s", st, body)
			}
			if _, err := goChain(t, []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + srv.URL, "AWS_ENDPOINT_URL=" + f.inst.URL}); err == nil {
				t.Errorf("the Go SDK got credentials")
			}
		})
	}
}

func containerParams(roleARN string) url.Values {
	return url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {roleARN}, "RoleSessionName": {"0123456789abcdef0123456789abcdef"}}
}

func startContainer(t *testing.T, src *agent.Source) (*httptest.Server, string) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("secret-token-1"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&agent.Container{Source: src, TokenFile: tokenFile}).Handler())
	t.Cleanup(srv.Close)
	return srv, tokenFile
}

func TestContainerCredentials(t *testing.T) {
	f := setup(t, "ecs-tasks.amazonaws.com", true, true)
	srv, tokenFile := startContainer(t, f.source(containerParams(f.roleARN)))
	u := srv.URL + "/v2/credentials"
	if st, _ := call(t, "GET", u, nil); st != 401 {
		t.Errorf("no token: %d", st)
	}
	if st, _ := call(t, "GET", u, map[string]string{"Authorization": "wrong"}); st != 403 {
		t.Errorf("wrong token: %d", st)
	}
	st, body := call(t, "GET", u, map[string]string{"Authorization": "secret-token-1"})
	var creds map[string]string
	if st != 200 || json.Unmarshal([]byte(body), &creds) != nil || creds["RoleArn"] != f.roleARN || !strings.HasPrefix(creds["AccessKeyId"], "ASIA") || creds["Expiration"] == "" {
		t.Errorf("credentials: %d %s", st, body)
	}

	env := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + u, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + tokenFile, "AWS_ENDPOINT_URL=" + f.inst.URL}
	want := "arn:aws:sts::" + account + ":assumed-role/app/0123456789abcdef0123456789abcdef"
	t.Run("go", func(t *testing.T) {
		arn, err := goChain(t, env)
		if err != nil || arn != want {
			t.Fatalf("got %s, %v; want %s", arn, err, want)
		}
	})
	t.Run("boto3", func(t *testing.T) {
		if got := sdktest.Boto3DefaultChain(t, env); got != want+"\nAccessDenied" {
			t.Fatalf("boto3 printed %q", got)
		}
	})
	// The token file is reread: a rotated token is required at once.
	if err := os.WriteFile(tokenFile, []byte("secret-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, _ := call(t, "GET", u, map[string]string{"Authorization": "secret-token-1"}); st != 403 {
		t.Errorf("old token after rotation: %d", st)
	}
}

func TestContainerDenied(t *testing.T) {
	for _, tc := range []struct {
		name              string
		trusted, passRole bool
	}{
		{"no PassRole for ecs-tasks", true, false},
		{"trust policy without ecs-tasks", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, "ecs-tasks.amazonaws.com", tc.trusted, tc.passRole)
			srv, tokenFile := startContainer(t, f.source(containerParams(f.roleARN)))
			if st, body := call(t, "GET", srv.URL+"/", map[string]string{"Authorization": "secret-token-1"}); st != 403 || !strings.Contains(body, "AccessDenied") {
				t.Errorf("credentials: %d %s", st, body)
			}
			env := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + srv.URL + "/", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + tokenFile, "AWS_ENDPOINT_URL=" + f.inst.URL}
			if _, err := goChain(t, env); err == nil {
				t.Errorf("the Go SDK got credentials")
			}
			if got := sdktest.Boto3DefaultChain(t, env); !strings.HasPrefix(got, "error:") {
				t.Errorf("boto3 printed %q", got)
			}
		})
	}
}

// AssumeRoleForService's refusals, as the agent sees them.
func TestAssumeRoleForServiceErrors(t *testing.T) {
	f := setup(t, "ecs-tasks.amazonaws.com", true, true)
	for _, tc := range []struct {
		name   string
		params url.Values
		code   string
	}{
		{"unknown service", url.Values{"ServicePrincipal": {"lambda.amazonaws.com"}, "RoleArn": {f.roleARN}}, "ValidationError"},
		{"ec2 with a role ARN", url.Values{"ServicePrincipal": {"ec2.amazonaws.com"}, "RoleArn": {f.roleARN}}, "ValidationError"},
		{"no such instance profile", url.Values{"ServicePrincipal": {"ec2.amazonaws.com"}, "InstanceProfileName": {"nope"}}, "NoSuchEntity"},
		{"role of another account", url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {"arn:aws:iam::999999999999:role/app"}}, "AccessDenied"},
		{"a role the caller may not pass", url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {"arn:aws:iam::" + account + ":role/other"}}, "AccessDenied"},
		{"bad session name", url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {f.roleARN}, "RoleSessionName": {"a b"}}, "ValidationError"},
		{"duration too short", url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {f.roleARN}, "DurationSeconds": {"60"}}, "ValidationError"},
		{"ecs role with its trust", url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {f.roleARN}}, ""},
		{"ec2 profile whose role does not trust ec2", url.Values{"ServicePrincipal": {"ec2.amazonaws.com"}, "InstanceProfileName": {"web"}}, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.source(tc.params).Get(context.Background())
			got := ""
			if e, ok := err.(*agent.Error); ok {
				got = e.Code
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

// Instance credentials carry ec2:SourceInstanceARN into their requests.
func TestInstanceSessionKeys(t *testing.T) {
	f := setup(t, "ec2.amazonaws.com", true, true)
	ctx := context.Background()
	ic := iam.NewFromConfig(awsCfg(f.inst.URL, rootKey, rootSecret, ""))
	must[*iam.PutRolePolicyOutput](t)(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("instance"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*",
			"Condition":{"StringEquals":{"ec2:SourceInstanceARN":"arn:aws:ec2:us-east-1:` + account + `:instance/` + instanceID + `"}}}]}`)}))
	c := must[*agent.Credentials](t)(f.source(imdsParams()).Get(ctx))
	if _, err := iam.NewFromConfig(awsCfg(f.inst.URL, c.AccessKeyID, c.SecretAccessKey, c.Token)).ListRoles(ctx, nil); err != nil {
		t.Fatalf("ListRoles on ec2:SourceInstanceARN: %v", err)
	}
	other := imdsParams()
	other.Set("RoleSessionName", "i-00000000000000000")
	c = must[*agent.Credentials](t)(f.source(other).Get(ctx))
	_, err := iam.NewFromConfig(awsCfg(f.inst.URL, c.AccessKeyID, c.SecretAccessKey, c.Token)).ListRoles(ctx, nil)
	if code(err) != "AccessDenied" {
		t.Fatalf("another instance: got %v, want AccessDenied", err)
	}
}
