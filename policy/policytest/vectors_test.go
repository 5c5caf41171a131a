package policytest

import (
	"os"
	"path/filepath"
	"testing"
)

// vectorDir is the project's copy of the shared evaluation vectors;
// IAMD_EVAL_VECTORS points at another directory of the same format (the
// held-out vectors, for instance).
func vectorDirs() []string {
	if d := os.Getenv("IAMD_EVAL_VECTORS"); d != "" {
		return []string{d}
	}
	// eval-vectors mirrors the shared vectors; eval-vectors-extra holds the
	// project's own edge cases of the spec.
	return []string{filepath.Join("..", "..", "testdata", "eval-vectors"), filepath.Join("..", "..", "testdata", "eval-vectors-extra")}
}

func TestEvalVectors(t *testing.T) {
	cases, err := LoadPaths(vectorDirs())
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
