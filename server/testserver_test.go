package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/sdktest"
	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

const (
	testAccount = "123456789012"
	rootKey     = "FOOBARKEY"
	rootSecret  = "FOOBARSECRET"
)

// testServer starts a real iamd on a free port with a fresh data directory.
func testServer(t testing.TB) *server.Instance { return testServerWith(t, nil) }

// testServerWith starts a test server with options changed by set.
func testServerWith(t testing.TB, set func(*server.Options)) *server.Instance {
	t.Helper()
	opt := server.Options{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if set != nil {
		set(&opt)
	}
	inst, err := server.Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := opt.AuditLog.(*syncBuffer); ok && b.flush == nil {
		b.flush = inst.FlushAudit // its records are written off the request path
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inst.Close(ctx)
	})
	return inst
}

func awsConfig(url, key, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, token),
		Retryer:      sdktest.Retryer,
		BaseEndpoint: aws.String(url),
		// A transport of its own: a pooled connection to an earlier test's
		// server on a reused port would be closed under it.
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
	}
}

func iamClient(inst *server.Instance, key, secret string) *iam.Client {
	return iam.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
}

func stsClient(inst *server.Instance, key, secret, token string) *sts.Client {
	return sts.NewFromConfig(awsConfig(inst.URL, key, secret, token))
}

// apiCode is the AWS error code of err ("" when it is not an API error).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// must fails the test on an error.
func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantCode asserts that err is the AWS error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if apiCode(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// totpCounter is the current TOTP time step, taken with at least ten
// seconds of it left: sign-in codes are accepted one step either side, so
// a test that uses the previous step's code must not cross into the next.
func totpCounter(t testing.TB) int64 {
	t.Helper()
	for time.Now().Unix()%30 > 20 {
		time.Sleep(250 * time.Millisecond)
	}
	return totp.Counter(time.Now())
}
