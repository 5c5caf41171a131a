package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withoutAWS is the environment without any AWS_ variable.
func withoutAWS(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// startAgent runs `iamd imds` or `iamd container-credentials` with the
// given credentials in its environment, and waits until it listens.
func startAgent(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(iamdBin, args...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	var addr string
	for i, a := range args {
		if a == "--addr" {
			addr = args[i+1]
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start: %s", args[0], out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The agents as users run them, and the aws CLI finding them through the
// environment alone.
func TestWorkloadAgents(t *testing.T) {
	need(t, "the aws CLI", haveCommand("aws"))
	d := startDaemon(t, t.TempDir())
	root := clientEnv(d)
	aws := func(env []string, args ...string) string {
		t.Helper()
		out, err := run(t, env, "", "aws", args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	aws(root, "iam", "create-role", "--role-name", "app", "--assume-role-policy-document", trust)
	aws(root, "iam", "put-role-policy", "--role-name", "app", "--policy-name", "p", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
	aws(root, "iam", "create-instance-profile", "--instance-profile-name", "web")
	aws(root, "iam", "add-role-to-instance-profile", "--instance-profile-name", "web", "--role-name", "app")
	aws(root, "iam", "create-user", "--user-name", "ops")
	roleARN := "arn:aws:iam::" + account + ":role/app"
	aws(root, "iam", "put-user-policy", "--user-name", "ops", "--policy-name", "pass", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+roleARN+`"}]}`)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(aws(root, "iam", "create-access-key", "--user-name", "ops", "--output", "json")), &key); err != nil {
		t.Fatal(err)
	}
	agentEnv := withoutAWS("AWS_ACCESS_KEY_ID="+key.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+key.AccessKey.SecretAccessKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	workload := func(extra ...string) []string {
		return withoutAWS(append([]string{"AWS_DEFAULT_REGION=us-east-1", "AWS_ENDPOINT_URL=" + d.url, "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1"}, extra...)...)
	}
	check := func(t *testing.T, env []string, wantPrefix string) {
		t.Helper()
		arn := strings.TrimSpace(aws(env, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"))
		if !strings.HasPrefix(arn, wantPrefix) {
			t.Errorf("caller %s, want %s...", arn, wantPrefix)
		}
		aws(env, "iam", "list-users")
		out, err := run(t, env, "", "aws", "iam", "create-user", "--user-name", "nope")
		if err == nil || !strings.Contains(out, "AccessDenied") {
			t.Errorf("create-user: %v %s", err, out)
		}
	}

	t.Run("imds", func(t *testing.T) {
		addr := freeAddr(t)
		startAgent(t, agentEnv, "imds", "--server", d.url, "--instance-profile", "web", "--instance-id", "i-0abc", "--addr", addr)
		check(t, workload("AWS_EC2_METADATA_SERVICE_ENDPOINT=http://"+addr), "arn:aws:sts::"+account+":assumed-role/app/i-0abc")
	})
	t.Run("container-credentials", func(t *testing.T) {
		addr := freeAddr(t)
		tokenFile := filepath.Join(t.TempDir(), "token")
		startAgent(t, agentEnv, "container-credentials", "--server", d.url, "--role", roleARN, "--token-file", tokenFile, "--addr", addr)
		check(t, workload("AWS_EC2_METADATA_DISABLED=true", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://"+addr+"/v2/credentials",
			"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="+tokenFile), "arn:aws:sts::"+account+":assumed-role/app/")
	})
}
