// Package postgres is the store for many iamd nodes: an iam.Store on one
// PostgreSQL database (through pgx), shared by every node.
//
// Updates run SERIALIZABLE and are run again after a serialization failure
// or a deadlock (SQLSTATE 40001, 40P01), so concurrent writers on any
// nodes never lose an update nor leave a dangling reference (write skew).
// A node's concurrent Update calls share one transaction, each in a
// savepoint, and one commit (group commit, as in store/sqlite).
//
// The change feed is a table written in each write transaction. Its
// sequence numbers are transaction ids (shifted, plus the change's place
// in its transaction), and a reader returns only the changes of
// transactions older than the oldest one still running: a change that
// commits later can never have a number below one already read, so
// following the feed by number loses nothing. After each commit the node
// announces it with NOTIFY; other nodes LISTEN and catch up at once, and
// poll as well, so a lost notification delays a change but never loses it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iamd/iamd/iam"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Channel is the LISTEN/NOTIFY channel commits are announced on.
const Channel = "iamd_changes"

// Advisory lock keys (arbitrary constants, "iamd" in ASCII and a number).
const (
	lockMigrate = 0x69616d64_0001
	lockPrune   = 0x69616d64_0002
)

// seqShift leaves room for this many changes in one transaction.
const seqShift = 20

// maxAttempts bounds how often Update runs fn after conflicts.
const maxAttempts = 100

// Options tune a store; the zero value is the default.
type Options struct {
	// Retention is how long the change feed keeps changes (default 15
	// minutes). A node further behind forgets its views and starts over.
	Retention time.Duration
	// PruneEvery is how often a node prunes the feed (default 1 minute);
	// negative: never (tests prune by hand).
	PruneEvery time.Duration
}

// Store is an iam.Store on PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	cfg    *pgx.ConnConfig // for the listener's own connection
	opt    Options
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	subMu sync.Mutex
	subs  []func([]iam.Change)

	writes   chan *writeReq
	announce atomic.Int64  // highest committed seq not yet announced
	wake     chan struct{} // wakes the announcer
	notes    chan int64    // announcements heard, for the watcher
}

// Open connects to the database at url (postgres://…), applies the
// embedded migrations (one node at a time, under an advisory lock) and
// starts listening for other nodes' commits.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	if opt.Retention <= 0 {
		opt.Retention = 15 * time.Minute
	}
	if opt.PruneEvery == 0 {
		opt.PruneEvery = time.Minute
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 5*time.Second {
		// A node that lost its database answers 503 soon, not after the
		// kernel gives up.
		cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 32
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrations: %w", unavailable(err))
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, cfg: cfg.ConnConfig, opt: opt, ctx: sctx, cancel: cancel,
		writes: make(chan *writeReq, maxBatch), wake: make(chan struct{}, 1), notes: make(chan int64, 16)}
	s.wg.Add(3)
	go s.writer()
	go s.announcer()
	go s.listener()
	if opt.PruneEvery > 0 {
		s.wg.Add(1)
		go s.pruner()
	}
	return s, nil
}

// migrate applies the migrations not yet recorded, holding an advisory
// lock so that nodes starting together apply each one once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(lockMigrate)); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(lockMigrate)) //nolint:errcheck // an unlock fails only on a broken connection, whose session (and lock) ends
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS iamd_schema_version (version int PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for i, name := range names {
		version := i + 1
		var done bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM iamd_schema_version WHERE version = $1)`, version).Scan(&done); err != nil {
			return err
		}
		if done {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO iamd_schema_version (version) VALUES ($1)`, version)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Close stops listening and closes the connections.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.pool.Close()
	})
	return nil
}

// String describes the store for logs.
func (s *Store) String() string { return "postgres" }

// Subscribe registers fn to receive the changes of this node's commits
// right after they commit. They carry Seq 0: the feed orders them (the
// watcher's position must not move past other nodes' changes yet to be
// read), and they come again through it.
func (s *Store) Subscribe(fn func([]iam.Change)) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.subs = append(s.subs, fn)
}

// Notifications delivers, soon after any node commits, the sequence
// number its commit reached. Delivery is best effort: readers poll too.
func (s *Store) Notifications() <-chan int64 { return s.notes }

// unavailable marks failures to reach the database (connection refused or
// lost, server shutting down) as iam.ErrUnavailable.
func unavailable(err error) error {
	if connFailure(err) {
		return fmt.Errorf("%w: %v", iam.ErrUnavailable, err)
	}
	return err
}

// connFailure reports whether err says the database cannot be reached,
// rather than answering about the statement.
func connFailure(err error) bool {
	if err == nil || errors.Is(err, iam.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || // connection exception
			pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || // shutting down, starting up
			pgErr.Code == "53300" // too many connections
	}
	// Anything else from pgx that is not the server's answer is the
	// connection failing.
	return true
}

// retryable reports a conflict after which the transaction may succeed
// when run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// maxBatch bounds how many Update calls share one transaction.
const maxBatch = 64

type writeReq struct {
	ctx  context.Context
	fn   func(iam.Tx) error
	done chan error
}

var errClosed = fmt.Errorf("%w: store closed", iam.ErrUnavailable)

// Update queues fn for the node's writer and waits for its commit.
func (s *Store) Update(ctx context.Context, fn func(iam.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-s.ctx.Done():
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the outcome must be awaited: the write may commit.
	return <-req.done
}

// writer runs the node's writes: the Update calls waiting when a
// transaction starts share it, each in a savepoint, and one commit (one
// flush of the log) acknowledges them all. Calls of one node then never
// conflict with each other (the per-account counters every Create*
// updates would make concurrent transactions of one account fail and
// retry, one at a time); conflicts with other nodes' writes run the
// batch again.
func (s *Store) writer() {
	defer s.wg.Done()
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.ctx.Done():
			for {
				select {
				case r := <-s.writes:
					r.done <- errClosed
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

// runBatch commits a batch, running it again after conflicts.
func (s *Store) runBatch(batch []*writeReq) {
	backoff := 500 * time.Microsecond
	for attempt := 1; ; attempt++ {
		live := batch[:0:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.done <- err // gone before it ran: nothing committed
			} else {
				live = append(live, r)
			}
		}
		batch = live
		if len(batch) == 0 {
			return
		}
		results, changes, last, err := s.attempt(batch)
		if err == nil {
			s.committed(changes, last)
			for i, r := range batch {
				r.done <- results[i]
			}
			return
		}
		if retryable(err) && attempt == maxAttempts {
			err = fmt.Errorf("postgres: gave up after %d serialization conflicts: %w", attempt, err)
		}
		if !retryable(err) || attempt == maxAttempts {
			for _, r := range batch {
				r.done <- err
			}
			return
		}
		// Jitter keeps the conflicting nodes from meeting again.
		time.Sleep(backoff/2 + rand.N(backoff)) //nolint:gosec // jitter, not a secret
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// begin starts a transaction. The connections the pool kept die with a
// restarted server: on a failure the pool drops them all, and since
// nothing was sent yet, begin tries again on a new one.
func (s *Store) begin(ctx context.Context, opt pgx.TxOptions) (pgx.Tx, error) {
	var err error
	for range 2 {
		var tx pgx.Tx
		if tx, err = s.pool.BeginTx(ctx, opt); err == nil {
			return tx, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !s.lost(err) {
			break
		}
	}
	return nil, unavailable(err)
}

// lost reports whether err is a failure of the connection rather than an
// answer of the server, and then drops the pool's connections, which may
// all be dead: the next ones are new.
func (s *Store) lost(err error) bool {
	if !connFailure(err) {
		return false
	}
	s.pool.Reset()
	return true
}

// attempt runs a batch in one SERIALIZABLE transaction: the calls' own
// results, and an error that concerns them all (a conflict: run again).
func (s *Store) attempt(batch []*writeReq) ([]error, []iam.Change, int64, error) {
	// The callers' contexts do not end the shared transaction.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.begin(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return nil, nil, 0, err
	}
	defer tx.Rollback(context.Background()) // nothing after Commit
	t := &txn{ctx: ctx, tx: tx, write: true}
	results := make([]error, len(batch))
	savepoints := len(batch) > 1
	ok := 0
	for i, r := range batch {
		if savepoints {
			sql := "SAVEPOINT call"
			if i > 0 {
				sql = "RELEASE SAVEPOINT call; SAVEPOINT call"
			}
			if _, err := tx.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				s.lost(err)
				return nil, nil, 0, unavailable(err)
			}
		}
		mark := len(t.changes)
		ferr := r.fn(t)
		switch {
		case t.err != nil && (retryable(t.err) || connFailure(t.err) || !savepoints):
			// A conflict (fn may have hidden it) dooms the transaction; so
			// does a lost connection.
			s.lost(t.err)
			return nil, nil, 0, unavailable(t.err)
		case t.err != nil, ferr != nil:
			// This call alone fails: undo its writes.
			if ferr == nil {
				ferr = t.err
			}
			if savepoints {
				if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT call", pgx.QueryExecModeSimpleProtocol); err != nil {
					s.lost(err)
					return nil, nil, 0, unavailable(err)
				}
			}
			t.err, t.changes = nil, t.changes[:mark]
		default:
			ok++
		}
		results[i] = ferr
	}
	if ok == 0 {
		return results, nil, 0, nil // nothing to commit
	}
	var last int64
	if len(t.changes) > 0 {
		if len(t.changes) >= 1<<seqShift {
			return nil, nil, 0, fmt.Errorf("postgres: %d writes in one transaction, at most %d", len(t.changes), 1<<seqShift-1)
		}
		accounts, kinds, keys := make([][]byte, len(t.changes)), make([][]byte, len(t.changes)), make([][]byte, len(t.changes))
		for i, c := range t.changes {
			accounts[i], kinds[i], keys[i] = []byte(c.Account), []byte(c.Kind), []byte(c.Key)
		}
		err := tx.QueryRow(ctx, `WITH ins AS (
			INSERT INTO iamd_changes (seq, account, kind, key)
			SELECT (pg_current_xact_id()::text::bigint << 20) + n, a, k, y
			FROM unnest($1::bytea[], $2::bytea[], $3::bytea[]) WITH ORDINALITY AS c(a, k, y, n)
			RETURNING seq)
			SELECT max(seq) FROM ins`, accounts, kinds, keys).Scan(&last)
		if err != nil {
			s.lost(err)
			return nil, nil, 0, unavailable(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// A lost connection leaves the outcome unknown: the client is told
		// the service is unavailable and may retry.
		s.lost(err)
		return nil, nil, 0, unavailable(err)
	}
	return results, t.changes, last, nil
}

// committed tells this node's subscribers and the other nodes about a
// commit.
func (s *Store) committed(changes []iam.Change, last int64) {
	if len(changes) == 0 {
		return
	}
	s.subMu.Lock()
	subs := s.subs
	s.subMu.Unlock()
	for _, fn := range subs {
		fn(changes)
	}
	s.toAnnounce(last)
}

// toAnnounce queues a commit's last seq for the announcer.
func (s *Store) toAnnounce(last int64) {
	for {
		cur := s.announce.Load()
		if last <= cur || s.announce.CompareAndSwap(cur, last) {
			break
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// announcer sends NOTIFY for commits, several at once when they come
// faster than it can. NOTIFY in the write transactions would serialize
// their commits (PostgreSQL takes a global lock to queue notifications);
// a notification of its own, committed without waiting for the disk,
// costs the writers nothing.
func (s *Store) announcer() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
		seq := s.announce.Swap(0)
		if seq == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		// Simple protocol, one round trip; the payload is a number.
		_, err := s.pool.Exec(ctx, "BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify('"+Channel+"', '"+strconv.FormatInt(seq, 10)+"'); COMMIT", pgx.QueryExecModeSimpleProtocol)
		cancel()
		if err != nil {
			// The other nodes poll; keep the newest number for next time.
			s.toAnnounce(seq)
		}
	}
}

// listener follows other nodes' announcements on a connection of its own,
// reconnecting after failures; after each (re)connection it asks for a
// catch-up, since announcements made meanwhile were lost.
func (s *Store) listener() {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for s.ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(s.ctx, s.cfg.Copy())
		if err == nil {
			if _, err = conn.Exec(s.ctx, "LISTEN "+Channel); err == nil {
				backoff = 50 * time.Millisecond
				s.heard(0)
				for {
					n, err := conn.WaitForNotification(s.ctx)
					if err != nil {
						break
					}
					seq, _ := strconv.ParseInt(n.Payload, 10, 64)
					s.heard(seq)
				}
			}
			conn.Close(context.Background())
		}
		select {
		case <-s.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (s *Store) heard(seq int64) {
	select {
	case s.notes <- seq:
	default: // the watcher is behind anyway: it reads everything when it syncs
	}
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot.
func (s *Store) View(ctx context.Context, fn func(iam.Tx) error) error {
	v := &viewConn{s: s}
	defer v.end()
	t := &txn{ctx: ctx, view: v}
	if err := fn(t); err != nil {
		return err
	}
	if t.err != nil {
		return unavailable(t.err)
	}
	return nil
}

// Ping checks that the database answers (for readiness).
func (s *Store) Ping(ctx context.Context) error {
	err := s.pool.Ping(ctx)
	if err != nil && s.lost(err) && ctx.Err() == nil {
		err = s.pool.Ping(ctx)
	}
	return unavailable(err)
}

// horizon is the SQL for the lowest seq a running transaction may still
// write: every change below it is committed or never will be.
const horizon = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)`

// Changes returns up to limit settled changes after seq, in seq order;
// iam.ErrChangesTruncated when changes after it were pruned. One statement
// is one snapshot, for the feed's start and its rows alike.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]iam.Change, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.query(ctx, `SELECT f.pruned_through, c.seq, c.account, c.kind, c.key, c.at
		FROM iamd_feed f LEFT JOIN LATERAL (
			SELECT seq, account, kind, key, at FROM iamd_changes
			WHERE seq > $1 AND seq < `+horizon+`
			ORDER BY seq LIMIT $2) c ON true`, after, limit)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out []iam.Change
	var pruned int64
	for rows.Next() {
		var seq *int64
		var account, kind, key []byte
		var at *time.Time
		if err := rows.Scan(&pruned, &seq, &account, &kind, &key, &at); err != nil {
			return nil, unavailable(err)
		}
		if seq != nil {
			out = append(out, iam.Change{Seq: *seq, Account: string(account), Kind: string(kind), Key: string(key), Time: *at})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable(err)
	}
	if after < pruned {
		return nil, &iam.TruncatedError{Oldest: pruned + 1}
	}
	return out, nil
}

// query runs a statement outside a transaction, on a new connection if
// the pool's were lost.
func (s *Store) query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil && s.lost(err) && ctx.Err() == nil {
		rows, err = s.pool.Query(ctx, sql, args...)
	}
	return rows, err
}

// Head returns the feed's current end: a watcher starting there misses no
// change still to commit.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := s.pool.QueryRow(ctx, `SELECT `+horizon+` - 1`).Scan(&head); err != nil {
		return 0, unavailable(err)
	}
	return head, nil
}

// pruner drops old changes now and then (one node at a time).
func (s *Store) pruner() {
	defer s.wg.Done()
	t := time.NewTicker(s.opt.PruneEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			_, _ = s.Prune(s.ctx, time.Now().Add(-s.opt.Retention))
		}
	}
}

// Prune deletes the settled changes made before the cutoff (and every
// change numbered below them) and returns how many it deleted.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(lockPrune)).Scan(&locked); err != nil || !locked {
			return err
		}
		var through *int64
		if err := tx.QueryRow(ctx, `SELECT max(seq) FROM iamd_changes WHERE at < $1 AND seq < `+horizon, cutoff).Scan(&through); err != nil || through == nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM iamd_changes WHERE seq <= $1`, *through)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE iamd_feed SET pruned_through = greatest(pruned_through, $1)`, *through)
		return err
	})
	return n, unavailable(err)
}

var _ iam.Store = (*Store)(nil)
