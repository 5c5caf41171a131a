package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// S3 signs its escaped path as is (the SDKs' DisableURIPathEscaping):
// keys with spaces, "//", "." or ".." verify; the other services' double
// escaping would refuse them. A path changed after signing still fails.
func TestS3PathSignedAsSent(t *testing.T) {
	creds := CredentialsFunc(func(context.Context, string, string) (string, error) { return "secret", nil })
	v := New(Config{Credentials: creds, AllowUnsignedPayload: true})
	s3 := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	for _, path := range []string{"/b/a%20key", "/b/a//b", "/b/./x/../y", "/b/%E2%82%AC+plus", "/b/k%2Fslash", "/"} {
		r, _ := http.NewRequest("GET", "http://127.0.0.1:9000"+path, nil)
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := s3.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		// What the server parses off the wire.
		got, err := http.ReadRequest(bufioReader(t, r))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyPayloadHash(got, "UNSIGNED-PAYLOAD"); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		got.URL.RawPath, got.URL.Path = "", got.URL.Path+"x"
		if _, err := v.VerifyPayloadHash(got, "UNSIGNED-PAYLOAD"); err == nil {
			t.Errorf("%s: a changed path verified", path)
		}
	}
}

// bufioReader is r as written on the wire.
func bufioReader(t *testing.T, r *http.Request) *bufio.Reader {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(&b)
}
