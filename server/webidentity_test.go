package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/sdktest"
	"github.com/iamd/iamd/oidc/oidctest"
	"github.com/iamd/iamd/server"
)

// startServer starts iamd with options of the test's choosing.
func startServer(t testing.TB, opt server.Options) *server.Instance {
	t.Helper()
	return testServerWith(t, func(o *server.Options) {
		opt.Addr, opt.DataDir, opt.AccountID, opt.RootKeyID, opt.RootSecret, opt.Logger = o.Addr, o.DataDir, o.AccountID, o.RootKeyID, o.RootSecret, o.Logger
		*o = opt
	})
}

const ciSubject = "repo:octo-org/app:ref:refs/heads/main"

// webIdentitySetup registers the issuer as an OIDC provider and creates a
// role that trusts tokens for audience sts.amazonaws.com from one
// repository's main branch, allowed to list users and nothing else.
func webIdentitySetup(t *testing.T, inst *server.Instance, is *oidctest.Issuer) (providerKey, roleARN string) {
	t.Helper()
	ctx := context.Background()
	ic := iamClient(inst, rootKey, rootSecret)
	providerKey = strings.TrimPrefix(is.URL, "http://")
	must[*iam.CreateOpenIDConnectProviderOutput](t)(ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://" + providerKey), ClientIDList: []string{"sts.amazonaws.com", "other-client"},
		ThumbprintList: []string{strings.Repeat("a", 40)},
	}))
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/%s"},
		"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
		"Condition":{"StringEquals":{"%[2]s:aud":"sts.amazonaws.com"},"StringLike":{"%[2]s:sub":"repo:octo-org/app:ref:refs/heads/main"}}}]}`,
		testAccount, providerKey)
	role := must[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci-deploy"), AssumeRolePolicyDocument: aws.String(trust)}))
	must[*iam.PutRolePolicyOutput](t)(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci-deploy"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
			{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"%s:sub":"%s"}}}]}`, providerKey, ciSubject))}))
	return providerKey, *role.Role.Arn
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	is := oidctest.Start(t, false)
	inst := startServer(t, server.Options{OIDCAllowHTTP: true})
	providerKey, roleARN := webIdentitySetup(t, inst, is)
	ctx := context.Background()
	anon := stsClient(inst, "", "", "")
	assume := func(token string, duration int32) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("build-42"), WebIdentityToken: aws.String(token)}
		if duration != 0 {
			in.DurationSeconds = aws.Int32(duration)
		}
		return anon.AssumeRoleWithWebIdentity(ctx, in)
	}

	good := is.Claims(ciSubject, "sts.amazonaws.com")
	out, err := assume(is.Token(t, "rsa1", good), 0)
	if err != nil {
		t.Fatal(err)
	}
	providerARN := "arn:aws:iam::" + testAccount + ":oidc-provider/" + providerKey
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::"+testAccount+":assumed-role/ci-deploy/build-42" {
		t.Errorf("AssumedRoleUser.Arn = %s", got)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != ciSubject || aws.ToString(out.Audience) != "sts.amazonaws.com" || aws.ToString(out.Provider) != providerARN {
		t.Errorf("subject %q audience %q provider %q", aws.ToString(out.SubjectFromWebIdentityToken), aws.ToString(out.Audience), aws.ToString(out.Provider))
	}
	if d := time.Until(aws.ToTime(out.Credentials.Expiration)); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("default duration: expires in %v", d)
	}
	c := out.Credentials
	id := must[*sts.GetCallerIdentityOutput](t)(stsClient(inst, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, nil))
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) {
		t.Errorf("caller %s", aws.ToString(id.Arn))
	}
	roleIAM := iam.NewFromConfig(awsConfig(inst.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))
	if _, err := roleIAM.ListUsers(ctx, nil); err != nil {
		t.Errorf("ListUsers with the role's credentials: %v", err)
	}
	// The token's sub is a condition key of the session's later requests.
	if _, err := roleIAM.ListRoles(ctx, nil); err != nil {
		t.Errorf("ListRoles allowed on the session's sub claim: %v", err)
	}
	_, err = roleIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
	wantCode(t, err, "AccessDenied")

	// ES256 tokens, and the other registered audience is accepted by the
	// provider but refused by the trust policy.
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(assume(is.Token(t, "ec1", good), 900))
	_, err = assume(is.Token(t, "rsa1", is.Claims(ciSubject, "other-client")), 0)
	wantCode(t, err, "AccessDenied")

	withClaim := func(k string, v any) map[string]any {
		c := is.Claims(ciSubject, "sts.amazonaws.com")
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	other := oidctest.NewRSAKey(t)
	badSig := is.Token(t, "rsa1", good)
	badSig = badSig[:len(badSig)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[!strings.HasSuffix(badSig, "AAAA")]
	for _, tc := range []struct {
		name     string
		token    string
		duration int32
		code     string
	}{
		{"wrong audience", is.Token(t, "rsa1", withClaim("aud", "someone-else")), 0, "InvalidIdentityToken"},
		{"audience list with the client id", is.Token(t, "rsa1", withClaim("aud", []string{"x", "sts.amazonaws.com"})), 0, ""},
		{"wrong subject", is.Token(t, "rsa1", withClaim("sub", "repo:octo-org/app:ref:refs/heads/feature")), 0, "AccessDenied"},
		{"other repository", is.Token(t, "rsa1", withClaim("sub", "repo:evil/app:ref:refs/heads/main")), 0, "AccessDenied"},
		{"expired", is.Token(t, "rsa1", withClaim("exp", time.Now().Add(-10*time.Minute).Unix())), 0, "ExpiredTokenException"},
		{"expired within the clock skew", is.Token(t, "rsa1", withClaim("exp", time.Now().Add(-2*time.Minute).Unix())), 0, ""},
		{"no exp", is.Token(t, "rsa1", withClaim("exp", nil)), 0, "InvalidIdentityToken"},
		{"not yet valid", is.Token(t, "rsa1", withClaim("nbf", time.Now().Add(time.Hour).Unix())), 0, "InvalidIdentityToken"},
		{"bad signature", badSig, 0, "InvalidIdentityToken"},
		{"signed by a key the issuer does not publish", oidctest.Sign(t, "rsa1", other, good), 0, "InvalidIdentityToken"},
		{"unknown key id", oidctest.Sign(t, "rotated-away", other, good), 0, "InvalidIdentityToken"},
		{"no provider for the issuer", is.Token(t, "rsa1", withClaim("iss", "https://issuer.example.com")), 0, "InvalidIdentityToken"},
		{"not a JWT", "not-a-token", 0, "InvalidIdentityToken"},
		{"duration over the role's maximum", is.Token(t, "rsa1", good), 7200, "ValidationError"},
		{"session tags where the trust policy allows sts:TagSession", is.Token(t, "rsa1", withClaim("https://aws.amazon.com/tags", map[string]any{"principal_tags": map[string]any{"team": []string{"a"}}})), 0, ""},
		{"source identity needs sts:SetSourceIdentity", is.Token(t, "rsa1", withClaim("https://aws.amazon.com/source_identity", "alice")), 0, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assume(tc.token, tc.duration)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
		})
	}
}

// An issuer that cannot be reached is IDPCommunicationError; an http
// issuer is refused unless the server allows it.
func TestWebIdentityIssuerProblems(t *testing.T) {
	ctx := context.Background()
	is := oidctest.Start(t, false)
	strict := startServer(t, server.Options{})
	_, roleARN := webIdentitySetup(t, strict, is)
	_, err := stsClient(strict, "", "", "").AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(is.Token(t, "rsa1", is.Claims(ciSubject, "sts.amazonaws.com")))})
	wantCode(t, err, "InvalidIdentityToken")

	gone := oidctest.Start(t, false)
	inst := startServer(t, server.Options{OIDCAllowHTTP: true})
	_, roleARN = webIdentitySetup(t, inst, gone)
	token := gone.Token(t, "rsa1", gone.Claims(ciSubject, "sts.amazonaws.com"))
	gone.Server().Close()
	_, err = stsClient(inst, "", "", "").AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(token)})
	wantCode(t, err, "IDPCommunicationError")
}

// cleanAWSEnv clears every AWS_ variable and points the shared config
// files at nothing, so that only what a test sets reaches the SDK.
func cleanAWSEnv(t *testing.T) {
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
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// sdkDefaultChain loads the Go SDK's default configuration from the
// environment alone and checks what the credentials it finds may do.
func sdkDefaultChain(t *testing.T, wantARN string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity through the default chain: %v", err)
	}
	if aws.ToString(id.Arn) != wantARN {
		t.Errorf("caller %s, want %s", aws.ToString(id.Arn), wantARN)
	}
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.ListUsers(ctx, nil); err != nil {
		t.Errorf("ListUsers (allowed): %v", err)
	}
	_, err = ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("not-allowed")})
	wantCode(t, err, "AccessDenied")
}

// boto3Chain runs boto3 with the environment given (and nothing else of
// AWS's) and checks the same.
func boto3Chain(t *testing.T, env []string, wantARN string) {
	t.Helper()
	if got, want := sdktest.Boto3DefaultChain(t, env), wantARN+"\nAccessDenied"; got != want {
		t.Errorf("boto3 printed %q, want %q", got, want)
	}
}

// The SDKs' web identity provider (AWS_WEB_IDENTITY_TOKEN_FILE,
// AWS_ROLE_ARN), as a CI job or a Kubernetes pod uses it.
func TestWebIdentityDefaultChains(t *testing.T) {
	is := oidctest.Start(t, false)
	inst := startServer(t, server.Options{OIDCAllowHTTP: true})
	_, roleARN := webIdentitySetup(t, inst, is)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(is.Token(t, "rsa1", is.Claims(ciSubject, "sts.amazonaws.com"))), 0o600); err != nil {
		t.Fatal(err)
	}
	// The Go SDK's web identity provider builds its STS client before the
	// global AWS_ENDPOINT_URL is resolved; the service's own variable
	// reaches it.
	env := []string{"AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile, "AWS_ROLE_ARN=" + roleARN, "AWS_ROLE_SESSION_NAME=ci-run", "AWS_ENDPOINT_URL=" + inst.URL, "AWS_ENDPOINT_URL_STS=" + inst.URL}
	want := "arn:aws:sts::" + testAccount + ":assumed-role/ci-deploy/ci-run"
	t.Run("go", func(t *testing.T) {
		cleanAWSEnv(t)
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		sdkDefaultChain(t, want)
	})
	t.Run("boto3", func(t *testing.T) { boto3Chain(t, env, want) })

	// A token for another branch: the chain fails with the trust policy's
	// refusal.
	if err := os.WriteFile(tokenFile, []byte(is.Token(t, "rsa1", is.Claims("repo:octo-org/app:ref:refs/heads/dev", "sts.amazonaws.com"))), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("go denied", func(t *testing.T) {
		cleanAWSEnv(t)
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		cfg := must[aws.Config](t)(config.LoadDefaultConfig(context.Background()))
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), nil)
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Fatalf("got %v, want AccessDenied from AssumeRoleWithWebIdentity", err)
		}
	})
}

// The issuer rotates its keys: a token with the new key id is accepted
// once the bounded refetch interval has passed since the last fetch, and
// a flood of unknown key ids does not make iamd refetch on every token.
func TestWebIdentityKeyRotation(t *testing.T) {
	is := oidctest.Start(t, false)
	c := &testClock{t: time.Now()}
	inst := startServer(t, server.Options{OIDCAllowHTTP: true, Now: c.Now})
	_, roleARN := webIdentitySetup(t, inst, is)
	anon := stsClient(inst, "", "", "")
	assume := func(token string) error {
		_, err := anon.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
			RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(token)})
		return err
	}
	claims := is.Claims(ciSubject, "sts.amazonaws.com")
	if err := assume(is.Token(t, "rsa1", claims)); err != nil {
		t.Fatal(err)
	}
	is.AddKey("rsa2", oidctest.NewRSAKey(t))
	is.RemoveKey("rsa1")
	rotated := is.Token(t, "rsa2", claims)
	for range 5 {
		wantCode(t, assume(rotated), "InvalidIdentityToken")
	}
	if n := is.JWKSFetches.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches within the refetch interval, want 1", n)
	}
	c.Add(11 * time.Second)
	if err := assume(rotated); err != nil {
		t.Fatalf("after the refetch interval: %v", err)
	}
	if n := is.JWKSFetches.Load(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2", n)
	}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// BenchmarkAssumeRoleWithWebIdentity serves web identity exchanges (keys
// cached) through the handler, with AssumeRole by an IAM user in the same
// run as the baseline.
func BenchmarkAssumeRoleWithWebIdentity(b *testing.B) {
	is := oidctest.Start(b, false)
	inst := startServer(b, server.Options{OIDCAllowHTTP: true})
	ctx := context.Background()
	ic := iamClient(inst, rootKey, rootSecret)
	providerKey := strings.TrimPrefix(is.URL, "http://")
	must[*iam.CreateOpenIDConnectProviderOutput](b)(ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://" + providerKey), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)}}))
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/%s"},"Action":"sts:AssumeRoleWithWebIdentity",
		 "Condition":{"StringEquals":{"%[2]s:aud":"sts.amazonaws.com"},"StringLike":{"%[2]s:sub":"repo:octo-org/app:*"}}},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[1]s:root"},"Action":"sts:AssumeRole"}]}`, testAccount, providerKey)
	role := must[*iam.CreateRoleOutput](b)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench"), AssumeRolePolicyDocument: aws.String(trust)}))
	must[*iam.CreateUserOutput](b)(ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("caller")}))
	must[*iam.PutUserPolicyOutput](b)(ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("caller"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](b)(ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("caller")})).AccessKey
	host := inst.URL[len("http://"):]
	h := inst.Handler()

	claims := is.Claims(ciSubject, "sts.amazonaws.com")
	for _, kid := range []string{"rsa1", "ec1"} {
		web := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {*role.Role.Arn},
			"RoleSessionName": {"bench"}, "WebIdentityToken": {is.Token(b, kid, claims)}}
		req := signedRequest{body: []byte(web.Encode()), header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
		b.Run("AssumeRoleWithWebIdentity/"+kid, func(b *testing.B) {
			for b.Loop() {
				req.serve(b, h, host)
			}
		})
	}
	assume := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {*role.Role.Arn}, "RoleSessionName": {"bench"}}
	body := []byte(assume.Encode())
	r, _ := http.NewRequest(http.MethodPost, inst.URL+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: *key.AccessKeyId, SecretAccessKey: *key.SecretAccessKey}, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	baseline := signedRequest{body: body, header: r.Header}
	b.Run("AssumeRole/user", func(b *testing.B) {
		for b.Loop() {
			baseline.serve(b, h, host)
		}
	})
}
