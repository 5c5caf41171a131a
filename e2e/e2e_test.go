// Package e2e runs the iamd binary as users run it and drives it with the
// real clients: the aws CLI, Terraform with the AWS provider, boto3. A
// missing client skips its test, except when IAMD_E2E_REQUIRED=1 (CI),
// where it fails.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	account    = "123456789012"
	rootKey    = "FOOBARKEY"
	rootSecret = "FOOBARSECRET"
)

var iamdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "iamd-e2e")
	if err != nil {
		panic(err)
	}
	iamdBin = filepath.Join(dir, "iamd")
	build := exec.Command("go", "build", "-o", iamdBin, "../cmd/iamd")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building iamd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// need skips the test when a client is missing, or fails it in CI.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
		t.Fatalf("%s is required (IAMD_E2E_REQUIRED=1) but not available", what)
	}
	t.Skipf("%s is not available", what)
}

func haveCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// daemon is an iamd process.
type daemon struct {
	cmd  *exec.Cmd
	url  string
	data string
	logs *strings.Builder
	mu   sync.Mutex
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemon runs `iamd serve` on dataDir and waits until it is ready.
func startDaemon(t *testing.T, dataDir string, extra ...string) *daemon {
	t.Helper()
	addr := freeAddr(t)
	d := &daemon{url: "http://" + addr, data: dataDir, logs: &strings.Builder{}}
	args := append([]string{"serve", "--addr", addr, "--data", dataDir, "--account-id", account, "--log-level", "warn"}, extra...)
	d.cmd = exec.Command(iamdBin, args...)
	d.cmd.Env = append(os.Environ(), "IAMD_ROOT_ACCESS_KEY_ID="+rootKey, "IAMD_ROOT_SECRET_ACCESS_KEY="+rootSecret)
	stderr, _ := d.cmd.StderrPipe()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			d.mu.Lock()
			d.logs.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if err := d.stop(); err != nil {
			t.Logf("stopping iamd: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(d.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("iamd did not become ready:\n%s", d.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

// stop sends SIGTERM and waits for a graceful exit.
func (d *daemon) stop() error {
	if d.cmd.ProcessState != nil {
		return nil
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		return fmt.Errorf("iamd did not stop on SIGTERM")
	}
}

// kill ends the process at once (SIGKILL), as a crash would.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	d.cmd.Wait()
}

// clientEnv is the environment of a client using the root credentials.
func clientEnv(d *daemon, extra ...string) []string {
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_IAM="+d.url, "AWS_ENDPOINT_URL_STS="+d.url, "AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	return append(env, extra...)
}

func run(t *testing.T, env []string, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = env, dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
