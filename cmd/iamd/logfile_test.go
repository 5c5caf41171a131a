package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLogFileReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	l, err := openLogFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("two\n")); err != nil {
		t.Fatal(err)
	} // still the moved file, until reopened
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("three\n")); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{path + ".1": "one\ntwo\n", path: "three\n"} {
		got, err := os.ReadFile(name)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
}
