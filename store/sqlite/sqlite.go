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
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

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
	wstmt  *stmts  // prepared on the writer
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
}

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
	if s.rstmt, err = prepare(db); err == nil {
		s.wstmt, err = prepare(wdb)
	}
	if err != nil {
		db.Close()
		wdb.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.writer()
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

// writer owns the write connection and commits batches of Update calls.
func (s *Store) writer() {
	defer s.wg.Done()
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.quit:
			// Finish what was queued before Close.
			select {
			case first = <-s.writes:
			default:
				return
			}
		}
		s.commitBatch(first)
	}
}

func (s *Store) commitBatch(first *writeReq) {
	ctx := context.Background()
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		first.done <- fmt.Errorf("%w: %v", iam.ErrUnavailable, err)
		return
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		first.done <- fmt.Errorf("%w: %v", iam.ErrUnavailable, err)
		return
	}
	t := &txn{ctx: ctx, q: tx, st: s.wstmt, write: true, now: s.now}
	var batch []*writeReq
	var changes []iam.Change
	results := map[*writeReq]error{}
	run := func(r *writeReq) {
		batch = append(batch, r)
		if err := r.ctx.Err(); err != nil {
			results[r] = err
			return
		}
		if _, err := tx.Exec(`SAVEPOINT call`); err != nil {
			results[r] = err
			return
		}
		t.changes = t.changes[:0]
		err := r.fn(t)
		if err != nil {
			_, rbErr := tx.Exec(`ROLLBACK TO call`)
			err = errors.Join(err, rbErr)
		} else {
			changes = append(changes, t.changes...)
		}
		if _, relErr := tx.Exec(`RELEASE call`); relErr != nil && err == nil {
			err = relErr
		}
		results[r] = err
	}
	run(first)
drain:
	for len(batch) < maxBatch {
		select {
		case r := <-s.writes:
			run(r)
		default:
			break drain
		}
	}
	commitErr := tx.Commit()
	if commitErr != nil {
		commitErr = fmt.Errorf("%w: commit: %v", iam.ErrUnavailable, commitErr)
	} else {
		s.publish(changes)
	}
	for _, r := range batch {
		err := results[r]
		if err == nil {
			err = commitErr
		}
		r.done <- err
	}
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
	get, put, insert, del *sql.Stmt
	scan                  [4]*sql.Stmt // [bounded][limited]
	count                 [2]*sql.Stmt // [bounded]
}

const scanBase = `SELECT key, value FROM kv WHERE account = ? AND kind = ? AND key >= ? AND key > ?`

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
	st.get = p(`SELECT value FROM kv WHERE account = ? AND kind = ? AND key = ?`)
	st.put = p(`INSERT INTO kv (account, kind, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (account, kind, key) DO UPDATE SET value = excluded.value`)
	st.insert = p(`INSERT INTO kv (account, kind, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	st.del = p(`DELETE FROM kv WHERE account = ? AND kind = ? AND key = ?`)
	st.scan[0] = p(scanBase + ` ORDER BY key`)
	st.scan[1] = p(scanBase + ` ORDER BY key LIMIT ?`)
	st.scan[2] = p(scanBase + ` AND key < ? ORDER BY key`)
	st.scan[3] = p(scanBase + ` AND key < ? ORDER BY key LIMIT ?`)
	st.count[0] = p(`SELECT count(*) FROM kv WHERE account = ? AND kind = ? AND key >= ?`)
	st.count[1] = p(`SELECT count(*) FROM kv WHERE account = ? AND kind = ? AND key >= ? AND key < ?`)
	return &st, err
}

// txn implements iam.Tx over a *sql.Tx.
type txn struct {
	ctx     context.Context
	q       *sql.Tx
	st      *stmts
	write   bool
	now     func() time.Time
	changes []iam.Change // written by the current Update call
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

func (t *txn) Put(account, kind, key string, value []byte) error {
	if !t.write {
		return errReadOnly
	}
	if value == nil {
		value = []byte{} // relations carry no value; the column is NOT NULL
	}
	if _, err := t.stmt(t.st.put).ExecContext(t.ctx, account, kind, key, value); err != nil {
		return err
	}
	return t.changed(account, kind, key)
}

func (t *txn) Insert(account, kind, key string, value []byte) error {
	if !t.write {
		return errReadOnly
	}
	if value == nil {
		value = []byte{}
	}
	res, err := t.stmt(t.st.insert).ExecContext(t.ctx, account, kind, key, value)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return iam.ErrExists
	}
	return t.changed(account, kind, key)
}

func (t *txn) Delete(account, kind, key string) error {
	if !t.write {
		return errReadOnly
	}
	res, err := t.stmt(t.st.del).ExecContext(t.ctx, account, kind, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return iam.ErrNotFound
	}
	return t.changed(account, kind, key)
}

// changed notes a write for the change feed (numbered at commit).
func (t *txn) changed(account, kind, key string) error {
	t.changes = append(t.changes, iam.Change{Account: account, Kind: kind, Key: key, Time: t.now()})
	return nil
}

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
