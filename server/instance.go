package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/auth"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/background"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/oidc"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/postgres"
	"github.com/iamd/iamd/store/sqlite"
	"github.com/iamd/iamd/sts"
)

// Options configure a running iamd.
type Options struct {
	Addr       string // listen address; ":0" picks a free port
	DataDir    string // holds the database and the sealing key
	AccountID  string // the account created on first start (random when empty)
	RootKeyID  string // root credentials to ensure (random on first start when empty)
	RootSecret string
	SealKey    []byte // key for secrets at rest; read or created in DataDir when nil
	// Store is where state lives: "postgres://…" (or "postgresql://…")
	// for a PostgreSQL database shared by many nodes; empty for SQLite in
	// DataDir.
	Store string
	// TokenKeys is the key ring that seals session tokens ("id:base64"
	// entries, newest first); read or created in DataDir (token.keys) when
	// empty. Nodes sharing a database must share it.
	TokenKeys string
	Logger    *slog.Logger
	Quotas    *iam.Quotas
	MaxConns  int // concurrent connections (default 1024)
	// MaxConnsPerClient caps one client address's connections (an IPv6
	// /64 is one address); default MaxConns/8, at least 64.
	MaxConnsPerClient int
	// AuditLog receives the audit log, a JSON line per mutating or
	// refused call (nil: none).
	AuditLog io.Writer
	// AuditReads records allowed read-only calls in the audit log too.
	AuditReads bool
	// Now is the clock (tests move it to expire sessions); time.Now when
	// nil.
	Now func() time.Time
	// Partition is the one AWS partition this server is (aws when empty):
	// every principal's ARN is in it and requests must be signed for one
	// of its regions. The client's signing region never chooses it.
	Partition string
	// SCPs put accounts in an organization: account ID → its service
	// control policies, one document per level, outermost first (root,
	// OUs, the account). They bound every call of the account's
	// principals, IAM's and the gateway's, as on AWS.
	SCPs map[string][]string
	// OIDCAllowHTTP lets AssumeRoleWithWebIdentity trust OIDC issuers on
	// loopback hosts over plain http. For tests only: AWS requires https,
	// and so does iamd unless this is set.
	OIDCAllowHTTP bool
	// WrapStore, when set, wraps the store the server uses (tests: a
	// store that fails on purpose).
	WrapStore func(iam.Store) iam.Store
	// Gateway puts iamd in front of backends for the other services (see
	// GatewayOptions); none when it names no backend.
	Gateway GatewayOptions
}

// Instance is a running server.
type Instance struct {
	URL     string
	Account string
	// RootKeyID and RootSecret are set when this start created the root
	// credentials (first start) or was given them.
	RootKeyID, RootSecret string
	Created               bool // the account was created by this start

	IAM       *iam.Service
	Store     iam.Store
	http      *http.Server
	srv       *Server
	ln        net.Listener
	done      chan struct{} // closed when Serve returns
	stopWatch func()
	bg        *background.Runner // last-used and last-accessed writes, drained by Close
	audit     *Auditor           // its queued gateway records are drained by Close
	serveErr  error
	once      sync.Once
}

// DefaultAddr is where iamd listens unless told otherwise.
const DefaultAddr = "127.0.0.1:4263"

// Start opens the store, prepares the account and serves until Close.
func Start(ctx context.Context, opt Options) (*Instance, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opt.Addr == "" {
		opt.Addr = DefaultAddr
	}
	if opt.Partition == "" {
		opt.Partition = "aws"
	}
	if !arn.KnownPartition(opt.Partition) {
		return nil, fmt.Errorf("unknown partition %q (want one of %s)", opt.Partition, strings.Join(arn.Partitions, ", "))
	}
	scps, err := compileSCPs(opt.SCPs, opt.Partition)
	if err != nil {
		return nil, err
	}
	st, sealer, tokenRing, err := openKeyedStore(ctx, opt)
	if err != nil {
		return nil, err
	}
	metrics := NewMetrics()
	store := metrics.InstrumentStore(st)
	watcher, err := feed.NewWatcher(ctx, st) // the store itself: it pushes its commits
	if err != nil {
		st.Close()
		return nil, err
	}
	bg := background.New(background.Options{Logger: opt.Logger, Observe: metrics.backgroundTask})
	started := false
	defer func() {
		if !started {
			bg.Close(context.Background())
		}
	}()
	// One SQLite process pushes every commit to the watcher before its
	// Update returns, so a read cache dropped by the feed is never stale
	// (other nodes' PostgreSQL commits arrive later: no cache there).
	_, pushes := st.(feed.Publisher)
	readCache := opt.Store == "" && pushes
	svc := iam.New(store, iam.Options{Sealer: sealer, Quotas: opt.Quotas, Watcher: watcher, Now: opt.Now, Background: bg, ReadCache: readCache})
	if readCache {
		watcher.Subscribe(svc.Forget)
	}
	decider := authz.New(svc, authz.NewView(svc, watcher))
	if scps != nil {
		decider.SetSCPs(scps)
	}
	// Every IAM call is authorized by the decider (audited, counted); it
	// also knows the users and roles it holds in memory.
	guard := iam.NewGuard(svc, auditingAuthorizer{decider, metrics, svc}, decider)
	tokens := sts.NewTokens(tokenRing)
	messages := authz.NewMessages(guard, tokenRing)
	inst := &Instance{IAM: svc, Store: st, done: make(chan struct{}), bg: bg}
	if err := inst.prepareAccount(ctx, opt); err != nil {
		st.Close()
		return nil, err
	}
	// Other nodes' writes reach the views through the feed.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	inst.stopWatch = stopWatch
	go watcher.Run(watchCtx, WatchInterval)
	authn := auth.New(svc, tokens, watcher, auth.Config{Now: opt.Now, Partition: opt.Partition})
	auditor := NewAuditor(opt.AuditLog)
	if auditor != nil {
		auditor.reads = opt.AuditReads
		auditor.failed = func(err error) {
			metrics.auditErrors.Inc()
			opt.Logger.Error("audit record not written", "err", err)
		}
	}
	stsService := sts.New(svc, guard, decider, tokens, sts.Options{Now: opt.Now,
		WebIdentity: oidc.NewVerifier(oidc.Options{AllowHTTP: opt.OIDCAllowHTTP, Now: opt.Now})})
	inst.audit = auditor
	gw, inventory, err := newGateway(opt, authn, decider, svc, watcher.Subscribe, auditor, metrics)
	if err != nil {
		stopWatch()
		st.Close()
		return nil, err
	}
	srv := New(Parts{
		IAM:      iamOperations{Service: svc, Simulation: authz.NewSimulation(svc)},
		Guard:    guard,
		STS:      stsOperations{Service: stsService, Messages: messages},
		STSAuthz: stsService,
		Domain:   svc,
		Authn:    authn,
	}, Config{Logger: opt.Logger, Metrics: metrics, Now: opt.Now, Audit: auditor, Decider: decider, Messages: messages, Gateway: gw, Inventory: inventory, ConsoleSealer: tokenRing, Ready: func(ctx context.Context) error {
		if p, ok := st.(interface{ Ping(context.Context) error }); ok {
			return p.Ping(ctx)
		}
		return st.View(ctx, func(iam.Tx) error { return nil })
	}})
	inst.srv = srv
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		stopWatch()
		st.Close()
		return nil, err
	}
	maxConns := opt.MaxConns
	if maxConns <= 0 {
		maxConns = 1024
	}
	perClient := opt.MaxConnsPerClient
	if perClient <= 0 {
		perClient = max(maxConns/8, min(64, maxConns))
	}
	limiter := newConnLimiter(ln, maxConns, perClient)
	inst.ln = limiter
	inst.URL = "http://" + ln.Addr().String()
	inst.http = &http.Server{
		Handler:     limiter.handler(srv.Handler()),
		ConnState:   limiter.connStateHook,
		ConnContext: limiter.connContext,
		// SDKs send their headers at once: 5 s is ample, and bounds what
		// a slowloris holds when the server is not under pressure.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opt.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		inst.serveErr = inst.http.Serve(inst.ln)
		close(inst.done)
	}()
	started = true
	return inst, nil
}

// openKeyedStore opens the store the options name with the keys its
// secrets and session tokens are sealed with (the data directory's, or
// the ones given), checked against the ones nodes sharing a database
// use.
func openKeyedStore(ctx context.Context, opt Options) (st iam.Store, sealer, tokenRing *seal.Sealer, err error) {
	if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
		return nil, nil, nil, err
	}
	if sealer, err = sealerFor(opt.DataDir, opt.SealKey); err != nil {
		return nil, nil, nil, err
	}
	if tokenRing, err = loadKeyRing(filepath.Join(opt.DataDir, "token.keys"), opt.TokenKeys); err != nil {
		return nil, nil, nil, err
	}
	if st, err = openStore(ctx, opt); err != nil {
		return nil, nil, nil, err
	}
	if opt.WrapStore != nil {
		st = opt.WrapStore(st)
	}
	if opt.Store != "" {
		if err := checkSharedKeys(ctx, st, map[string]*seal.Sealer{"seal": sealer, "tokens": tokenRing}); err != nil {
			st.Close()
			return nil, nil, nil, err
		}
	}
	return st, sealer, tokenRing, nil
}

// sealerFor seals secrets at rest with the given key, or the data
// directory's (created on first use).
func sealerFor(dataDir string, key []byte) (*seal.Sealer, error) {
	if key == nil {
		var err error
		if key, err = loadOrCreateKey(filepath.Join(dataDir, "seal.key")); err != nil {
			return nil, err
		}
	}
	return seal.NewSealer(map[string][]byte{"k1": key}, []string{"k1"})
}

// OpenService opens a data directory's store for administration from the
// command line (iamd account ...). It may run beside a server on the same
// directory: SQLite serializes their writes, and the server reads
// credentials it has not cached from the store.
func OpenService(dataDir string, sealKey []byte) (*iam.Service, io.Closer, error) {
	if _, err := os.Stat(filepath.Join(dataDir, "iamd.db")); err != nil {
		return nil, nil, fmt.Errorf("no iamd data in %s (start iamd serve --data %s first): %w", dataDir, dataDir, err)
	}
	sealer, err := sealerFor(dataDir, sealKey)
	if err != nil {
		return nil, nil, err
	}
	st, err := sqlite.Open(filepath.Join(dataDir, "iamd.db"))
	if err != nil {
		return nil, nil, err
	}
	return iam.New(st, iam.Options{Sealer: sealer}), st, nil
}

// prepareAccount creates the account on first start and makes sure the
// root credentials given exist.
func (i *Instance) prepareAccount(ctx context.Context, opt Options) error {
	accounts, err := i.IAM.Accounts(ctx)
	if err != nil {
		return err
	}
	if first, ok := iam.DefaultAccount(accounts); ok {
		return i.useAccount(ctx, opt, first.ID)
	}
	i.Account = opt.AccountID
	if i.Account == "" {
		i.Account = iam.NewAccountID()
	}
	i.RootKeyID, i.RootSecret = opt.RootKeyID, opt.RootSecret
	if i.RootKeyID == "" {
		i.RootKeyID, i.RootSecret = iam.NewAccessKeyID(iam.PrefixAccessKey), iam.NewSecretAccessKey()
	}
	acct, created, err := i.IAM.CreateFirstAccount(ctx, i.Account, i.RootKeyID, i.RootSecret)
	if err != nil || created {
		i.Created = created
		return err
	}
	// Another node starting at the same time created it.
	i.RootKeyID, i.RootSecret = "", ""
	return i.useAccount(ctx, opt, acct.ID)
}

// useAccount serves an account that exists (the one named, else the
// store's first), making sure the root credentials given are its keys.
func (i *Instance) useAccount(ctx context.Context, opt Options, existing string) error {
	i.Account = existing
	if opt.AccountID != "" {
		i.Account = opt.AccountID
	}
	if opt.RootKeyID == "" {
		return nil
	}
	i.RootKeyID, i.RootSecret = opt.RootKeyID, opt.RootSecret
	err := i.IAM.EnsureRootKey(ctx, i.Account, opt.RootKeyID, opt.RootSecret)
	switch {
	case errors.Is(err, iam.ErrRootKeyDeleted):
		// Never bring back a key the API deleted (it may have leaked).
		opt.Logger.Warn("IAMD_ROOT_ACCESS_KEY_ID names a root key deleted through the API: not re-creating it; give a new key id to have a root key again",
			"err", err)
		i.RootKeyID, i.RootSecret = "", ""
		return nil
	case errors.Is(err, iam.ErrRootKeyInactive), errors.Is(err, iam.ErrRootSecretMismatch):
		opt.Logger.Warn("the root credentials given (IAMD_ROOT_ACCESS_KEY_ID/IAMD_ROOT_SECRET_ACCESS_KEY) do not sign requests; the stored key is left as it is",
			"err", err)
		i.RootKeyID, i.RootSecret = "", ""
		return nil
	}
	return err
}

// WatchInterval is how often a node reads the change feed even when no
// commit was announced (a lost announcement delays a change by at most
// this much).
const WatchInterval = 250 * time.Millisecond

// openStore opens the store the options name.
func openStore(ctx context.Context, opt Options) (iam.Store, error) {
	if strings.HasPrefix(opt.Store, "postgres://") || strings.HasPrefix(opt.Store, "postgresql://") {
		return postgres.Open(ctx, opt.Store, postgres.Options{})
	}
	if opt.Store != "" {
		return nil, fmt.Errorf("store %q: want postgres://… (or nothing, for SQLite in the data directory)", opt.Store)
	}
	return sqlite.Open(filepath.Join(opt.DataDir, "iamd.db"))
}

// Close shuts the server down gracefully (in-flight requests finish) and
// closes the store.
func (i *Instance) Close(ctx context.Context) error {
	var err error
	i.once.Do(func() {
		err = i.http.Shutdown(ctx)
		i.stopWatch()
		if serveErr := i.Wait(); serveErr != nil {
			err = errors.Join(err, serveErr)
		}
		// The requests are done: let their background writes reach the
		// store before it closes, and their audit records the log.
		i.audit.closeQueue()
		err = errors.Join(err, i.bg.Close(ctx))
		err = errors.Join(err, i.Store.Close())
	})
	return err
}

// FlushAudit returns once the audit records of the calls answered so far
// are written (the gateway's are written off the request path).
func (i *Instance) FlushAudit() { i.audit.flushQueued() }

// Wait returns when the server stops serving, with the reason unless it
// was Close.
func (i *Instance) Wait() error {
	<-i.done
	if errors.Is(i.serveErr, http.ErrServerClosed) {
		return nil
	}
	return i.serveErr
}

// loadOrCreateKey reads a base64 key file, creating it (mode 0600) with a
// fresh key when absent.
func loadOrCreateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := seal.NewSealKey()
		enc := base64.StdEncoding.EncodeToString(key) + "\n"
		if err := os.WriteFile(path, []byte(enc), 0o600); err != nil {
			return nil, err
		}
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s: not a base64 32-byte key", path)
	}
	return key, nil
}

// iamOperations are the IAM API: the domain's operations and the policy
// simulator's, one method set for the dispatcher; the operations neither
// implements answer NotImplemented.
type iamOperations struct {
	*iam.Service
	*authz.Simulation
	iamapi.UnimplementedIAMService
}

// stsOperations are the STS API: the STS service's operations and the
// decoding of authorization messages.
type stsOperations struct {
	*sts.Service
	*authz.Messages
	stsapi.UnimplementedSTSService
}

var (
	_ iamapi.Service = iamOperations{}
	_ STSService     = stsOperations{}
)

// loadKeyRing builds a sealer from "id:base64key" entries (one per line
// or comma-separated, newest first), given or kept in a file created with
// one fresh key when absent.
func loadKeyRing(path, given string) (*seal.Sealer, error) {
	text := given
	if text == "" {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			line := "t1:" + base64.StdEncoding.EncodeToString(seal.NewSealKey()) + "\n"
			if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
				return nil, err
			}
			data = []byte(line)
		} else if err != nil {
			return nil, err
		}
		text = string(data)
	}
	keys := map[string][]byte{}
	var order []string
	for _, entry := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' }) {
		id, b64, ok := strings.Cut(strings.TrimSpace(entry), ":")
		key, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil {
			return nil, fmt.Errorf("token key ring: entry %q is not id:base64", id)
		}
		keys[id] = key
		order = append(order, id)
	}
	return seal.NewSealer(keys, order)
}
