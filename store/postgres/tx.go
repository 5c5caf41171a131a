package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iamd/iamd/iam"
)

// txn implements iam.Tx over a pgx transaction.
type txn struct {
	ctx     context.Context
	tx      querier // nil in a View until its first statement
	view    *viewConn
	write   bool
	err     error // the first statement that failed: the transaction is aborted
	changes []iam.Change
}

// querier is a transaction, or the connection a View's transaction runs
// on.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// viewConn is a View's connection. Its transaction begins with the first
// statement, in one round trip with it: a View is then two round trips
// (BEGIN with the first statement; ROLLBACK), not three.
type viewConn struct {
	s     *Store
	conn  *pgxpool.Conn
	begun bool
}

const viewBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

// first begins the View's transaction with its first statement. On a
// connection that died with the server (nothing was read yet, so nothing
// depends on it) it tries once more on a new one.
func (v *viewConn) first(ctx context.Context, sql string, args []any) (pgx.Rows, error) {
	for attempt := 0; ; attempt++ {
		var err error
		if v.conn == nil {
			if v.conn, err = v.s.pool.Acquire(ctx); err != nil {
				if attempt == 0 && v.s.lost(err) && ctx.Err() == nil {
					continue
				}
				return nil, err
			}
		}
		b := &pgx.Batch{}
		b.Queue(viewBegin)
		b.Queue(sql, args...)
		br := v.conn.SendBatch(ctx, b)
		if _, err = br.Exec(); err == nil {
			v.begun = true
			var rows pgx.Rows
			if rows, err = br.Query(); err == nil {
				return &batchRows{Rows: rows, br: br}, nil
			}
		}
		br.Close()
		if v.begun || attempt > 0 || !v.s.lost(err) || ctx.Err() != nil {
			return nil, err
		}
		v.conn.Release()
		v.conn = nil
	}
}

// end ends the View's transaction and gives the connection back (the
// pool drops it if the transaction could not be ended).
func (v *viewConn) end() {
	if v.conn == nil {
		return
	}
	if v.begun {
		v.conn.Exec(context.Background(), "ROLLBACK") //nolint:errcheck // a connection left in a transaction is dropped by the pool on release
	}
	v.conn.Release()
}

// batchRows are the rows of a batch's last statement; closing them ends
// the batch.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// query runs a statement that returns rows.
func (t *txn) query(sql string, args ...any) (pgx.Rows, error) {
	if t.tx == nil {
		rows, err := t.view.first(t.ctx, sql, args)
		if err == nil {
			t.tx = t.view.conn
		}
		return rows, err
	}
	return t.tx.Query(t.ctx, sql, args...)
}

var errReadOnly = errors.New("postgres: write in a read-only transaction")

// failed records a statement's failure and returns it as the caller should
// see it.
func (t *txn) failed(err error) error {
	if t.err == nil {
		t.err = err
	}
	return unavailable(err)
}

func (t *txn) Get(account, kind, key string) ([]byte, error) {
	if t.err != nil {
		return nil, unavailable(t.err)
	}
	var v []byte
	rows, err := t.query(`SELECT value FROM iamd_kv WHERE account = $1 AND kind = $2 AND key = $3`,
		[]byte(account), []byte(kind), []byte(key))
	if err == nil {
		err = scanOne(rows, &v)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, iam.ErrNotFound
	}
	if err != nil {
		return nil, t.failed(err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// scanOne reads the one row a query returns (pgx.ErrNoRows if none).
func scanOne(rows pgx.Rows, dest ...any) error {
	defer rows.Close()
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// exec runs a write and returns how many rows it touched.
func (t *txn) exec(sql string, args ...any) (int64, error) {
	if !t.write {
		return 0, errReadOnly
	}
	if t.err != nil {
		return 0, unavailable(t.err)
	}
	tag, err := t.tx.Exec(t.ctx, sql, args...)
	if err != nil {
		return 0, t.failed(err)
	}
	return tag.RowsAffected(), nil
}

func value(v []byte) []byte {
	if v == nil {
		return []byte{} // relations carry no value; the column is NOT NULL
	}
	return v
}

func (t *txn) Put(account, kind, key string, v []byte) error {
	_, err := t.exec(`INSERT INTO iamd_kv (account, kind, key, value) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account, kind, key) DO UPDATE SET value = excluded.value`,
		[]byte(account), []byte(kind), []byte(key), value(v))
	if err == nil {
		t.changed(account, kind, key)
	}
	return err
}

func (t *txn) Insert(account, kind, key string, v []byte) error {
	n, err := t.exec(`INSERT INTO iamd_kv (account, kind, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		[]byte(account), []byte(kind), []byte(key), value(v))
	if err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrExists
	}
	t.changed(account, kind, key)
	return nil
}

func (t *txn) Delete(account, kind, key string) error {
	n, err := t.exec(`DELETE FROM iamd_kv WHERE account = $1 AND kind = $2 AND key = $3`,
		[]byte(account), []byte(kind), []byte(key))
	if err != nil {
		return err
	}
	if n == 0 {
		return iam.ErrNotFound
	}
	t.changed(account, kind, key)
	return nil
}

// changed notes a write for the change feed (written at commit).
func (t *txn) changed(account, kind, key string) {
	t.changes = append(t.changes, iam.Change{Account: account, Kind: kind, Key: key})
}

// scanPage is how many records Scan reads per query. Records are read a
// page at a time and the rows closed before fn sees them, because fn may
// use the transaction (one connection runs one query at a time).
const scanPage = 500

type record struct {
	key   string
	value []byte
}

func (t *txn) Scan(account, kind, prefix, after string, limit int, fn func(key string, value []byte) error) error {
	end, bounded := iam.PrefixEnd(prefix)
	seen := 0
	for {
		if t.err != nil {
			return unavailable(t.err)
		}
		page := scanPage
		if limit > 0 && limit-seen < page {
			page = limit - seen
		}
		args := []any{[]byte(account), []byte(kind), []byte(prefix), []byte(after), page}
		q := `SELECT key, value FROM iamd_kv WHERE account = $1 AND kind = $2 AND key >= $3 AND key > $4`
		if bounded {
			q += ` AND key < $6`
			args = append(args, []byte(end))
		}
		rows, err := t.query(q+` ORDER BY key LIMIT $5`, args...)
		if err != nil {
			return t.failed(err)
		}
		var recs []record
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return t.failed(err)
			}
			recs = append(recs, record{string(k), value(v)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.failed(err)
		}
		for _, r := range recs {
			if err := fn(r.key, r.value); err != nil {
				if errors.Is(err, iam.ErrStop) {
					return nil
				}
				return err
			}
		}
		seen += len(recs)
		if len(recs) < page || limit > 0 && seen >= limit {
			return nil
		}
		after = recs[len(recs)-1].key
	}
}

func (t *txn) Count(account, kind, prefix string) (int, error) {
	if t.err != nil {
		return 0, unavailable(t.err)
	}
	args := []any{[]byte(account), []byte(kind), []byte(prefix)}
	q := `SELECT count(*) FROM iamd_kv WHERE account = $1 AND kind = $2 AND key >= $3`
	if end, ok := iam.PrefixEnd(prefix); ok {
		q += ` AND key < $4`
		args = append(args, []byte(end))
	}
	var n int
	rows, err := t.query(q, args...)
	if err == nil {
		err = scanOne(rows, &n)
	}
	if err != nil {
		return 0, t.failed(err)
	}
	return n, nil
}
