package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd/iamd/server"
)

// TestLockDataDir: one holder at a time; the refusal names the holder's
// process; the lock is free again once closed. An offline open is refused
// while another holds the directory, before it creates a store there.
func TestLockDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	held, err := server.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = server.LockDataDir(dir)
	if !errors.Is(err, server.ErrDataDirInUse) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	if o, err := server.OpenOffline(context.Background(), server.Options{DataDir: dir}); !errors.Is(err, server.ErrDataDirInUse) {
		if o != nil {
			o.Close()
		}
		t.Fatalf("offline open beside the holder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "iamd.db")); !os.IsNotExist(err) {
		t.Errorf("the refused open created the store: %v", err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	o, err := server.OpenOffline(context.Background(), server.Options{DataDir: dir, AccountID: "111122223333"})
	if err != nil {
		t.Fatalf("after the holder closed: %v", err)
	}
	if !o.Created || o.Account != "111122223333" || !o.Caller.Root {
		t.Errorf("offline open: account %s created %v caller %+v", o.Account, o.Created, o.Caller)
	}
	if _, err := server.LockDataDir(dir); !errors.Is(err, server.ErrDataDirInUse) {
		t.Errorf("the offline open does not hold the directory: %v", err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened: the account is there, not created again; another id is
	// refused rather than served empty.
	o, err = server.OpenOffline(context.Background(), server.Options{DataDir: dir})
	if err != nil || o.Created || o.Account != "111122223333" {
		t.Fatalf("reopen: %+v %v", o, err)
	}
	o.Close()
	if o, err := server.OpenOffline(context.Background(), server.Options{DataDir: dir, AccountID: "444455556666"}); err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
		if o != nil {
			o.Close()
		}
		t.Errorf("an account the store does not hold: %v", err)
	}
}
