package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/iam"
)

// The writer talks to its connection through the driver directly: it is
// the one goroutine that serializes every write, so what database/sql adds
// to each statement (a Stmt bound per transaction, locks, argument
// conversion, Rows wrappers) was paid in series by all writers. A profile
// of CreateUser+DeleteUser at concurrency 8 had the writer at two thirds
// of the process's CPU, most of it outside SQLite.

// rawStmt is a statement prepared on the writer's connection.
type rawStmt struct {
	q    string
	st   driver.Stmt
	busy bool // in use by an open scan: a nested use prepares its own
}

// wconn is the writer's connection and its statements.
type wconn struct {
	dc driver.ConnPrepareContext

	get, put, insert, del, addCounter *rawStmt
	scan                              [4]*rawStmt // [bounded][limited]
	count                             [2]*rawStmt // [bounded]

	begin, commit, rollback, savepoint, rollbackTo, release *rawStmt

	probe map[string]*rawStmt // FirstNonEmpty's statements, by their shape
	arms  []probeArm          // FirstNonEmpty's scratch
	shape []byte

	// Scratch for the statements' arguments and a row's values: the
	// driver copies the arguments when it binds them, so one buffer serves
	// every statement, nested ones included (an inner statement binds
	// after the outer one has), instead of two allocations per statement.
	nv    []driver.NamedValue
	args  []any // Scan's and FirstNonEmpty's, likewise bound before rows are read
	dest  []driver.Value
	depth int // queries open

	// The group commit's wait for returning callers (commitBatch).
	expect     int
	linger     *time.Timer
	commitTime time.Duration
}

// A batch waits for the callers of the last commit about as long as a
// commit takes, within these bounds: an answered caller needs a few
// hundred µs to send its next write on a loaded machine, and a wait
// longer than a slow fsync would only add latency.
const (
	lingerFloor   = 100 * time.Microsecond
	lingerCeiling = time.Millisecond
)

func newWConn(dc any) (*wconn, error) {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("sqlite: driver connection %T cannot prepare statements", dc)
	}
	w := &wconn{dc: pc, probe: map[string]*rawStmt{}, linger: time.NewTimer(time.Hour)}
	w.linger.Stop()
	var err error
	p := func(q string) *rawStmt {
		if err != nil {
			return nil
		}
		var st driver.Stmt
		st, err = pc.PrepareContext(context.Background(), q)
		return &rawStmt{q: q, st: st}
	}
	w.get = p(sqlGet)
	w.put = p(sqlPut)
	w.insert = p(sqlInsert)
	w.del = p(sqlDelete)
	w.addCounter = p(sqlAddCounter)
	for i, q := range scanSQL {
		w.scan[i] = p(q)
	}
	for i, q := range countSQL {
		w.count[i] = p(q)
	}
	w.begin = p(`BEGIN IMMEDIATE`)
	w.commit = p(`COMMIT`)
	w.rollback = p(`ROLLBACK`)
	w.savepoint = p(`SAVEPOINT call`)
	w.rollbackTo = p(`ROLLBACK TO call`)
	w.release = p(`RELEASE call`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *wconn) close() {
	for _, s := range []*rawStmt{w.get, w.put, w.insert, w.del, w.addCounter, w.scan[0], w.scan[1], w.scan[2], w.scan[3],
		w.count[0], w.count[1], w.begin, w.commit, w.rollback, w.savepoint, w.rollbackTo, w.release} {
		if s != nil && s.st != nil {
			_ = s.st.Close()
		}
	}
	for _, s := range w.probe {
		_ = s.st.Close()
	}
}

// acquire returns s, or a statement of its own for a nested use of s
// (release closes that one).
func (w *wconn) acquire(s *rawStmt) (*rawStmt, error) {
	if !s.busy {
		s.busy = true
		return s, nil
	}
	st, err := w.dc.PrepareContext(context.Background(), s.q)
	if err != nil {
		return nil, err
	}
	return &rawStmt{q: s.q, st: st, busy: true}, nil
}

func (w *wconn) done(shared, s *rawStmt) {
	s.busy = false
	if s != shared {
		_ = s.st.Close()
	}
}

// named fills the scratch with args for a statement's bind.
func (w *wconn) named(args []any) []driver.NamedValue {
	nv := w.nv[:0]
	for i, a := range args {
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	w.nv = nv
	return nv
}

// exec runs a statement that returns no rows: the rows it changed.
func (w *wconn) exec(shared *rawStmt, args ...any) (int64, error) {
	s, err := w.acquire(shared)
	if err != nil {
		return 0, err
	}
	defer w.done(shared, s)
	res, err := s.st.(driver.StmtExecContext).ExecContext(context.Background(), w.named(args))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// query runs a statement and calls fn with each row's values (valid only
// during the call), until fn returns an error, which query returns.
func (w *wconn) query(shared *rawStmt, ncol int, fn func([]driver.Value) error, args ...any) error {
	s, err := w.acquire(shared)
	if err != nil {
		return err
	}
	defer w.done(shared, s)
	rows, err := s.st.(driver.StmtQueryContext).QueryContext(context.Background(), w.named(args))
	if err != nil {
		return err
	}
	// The outermost query's row lives in the scratch; a query nested in
	// fn takes its own.
	var dest []driver.Value
	if w.depth == 0 && cap(w.dest) >= ncol {
		dest = w.dest[:ncol]
	} else {
		dest = make([]driver.Value, ncol)
		if w.depth == 0 {
			w.dest = dest
		}
	}
	w.depth++
	defer func() { w.depth-- }()
	for {
		if err := rows.Next(dest); err != nil {
			cerr := rows.Close()
			if errors.Is(err, io.EOF) {
				return cerr
			}
			return err
		}
		if err := fn(dest); err != nil {
			_ = rows.Close()
			return err
		}
	}
}

// wtxn implements iam.Tx on the writer's connection, inside the batch's
// transaction.
type wtxn struct {
	w       *wconn
	now     func() time.Time
	at      time.Time    // the current Update call's changes' time
	changes []iam.Change // written by the current Update call
}

func asBytes(v driver.Value) []byte {
	switch b := v.(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return []byte{} // an empty blob reads as NULL
}

func asString(v driver.Value) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

var (
	errStopQuery = errors.New("stop")

	_ iam.Tx           = (*wtxn)(nil)
	_ iam.RangeProber  = (*wtxn)(nil)
	_ iam.CounterAdder = (*wtxn)(nil)
)

// sqlAddCounter moves a counter (its value a decimal, as Put writes it):
// an absent counter is created at the delta, a present one changes unless
// the sum passes ?5. The rows it changed say which (RETURNING would say
// it too, through an ephemeral table per statement).
const sqlAddCounter = `INSERT INTO kv (account, kind, key, value) VALUES (?1, ?2, ?3, CAST(CAST(?4 AS TEXT) AS BLOB))
ON CONFLICT (account, kind, key) DO UPDATE SET value = CAST(CAST(CAST(value AS INTEGER) + ?4 AS TEXT) AS BLOB)
WHERE CAST(value AS INTEGER) + ?4 <= ?5`

// AddCounter implements iam.CounterAdder.
func (t *wtxn) AddCounter(account, kind, key string, delta, limit int) (bool, error) {
	n, err := t.w.exec(t.w.addCounter, account, kind, key, int64(delta), int64(limit))
	if err != nil || n == 0 {
		return false, err
	}
	t.changed(account, kind, key)
	return true, nil
}

func (t *wtxn) Get(account, kind, key string) ([]byte, error) {
	var v []byte
	found := false
	err := t.w.query(t.w.get, 1, func(row []driver.Value) error {
		v, found = asBytes(row[0]), true
		return errStopQuery
	}, account, kind, key)
	if err != nil && !errors.Is(err, errStopQuery) {
		return nil, err
	}
	if !found {
		return nil, iam.ErrNotFound
	}
	return v, nil
}

func (t *wtxn) Put(account, kind, key string, value []byte) error {
	if value == nil {
		value = []byte{} // relations carry no value; the column is NOT NULL
	}
	if _, err := t.w.exec(t.w.put, account, kind, key, value); err != nil {
		return err
	}
	t.changed(account, kind, key)
	return nil
}

func (t *wtxn) Insert(account, kind, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	n, err := t.w.exec(t.w.insert, account, kind, key, value)
	if err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrExists
	}
	t.changed(account, kind, key)
	return nil
}

func (t *wtxn) Delete(account, kind, key string) error {
	n, err := t.w.exec(t.w.del, account, kind, key)
	if err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrNotFound
	}
	t.changed(account, kind, key)
	return nil
}

func (t *wtxn) changed(account, kind, key string) {
	t.changes = append(t.changes, iam.Change{Account: account, Kind: kind, Key: key, Time: t.at})
}

func (t *wtxn) Scan(account, kind, prefix, after string, limit int, fn func(key string, value []byte) error) error {
	args := append(t.w.args[:0], account, kind, prefix, after)
	variant := 0
	if end, ok := iam.PrefixEnd(prefix); ok {
		args = append(args, end)
		variant += 2
	}
	if limit > 0 {
		args = append(args, int64(limit))
		variant++
	}
	t.w.args = args
	err := t.w.query(t.w.scan[variant], 2, func(row []driver.Value) error {
		return fn(asString(row[0]), asBytes(row[1]))
	}, args...)
	if errors.Is(err, iam.ErrStop) {
		return nil
	}
	return err
}

func (t *wtxn) Count(account, kind, prefix string) (int, error) {
	var n int64
	read := func(row []driver.Value) error {
		n, _ = row[0].(int64)
		return nil
	}
	var err error
	if end, ok := iam.PrefixEnd(prefix); ok {
		err = t.w.query(t.w.count[1], 1, read, account, kind, prefix, end)
	} else {
		err = t.w.query(t.w.count[0], 1, read, account, kind, prefix)
	}
	return int(n), err
}

// probeArm is one range of a FirstNonEmpty statement: the ordinals of
// its parameters (hi 0 for an exact key).
type probeArm struct{ kind, lo, hi int }

// probeSQL is one statement for FirstNonEmpty over arms: the index of
// the first holding a key. Each arm stops at its range's first key, and
// the LIMIT ends the statement at the first arm that answers.
func probeSQL(arms []probeArm) string {
	var b strings.Builder
	for i, a := range arms {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		if a.hi == 0 {
			fmt.Fprintf(&b, "SELECT %d WHERE EXISTS (SELECT 1 FROM kv WHERE account = ?1 AND kind = ?%d AND key = ?%d)", i, a.kind, a.lo)
		} else {
			fmt.Fprintf(&b, "SELECT %d WHERE EXISTS (SELECT 1 FROM kv WHERE account = ?1 AND kind = ?%d AND key >= ?%d AND key < ?%d)", i, a.kind, a.lo, a.hi)
		}
	}
	b.WriteString(" LIMIT 1")
	return b.String()
}

// FirstNonEmpty implements iam.RangeProber. A value the ranges share (the
// user's prefix, six times over) is bound once: binding was most of the
// statement's cost outside SQLite.
func (t *wtxn) FirstNonEmpty(account string, ranges []iam.Range) (int, error) {
	w := t.w
	args := append(w.args[:0], account)
	param := func(v string) int {
		for i, a := range args {
			if a.(string) == v {
				return i + 1
			}
		}
		args = append(args, v)
		return len(args)
	}
	arms := w.arms[:0]
	for _, r := range ranges {
		a := probeArm{kind: param(r.Kind), lo: param(r.Prefix)}
		if !r.Exact {
			end, ok := iam.PrefixEnd(r.Prefix)
			if !ok { // unbounded: count each
				w.args, w.arms = args, arms
				return t.countEach(account, ranges)
			}
			a.hi = param(end)
		}
		arms = append(arms, a)
	}
	w.args, w.arms = args, arms
	shape := w.shape[:0]
	for _, a := range arms {
		shape = strconv.AppendInt(append(shape, ','), int64(a.kind), 10)
		shape = strconv.AppendInt(append(shape, ','), int64(a.lo), 10)
		shape = strconv.AppendInt(append(shape, ','), int64(a.hi), 10)
	}
	w.shape = shape
	st := w.probe[string(shape)]
	if st == nil {
		q := probeSQL(arms)
		ds, err := w.dc.PrepareContext(context.Background(), q)
		if err != nil {
			return -1, err
		}
		st = &rawStmt{q: q, st: ds}
		w.probe[string(shape)] = st
	}
	first := int64(-1)
	err := w.query(st, 1, func(row []driver.Value) error {
		first, _ = row[0].(int64)
		return nil
	}, args...)
	return int(first), err
}

func (t *wtxn) countEach(account string, ranges []iam.Range) (int, error) {
	for i, r := range ranges {
		if r.Exact {
			_, err := t.Get(account, r.Kind, r.Prefix)
			if err == nil || !errors.Is(err, iam.ErrNotFound) {
				return i, err
			}
			continue
		}
		n, err := t.Count(account, r.Kind, r.Prefix)
		if err != nil || n > 0 {
			return i, err
		}
	}
	return -1, nil
}

// writer owns the write connection and commits batches of Update calls.
// It reports on ready whether it could set the connection up.
func (s *Store) writer(ready chan<- error) {
	defer s.wg.Done()
	conn, err := s.wdb.Conn(context.Background())
	if err != nil {
		ready <- err
		return
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		w, err := newWConn(dc)
		if err != nil {
			return err
		}
		defer w.close()
		ready <- nil
		for {
			var first *writeReq
			select {
			case first = <-s.writes:
			case <-s.quit:
				// Finish what was queued before Close.
				select {
				case first = <-s.writes:
				default:
					return nil
				}
			}
			s.commitBatch(w, first)
		}
	})
	if err != nil {
		ready <- err
	}
}

func (s *Store) commitBatch(w *wconn, first *writeReq) {
	if _, err := w.exec(w.begin); err != nil {
		first.done <- fmt.Errorf("%w: %v", iam.ErrUnavailable, err)
		return
	}
	t := &wtxn{w: w, now: s.now}
	var batch []*writeReq
	var changes []iam.Change
	var results []error
	run := func(r *writeReq) {
		batch = append(batch, r)
		if err := r.ctx.Err(); err != nil {
			results = append(results, err)
			return
		}
		if _, err := w.exec(w.savepoint); err != nil {
			results = append(results, err)
			return
		}
		t.changes = t.changes[:0]
		t.at = t.now()
		err := r.fn(t)
		if err != nil {
			_, rbErr := w.exec(w.rollbackTo)
			err = errors.Join(err, rbErr)
		} else {
			changes = append(changes, t.changes...)
		}
		if _, relErr := w.exec(w.release); relErr != nil && err == nil {
			err = relErr
		}
		results = append(results, err)
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
	// Callers of the last commit, just answered, usually write again at
	// once (a client's next call, the next step of an import); waiting a
	// moment for them makes one fsync carry both groups instead of
	// alternating two half-full commits. Only when the last commit had
	// company: a lone caller never waits.
	if want := min(w.expect, maxBatch); len(batch) < want && len(batch) > 0 {
		w.linger.Reset(min(max(w.commitTime, lingerFloor), lingerCeiling))
	wait:
		for len(batch) < want {
			select {
			case r := <-s.writes:
				run(r)
			case <-w.linger.C:
				break wait
			}
		}
		w.linger.Stop()
	}
	start := time.Now()
	_, commitErr := w.exec(w.commit)
	// A moving average of the commit's duration (mostly its fsync): the
	// wait above costs at most about what another commit would.
	w.commitTime = (3*w.commitTime + time.Since(start)) / 4
	// Who may come back for the next batch: this batch's callers and
	// those already queued behind it.
	w.expect = len(batch) + len(s.writes)
	if w.expect < 2 {
		w.expect = 0
	}
	s.commits.Add(1)
	s.calls.Add(int64(len(batch)))
	if commitErr != nil {
		// A failed COMMIT may leave the transaction open (SQLITE_BUSY):
		// end it, so the next batch starts clean.
		_, _ = w.exec(w.rollback)
		commitErr = fmt.Errorf("%w: commit: %v", iam.ErrUnavailable, commitErr)
	} else {
		s.publish(changes)
	}
	for i, r := range batch {
		err := results[i]
		if err == nil {
			err = commitErr
		}
		r.done <- err
	}
}
