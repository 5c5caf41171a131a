package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// FuzzAuthorize: whatever JSON the authorize endpoint's (authenticated)
// caller sends, the answer is a JSON decision or a 4xx AWS error, never a
// panic or a 5xx; and it never grants what alice's policies do not.
// Seeds beside these are in testdata/fuzz/FuzzAuthorize.
func FuzzAuthorize(f *testing.F) {
	s := testServer(f)
	root := iamClient(s, rootKey, rootSecret)
	for _, name := range []string{"alice", "files-service"} {
		must[*iam.CreateUserOutput](f)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	}
	must[*iam.PutUserPolicyOutput](f)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	must[*iam.PutUserPolicyOutput](f)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("files-service"), PolicyName: aws.String("ask"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)}))
	k := must[*iam.CreateAccessKeyOutput](f)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("files-service")}))
	key, secret := *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey

	for _, seed := range []string{
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::reports/q1.csv"}`,
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"*","context":{"aws:SourceIp":["10.0.0.1"]}}`,
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"*","context":{"aws:MultiFactorAuthPresent":["true"]}}`,
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"*","resourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}`,
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"*","resourceAccount":"999999999999"}`,
		`{"request":{"method":"GET","url":"https://files.example.com/x","headers":{"Authorization":["AWS4-HMAC-SHA256 Credential=AKIAX/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"],"X-Amz-Date":["20240101T000000Z"]}},"action":"s3:GetObject","resource":"*"}`,
		`{"request":{"url":"https://files.example.com/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAX%2F20240101%2Fcn-north-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=00"},"action":"s3:GetObject","resource":"*"}`,
		`{"principal":"arn:aws-cn:iam::123456789012:root","action":"s3:GetObject","resource":"*"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"*"} trailing`,
	} {
		f.Add([]byte(seed))
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, s.URL+server.AuthorizePath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		signHTTP(t, r, body, key, secret, "iam")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var out server.AuthorizeOutput
		var generic map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &generic); err != nil {
			t.Fatalf("the answer is not JSON: %q", w.Body)
		}
		json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != http.StatusOK {
			if errCode(generic) == "" {
				t.Fatalf("status %d without an error code: %s", w.Code, w.Body)
			}
			return
		}
		// alice has no MFA session here: nothing the caller says makes her
		// reports readable, except a resource policy that the caller gives.
		if out.Decision == "allowed" && out.Principal == "arn:aws:iam::123456789012:user/alice" {
			var in server.AuthorizeInput
			if json.Unmarshal(body, &in) == nil && in.ResourcePolicy == "" {
				t.Fatalf("allowed without a resource policy: %q -> %s", body, w.Body)
			}
		}
	})
}
