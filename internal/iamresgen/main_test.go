package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate fails when iam/resources_gen.go is not what the
// catalogue gives today, so a catalogue update cannot leave it behind.
func TestGeneratedUpToDate(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "iam", "resources_gen.go")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./iam", path)
	}
	if !bytes.Contains(want, []byte(`"CreateUser":`)) {
		t.Error("the generated table has no CreateUser: the catalogue did not load")
	}
}
