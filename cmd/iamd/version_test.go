package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "iamd (no build information)"},
		{"go run: devel, no vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"iamd (devel) commit unknown go1.26.8"},
		{"go install of a tag", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "false"}}},
			"iamd v1.2.3 commit 0123abcd (2026-01-02T03:04:05Z) go1.26.8"},
		{"a dirty checkout", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-0123abcd+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}},
			"iamd v0.0.0-20260102030405-0123abcd+dirty commit 0123abcd with uncommitted changes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.info); got != tt.want {
				t.Errorf("versionString = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "iamd ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("iamd version printed %q, want iamd VERSION ... %s", out, runtime.Version())
	}
	if code, _, _ := runCLI(t, "version", "extra"); code == 0 {
		t.Error("iamd version took an argument")
	}
}

// TestVersionStampedByGoBuild builds the binary as a user would and checks
// that it names the commit it was built from: go build stamps vcs.revision
// in a git clone (-buildvcs=true overrides a GOFLAGS=-buildvcs=false). In a
// linked worktree, whose .git is a file, this Go finds no repository and
// stamps nothing, so there the binary must say the commit is unknown.
func TestVersionStampedByGoBuild(t *testing.T) {
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Fatalf("git %v: %v (the test runs in a git checkout)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	want := "commit " + git("rev-parse", "HEAD")
	if fi, err := os.Stat(filepath.Join(git("rev-parse", "--show-toplevel"), ".git")); err == nil && !fi.IsDir() {
		want = "commit unknown"
	}
	bin := filepath.Join(t.TempDir(), "iamd")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), want) {
		t.Errorf("iamd version printed %q, want it to contain %q", out, want)
	}
}
