package policytest

import (
	"os"
	"path/filepath"
	"testing"
)

// vectorDir is the project's copy of the shared evaluation vectors;
// IAMD_EVAL_VECTORS points at another directory of the same format (the
// held-out vectors, for instance).
func vectorDir() string {
	if d := os.Getenv("IAMD_EVAL_VECTORS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "testdata", "eval-vectors")
}

func TestEvalVectors(t *testing.T) {
	cases, err := LoadPaths([]string{vectorDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("only %d vectors loaded", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case name %s", c.Name)
		}
		names[c.Name] = true
		t.Run(filepath.Base(c.File)+"/"+c.Name, func(t *testing.T) {
			r := Run(c)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if !r.Passed() {
				t.Errorf("%s\nexpected %s, got %s\n%s", c.Why, r.Expected, r.Explanation.Decision, Describe(r))
			}
		})
	}
}
