// Package iam is the IAM domain: users, groups, roles, policies and the
// credentials of an account, with AWS's rules for names, paths, quotas,
// conflicts and errors. Its Service implements the IAM API operations (the
// methods named after them take and return the generated shapes of
// api/iamapi) over a Store.
package iam

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/internal/background"
	"github.com/iamd/iamd/internal/lru"
	"github.com/iamd/iamd/internal/seal"
)

// Service implements the IAM operations.
type Service struct {
	store   Store
	sealer  *seal.Sealer
	now     func() time.Time
	managed *ManagedCatalog
	quotas  Quotas
	watcher WriteListener
	// accessNoted throttles service last accessed writes: entity|service
	// -> when last written. Bounded: an evicted entry costs one more write.
	accessNoted *lru.Cache[accessKey, time.Time]
	// background runs the writes requests do not wait for (last used,
	// last accessed); nil runs them inline.
	background *background.Runner
	// mfaCallers counts each caller's wrong MFA codes (see mfaguard.go).
	mfaCallers *lru.Cache[string, attempts]
	// outboundSigners keeps unsealed outbound signing keys by kid.
	outboundSigners sync.Map
	// reads serves the hottest reads from memory (nil: off; readcache.go).
	reads *readCache
}

// WriteListener is told after each of the service's committed writes, so
// the views it feeds sync before they next answer (store/feed's Watcher).
type WriteListener interface {
	MarkDirty()
}

// Options configure a Service.
type Options struct {
	Sealer  *seal.Sealer     // encrypts secrets at rest (required)
	Now     func() time.Time // the clock; time.Now when nil
	Managed *ManagedCatalog  // AWS managed policies; the embedded catalogue when nil
	Quotas  *Quotas          // account limits; AWS's defaults when nil
	Watcher WriteListener    // told about this service's writes (optional; a *feed.Watcher)
	// Background runs the writes requests do not wait for; the server
	// drains it on shutdown. Nil runs them inline (command-line tools).
	Background *background.Runner
	// ReadCache serves GetUser, GetRole, ListUsers, ListRoles and account
	// reads from memory. Only for a store whose every commit reaches
	// Service.Forget before its Update returns (one SQLite process).
	ReadCache bool
}

// accessNotedMax bounds the service last accessed throttle: entities ×
// services noted within a minute beyond this cost extra writes, not
// memory.
const accessNotedMax = 50_000

// New returns a Service over store.
func New(store Store, opt Options) *Service {
	s := &Service{store: store, sealer: opt.Sealer, now: opt.Now, managed: opt.Managed, quotas: DefaultQuotas(), watcher: opt.Watcher,
		background: opt.Background, accessNoted: lru.New[accessKey, time.Time](accessNotedMax), mfaCallers: lru.New[string, attempts](mfaCallersMax)}
	if opt.ReadCache {
		s.reads = newReadCache()
	}
	if opt.Quotas != nil {
		s.quotas = *opt.Quotas
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.managed == nil {
		s.managed = EmbeddedManagedPolicies()
	}
	return s
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Caller is the authenticated principal a request acts for, the
// partition its region belongs to, and what the request says about itself
// (for condition keys).
type Caller struct {
	Account   string
	Partition string // from the request's region: aws, aws-cn, aws-us-gov, ...
	ARN       string
	UserName  string // the IAM user ("" for the root user and role sessions)
	UserID    string
	Root      bool
	Region    string
	AccessKey string
	// Session is set for temporary credentials (STS).
	Session *Session

	SourceIP        string
	UserAgent       string
	SecureTransport bool
	Time            time.Time
	// Endpoint is the scheme and host the request was sent to.
	Endpoint string
}

// CallState is what a call's context tells the domain: who makes the call
// and what takes the facts it notes for its audit record. A server keeps
// one in its own per-request state and puts it in the context once
// (WithCallState): a context value each was an allocation each on every
// request. The state must not change once the context carries it.
type CallState struct {
	Caller *Caller    // nil: no caller (an unsigned call)
	Events EventNoter // nil: the facts are not kept
}

type callStateKey struct{}

// WithCallState returns a context carrying s.
func WithCallState(ctx context.Context, s *CallState) context.Context {
	return context.WithValue(ctx, callStateKey{}, s)
}

func callStateFrom(ctx context.Context) *CallState {
	s, _ := ctx.Value(callStateKey{}).(*CallState)
	return s
}

// WithCaller returns a context carrying the caller (and the event noter
// ctx carries).
func WithCaller(ctx context.Context, c *Caller) context.Context {
	s := &CallState{Caller: c}
	if prev := callStateFrom(ctx); prev != nil {
		s.Events = prev.Events
	}
	return WithCallState(ctx, s)
}

// CallerFrom returns the caller of the request.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	s := callStateFrom(ctx)
	if s == nil || s.Caller == nil {
		return nil, false
	}
	return s.Caller, true
}

func caller(ctx context.Context) (*Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok || c.Account == "" {
		return nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	}
	if c.Partition == "" {
		c.Partition = "aws"
	}
	return c, nil
}

// entityARN builds arn:PARTITION:iam::ACCOUNT:TYPE/PATH/NAME.
func entityARN(c *Caller, typ, path, name string) string {
	return arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: typ + path + name}.String()
}

// update runs fn in a write transaction and turns store failures into AWS
// errors. Errors fn returns pass through unchanged.
func (s *Service) update(ctx context.Context, fn func(tx Tx) error) error {
	err := s.store.Update(ctx, fn)
	if err == nil && s.watcher != nil {
		s.watcher.MarkDirty()
	}
	return storeErr(err)
}

// view runs fn in a read-only snapshot.
func (s *Service) view(ctx context.Context, fn func(tx Tx) error) error {
	return storeErr(s.store.View(ctx, fn))
}

func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok || errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) {
		return err // AWS errors for the client; store sentinels for the caller to translate
	}
	if errors.Is(err, ErrUnavailable) {
		return awserr.Unavailable("The service is unavailable: the store cannot be reached. Retry the request.").WithCause(err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return awserr.New("RequestTimeout", 408, "The request was cancelled before it completed.").WithCause(err)
	}
	return awserr.Internal(err) // the server logs the cause; the client gets AWS's message

}

// Errors with AWS's messages for the common cases.

func noSuchEntity(kind, name string) error {
	return iamapi.NoSuchEntity("The %s with name %s cannot be found.", kind, name)
}

func alreadyExists(kind, name string) error {
	return iamapi.EntityAlreadyExists("%s with name %s already exists.", kind, name)
}

func limitExceeded(format string, args ...any) error {
	return iamapi.LimitExceeded(format, args...)
}

func invalidInput(format string, args ...any) error {
	return iamapi.InvalidInput(format, args...)
}

// ptr returns a pointer to v, for optional output members.
func ptr[T any](v T) *T { return &v }

// optional returns nil for the zero value, a pointer otherwise.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// orDefault reads an optional input member.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
