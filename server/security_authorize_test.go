package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// emptyHash is the SHA-256 of an empty body.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// authorizeFixture is a server with alice (allowed s3:GetObject on
// reports/* only with MFA, s3:ListBucket when her tag says so) and a
// service allowed to ask about users.
type authorizeFixture struct {
	s                     *server.Instance
	aliceKey, aliceSecret string
	svcKey, svcSecret     string
}

func newAuthorizeFixture(t *testing.T) authorizeFixture {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, aliceKey, aliceSecret := newUser(t, s, root, "alice")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
			{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"}}},
			{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}},
			{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":{"StringNotEquals":{"aws:username":"admin"}}},
			{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*"},
			{"Effect":"Allow","Action":"files:Read","Resource":"*"}]}`)}))
	_, svcKey, svcSecret := newUser(t, s, root, "files-service")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("files-service"), PolicyName: aws.String("ask"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)}))
	return authorizeFixture{s, aliceKey, aliceSecret, svcKey, svcSecret}
}

// TestAuthorizePrincipalKeysComeFromIAMD: the endpoint's caller cannot set
// the condition keys that describe the principal or its session; the keys
// it may report about the request and the resource still work.
func TestAuthorizePrincipalKeysComeFromIAMD(t *testing.T) {
	f := newAuthorizeFixture(t)
	alice := "arn:aws:iam::123456789012:user/alice"
	ask := func(action, resource string, keys map[string][]string) (int, string, string) {
		status, out, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": alice, "action": action, "resource": resource, "context": keys})
		return status, out.Decision, errCode(raw)
	}
	for _, tc := range []struct {
		key, value, action string
	}{
		{"aws:MultiFactorAuthPresent", "true", "s3:GetObject"},
		{"aws:multifactorauthpresent", "true", "s3:GetObject"}, // keys are case-insensitive
		{"aws:MultiFactorAuthAge", "1", "s3:GetObject"},
		{"aws:PrincipalTag/team", "ops", "s3:ListBucket"},
		{"AWS:PRINCIPALTAG/Team", "ops", "s3:ListBucket"},
		{"aws:username", "admin", "s3:DeleteObject"},
		{"aws:userid", "AIDAADMIN", "s3:DeleteObject"},
		{"aws:PrincipalArn", "arn:aws:iam::123456789012:user/admin", "s3:DeleteObject"},
		{"aws:PrincipalAccount", "999999999999", "s3:DeleteObject"},
		{"aws:PrincipalType", "AssumedRole", "s3:DeleteObject"},
		{"aws:PrincipalOrgID", "o-abc", "s3:DeleteObject"},
		{"aws:PrincipalIsAWSService", "true", "s3:DeleteObject"},
		{"aws:TokenIssueTime", "2030-01-01T00:00:00Z", "s3:DeleteObject"},
		{"aws:SourceIdentity", "admin", "s3:DeleteObject"},
		{"aws:FederatedProvider", "accounts.google.com", "s3:DeleteObject"},
		{"aws:ViaAWSService", "true", "s3:DeleteObject"},
		{"aws:CalledVia", "cloudformation.amazonaws.com", "s3:DeleteObject"},
		{"aws:CalledViaFirst", "cloudformation.amazonaws.com", "s3:DeleteObject"},
		{"aws:CurrentTime", "2001-01-01T00:00:00Z", "s3:DeleteObject"},
		{"aws:EpochTime", "0", "s3:DeleteObject"},
		{"aws:ResourceAccount", "999999999999", "s3:DeleteObject"},
		{"saml:sub", "admin", "s3:DeleteObject"},
		{"accounts.google.com:sub", "admin", "s3:DeleteObject"},
		{"token.actions.githubusercontent.com:sub", "repo:x/y:ref:refs/heads/main", "s3:DeleteObject"},
		{"ec2:SourceInstanceARN", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", "s3:DeleteObject"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			// Without the key, what alice may do...
			_, before, _ := ask(tc.action, "arn:aws:s3:::reports/q1.csv", nil)
			status, decision, code := ask(tc.action, "arn:aws:s3:::reports/q1.csv", map[string][]string{tc.key: {tc.value}, "aws:SourceIp": {"10.1.2.3"}})
			if status != http.StatusBadRequest || code != "InvalidParameterValue" || decision != "" {
				t.Fatalf("context %s=%s: status %d decision %q code %q; want 400 InvalidParameterValue", tc.key, tc.value, status, decision, code)
			}
			// ...is unchanged by the attempt.
			if _, after, _ := ask(tc.action, "arn:aws:s3:::reports/q1.csv", nil); after != before || before == "allowed" {
				t.Fatalf("decision before %q, after %q", before, after)
			}
		})
	}

	// The request's and the resource's keys are the caller's to report.
	if status, decision, code := ask("s3:PutObject", "arn:aws:s3:::drop/x", map[string][]string{"aws:ResourceTag/owner": {"alice"}, "aws:SourceIp": {"10.1.2.3"}, "s3:prefix": {"x/"}}); status != 200 || decision != "allowed" {
		t.Fatalf("resource tag: %d %q %q", status, decision, code)
	}
	if _, decision, _ := ask("s3:PutObject", "arn:aws:s3:::drop/x", map[string][]string{"aws:ResourceTag/owner": {"bob"}}); decision != "implicitDeny" {
		t.Fatalf("resource tag of another owner: %q", decision)
	}
}

// clientRequest is a client's GET signed as alice for service and
// region at a time, with headers or presigned for expires.
func (f authorizeFixture) clientRequest(t *testing.T, rawURL, service, region string, when time.Time, presign time.Duration) map[string]any {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	creds := aws.Credentials{AccessKeyID: f.aliceKey, SecretAccessKey: f.aliceSecret}
	signer := v4.NewSigner()
	if presign > 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(int(presign/time.Second)))
		r.URL.RawQuery = q.Encode()
		signed, hdr, err := signer.PresignHTTP(context.Background(), creds, r, emptyHash, service, region, when)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"method": "GET", "url": signed, "headers": hdr}
	}
	if err := signer.SignHTTP(context.Background(), creds, r, emptyHash, service, region, when); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Host", r.Host)
	return map[string]any{"method": "GET", "url": r.URL.String(), "headers": r.Header}
}

// TestAuthorizeClientRequestFreshAndAddressed: a client's request is
// accepted only when fresh (15 minutes, presigned or not) and addressed
// to the service that asks: its host, its credential scope's service and
// a region of the server's partition.
func TestAuthorizeClientRequestFreshAndAddressed(t *testing.T) {
	f := newAuthorizeFixture(t)
	now := time.Now()
	const files = "https://files.example.com/reports/q1.csv"
	moveURL := func(req map[string]any, to string) map[string]any {
		u, _ := url.Parse(req["url"].(string))
		v, _ := url.Parse(to)
		u.Host = v.Host
		req["url"] = u.String()
		return req
	}
	dropHost := func(req map[string]any) map[string]any {
		if h, ok := req["headers"].(http.Header); ok {
			h = h.Clone()
			h.Del("Host")
			req["headers"] = h
		}
		return req
	}
	for _, tc := range []struct {
		name string
		req  map[string]any
		code string // "" when alice is authenticated
	}{
		{"signed now", f.clientRequest(t, files, "files", "us-east-1", now, 0), ""},
		{"presigned a minute ago for a week", f.clientRequest(t, files, "files", "us-east-1", now.Add(-time.Minute), 7*24*time.Hour), ""},
		{"presigned a day ago for a week", f.clientRequest(t, files, "files", "us-east-1", now.Add(-24*time.Hour), 7*24*time.Hour), "SignatureDoesNotMatch"}, // AWS: "Signature expired" past 15 minutes
		{"presigned 16 minutes ago for an hour", f.clientRequest(t, files, "files", "us-east-1", now.Add(-16*time.Minute), time.Hour), "SignatureDoesNotMatch"},
		{"presigned 2 minutes ago for a minute", f.clientRequest(t, files, "files", "us-east-1", now.Add(-2*time.Minute), time.Minute), "RequestExpired"},
		{"signed 20 minutes ago", f.clientRequest(t, files, "files", "us-east-1", now.Add(-20*time.Minute), 0), "SignatureDoesNotMatch"},
		{"signed for another service", f.clientRequest(t, files, "iam", "us-east-1", now, 0), "SignatureDoesNotMatch"},
		{"presigned for another service", f.clientRequest(t, files, "sts", "us-east-1", now, time.Hour), "SignatureDoesNotMatch"},
		{"signed in another partition", f.clientRequest(t, files, "files", "cn-north-1", now, 0), "SignatureDoesNotMatch"},
		{"signed for another host, Host kept", moveURL(f.clientRequest(t, "https://other.example.com/reports/q1.csv", "files", "us-east-1", now, 0), files), "InvalidParameterValue"},
		{"signed for another host, Host dropped", dropHost(moveURL(f.clientRequest(t, "https://other.example.com/reports/q1.csv", "files", "us-east-1", now, 0), files)), "SignatureDoesNotMatch"},
		{"presigned for another host, Host kept", moveURL(f.clientRequest(t, "https://other.example.com/reports/q1.csv", "files", "us-east-1", now, time.Hour), files), "InvalidParameterValue"},
		{"presigned for another host, Host dropped", dropHost(moveURL(f.clientRequest(t, "https://other.example.com/reports/q1.csv", "files", "us-east-1", now, time.Hour), files)), "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"request": tc.req, "action": "files:Read", "resource": "arn:aws:files:::reports/q1.csv"})
			got := errCode(raw)
			if out.Error != nil {
				got = out.Error.Code
			}
			if tc.code == "" {
				if status != 200 || !out.Authenticated || out.Principal != "arn:aws:iam::123456789012:user/alice" || out.Decision != "allowed" {
					t.Fatalf("status %d: %v", status, raw)
				}
				return
			}
			if got != tc.code || out.Authenticated || out.Decision != "" {
				t.Fatalf("status %d: %v; want %s", status, raw, tc.code)
			}
		})
	}
}

// TestAuthorizePrincipalPartition: a principal ARN of another partition,
// or with a region, names no principal of this server; the canonical ARN
// still does.
func TestAuthorizePrincipalPartition(t *testing.T) {
	f := newAuthorizeFixture(t)
	for _, tc := range []struct {
		principal string
		status    int
		code      string
	}{
		{"arn:aws:iam::123456789012:user/alice", 200, ""},
		{"arn:aws:iam::123456789012:root", 200, ""},
		{"arn:aws-cn:iam::123456789012:user/alice", 404, "NoSuchEntity"},
		{"arn:aws-us-gov:iam::123456789012:root", 404, "NoSuchEntity"},
		{"arn:AWS:iam::123456789012:user/alice", 404, "NoSuchEntity"},
		{"arn:aws:iam:us-east-1:123456789012:root", 404, "NoSuchEntity"},
		{"arn:aws:iam:us-east-1:123456789012:user/alice", 404, "NoSuchEntity"},
	} {
		status, out, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": tc.principal, "action": "files:Read", "resource": "*"})
		if status != tc.status || errCode(raw) != tc.code {
			t.Errorf("%s: status %d %v; want %d %s", tc.principal, status, raw, tc.status, tc.code)
		}
		if tc.code == "" && out.Principal != tc.principal {
			t.Errorf("%s: answered for %s", tc.principal, out.Principal)
		}
	}
}

// TestAuthorizeBoundedJSON: a deeply nested body or resource policy is
// refused with the service's error before it is decoded.
func TestAuthorizeBoundedJSON(t *testing.T) {
	f := newAuthorizeFixture(t)
	alice := "arn:aws:iam::123456789012:user/alice"
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	status, _, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": alice, "action": "files:Read", "resource": "*",
		"resourcePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Null":{"k":` + deep + `}}}]}`})
	if status != 400 || errCode(raw) != "MalformedPolicyDocument" {
		t.Fatalf("nested resource policy: %d %v", status, raw)
	}
	body := []byte(`{"principal":"` + alice + `","action":"files:Read","resource":"*","context":{"k":` + deep + `}}`)
	r, _ := http.NewRequest(http.MethodPost, f.s.URL+server.AuthorizePath, bytes.NewReader(body))
	signHTTP(t, r, body, f.svcKey, f.svcSecret, "iam")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != 400 || errCode(answer) != "ValidationError" {
		t.Fatalf("nested body: %d %v", resp.StatusCode, answer)
	}
	if status, out, _ := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": alice, "action": "files:Read", "resource": "*"}); status != 200 || out.Decision != "allowed" {
		t.Fatalf("the legitimate call: %d %+v", status, out)
	}
}

// TestAuthorizeRoleSessionsDecidedOnTheirRole: iamd:Authorize about a role
// session is checked on the role, so a Deny on role/R holds for every
// session of R however it is named, and other roles are still answered.
func TestAuthorizeRoleSessionsDecidedOnTheirRole(t *testing.T) {
	f := newAuthorizeFixture(t)
	root := iamClient(f.s, rootKey, rootSecret)
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
	for _, name := range []string{"guarded", "open"} {
		must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String("/ops/"), AssumeRolePolicyDocument: trust}))
	}
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("files-service"), PolicyName: aws.String("not-guarded"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iamd:Authorize","Resource":"arn:aws:iam::123456789012:role/ops/guarded"}]}`)}))
	for _, tc := range []struct {
		principal string
		status    int
	}{
		{"arn:aws:iam::123456789012:role/ops/guarded", 403},
		{"arn:aws:sts::123456789012:assumed-role/guarded/any-name", 403},
		{"arn:aws:sts::123456789012:assumed-role/guarded/iamd-authorize", 403},
		{"arn:aws:iam::123456789012:role/ops/open", 200},
		{"arn:aws:sts::123456789012:assumed-role/open/any-name", 200},
	} {
		status, _, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": tc.principal, "action": "files:Read", "resource": "*"})
		if status != tc.status || tc.status == 403 && errCode(raw) != "AccessDenied" {
			t.Errorf("%s: status %d %v; want %d", tc.principal, status, raw, tc.status)
		}
	}
}
