package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The gateway's signer produces what the SDK's signer does, request for
// request: the same Authorization, X-Amz-Date, query and host.
func TestSignerMatchesSDK(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, c := range []struct {
		name, method, url string
		header            map[string][]string
		length            int64
		service           string
	}{
		{"dynamodb", "POST", "http://127.0.0.1:5000/", map[string][]string{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"DynamoDB_20120810.GetItem"}, "Accept-Encoding": {"gzip"}}, 42, "dynamodb"},
		{"ignored headers", "POST", "http://127.0.0.1:5000/", map[string][]string{"User-Agent": {"x"}, "X-Amzn-Trace-Id": {"t"}, "Expect": {"100-continue"}, "Transfer-Encoding": {"chunked"}, "Authorization": {"old"}, "Content-Length": {"9"}}, 9, "sqs"},
		{"no body", "GET", "http://localhost:4566/2015-03-31/functions/f", nil, 0, "lambda"},
		{"rest path escaped twice", "GET", "http://localhost:4566/2015-03-31/functions/a%20b/x:y", nil, 0, "lambda"},
		{"s3 path escaped once", "GET", "http://127.0.0.1:9000/b/a%20key/%E2%82%AC", map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, 0, "s3"},
		{"s3 query canonical", "GET", "http://127.0.0.1:9000/b?uploads&prefix=a+b&list-type=2&z=%2F&a=2&a=1", map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, 0, "s3"},
		{"spaces in values", "PUT", "http://127.0.0.1:9000/b/k", map[string][]string{"X-Amz-Meta-A": {"  two  spaces   here "}, "X-Amz-Meta-B": {"\tx ", "y"}, "X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, 5, "s3"},
		{"default port dropped", "GET", "http://127.0.0.1:80/b/k", map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, 0, "s3"},
		{"https default port", "GET", "https://example.com:443/", nil, 0, "sns"},
		{"ipv6", "GET", "http://[::1]:5000/?Action=ListTopics", nil, 0, "sns"},
		{"stale date replaced", "POST", "http://127.0.0.1:5000/", map[string][]string{"X-Amz-Date": {"20200101T000000Z"}}, 3, "kms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			build := func() *http.Request {
				r, err := http.NewRequest(c.method, c.url, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range c.header {
					r.Header[k] = append([]string(nil), v...)
				}
				r.ContentLength = c.length
				return r
			}
			hash := sha([]byte(c.name))
			want := build()
			sdk := v4.NewSigner()
			if c.service == "s3" {
				sdk = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
			}
			if err := sdk.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: backendKey, SecretAccessKey: backendSecret}, want, hash, c.service, "eu-west-1", now); err != nil {
				t.Fatal(err)
			}
			got := build()
			s := &signer{accessKey: backendKey, secret: backendSecret, s3: c.service == "s3"}
			for i := 0; i < 2; i++ { // derived, then cached
				s.sign(got, hash, c.service, "eu-west-1", now)
			}
			for _, h := range []string{"Authorization", "X-Amz-Date"} {
				if g, w := strings.Join(got.Header[h], "|"), strings.Join(want.Header[h], "|"); g != w {
					t.Errorf("%s:\n got %s\nwant %s", h, g, w)
				}
			}
			if got.URL.RawQuery != want.URL.RawQuery || got.Host != want.Host {
				t.Errorf("query %q host %q, want %q %q", got.URL.RawQuery, got.Host, want.URL.RawQuery, want.Host)
			}
		})
	}
}

func TestSignerKeyCacheBounded(t *testing.T) {
	s := &signer{accessKey: backendKey, secret: backendSecret}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3*maxSigningKeys; i++ {
		r, _ := http.NewRequest("GET", "http://127.0.0.1:5000/", nil)
		s.sign(r, sha(nil), "sqs", "us-east-1", day.AddDate(0, 0, i))
	}
	if n := len(s.keys); n == 0 || n > maxSigningKeys {
		t.Fatalf("%d keys cached", n)
	}
}
