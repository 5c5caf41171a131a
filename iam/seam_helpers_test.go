package iam_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/store/sqlite"
)

// The seam tests call iam.Service's operations with plain Go values and a
// caller in the context, over a real SQLite store: no HTTP, no SDK, so a
// broken rule fails here, beside the rule.

const seamAccount = "123456789012"

// seam is a service over a fresh SQLite store that can be made to fail.
type seam struct {
	t      *testing.T
	svc    *iam.Service
	st     *faultyStore
	db     iam.Store // the SQLite store itself, for looking at what was committed
	writes *countingListener
	root   context.Context
}

func newSeam(t *testing.T, quotas *iam.Quotas) *seam {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	sealer, err := seal.NewSealer(map[string][]byte{"k1": seal.NewSealKey()}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	st := &faultyStore{Store: db}
	writes := &countingListener{}
	clock := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := iam.New(st, iam.Options{Sealer: sealer, Quotas: quotas, Watcher: writes, Now: func() time.Time { return clock }})
	ctx := context.Background()
	if _, _, err := svc.CreateFirstAccount(ctx, seamAccount, "AKIAROOTKEY000000001", "root-secret"); err != nil {
		t.Fatal(err)
	}
	root := iam.WithCaller(ctx, &iam.Caller{Account: seamAccount, Root: true, ARN: "arn:aws:iam::" + seamAccount + ":root"})
	return &seam{t: t, svc: svc, st: st, db: db, writes: writes, root: root}
}

// as returns a context whose caller is the IAM user name (it must exist).
func (s *seam) as(name string) context.Context {
	s.t.Helper()
	out, err := s.svc.GetUser(s.root, &iamapi.GetUserInput{UserName: &name})
	if err != nil {
		s.t.Fatal(err)
	}
	return iam.WithCaller(context.Background(), &iam.Caller{Account: seamAccount, UserName: name, UserID: out.User.UserId, ARN: out.User.Arn})
}

// user creates a user as root.
func (s *seam) user(name string) {
	s.t.Helper()
	s.ok(s.svc.CreateUser(s.root, &iamapi.CreateUserInput{UserName: name}))
}

// policy creates a customer managed policy and returns its ARN.
func (s *seam) policy(name string) string {
	s.t.Helper()
	out, err := s.svc.CreatePolicy(s.root, &iamapi.CreatePolicyInput{PolicyName: name, PolicyDocument: allowAll})
	if err != nil {
		s.t.Fatal(err)
	}
	return *out.Policy.Arn
}

// ok fails the test on an error of a (value, error) call.
func (s *seam) ok(_ any, err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
}

// head is the sequence number of the last committed change: it moves with
// every write, so an unchanged head means nothing was committed.
func (s *seam) head() int64 {
	s.t.Helper()
	changes, err := s.db.Changes(context.Background(), 0, 1<<20)
	if err != nil {
		s.t.Fatal(err)
	}
	if len(changes) == 0 {
		return 0
	}
	return changes[len(changes)-1].Seq
}

const (
	allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// validated runs the model's checks first, as iamapi.Dispatch does when it
// decodes a request, then the operation.
func validated(in interface{ Validate() error }, op func() error) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return op()
}

// drop keeps the error of a (value, error) call.
func drop[T any](_ T, err error) error { return err }

// wantErr asserts err is the AWS error code whose message contains msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("got %v, want AWS error %s", err, code)
	}
	if e.Code != code || !strings.Contains(e.Message, msg) {
		t.Fatalf("got %s %q, want %s containing %q", e.Code, e.Message, code, msg)
	}
}

// countingListener counts the writes the service reports (Options.Watcher).
type countingListener struct{ n atomic.Int64 }

func (c *countingListener) MarkDirty() { c.n.Add(1) }

// faultyStore is the SQLite store with failures on demand:
//   - before: Update and View fail without running (the database is gone);
//   - commit: Update runs the transaction, then fails it, so it rolls back;
//   - write: the transaction's writes (Put, Insert, Delete) fail.
type faultyStore struct {
	iam.Store
	mu                    sync.Mutex
	before, commit, write error
	plain                 bool // transactions are bare iam.Tx: no RangeProber, no CounterAdder
}

func (f *faultyStore) fail(before, commit, write error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before, f.commit, f.write = before, commit, write
}

func (f *faultyStore) faults() (before, commit, write error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.before, f.commit, f.write
}

func (f *faultyStore) Update(ctx context.Context, fn func(tx iam.Tx) error) error {
	before, commit, write := f.faults()
	if before != nil {
		return before
	}
	return f.Store.Update(ctx, func(tx iam.Tx) error {
		if write != nil {
			tx = failingTx{Tx: tx, err: write}
		} else if f.plain {
			tx = plainTx{Tx: tx}
		}
		if err := fn(tx); err != nil {
			return err
		}
		return commit
	})
}

func (f *faultyStore) View(ctx context.Context, fn func(tx iam.Tx) error) error {
	if before, _, _ := f.faults(); before != nil {
		return before
	}
	return f.Store.View(ctx, fn)
}

// plainTx is a store's Tx without its optional capabilities, for the
// generic paths other stores take.
type plainTx struct{ iam.Tx }

// failingTx reads as the store does and fails every write.
type failingTx struct {
	iam.Tx
	err error
}

func (t failingTx) Put(string, string, string, []byte) error    { return t.err }
func (t failingTx) Insert(string, string, string, []byte) error { return t.err }
func (t failingTx) Delete(string, string, string) error         { return t.err }
