// Package sqlite is the embedded store: one SQLite file (pure Go driver) in
// WAL mode with full synchronous commits, so every acknowledged write
// survives a crash.
//
// All writes go through one connection owned by a writer goroutine, which
// commits concurrent Update calls together (group commit): each call runs
// inside its own savepoint, so one call's failure undoes only its own
// writes, and one fsync acknowledges the whole batch. Reads use a pool of
// connections that see consistent snapshots.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/iamd/iamd/iam"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxBatch bounds how many Update calls share one commit.
const maxBatch = 256

// feedSize is how many recent changes the in-memory feed keeps.
const feedSize = 1 << 16

// Store is an iam.Store on a SQLite file.
type Store struct {
	db     *sql.DB // readers
	wdb    *sql.DB // the writer's single connection
	rstmt  *stmts  // prepared on the readers
	writes chan *writeReq
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	now    func() time.Time

	subMu sync.Mutex
	subs  []func([]iam.Change)

	// The change feed: recent committed changes, in memory. One process
	// owns a SQLite file, and views start empty, so the feed need not
	// survive a restart.
	feedMu  sync.Mutex
	feed    []iam.Change // ring of the last feedSize changes
	nextSeq int64

	commits, calls atomic.Int64 // for Stats
}

// Stats reports how many commits the writer made and how many Update
// calls they carried: their ratio is the group commit's batch size.
func (s *Store) Stats() (commits, calls int64) { return s.commits.Load(), s.calls.Load() }

// Subscribe registers fn to receive the changes of every commit, in commit
// order, before the Update calls that made them return.
func (s *Store) Subscribe(fn func([]iam.Change)) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.subs = append(s.subs, fn)
}

// publish numbers a commit's changes, records them in the feed and tells
// the subscribers.
func (s *Store) publish(changes []iam.Change) {
	if len(changes) == 0 {
		return
	}
	s.feedMu.Lock()
	for i := range changes {
		s.nextSeq++
		changes[i].Seq = s.nextSeq
		if len(s.feed) < feedSize {
			s.feed = append(s.feed, changes[i])
		} else {
			s.feed[int(s.nextSeq-1)%feedSize] = changes[i]
		}
	}
	s.feedMu.Unlock()
	s.subMu.Lock()
	subs := s.subs
	s.subMu.Unlock()
	for _, fn := range subs {
		fn(changes)
	}
}

type writeReq struct {
	ctx  context.Context
	fn   func(iam.Tx) error
	done chan error
}

// Open opens (creating if needed) the database file at path and applies
// the embedded migrations.
func Open(path string) (*Store, error) {
	// Commit with fdatasync, as SQLite's own Linux builds do: it writes
	// the data and the metadata needed to read it back (the size), so a
	// commit is as durable, but skips the timestamps fsync pushes through
	// the file system's journal on every commit. The transpiled library
	// defaults to fsync; where fdatasync does not exist this changes
	// nothing.
	_, _ = msqlite.Fdatasync(true)
	dsn := func(mode string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(OFF)")
		q.Add("_pragma", "wal_autocheckpoint(10000)") // fewer, larger checkpoints
		q.Set("_txlock", mode)
		return "file:" + path + "?" + q.Encode()
	}
	wdb, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := migrate(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		wdb.Close()
		return nil, err
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	s := &Store{db: db, wdb: wdb, writes: make(chan *writeReq, maxBatch), quit: make(chan struct{}), now: time.Now}
	// Statements are prepared once: parsing SQL was a fifth of the cost of
	// a write.
	if s.rstmt, err = prepare(db); err != nil {
		db.Close()
		wdb.Close()
		return nil, err
	}
	ready := make(chan error, 1)
	s.wg.Add(1)
	go s.writer(ready)
	if err := <-ready; err != nil {
		s.wg.Wait()
		db.Close()
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: writer: %w", path, err)
	}
	return s, nil
}

// migrate applies the migrations not yet recorded in schema_version.
func migrate(db *sql.DB) error {
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for i, name := range names {
		version := i + 1
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM schema_version WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (?)`, version); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the writer (after the writes already queued) and closes the
// database.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.quit) })
	s.wg.Wait()
	return errors.Join(s.db.Close(), s.wdb.Close())
}

var errClosed = fmt.Errorf("%w: store closed", iam.ErrUnavailable)

// Update queues fn for the writer and waits for its batch to commit.
func (s *Store) Update(ctx context.Context, fn func(iam.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the outcome must be awaited: the write may commit.
	return <-req.done
}

// View runs fn in a read-only snapshot.
func (s *Store) View(ctx context.Context, fn func(iam.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%w: %v", iam.ErrUnavailable, err)
	}
	defer tx.Rollback()
	return fn(&txn{ctx: ctx, q: tx, st: s.rstmt, now: s.now})
}

// Changes returns committed changes after seq from the in-memory feed;
// iam.ErrChangesTruncated when some were already dropped from it.
func (s *Store) Changes(_ context.Context, after int64, limit int) ([]iam.Change, error) {
	if limit <= 0 {
		limit = 1000
	}
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	oldest := s.nextSeq - int64(len(s.feed)) + 1
	if after+1 < oldest {
		return nil, &iam.TruncatedError{Oldest: oldest}
	}
	var out []iam.Change
	for seq := after + 1; seq <= s.nextSeq && len(out) < limit; seq++ {
		out = append(out, s.feed[int(seq-1)%feedSize])
	}
	return out, nil
}

// stmts are the store's statements, prepared on one database handle.
type stmts struct {
	get   *sql.Stmt    // the reader's statements; the writer has its own (writer.go)
	scan  [4]*sql.Stmt // [bounded][limited]
	count [2]*sql.Stmt // [bounded]
}

const (
	scanBase  = `SELECT key, value FROM kv WHERE account = ? AND kind = ? AND key >= ? AND key > ?`
	sqlGet    = `SELECT value FROM kv WHERE account = ? AND kind = ? AND key = ?`
	sqlPut    = `INSERT INTO kv (account, kind, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (account, kind, key) DO UPDATE SET value = excluded.value`
	sqlInsert = `INSERT INTO kv (account, kind, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlDelete = `DELETE FROM kv WHERE account = ? AND kind = ? AND key = ?`
)

var (
	scanSQL = [4]string{
		scanBase + ` ORDER BY key`,
		scanBase + ` ORDER BY key LIMIT ?`,
		scanBase + ` AND key < ? ORDER BY key`,
		scanBase + ` AND key < ? ORDER BY key LIMIT ?`,
	}
	countSQL = [2]string{
		`SELECT count(*) FROM kv WHERE account = ? AND kind = ? AND key >= ?`,
		`SELECT count(*) FROM kv WHERE account = ? AND kind = ? AND key >= ? AND key < ?`,
	}
)

func prepare(db *sql.DB) (*stmts, error) {
	var st stmts
	var err error
	p := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = db.Prepare(q)
		return s
	}
	st.get = p(sqlGet)
	for i, q := range scanSQL {
		st.scan[i] = p(q)
	}
	for i, q := range countSQL {
		st.count[i] = p(q)
	}
	return &st, err
}

// txn implements iam.Tx over a reader's *sql.Tx.
type txn struct {
	ctx context.Context
	q   *sql.Tx
	st  *stmts
	now func() time.Time
}

// stmt binds a prepared statement to the transaction's connection.
func (t *txn) stmt(s *sql.Stmt) *sql.Stmt { return t.q.StmtContext(t.ctx, s) }

var errReadOnly = errors.New("sqlite: write in a read-only transaction")

func (t *txn) Get(account, kind, key string) ([]byte, error) {
	var v []byte
	err := t.stmt(t.st.get).QueryRowContext(t.ctx, account, kind, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	return v, err
}

// A reader's snapshot is read-only: writes go through the writer (wtxn).
func (t *txn) Put(string, string, string, []byte) error    { return errReadOnly }
func (t *txn) Insert(string, string, string, []byte) error { return errReadOnly }
func (t *txn) Delete(string, string, string) error         { return errReadOnly }

func (t *txn) Scan(account, kind, prefix, after string, limit int, fn func(key string, value []byte) error) error {
	args := []any{account, kind, prefix, after}
	variant := 0
	if end, ok := iam.PrefixEnd(prefix); ok {
		args = append(args, end)
		variant += 2
	}
	if limit > 0 {
		args = append(args, limit)
		variant++
	}
	rows, err := t.stmt(t.st.scan[variant]).QueryContext(t.ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, iam.ErrStop) {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}

func (t *txn) Count(account, kind, prefix string) (int, error) {
	var n int
	var err error
	if end, ok := iam.PrefixEnd(prefix); ok {
		err = t.stmt(t.st.count[1]).QueryRowContext(t.ctx, account, kind, prefix, end).Scan(&n)
	} else {
		err = t.stmt(t.st.count[0]).QueryRowContext(t.ctx, account, kind, prefix).Scan(&n)
	}
	return n, err
}

// String describes the store for logs.
func (s *Store) String() string { return "sqlite" }

var _ iam.Store = (*Store)(nil)
