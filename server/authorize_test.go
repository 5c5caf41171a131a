package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// signHTTP signs r with the SDK's SigV4 signer.
func signHTTP(t *testing.T, r *http.Request, body []byte, key, secret, service string) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// askAuthorize calls the authorize endpoint as key/secret.
func askAuthorize(t *testing.T, s *server.Instance, key, secret string, in any) (int, server.AuthorizeOutput, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(in)
	r, _ := http.NewRequest(http.MethodPost, s.URL+server.AuthorizePath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	signHTTP(t, r, body, key, secret, "iam")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	var out server.AuthorizeOutput
	var generic map[string]any
	// Every answer of the endpoint is JSON; a body that is not fails the test.
	if err := json.Unmarshal(raw.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, raw.Bytes())
	}
	if err := json.Unmarshal(raw.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, generic
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestAuthorizeEndpoint(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, aliceKey, aliceSecret := newUser(t, s, root, "alice")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("reports"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"},
			{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::reports/secret/*"},
			{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)}))
	_, svcKey, svcSecret := newUser(t, s, root, "files-service")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("files-service"), PolicyName: aws.String("ask"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"arn:aws:iam::123456789012:user/*"}]}`)}))
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::reports"}]}`)}))

	alice := "arn:aws:iam::123456789012:user/alice"
	cases := []struct {
		name, key, secret string
		in                map[string]any
		status            int
		decision, code    string
	}{
		{"allowed", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv"}, 200, "allowed", ""},
		{"explicit deny", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/secret/k"}, 200, "explicitDeny", ""},
		{"no allow", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:DeleteObject", "resource": "arn:aws:s3:::reports/q1.csv"}, 200, "implicitDeny", ""},
		{"context keys", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:PutObject", "resource": "arn:aws:s3:::x/y", "context": map[string][]string{"aws:SourceIp": {"10.1.2.3"}}}, 200, "allowed", ""},
		{"resource policy grants", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:PutObject", "resource": "arn:aws:s3:::drop/y",
			"resourcePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::drop/*"}]}`}, 200, "allowed", ""},
		{"role as principal (root asks)", rootKey, rootSecret, map[string]any{"principal": "arn:aws:iam::123456789012:role/reader", "action": "s3:ListBucket", "resource": "arn:aws:s3:::reports"}, 200, "allowed", ""},
		{"service may not ask about roles", svcKey, svcSecret, map[string]any{"principal": "arn:aws:iam::123456789012:role/reader", "action": "s3:ListBucket", "resource": "arn:aws:s3:::reports"}, 403, "", "AccessDenied"},
		{"caller without iamd:Authorize", aliceKey, aliceSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv"}, 403, "", "AccessDenied"},
		{"unknown principal", svcKey, svcSecret, map[string]any{"principal": "arn:aws:iam::123456789012:user/nobody", "action": "s3:GetObject", "resource": "*"}, 404, "", "NoSuchEntity"},
		{"other account", rootKey, rootSecret, map[string]any{"principal": "arn:aws:iam::999999999999:user/x", "action": "s3:GetObject", "resource": "*"}, 403, "", "AccessDenied"}, // refused before the look-up: no oracle of other accounts
		{"both principal and request", svcKey, svcSecret, map[string]any{"principal": alice, "request": map[string]any{"url": "https://x/"}, "action": "s3:GetObject", "resource": "*"}, 400, "", "ValidationError"},
		{"bad resource policy", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "*", "resourcePolicy": `{"Statement":`}, 400, "", "MalformedPolicyDocument"},
		{"unknown field", svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "*", "bogus": 1}, 400, "", "ValidationError"},
		{"bad signature", svcKey, "wrong", map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "*"}, 403, "", "SignatureDoesNotMatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out, raw := askAuthorize(t, s, tc.key, tc.secret, tc.in)
			if status != tc.status || out.Decision != tc.decision || errCode(raw) != tc.code {
				t.Fatalf("status %d decision %q error %q; want %d %q %q (%v)", status, out.Decision, errCode(raw), tc.status, tc.decision, tc.code, raw)
			}
		})
	}

	// The explanation: the deciding statement and AWS's message.
	_, out, _ := askAuthorize(t, s, svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/secret/k"})
	if len(out.MatchedStatements) != 1 || out.MatchedStatements[0].Sid != "NoSecrets" || out.MatchedStatements[0].SourcePolicyID != "reports" ||
		out.Message != "User: "+alice+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::reports/secret/k with an explicit deny in an identity-based policy" {
		t.Fatalf("explanation %+v", out)
	}

	// The encoded message decodes with sts:DecodeAuthorizationMessage.
	decode := func(key, secret, msg string) (map[string]any, error) {
		out, err := stsClient(s, key, secret, "").DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(*out.DecodedMessage), &m); err != nil {
			t.Fatal(err)
		}
		return m, nil
	}
	if out.EncodedMessage == "" {
		t.Fatal("no encoded message with the refusal")
	}
	_, err := decode(aliceKey, aliceSecret, out.EncodedMessage)
	wantCode(t, err, "AccessDenied")
	decoded, err := decode(rootKey, rootSecret, out.EncodedMessage)
	if err != nil || decoded["allowed"] != false || decoded["explicitDeny"] != true ||
		decoded["context"].(map[string]any)["action"] != "s3:GetObject" || decoded["context"].(map[string]any)["principal"].(map[string]any)["arn"] != alice {
		t.Fatalf("decoded %v %v", decoded, err)
	}
	_, err = decode(rootKey, rootSecret, "k1:bm90IGEgbWVzc2FnZQ")
	wantCode(t, err, "InvalidAuthorizationMessageException")

	_, out, _ = askAuthorize(t, s, svcKey, svcSecret, map[string]any{"principal": alice, "action": "s3:PutObject", "resource": "arn:aws:s3:::x/y"})
	if out.Decision != "implicitDeny" || len(out.MissingContextValues) != 1 || out.MissingContextValues[0] != "aws:sourceip" {
		t.Fatalf("missing keys %+v", out)
	}

	// The client's own signed request: iamd verifies it and finds alice.
	clientReq := func(secret string) map[string]any {
		r, _ := http.NewRequest(http.MethodGet, "https://files.example.com/reports/q1.csv", nil)
		signHTTP(t, r, nil, aliceKey, secret, "s3")
		r.Header.Set("Host", r.Host)
		return map[string]any{"method": "GET", "url": r.URL.String(), "headers": r.Header}
	}
	_, out, raw := askAuthorize(t, s, svcKey, svcSecret, map[string]any{"request": clientReq(aliceSecret), "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv"})
	if !out.Authenticated || out.Principal != alice || out.Decision != "allowed" {
		t.Fatalf("signed request: %v", raw)
	}
	_, out, raw = askAuthorize(t, s, svcKey, svcSecret, map[string]any{"request": clientReq("not-her-secret"), "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/q1.csv"})
	if out.Authenticated || out.Error == nil || out.Error.Code != "SignatureDoesNotMatch" || out.Decision != "" {
		t.Fatalf("forged request: %v", raw)
	}
}
