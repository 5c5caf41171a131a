// Package pgtest starts throw-away PostgreSQL clusters for tests: initdb in
// a temporary directory, postgres on a free loopback port, removed when
// the test (or the test binary) ends.
//
// The binaries are looked up on PATH, then in /usr/lib/postgresql/*/bin
// (Debian). Where they are absent the tests that need them skip, except
// when CI=true, where they fail. initdb refuses to run as root, so as root
// the cluster runs as the unprivileged user nobody.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options shape a cluster.
type Options struct {
	// Durable keeps fsync on (benchmarks compare durable commits); tests
	// run faster without it.
	Durable bool
}

// Cluster is a running PostgreSQL.
type Cluster struct {
	dir  string // holds data/ and the log
	port int
	bin  string
	opt  Options

	mu  sync.Mutex
	cmd *exec.Cmd
	log *os.File
}

// binDir finds the directory holding initdb and postgres; "" when absent.
func binDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs))) // newest first (one-digit majors aside)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

// Need skips (or, in CI, fails) the test when PostgreSQL is not installed.
func Need(t testing.TB) {
	t.Helper()
	if binDir() != "" {
		return
	}
	const msg = "PostgreSQL (initdb, postgres) is not installed: not on PATH nor in /usr/lib/postgresql/*/bin"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (required when CI=true)")
	}
	t.Skip(msg)
}

// New starts a cluster of the test's own, stopped when the test ends.
func New(t testing.TB, opt Options) *Cluster {
	t.Helper()
	Need(t)
	c, err := start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// credential runs the server's processes as nobody when we are root.
func credential() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT} // no orphan server if the tests die
	if os.Geteuid() == 0 {
		attr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	return attr
}

func start(opt Options) (*Cluster, error) {
	bin := binDir()
	parent := os.TempDir()
	if fi, err := os.Stat(parent); os.Geteuid() == 0 && (err != nil || fi.Mode().Perm()&0o001 == 0) {
		parent = "/tmp" // nobody must reach the cluster's directory
	}
	dir, err := os.MkdirTemp(parent, "pgtest-")
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	c := &Cluster{dir: dir, bin: bin, opt: opt}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = credential()
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			if err = c.Start(); err == nil {
				return c, nil
			}
		}
		if attempt == 3 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start (re)starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return nil
	}
	logf, err := os.OpenFile(filepath.Join(c.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"-D", filepath.Join(c.dir, "data"), "-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB"}
	if !c.opt.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off") // commits still reach the OS: they survive a crash of postgres
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = credential()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			break
		}
		select {
		case <-exited:
			logf.Close()
			return fmt.Errorf("postgres exited at start:\n%s", c.Log())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			logf.Close()
			return fmt.Errorf("postgres did not start: %w\n%s", err, c.Log())
		}
	}
	c.cmd, c.log = cmd, logf
	go func() { <-exited; c.mu.Lock(); c.exited(cmd); c.mu.Unlock() }()
	return nil
}

func (c *Cluster) exited(cmd *exec.Cmd) {
	if c.cmd == cmd {
		c.cmd = nil
		c.log.Close()
	}
}

// Stop shuts the server down at once (immediate mode: like a crash of the
// database, clients see their connections drop).
func (c *Cluster) Stop() {
	c.mu.Lock()
	cmd := c.cmd
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGQUIT)
	for {
		c.mu.Lock()
		gone := c.cmd != cmd
		c.mu.Unlock()
		if gone {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close stops the server and removes its files.
func (c *Cluster) Close() {
	c.Stop()
	os.RemoveAll(c.dir)
}

// Log returns the server's log.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	return string(b)
}

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

var dbSeq atomic.Int64

// NewDB creates an empty database and returns its URL.
func (c *Cluster) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return c.url(name)
}

// The shared cluster of a test binary, started on first use.
var (
	sharedMu  sync.Mutex
	shared    *Cluster
	sharedErr error
)

// DB returns the URL of a fresh, empty database on the test binary's
// shared cluster. Packages using it stop the cluster with Main.
func DB(t testing.TB) string {
	t.Helper()
	Need(t)
	sharedMu.Lock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start(Options{})
	}
	c, err := shared, sharedErr
	sharedMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return c.NewDB(t)
}

// Main runs the tests and then stops the shared cluster:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		shared.Close()
	}
	sharedMu.Unlock()
	return code
}
