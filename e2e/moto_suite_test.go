package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestMotoSuite runs moto's own IAM and STS tests against iamd (a fresh
// iamd per test; see testdata/moto-suite/conftest.py) and holds the
// outcome to testdata/moto-suite/expected-failures.tsv: a test failing
// that is not listed is a regression, a listed one that passes must leave
// the list. Why each listed test fails is in the list and in
// docs/moto-differences.md.
//
// moto's test files are third-party and stay out of the repository:
// testdata/moto-suite/fetch.sh puts the pinned version (Debian's source
// package) in a directory, and IAMD_MOTO_TESTS names it (.ci/run does
// both). The run lays out a root of its own: this repository's conftest.py
// and tests/__init__.py, moto's test files.
func TestMotoSuite(t *testing.T) {
	suite, err := filepath.Abs(filepath.Join("..", "testdata", "moto-suite"))
	if err != nil {
		t.Fatal(err)
	}
	motoDir := os.Getenv("IAMD_MOTO_TESTS")
	files, _ := filepath.Glob(filepath.Join(motoDir, "tests", "test_*", "test_*.py"))
	need(t, "moto's test files (IAMD_MOTO_TESTS: testdata/moto-suite/fetch.sh DIR)", motoDir != "" && len(files) > 0)
	need(t, "python3 with boto3 and moto", exec.Command("python3", "-c", "import boto3, moto").Run() == nil)
	need(t, "pytest (Debian's python3-pytest)", exec.Command("python3", "-c",
		"import sys; sys.path.append('/usr/lib/python3/dist-packages'); import pytest, freezegun").Run() == nil)

	root := t.TempDir()
	copyFile(t, filepath.Join(suite, "conftest.py"), filepath.Join(root, "conftest.py"))
	copyFile(t, filepath.Join(suite, "tests", "__init__.py"), filepath.Join(root, "tests", "__init__.py"))
	moto, _ := filepath.Glob(filepath.Join(motoDir, "tests", "test_*", "*.py"))
	for _, f := range moto {
		rel, _ := filepath.Rel(motoDir, f)
		copyFile(t, f, filepath.Join(root, rel))
	}

	expected := readExpectedFailures(t, filepath.Join(suite, "expected-failures.tsv"))
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command("python3", filepath.Join(suite, "run.py"), report, root)
	cmd.Env = append(os.Environ(), "IAMD_BIN="+iamdBin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run.py: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var results map[string]struct{ Outcome, Message string }
	if err := json.Unmarshal(raw, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("run.py ran no test")
	}

	passed, failed := 0, 0
	var problems []string
	for id, r := range results {
		_, listed := expected[id]
		switch {
		case r.Outcome == "passed" && listed:
			problems = append(problems, "now passes, take it off expected-failures.tsv: "+id)
		case r.Outcome == "passed":
			passed++
		case listed:
			failed++
		default:
			problems = append(problems, "fails (regression, or list it with the reason): "+id+": "+r.Message)
		}
	}
	for id := range expected {
		if _, ran := results[id]; !ran {
			problems = append(problems, "listed but did not run: "+id)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("moto's suite against iamd: %d passed, %d failed as expected-failures.tsv lists", passed, failed)
}

// readExpectedFailures reads "nodeid<TAB>category<TAB>reason" lines.
func readExpectedFailures(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, rest, ok := strings.Cut(line, "\t")
		category, reason, _ := strings.Cut(rest, "\t")
		if !ok || reason == "" {
			t.Fatalf("%s: no category and reason given: %q", path, line)
		}
		switch category {
		case "moto-only", "moto-internal", "other-partition", "iamd-differs", "unverified":
		default:
			t.Fatalf("%s: unknown category %q: %q", path, category, line)
		}
		out[id] = rest
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
