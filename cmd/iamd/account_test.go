package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// TestAccountCreate adds an account to the data directory of a running
// server, whose new root user can then call it.
func TestAccountCreate(t *testing.T) {
	dir := t.TempDir()
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: dir, AccountID: "123456789012",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())

	t.Setenv("IAMD_ROOT_ACCESS_KEY_ID", "SECONDROOTKEY")
	t.Setenv("IAMD_ROOT_SECRET_ACCESS_KEY", "SECONDROOTSECRET")
	code, out, errOut := runCLI(t, "account", "create", "--data", dir, "--account-id", "210987654321")
	if code != 0 || !strings.Contains(out, "created account 210987654321") || !strings.Contains(out, "AWS_ACCESS_KEY_ID=SECONDROOTKEY") {
		t.Fatalf("account create: %d %q %q", code, out, errOut)
	}
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL), Credentials: credentials.NewStaticCredentialsProvider("SECONDROOTKEY", "SECONDROOTSECRET", "")})
	id, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != "210987654321" || *id.Arn != "arn:aws:iam::210987654321:root" {
		t.Fatalf("the new root user: %v %v", id, err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "create", "--data", dir, "--account-id", "210987654321"}, "exists already"},
		{[]string{"account", "create", "--data", dir, "--account-id", "12ab"}, "12 digits"},
		{[]string{"account", "create", "--data", t.TempDir()}, "no iamd data"},
	} {
		if code, _, errOut := runCLI(t, tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	code, out, _ = runCLI(t, "account", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "123456789012") || !strings.Contains(out, "210987654321") {
		t.Fatalf("account list: %d %q", code, out)
	}
}
