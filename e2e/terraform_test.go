package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// providerMirror finds the local filesystem mirror of Terraform providers:
// TF_PLUGIN_MIRROR, or /opt/tf-plugins where these machines keep it.
func providerMirror() string {
	for _, dir := range []string{os.Getenv("TF_PLUGIN_MIRROR"), "/opt/tf-plugins"} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws")); err == nil {
			return dir
		}
	}
	return ""
}

// terraformDir copies the layout in e2e/terraform to a fresh directory
// with a CLI configuration that installs providers from the mirror only.
func terraformDir(t *testing.T, mirror string) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	src, err := os.ReadFile(filepath.Join("terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "cli.tfrc")
	config := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`, mirror)
	if err := os.WriteFile(rc, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, []string{"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}
}

// TestTerraform applies a typical IAM layout with Terraform's AWS provider,
// checks that a plan right after shows no change (every Get reads back
// what was written), and destroys it.
func TestTerraform(t *testing.T) {
	mirror := providerMirror()
	need(t, "terraform", haveCommand("terraform"))
	need(t, "the AWS provider mirror", mirror != "")
	d := startDaemon(t, t.TempDir())
	dir, tfEnv := terraformDir(t, mirror)
	env := clientEnv(d, tfEnv...)
	tf := func(args ...string) (string, error) {
		return run(t, env, dir, "terraform", args...)
	}
	endpoint := "-var=endpoint=" + d.url
	if out, err := tf("init", "-input=false", "-no-color"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := tf("apply", "-auto-approve", "-input=false", "-no-color", endpoint); err != nil {
		t.Fatalf("apply: %v\n%s\n--- iamd:\n%s", err, out, d.log())
	}
	out, err := tf("plan", "-detailed-exitcode", "-input=false", "-no-color", endpoint)
	if err != nil {
		t.Fatalf("plan shows changes after apply (exit %v):\n%s", err, out)
	}
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("plan:\n%s", out)
	}
	// A changed policy document: a second version becomes the default, and
	// the plan settles again.
	bucket := "-var=artifacts_bucket=artifacts-v2"
	if out, err := tf("apply", "-auto-approve", "-input=false", "-no-color", endpoint, bucket); err != nil {
		t.Fatalf("second apply: %v\n%s\n--- iamd:\n%s", err, out, d.log())
	}
	if out, err := tf("plan", "-detailed-exitcode", "-input=false", "-no-color", endpoint, bucket); err != nil || !strings.Contains(out, "No changes.") {
		t.Fatalf("plan after the second apply (exit %v):\n%s", err, out)
	}
	if haveCommand("aws") {
		got, err := run(t, clientEnv(d), "", "aws", "iam", "get-policy", "--policy-arn", "arn:aws:iam::"+account+":policy/ci/artifacts-read", "--query", "Policy.DefaultVersionId", "--output", "text")
		if err != nil || strings.TrimSpace(got) != "v2" {
			t.Fatalf("default version after the change: %v %q, want v2", err, got)
		}
	}
	if out, err := tf("destroy", "-auto-approve", "-input=false", "-no-color", endpoint, bucket); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
}
