package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DataLockFile is the file in a data directory that iamd serve (on the
// directory's SQLite store) and an offline import hold locked while they
// run: one process owns a SQLite store, because its change feed and read
// cache live in that process's memory, and a write from another process
// would never reach them (the server would answer from stale views).
const DataLockFile = "iamd.lock"

// ErrDataDirInUse is the error of LockDataDir when another process holds
// the directory.
var ErrDataDirInUse = errors.New("the data directory is in use")

// LockDataDir takes the data directory's lock (creating the directory),
// or fails with ErrDataDirInUse, naming the process that holds it, when
// another holds it. Close releases it; the system releases it when the
// process ends, however it ends.
func LockDataDir(dir string) (io.Closer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, DataLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // the data directory the user named
	if err != nil {
		return nil, err
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		b, _ := io.ReadAll(f) // the holder's pid, from the file already open
		f.Close()
		who := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			who = fmt.Sprintf("process %d", pid)
		}
		return nil, fmt.Errorf("%w: %s holds %s (iamd serve, or an import)", ErrDataDirInUse, who, dir)
	}
	// Who holds it, for the message above; the lock, not the text, is
	// what excludes.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
