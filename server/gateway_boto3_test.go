package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd/iamd/server"
)

// End-to-end tests of the gateway driven by boto3 (Python), pointed at
// iamd alone, with moto server as the backend. Each test runs one Python
// script of named steps; a step's answer (its value, or the ClientError's
// code, message and status) comes back as JSON and is checked here, and
// the backend is read back directly at moto with its own credentials.

// boto3Prelude is put before every script: P holds the test's parameters
// (endpoint, credentials by name), client(service, who) makes a client
// of iamd for them, step(name, fn) records fn's answer.
const boto3Prelude = `
import json, sys, os, boto3, botocore, botocore.exceptions
from botocore.config import Config
P = json.load(sys.stdin)
OUT = {}
def client(service, who=None, creds=None, **cfg):
    k = creds or (P["creds"][who] if who else [None, None, None])
    kw = {}
    if k[0]:
        kw = dict(aws_access_key_id=k[0], aws_secret_access_key=k[1], aws_session_token=k[2] or None)
    cfg.setdefault("retries", {"max_attempts": 1})
    return boto3.session.Session().client(service, endpoint_url=P.get("endpoint_override", {}).get(service, P["endpoint"]), region_name="us-east-1", config=Config(**cfg), **kw)
def step(name, fn):
    try:
        OUT[name] = {"ok": fn()}
    except botocore.exceptions.ClientError as e:
        OUT[name] = {"code": e.response["Error"].get("Code", ""), "message": e.response["Error"].get("Message", ""),
                     "status": e.response["ResponseMetadata"].get("HTTPStatusCode", 0)}
    except Exception as e:
        OUT[name] = {"exception": type(e).__name__, "message": str(e)}
`

// boto3Answer is one step's answer.
type boto3Answer struct {
	OK        json.RawMessage `json:"ok"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Status    int             `json:"status"`
	Exception string          `json:"exception"`
}

type boto3Answers map[string]boto3Answer

// boto3Params are a script's parameters: the endpoint (iamd) and the
// credentials of each principal by name (key, secret, token).
type boto3Params struct {
	Endpoint string               `json:"endpoint"`
	Creds    map[string][3]string `json:"creds"`
	Extra    map[string]string    `json:"extra,omitempty"`
}

// runBoto3 runs the script with python3 and boto3, with no AWS settings
// but those given (no config files, no metadata service). It skips when
// python3 or boto3 is missing, unless IAMD_E2E_REQUIRED=1.
func runBoto3(t *testing.T, p boto3Params, script string) boto3Answers {
	t.Helper()
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatalf("boto3 is required (IAMD_E2E_REQUIRED=1) but not available: %v", err)
		}
		t.Skipf("boto3 not available: %v", err)
	}
	in, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "-c", boto3Prelude+script+"\nprint('\\n' + json.dumps(OUT, default=str))\n")
	dir := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "TMPDIR="+dir)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := strings.TrimSpace(stdout.String())
	var ans boto3Answers
	if err := json.Unmarshal([]byte(out[strings.LastIndexByte(out, '\n')+1:]), &ans); err != nil {
		t.Fatalf("boto3 script printed %q: %v\n%s", out, err, stderr.String())
	}
	return ans
}

// allowed asserts that the step succeeded and decodes its value into v
// (when v is not nil).
func (a boto3Answers) allowed(t *testing.T, step string, v any) {
	t.Helper()
	r, ok := a[step]
	if !ok {
		t.Fatalf("step %s did not run", step)
	}
	if r.Code != "" || r.Exception != "" {
		t.Fatalf("step %s: want success, got %+v", step, r)
	}
	if v != nil {
		if err := json.Unmarshal(r.OK, v); err != nil {
			t.Fatalf("step %s answered %s: %v", step, r.OK, err)
		}
	}
}

// denied asserts that the step raised ClientError with the code and HTTP
// status, and that its message holds each of msgs.
func (a boto3Answers) denied(t *testing.T, step, code string, status int, msgs ...string) {
	t.Helper()
	r, ok := a[step]
	if !ok {
		t.Fatalf("step %s did not run", step)
	}
	if r.Code != code || r.Status != status {
		t.Fatalf("step %s: want ClientError %s (%d), got %+v", step, code, status, r)
	}
	for _, m := range msgs {
		if !strings.Contains(r.Message, m) {
			t.Fatalf("step %s: message %q lacks %q", step, r.Message, m)
		}
	}
}

// boto3For points a script at iamd with the credentials by name, the
// account's root as "root".
func boto3For(inst *server.Instance, creds map[string][3]string) boto3Params {
	if creds == nil {
		creds = map[string][3]string{}
	}
	creds["root"] = [3]string{rootKey, rootSecret, ""}
	return boto3Params{Endpoint: inst.URL, Creds: creds}
}
