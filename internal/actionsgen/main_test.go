package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The committed data is what the generator makes from the installed
// models; on a machine without botocore there is nothing to compare with.
func TestCommittedDataIsFresh(t *testing.T) {
	dir := ModelsDir()
	if dir == "" {
		t.Skip("botocore's models are not installed; the committed data stands")
	}
	want, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(filepath.Join("..", "..", "gateway", "actions", "data", "models.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("gateway/actions/data/models.json.gz is stale: run go generate ./gateway/actions")
	}
}
