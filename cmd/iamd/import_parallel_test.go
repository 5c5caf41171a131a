package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// import --parallel: 1 and more import the fixture alike into --data; 0
// is a usage error that touches nothing.
func TestImportParallelFlag(t *testing.T) {
	for _, p := range []string{"1", "64"} {
		data := t.TempDir()
		code, out, errOut := runCLI(t, "import", fixture, "--data", data, "--account-id", "111122223333", "--parallel", p)
		if code != 0 || !strings.Contains(out, "23 users") {
			t.Fatalf("--parallel %s: %d %s%s", p, code, out, errOut)
		}
		code, out, errOut = runCLI(t, "who-can", "s3:PutObject", "arn:aws:s3:::artifacts/x", "--data", data, "--format", "json")
		if code != 0 || !strings.Contains(out, "arn:aws:iam::111122223333:user/ci-deploy") {
			t.Fatalf("--parallel %s: who-can %d %s%s", p, code, out, errOut)
		}
	}
	data := t.TempDir() + "/new"
	if code, _, errOut := runCLI(t, "import", fixture, "--data", data, "--parallel", "0"); code != 2 || !strings.Contains(errOut, "--parallel 0") {
		t.Errorf("--parallel 0: %d %s", code, errOut)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("--parallel 0 created the data directory: %v", err)
	}
}

// import --quota-users sets the account's quota for the import, as iamd
// serve's flag does: past it, the import stops with AWS's LimitExceeded.
func TestImportQuotaFlag(t *testing.T) {
	dump := writeFile(t, t.TempDir(), "d.json", `{"UserDetailList":[{"UserName":"a","Arn":"arn:aws:iam::111122223333:user/a"},
  {"UserName":"b","Arn":"arn:aws:iam::111122223333:user/b"},{"UserName":"c","Arn":"arn:aws:iam::111122223333:user/c"}],
  "GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`)
	code, out, errOut := runCLI(t, "import", dump, "--data", t.TempDir(), "--account-id", "111122223333", "--quota-users", "2", "--parallel", "1")
	if code == 0 || !strings.Contains(errOut, "CreateUser c") || !strings.Contains(errOut, "LimitExceeded") || !strings.Contains(out, "2 users") {
		t.Errorf("--quota-users 2: %d %s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "import", dump, "--data", t.TempDir(), "--account-id", "111122223333", "--quota-users", "3"); code != 0 || !strings.Contains(out, "3 users") {
		t.Errorf("--quota-users 3: %d %s%s", code, out, errOut)
	}
}

// import --data refuses while iamd serve runs on the directory (the
// server would never see the writes: its views live in its memory),
// saying what to do instead, and writes nothing; once the server stops,
// the same import runs.
func TestImportRefusesWhileServeRuns(t *testing.T) {
	data := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	ready, w := io.Pipe()
	go func() {
		cmd := newServeCommand()
		cmd.SetArgs([]string{"--data", data, "--addr", "127.0.0.1:0", "--audit-log", "off"})
		cmd.SetOut(w)
		cmd.SetErr(io.Discard)
		err := cmd.ExecuteContext(ctx)
		w.Close()
		served <- err
	}()
	// Serving once it prints the account it created.
	sc := bufio.NewScanner(ready)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "iamd created account") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, ready) }() // keep serve from blocking on its output
	code, out, errOut := runCLI(t, "import", fixture, "--data", data)
	if code == 0 || !strings.Contains(errOut, "in use") || !strings.Contains(errOut, "--endpoint-url") || strings.Contains(out, "imported") {
		t.Errorf("import beside iamd serve: %d %s%s", code, out, errOut)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "import", fixture, "--data", data); code != 0 || !strings.Contains(out, "23 users") {
		t.Errorf("import after iamd serve stopped: %d %s%s", code, out, errOut)
	}
}
