// Package auth authenticates requests: it verifies their SigV4 signature
// with the secret of the access key they name (the account root's, an IAM
// user's, or a session's) and says who the caller is.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/auth/sigv4"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/sts"
)

// Authenticator resolves the caller of a signed request.
type Authenticator struct {
	iam        *iam.Service
	tokens     *sts.Tokens
	verifier   *sigv4.Verifier
	now        func() time.Time
	partition  string
	watcher    *feed.Watcher
	cache      credCache
	principals principalCache

	mu       sync.Mutex
	lastUsed map[string]time.Time // access key -> last recorded use
}

// Config configures an Authenticator.
type Config struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Partition is the server's partition (aws when empty): every
	// caller's ARN is in it, and requests signed for a region outside it
	// are refused. The client's signing region never chooses it.
	Partition string
}

// New returns an authenticator over the IAM service's credentials. With a
// watcher, credentials are cached and dropped when the store says they
// changed; without one, every request reads the store.
func New(svc *iam.Service, tokens *sts.Tokens, watcher *feed.Watcher, cfg Config) *Authenticator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	a := &Authenticator{iam: svc, tokens: tokens, now: cfg.Now, partition: cfg.Partition, watcher: watcher, lastUsed: map[string]time.Time{}}
	a.cache.init()
	a.principals.init()
	a.verifier = sigv4.New(sigv4.Config{Credentials: secrets{a}, Now: cfg.Now, Partition: cfg.Partition})
	if watcher != nil {
		watcher.Subscribe(a.cache.invalidate)
		watcher.Subscribe(a.principals.invalidate)
	}
	return a
}

// Partition is the partition of every caller this authenticator finds.
func (a *Authenticator) Partition() string { return a.partition }

// identity is a verified key's owner, as authentication needs it.
type identity struct {
	cred     *iam.Credential
	userName string
	userID   string
	arn      string // the owner's: built once, with the identity
}

// credCache keeps identities by access key id, with an index by user so a
// change to a user drops its keys.
type credCache struct {
	mu      sync.RWMutex
	byID    map[string]*identity
	byUser  map[string][]string // account|lower user -> key ids
	loading map[string]*loading // key ids being read from the store
}

// loading marks a key being read, so that an invalidation arriving
// meanwhile keeps the (possibly older) result out of the cache.
type loading struct {
	readers int
	stale   bool
	users   []string // account|lower user of the user changes meanwhile
}

func (c *credCache) init() {
	c.byID, c.byUser = map[string]*identity{}, map[string][]string{}
	if c.loading == nil {
		c.loading = map[string]*loading{}
	}
}

func (c *credCache) get(id string) *identity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byID[id]
}

// load registers a read of a key from the store; done, called with what
// was read, keeps it unless an invalidation concerning it came meanwhile.
func (c *credCache) load(id string) (done func(*identity)) {
	c.mu.Lock()
	l := c.loading[id]
	if l == nil {
		l = &loading{}
		c.loading[id] = l
	}
	l.readers++
	c.mu.Unlock()
	return func(ident *identity) {
		c.mu.Lock()
		if l.readers--; l.readers == 0 {
			delete(c.loading, id)
		}
		stale := l.stale
		if ident != nil && ident.cred.User != "" {
			stale = stale || slices.Contains(l.users, ident.cred.Account+"|"+strings.ToLower(ident.cred.User))
		}
		c.mu.Unlock()
		if ident != nil && !stale {
			c.put(id, ident)
		}
	}
}

func (c *credCache) put(id string, ident *identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byID) > 100000 {
		c.init()
	}
	c.byID[id] = ident
	if u := ident.cred.User; u != "" {
		k := ident.cred.Account + "|" + strings.ToLower(u)
		c.byUser[k] = append(c.byUser[k], id)
	}
}

func (c *credCache) invalidate(changes []iam.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		switch ch.Kind {
		case feed.KindReset:
			c.byID, c.byUser = map[string]*identity{}, map[string][]string{}
			for _, l := range c.loading {
				l.stale = true
			}
		case "access-key":
			delete(c.byID, ch.Key)
			if l := c.loading[ch.Key]; l != nil {
				l.stale = true
			}
		case "user":
			k := ch.Account + "|" + ch.Key
			for _, id := range c.byUser[k] {
				delete(c.byID, id)
			}
			delete(c.byUser, k)
			for _, l := range c.loading {
				if len(l.users) < 64 {
					l.users = append(l.users, k)
				} else {
					l.stale = true
				}
			}
		}
	}
}

// secrets looks up the secret of a request's access key for the verifier's
// Config; each authentication looks up through its own lookups instead.
type secrets struct{ a *Authenticator }

func (s secrets) SecretFor(ctx context.Context, id, token string) (string, error) {
	l := lookups{a: s.a}
	return l.SecretFor(ctx, id, token)
}

// lookups are one authentication's secret lookups (sigv4.Credentials):
// they keep the identity or the session they found, whose owner the
// caller is (the verifier asks for the secret, authenticateWith for the
// owner). Unknown or unusable keys are sigv4.ErrInvalidClientTokenID,
// expired sessions sigv4.ErrExpiredToken.
type lookups struct {
	a       *Authenticator
	ident   *identity
	session *iam.Session
}

func (l *lookups) SecretFor(ctx context.Context, id, token string) (string, error) {
	if token != "" || strings.HasPrefix(id, iam.PrefixSessionKey) {
		sess, err := l.a.session(id, token)
		if err != nil {
			return "", err
		}
		l.session = sess
		return sess.Secret, nil
	}
	ident, err := l.identityOf(ctx, id)
	if err != nil {
		return "", err
	}
	return ident.cred.Secret, nil
}

// identityOf is the identity of an access key, looked up once per
// authentication.
func (l *lookups) identityOf(ctx context.Context, id string) (*identity, error) {
	if l.ident != nil && l.ident.cred.AccessKeyID == id {
		return l.ident, nil
	}
	ident, err := l.a.identityOf(ctx, id)
	if err == nil {
		l.ident = ident
	}
	return ident, err
}

// session opens the session token of temporary credentials.
func (a *Authenticator) session(id, token string) (*iam.Session, error) {
	if a.tokens == nil || token == "" {
		return nil, sigv4.ErrInvalidClientTokenID()
	}
	sess, err := a.tokens.Open(token, id, a.now())
	switch {
	case errors.Is(err, sts.ErrExpired):
		return nil, sigv4.ErrExpiredToken()
	case err != nil:
		return nil, sigv4.ErrInvalidClientTokenID()
	}
	return sess, nil
}

// identityOf resolves an access key to its owner: from the cache, else
// from the store.
func (a *Authenticator) identityOf(ctx context.Context, id string) (*identity, error) {
	ident, err := a.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ident.cred.Active {
		return nil, sigv4.ErrInvalidClientTokenID()
	}
	return ident, nil
}

func (a *Authenticator) lookup(ctx context.Context, id string) (*identity, error) {
	if a.watcher != nil {
		if err := a.watcher.SyncIfDirty(ctx); err == nil {
			if ident := a.cache.get(id); ident != nil {
				return ident, nil
			}
		}
	}
	keep := func(*identity) {}
	if a.watcher != nil {
		keep = a.cache.load(id)
	}
	cred, err := a.iam.LookupAccessKey(ctx, id)
	if err != nil {
		keep(nil)
		return nil, lookupError(err)
	}
	ident := &identity{cred: cred}
	if cred.User != "" {
		u, err := a.iam.LookupUser(ctx, cred.Account, cred.User)
		if err != nil {
			keep(nil)
			return nil, lookupError(err)
		}
		ident.userName, ident.userID = u.Name, u.ID
		ident.arn = arn.ARN{Partition: a.partition, Service: "iam", AccountID: cred.Account, Resource: "user" + u.Path + u.Name}.String()
	} else {
		ident.arn = arn.ARN{Partition: a.partition, Service: "iam", AccountID: cred.Account, Resource: "root"}.String()
	}
	keep(ident)
	return ident, nil
}

func lookupError(err error) error {
	switch {
	case errors.Is(err, iam.ErrNotFound):
		return sigv4.ErrInvalidClientTokenID()
	case errors.Is(err, iam.ErrUnavailable):
		return awserr.Unavailable("The service is unavailable. Retry the request.").WithCause(err)
	}
	if _, ok := awserr.As(err); ok {
		return sigv4.ErrInvalidClientTokenID() // e.g. the key's user is gone
	}
	return awserr.Internal(fmt.Errorf("credential lookup: %w", err))
}

// AuthenticateService verifies the signature of a request to service
// ("iam", "sts") and returns its caller. A signature scoped to another
// service is refused, as each AWS endpoint refuses it.
func (a *Authenticator) AuthenticateService(ctx context.Context, r *http.Request, body []byte, service string) (*iam.Caller, *sigv4.Result, error) {
	if service == "" {
		return nil, nil, awserr.ServiceFailure("authentication requires a service")
	}
	return a.authenticate(ctx, r, body, service)
}

// Authenticate verifies the signature of a request signed for any service
// (a client's request to another service, which the authorize endpoint
// checks) and returns its caller. Requests to iamd's own endpoints use
// AuthenticateService.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (*iam.Caller, *sigv4.Result, error) {
	return a.authenticate(ctx, r, body, "")
}

// AuthenticatePayloadHash verifies a request whose body is streamed, not
// read (S3's uploads through the gateway): the signature covers
// payloadHash, the request's declared X-Amz-Content-Sha256, and the caller
// checks the body against it as it streams.
func (a *Authenticator) AuthenticatePayloadHash(ctx context.Context, r *http.Request, payloadHash string) (*iam.Caller, *sigv4.Result, error) {
	return a.authenticateWith(ctx, func(l *lookups, res *sigv4.Result) error {
		return a.verifier.VerifyPayloadHashFor(ctx, l, r, payloadHash, res)
	})
}

func (a *Authenticator) authenticate(ctx context.Context, r *http.Request, body []byte, service string) (*iam.Caller, *sigv4.Result, error) {
	return a.authenticateWith(ctx, func(l *lookups, res *sigv4.Result) error {
		return a.verifier.VerifyFor(ctx, l, r, body, service, res)
	})
}

// authentication is one authentication's lookups, the signature's result
// and the caller it finds, in one allocation.
type authentication struct {
	lookups lookups
	result  sigv4.Result
	caller  iam.Caller
}

func (a *Authenticator) authenticateWith(ctx context.Context, verify func(*lookups, *sigv4.Result) error) (*iam.Caller, *sigv4.Result, error) {
	at := &authentication{lookups: lookups{a: a}}
	res := &at.result
	if err := verify(&at.lookups, res); err != nil {
		return nil, nil, err
	}
	if s := at.lookups.session; s != nil {
		if err := a.sessionCaller(ctx, &at.caller, s, res); err != nil {
			return nil, nil, err
		}
		return &at.caller, res, nil
	}
	ident, err := at.lookups.identityOf(ctx, res.AccessKeyID)
	if err != nil {
		return nil, nil, err
	}
	cred := ident.cred
	c := &at.caller
	*c = iam.Caller{Account: cred.Account, Partition: a.partition, Region: res.Scope.Region, AccessKey: cred.AccessKeyID, ARN: ident.arn}
	if cred.User == "" {
		c.Root = true
	} else {
		c.UserName, c.UserID = ident.userName, ident.userID
	}
	a.recordUse(cred.AccessKeyID, res)
	return c, res, nil
}

// sessionCaller describes the caller behind temporary credentials. They
// are bound to the principal they were issued for, by id: a session of a
// deleted role, user or federating user is invalid, and stays invalid when
// a role or user of the same name is created again (a new principal, as
// on AWS).
func (a *Authenticator) sessionCaller(ctx context.Context, c *iam.Caller, s *iam.Session, res *sigv4.Result) error {
	partition := a.partition
	*c = iam.Caller{Account: s.Account, Partition: partition, Region: res.Scope.Region, AccessKey: s.AccessKeyID, Session: s}
	stsARN := func(resource string) string {
		return arn.ARN{Partition: partition, Service: "sts", AccountID: s.Account, Resource: resource}.String()
	}
	switch s.Type {
	case iam.SessionAssumedRole:
		if _, err := a.boundPrincipal(ctx, s.Account, "role", s.RoleName, s.RoleID); err != nil {
			return err
		}
		c.ARN = stsARN("assumed-role/" + s.RoleName + "/" + s.SessionName)
		c.UserID = s.RoleID + ":" + s.SessionName
	case iam.SessionFederatedUser:
		if s.UserName != "" { // "" is the root user's
			if _, err := a.boundPrincipal(ctx, s.Account, "user", s.UserName, s.UserID); err != nil {
				return err
			}
		}
		c.ARN = stsARN("federated-user/" + s.FederatedName)
		c.UserID = s.Account + ":" + s.FederatedName
	case iam.SessionToken:
		if s.UserName == "" {
			c.Root = true
			c.ARN = arn.ARN{Partition: partition, Service: "iam", AccountID: s.Account, Resource: "root"}.String()
			c.UserID = s.Account
			break
		}
		u, err := a.boundPrincipal(ctx, s.Account, "user", s.UserName, s.UserID)
		if err != nil {
			return err
		}
		c.UserName, c.UserID = u.name, u.id
		c.ARN = arn.ARN{Partition: partition, Service: "iam", AccountID: s.Account, Resource: "user" + u.path + u.name}.String()
	default:
		return sigv4.ErrInvalidClientTokenID()
	}
	return nil
}

// boundPrincipal returns the user or role a session was issued for, which
// must still exist with the id the session carries. A session without the
// id (issued before sessions carried it) is refused too: it cannot tell
// the principal from a later one of the same name.
func (a *Authenticator) boundPrincipal(ctx context.Context, account, kind, name, id string) (principalRef, error) {
	p, err := a.principal(ctx, account, kind, name)
	if err != nil {
		return p, err
	}
	if id == "" || subtle.ConstantTimeCompare([]byte(p.id), []byte(id)) != 1 {
		return p, sigv4.ErrInvalidClientTokenID()
	}
	return p, nil
}

// principal reads a user or role by name: from the cache, else from the
// store. A missing one is sigv4.ErrInvalidClientTokenID.
func (a *Authenticator) principal(ctx context.Context, account, kind, name string) (principalRef, error) {
	k := account + "|" + kind + "|" + strings.ToLower(name)
	if a.watcher != nil {
		if err := a.watcher.SyncIfDirty(ctx); err == nil {
			if p, ok := a.principals.get(k); ok {
				return p, nil
			}
		}
	}
	gen := a.principals.generation()
	var p principalRef
	switch kind {
	case "role":
		r, err := a.iam.LookupRole(ctx, account, name)
		if err != nil {
			return p, lookupError(err)
		}
		p = principalRef{id: r.ID, name: r.Name, path: r.Path}
	default:
		u, err := a.iam.LookupUser(ctx, account, name)
		if err != nil {
			return p, lookupError(err)
		}
		p = principalRef{id: u.ID, name: u.Name, path: u.Path}
	}
	if a.watcher != nil {
		a.principals.put(k, p, gen)
	}
	return p, nil
}

// principalRef is what authenticating a session needs of its principal.
type principalRef struct{ id, name, path string }

// principalCache keeps users and roles by account|kind|lower name. A
// change to any user or role bumps its generation, so a read that
// overlapped a change is used once but not kept.
type principalCache struct {
	mu    sync.Mutex
	gen   uint64
	byKey map[string]principalRef
}

func (c *principalCache) init() { c.byKey = map[string]principalRef{} }

func (c *principalCache) get(k string) (principalRef, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.byKey[k]
	return p, ok
}

func (c *principalCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *principalCache) put(k string, p principalRef, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.byKey) > 100000 {
		c.byKey = map[string]principalRef{}
	}
	c.byKey[k] = p
}

func (c *principalCache) invalidate(changes []iam.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		switch ch.Kind {
		case feed.KindReset:
			c.byKey = map[string]principalRef{}
			c.gen++
		case "user", "role":
			delete(c.byKey, ch.Account+"|"+ch.Kind+"|"+ch.Key)
			c.gen++
		}
	}
}

// recordUse notes the key's last use, at most once a minute per key so that
// reads do not become writes.
func (a *Authenticator) recordUse(id string, res *sigv4.Result) {
	now := a.now()
	a.mu.Lock()
	last, ok := a.lastUsed[id]
	if ok && now.Sub(last) < time.Minute {
		a.mu.Unlock()
		return
	}
	if len(a.lastUsed) > 100000 {
		a.lastUsed = map[string]time.Time{}
	}
	a.lastUsed[id] = now
	a.mu.Unlock()
	service := strings.ToLower(res.Scope.Service)
	// Queued on the service's background runner (drained on shutdown,
	// failures logged and counted); it never waits for the store.
	_ = a.iam.RecordAccessKeyUse(context.Background(), id, service, res.Scope.Region, now)
}
