package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/server"
)

// startIssuer runs the oidc-issuer on loopback with a key in dir.
func startIssuer(t *testing.T, dir string) (issuerURL, keyFile string) {
	t.Helper()
	keyFile = filepath.Join(dir, "issuer.pem")
	key, err := loadOrCreateIssuerKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuerURL = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := oidcIssuerHandler(issuerURL, key)
	go func() { done <- serveOIDCIssuer(ctx, ln, h, "", "") }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return issuerURL, keyFile
}

func mintToken(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"oidc-issuer", "token"}, args...)...)
	if code != 0 {
		t.Fatalf("token %v: %d %s", args, code, errOut)
	}
	return strings.TrimSpace(out)
}

func TestOIDCIssuerDocuments(t *testing.T) {
	dir := t.TempDir()
	issuerURL, keyFile := startIssuer(t, dir)
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	get := func(path string) map[string]any {
		resp, err := http.Get(issuerURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return m
	}
	d := get("/.well-known/openid-configuration")
	if d["issuer"] != issuerURL || d["jwks_uri"] != issuerURL+"/.well-known/jwks.json" {
		t.Errorf("discovery: %v", d)
	}
	keys := get("/.well-known/jwks.json")["keys"].([]any)
	k := keys[0].(map[string]any)
	if len(keys) != 1 || k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] == "" {
		t.Errorf("jwks: %v", keys)
	}
	resp, err := http.Post(issuerURL+"/.well-known/jwks.json", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST jwks: %d", resp.StatusCode)
	}

	// The token carries the claims asked for, signed with the published key.
	tok := mintToken(t, "--key", keyFile, "--issuer-url", issuerURL, "--sub", "repo:octo-org/app:ref:refs/heads/main",
		"--aud", "sts.amazonaws.com", "--claim", "repository=octo-org/app", "--claim", "run_attempt=2", "--claim", "groups=[\"a\",\"b\"]")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", tok)
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h, c map[string]any
	_ = json.Unmarshal(hb, &h)
	_ = json.Unmarshal(pb, &c)
	if h["kid"] != k["kid"] || h["alg"] != "RS256" {
		t.Errorf("header %v, jwks kid %v", h, k["kid"])
	}
	if c["iss"] != issuerURL || c["sub"] != "repo:octo-org/app:ref:refs/heads/main" || c["aud"] != "sts.amazonaws.com" ||
		c["repository"] != "octo-org/app" || c["run_attempt"] != float64(2) || fmt.Sprint(c["groups"]) != "[a b]" || c["exp"].(float64)-c["iat"].(float64) != 3600 {
		t.Errorf("claims %v", c)
	}

	for _, bad := range [][]string{
		{"--key", keyFile, "--issuer-url", issuerURL, "--aud", "x"},                                      // no sub
		{"--key", filepath.Join(dir, "none.pem"), "--issuer-url", issuerURL, "--sub", "s", "--aud", "x"}, // no key
		{"--key", keyFile, "--issuer-url", "ftp://x", "--sub", "s", "--aud", "x"},
		{"--key", keyFile, "--issuer-url", issuerURL, "--sub", "s", "--aud", "x", "--claim", "novalue"},
	} {
		if code, _, _ := runCLI(t, append([]string{"oidc-issuer", "token"}, bad...)...); code != 2 {
			t.Errorf("token %v: exit %d, want 2", bad, code)
		}
	}
}

// TestOIDCIssuerCIRole is the walkthrough: a CI role whose trust policy
// admits tokens for one repository's main branch, tested end to end
// against a real iamd with tokens from the local issuer.
func TestOIDCIssuerCIRole(t *testing.T) {
	issuerURL, keyFile := startIssuer(t, t.TempDir())
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: "111122223333",
		RootKeyID: "AKIAOIDCISSUERTEST", RootSecret: "oidc-secret", OIDCAllowHTTP: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("AKIAOIDCISSUERTEST", "oidc-secret", "")
	ic := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL), Credentials: creds})
	host := strings.TrimPrefix(issuerURL, "http://")
	prov, err := ic.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + host),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("0", 40)}})
	if err != nil {
		t.Fatal(err)
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"%[2]s:aud":"sts.amazonaws.com","%[2]s:sub":"repo:octo-org/app:ref:refs/heads/main"}}}]}`, *prov.OpenIDConnectProviderArn, host)
	role, err := ic.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ci-deploy"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL), Credentials: aws.AnonymousCredentials{}})
	assume := func(token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("build-7"), WebIdentityToken: aws.String(token)})
	}
	token := func(sub, aud string, extra ...string) string {
		return mintToken(t, append([]string{"--key", keyFile, "--issuer-url", issuerURL, "--sub", sub, "--aud", aud}, extra...)...)
	}

	out, err := assume(token("repo:octo-org/app:ref:refs/heads/main", "sts.amazonaws.com"))
	if err != nil {
		t.Fatalf("main branch: %v", err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "repo:octo-org/app:ref:refs/heads/main" || aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::111122223333:assumed-role/ci-deploy/build-7" {
		t.Errorf("main branch: %+v", out)
	}
	for name, tok := range map[string]string{
		"feature branch": token("repo:octo-org/app:ref:refs/heads/feature-x", "sts.amazonaws.com"),
		"pull request":   token("repo:octo-org/app:pull_request", "sts.amazonaws.com"),
		"other repo":     token("repo:evil-org/app:ref:refs/heads/main", "sts.amazonaws.com"),
	} {
		_, err := assume(tok)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Errorf("%s: %v, want AccessDenied", name, err)
		}
	}
	// The provider refuses what it does not know: another audience, an
	// expired token.
	for name, tc := range map[string]struct{ tok, code string }{
		"audience": {token("repo:octo-org/app:ref:refs/heads/main", "other"), "InvalidIdentityToken"},
		"expired":  {token("repo:octo-org/app:ref:refs/heads/main", "sts.amazonaws.com", "--claim", "exp=1000", "--claim", "iat=900", "--claim", "nbf=900"), "ExpiredTokenException"},
	} {
		_, err := assume(tc.tok)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}
