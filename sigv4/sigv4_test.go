package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/awserr"
)

type secrets map[string]string

func (s secrets) Secret(_ context.Context, id, token string) (string, error) {
	if token == "bad-token" {
		return "", awserr.New("ExpiredToken", 400, "The security token included in the request is expired")
	}
	if secret, ok := s[id]; ok {
		return secret, nil
	}
	return "", awserr.New("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
}

var (
	signedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	creds    = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	verifier = &Verifier{Secrets: secrets{"AKIDEXAMPLE": creds.SecretAccessKey, "ASIATEMP": "tempsecret"}, Now: func() time.Time { return signedAt.Add(time.Minute) }}
)

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signedPost builds an IAM query request signed by the AWS SDK for Go.
func signedPost(t *testing.T, c aws.Credentials, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1:8866/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hashOf([]byte(body)), "iam", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
	return r
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}

func TestSDKHeaderSignature(t *testing.T) {
	body := "Action=GetUser&Version=2010-05-08"
	r := signedPost(t, creds, body)
	res, err := verifier.Verify(context.Background(), r, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessKeyID != "AKIDEXAMPLE" || res.Region != "us-east-1" || res.Service != "iam" || res.Presigned {
		t.Fatalf("result %+v", res)
	}

	tests := []struct {
		name   string
		mutate func(r *http.Request) []byte
		code   string
	}{
		{"body changed", func(*http.Request) []byte { return []byte(body + "x") }, "SignatureDoesNotMatch"},
		{"header changed", func(r *http.Request) []byte { r.Header.Set("Content-Type", "text/plain"); return []byte(body) }, "SignatureDoesNotMatch"},
		{"host changed", func(r *http.Request) []byte { r.Host = "evil:1"; return []byte(body) }, "SignatureDoesNotMatch"},
		{"query added", func(r *http.Request) []byte { r.URL.RawQuery = "a=b"; return []byte(body) }, "SignatureDoesNotMatch"},
		{"signature edited", func(r *http.Request) []byte {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1]+string("01"[(a[len(a)-1]-'0'+1)%2]))
			return []byte(body)
		}, "SignatureDoesNotMatch"},
		{"unknown key", func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AKIDEXAMPLE", "AKIDOTHER", 1))
			return []byte(body)
		}, "InvalidClientTokenId"},
		{"scope date differs", func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20240501/", "/20240502/", 1))
			return []byte(body)
		}, "SignatureDoesNotMatch"},
		{"no signature at all", func(r *http.Request) []byte { r.Header.Del("Authorization"); return []byte(body) }, "MissingAuthenticationToken"},
		{"incomplete", func(r *http.Request) []byte {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request")
			return []byte(body)
		}, "IncompleteSignature"},
		{"bad scope", func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "/aws5_request", 1))
			return []byte(body)
		}, "IncompleteSignature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signedPost(t, creds, body)
			b := tt.mutate(r)
			_, err := verifier.Verify(context.Background(), r, b)
			if code(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	r := signedPost(t, aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "not-the-secret"}, body)
	if _, err := verifier.Verify(context.Background(), r, []byte(body)); code(err) != "SignatureDoesNotMatch" {
		t.Fatalf("got %v", err)
	}
}

func TestClockSkew(t *testing.T) {
	body := "Action=ListUsers&Version=2010-05-08"
	for _, tt := range []struct {
		offset time.Duration
		ok     bool
	}{{14 * time.Minute, true}, {-14 * time.Minute, true}, {16 * time.Minute, false}, {-16 * time.Minute, false}} {
		v := &Verifier{Secrets: verifier.Secrets, Now: func() time.Time { return signedAt.Add(tt.offset) }}
		_, err := v.Verify(context.Background(), signedPost(t, creds, body), []byte(body))
		if (err == nil) != tt.ok || !tt.ok && code(err) != "RequestExpired" {
			t.Errorf("offset %v: %v", tt.offset, err)
		}
	}
}

func TestSessionToken(t *testing.T) {
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	c := aws.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "tempsecret", SessionToken: "the-token"}
	r := signedPost(t, c, body)
	res, err := verifier.Verify(context.Background(), r, []byte(body))
	if err != nil || res.SessionToken != "the-token" {
		t.Fatalf("%+v %v", res, err)
	}
	c.SessionToken = "bad-token"
	if _, err := verifier.Verify(context.Background(), signedPost(t, c, body), []byte(body)); code(err) != "ExpiredToken" {
		t.Fatalf("lookup error not passed through: %v", err)
	}
}

func TestPresigned(t *testing.T) {
	r := httptest.NewRequest("GET", "http://localhost:8866/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "300")
	r.URL.RawQuery = q.Encode()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, emptyHash, "sts", "eu-west-1", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	pr := httptest.NewRequest("GET", u, nil)
	res, err := verifier.Verify(context.Background(), pr, nil)
	if err != nil || !res.Presigned || res.Region != "eu-west-1" || res.Service != "sts" {
		t.Fatalf("%+v %v", res, err)
	}
	late := &Verifier{Secrets: verifier.Secrets, Now: func() time.Time { return signedAt.Add(6 * time.Minute) }}
	if _, err := late.Verify(context.Background(), httptest.NewRequest("GET", u, nil), nil); code(err) != "RequestExpired" {
		t.Fatalf("expired presigned URL: %v", err)
	}
	tampered := strings.Replace(u, "GetCallerIdentity", "GetSessionToken", 1)
	if _, err := verifier.Verify(context.Background(), httptest.NewRequest("GET", tampered, nil), nil); code(err) != "SignatureDoesNotMatch" {
		t.Fatalf("tampered presigned URL: %v", err)
	}
}

// TestBotocoreSignatures verifies requests signed by botocore, which the
// aws CLI and boto3 use: header-signed POST and a presigned GET.
func TestBotocoreSignatures(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	script := `
import json, sys
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
out = []
req = AWSRequest(method="POST", url="http://127.0.0.1:8866/", data="Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa+b%2F",
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(creds, "iam", "us-east-1").add_auth(req)
out.append({"method": req.method, "url": req.url, "headers": dict(req.headers), "body": req.body.decode() if isinstance(req.body, bytes) else req.body})
req = AWSRequest(method="GET", url="http://127.0.0.1:8866/?Action=GetCallerIdentity&Version=2011-06-15")
SigV4QueryAuth(creds, "sts", "us-east-1", expires=600).add_auth(req)
out.append({"method": req.method, "url": req.url, "headers": dict(req.headers), "body": ""})
print(json.dumps(out))
`
	out, err := exec.Command("python3", "-c", script).Output()
	if err != nil {
		ee, _ := err.(*exec.ExitError)
		if ee != nil && bytes.Contains(ee.Stderr, []byte("No module named 'botocore'")) {
			t.Skip("botocore is not installed")
		}
		if ee != nil {
			t.Fatalf("%v: %s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var reqs []struct {
		Method, URL, Body string
		Headers           map[string]string
	}
	if err := json.Unmarshal(out, &reqs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	now := &Verifier{Secrets: verifier.Secrets} // botocore signs with the real clock
	for _, br := range reqs {
		r := httptest.NewRequest(br.Method, br.URL, strings.NewReader(br.Body))
		for k, v := range br.Headers {
			r.Header.Set(k, v)
		}
		if _, err := now.Verify(context.Background(), r, []byte(br.Body)); err != nil {
			t.Errorf("botocore %s %s: %v", br.Method, br.URL, err)
		}
	}
}

// TestAWSTestSuite checks canonical forms against cases from AWS's
// published SigV4 test suite (get-vanilla-query-order-key-case and
// post-x-www-form-urlencoded): same request, key and time, same signature.
func TestAWSTestSuite(t *testing.T) {
	suite := &Verifier{Secrets: secrets{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) }}
	r := httptest.NewRequest("GET", "http://example.amazonaws.com/?Param2=value2&Param1=value1", nil)
	r.Host = "example.amazonaws.com"
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
	if _, err := suite.Verify(context.Background(), r, nil); err != nil {
		t.Errorf("get-vanilla-query-order-key-case: %v", err)
	}
}

func BenchmarkVerify(b *testing.B) {
	body := "Action=GetUser&Version=2010-05-08&UserName=alice"
	r := httptest.NewRequest("POST", "http://127.0.0.1:8866/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashOf([]byte(body)), "iam", "us-east-1", signedAt); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifier.Verify(ctx, r, []byte(body)); err != nil {
			b.Fatal(err)
		}
	}
}
