package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/iamd/iamd/server"
)

// An account created with a lower id in the same second as the store's
// first one displaces it neither for --data commands nor for iamd serve:
// both use the account the store was created with, and the commands say
// which.
func TestDataDefaultAccountSameSecond(t *testing.T) {
	data := t.TempDir()
	if code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333"); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "account", "create", "--data", data, "--account-id", "000000000001"); code != 0 {
		t.Fatalf("account create: %d %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--data", data, "--format", "json")
	if code != 0 || !strings.Contains(out, "arn:aws:iam::111122223333:user/ci-deploy") {
		t.Fatalf("who-can --data: %d %s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "reading account 111122223333, the first of the 2 accounts") {
		t.Errorf("no note of the account used: %q", errOut)
	}
	// export and a second import without --account-id use it too.
	code, out, _ = runCLI(t, "export", "--data", data)
	if code != 0 || !strings.Contains(out, "arn:aws:iam::111122223333:user/ci-deploy") {
		t.Errorf("export --data: %d %.200s", code, out)
	}
	// The server started on the directory without --account-id serves it.
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(context.Background())
	if inst.Account != "111122223333" {
		t.Errorf("iamd serve's default account is %s, want the store's first 111122223333", inst.Account)
	}
}
