package iam

import (
	"context"
	"errors"
	"time"
)

// Store persists IAM state. Records are opaque values under (account, kind,
// key); keys within a kind are ordered, so prefixes and pagination are
// range scans. Every API call runs in one transaction.
//
// Stores: store/sqlite (embedded, the default) and store/postgres (many
// nodes). store/storetest is the conformance suite both pass.
type Store interface {
	// Update runs fn in a read-write transaction. Its writes commit
	// together when fn returns nil and are discarded when it returns an
	// error, which Update returns. A store may run fn again after a
	// conflict with another writer, so fn must have no effects outside tx.
	// Update returns once the commit is durable.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction over a consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Changes returns up to limit committed changes with a sequence number
	// greater than after, oldest first. Decision views use it to refresh.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// Close releases the store.
	Close() error
}

// Tx is a transaction of a Store. Its methods are not safe for concurrent
// use, and it must not be used after the function it was given to returns.
type Tx interface {
	// Get returns the value stored under the key, or ErrNotFound.
	Get(account, kind, key string) ([]byte, error)
	// Put stores value under the key, replacing any previous value.
	Put(account, kind, key string, value []byte) error
	// Insert stores value under a key that must be free; ErrExists if not.
	// Uniqueness (of names, ids) rests on it.
	Insert(account, kind, key string, value []byte) error
	// Delete removes the key; ErrNotFound when it is absent.
	Delete(account, kind, key string) error
	// Scan calls fn for the records of a kind whose key starts with prefix
	// and sorts after the key after ("" for the first), in key order,
	// stopping after limit records (limit <= 0: no limit) or when fn
	// returns an error, which Scan returns (ErrStop ends it quietly).
	Scan(account, kind, prefix, after string, limit int, fn func(key string, value []byte) error) error
	// Count returns how many records of a kind have a key with the prefix.
	Count(account, kind, prefix string) (int, error)
}

// Change is one committed write, for refreshing views.
type Change struct {
	Seq     int64
	Account string
	Kind    string
	Key     string
	Time    time.Time
}

var (
	// ErrNotFound is returned by Tx.Get and Tx.Delete for an absent key.
	ErrNotFound = errors.New("store: not found")
	// ErrExists is returned by Tx.Insert for a key already present.
	ErrExists = errors.New("store: key exists")
	// ErrStop, returned by a Scan callback, ends the scan without error.
	ErrStop = errors.New("store: stop scan")
	// ErrChangesTruncated matches the error Changes returns when changes
	// after the sequence asked for are no longer kept (a
	// *TruncatedError): views must start over.
	ErrChangesTruncated = errors.New("store: change feed truncated")
	// ErrUnavailable wraps failures to reach the database, so the API can
	// answer ServiceFailure (503) rather than an internal error.
	ErrUnavailable = errors.New("store: unavailable")
)

// TruncatedError says where a change feed now begins.
type TruncatedError struct{ Oldest int64 }

func (e *TruncatedError) Error() string { return ErrChangesTruncated.Error() }

// Is makes errors.Is(err, ErrChangesTruncated) hold.
func (e *TruncatedError) Is(target error) bool { return target == ErrChangesTruncated }

// PrefixEnd is the smallest key greater than every key with the prefix,
// the exclusive end of a prefix scan; ok is false when there is none
// (empty prefix, or all 0xff).
func PrefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
