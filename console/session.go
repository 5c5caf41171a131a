package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/lru"
)

// Sessions live in the memory of the node that signed the user in: a
// restart signs everyone out, which is the safe failure. The cookie holds
// a random 256-bit token; the table is keyed by its SHA-256, so the
// table alone does not give a usable cookie.

const (
	cookieName  = "iamd-console"
	maxSessions = 20_000
	// pendingTTL bounds a sign-in in progress (the MFA code or the new
	// password still to come).
	pendingTTL = 5 * time.Minute
)

// Stages of a session.
const (
	stageAnonymous = iota // the sign-in form only
	stageMFA              // password right, the MFA code to come
	stageChange           // signed in but must change the password first
	stageFull
)

type session struct {
	mu      sync.Mutex
	key     string // sha256 of the cookie's token
	csrf    string
	stage   int
	expires time.Time
	seen    time.Time

	account, userName, userID, arn string
	root, mfa                      bool
	mfaAt                          time.Time
	mfaSerial                      string // the device whose code the MFA step asks for
	mustChange                     bool   // the password must be changed before anything else
	mfaTries                       int
	// flash is a message for the next page (an access key's secret is
	// never put here: it is shown on the response that created it).
	flash string
}

// sessions are two tables: signed-in ones, and those before sign-in
// completes, so that a flood of sign-in forms cannot evict anyone signed in.
type sessions struct {
	full, pending *lru.Cache[string, *session]
}

func newSessions() *sessions {
	return &sessions{full: lru.New[string, *session](maxSessions), pending: lru.New[string, *session](maxSessions)}
}

func (ss *sessions) table(stage int) *lru.Cache[string, *session] {
	if stage == stageFull {
		return ss.full
	}
	return ss.pending
}

func (ss *sessions) get(key string) (*session, bool) {
	if s, ok := ss.full.Get(key); ok {
		return s, true
	}
	return ss.pending.Get(key)
}

func (ss *sessions) remove(key string) {
	ss.full.Remove(key)
	ss.pending.Remove(key)
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// start makes a new session and sets its cookie; any old one is ended.
func (h *Handler) start(w http.ResponseWriter, r *http.Request, old *session, stage int, ttl time.Duration) *session {
	if old != nil {
		h.sessions.remove(old.key)
	}
	tok := randomToken()
	now := h.now()
	s := &session{key: tokenKey(tok), csrf: randomToken(), stage: stage, expires: now.Add(ttl), seen: now}
	h.sessions.table(stage).Put(s.key, s)
	//nolint:gosec // Secure whenever the request came over TLS: over plain HTTP the browser would drop it.
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: Prefix, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, Expires: s.expires, MaxAge: int(ttl / time.Second)})
	return s
}

// current is the request's live session, or nil.
func (h *Handler) current(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	s, ok := h.sessions.get(tokenKey(c.Value))
	if !ok {
		return nil
	}
	now := h.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.Before(s.expires) || s.stage == stageFull && now.Sub(s.seen) > h.idle {
		h.sessions.remove(s.key)
		return nil
	}
	s.seen = now
	return s
}

// end signs out.
func (h *Handler) end(w http.ResponseWriter, r *http.Request, s *session) {
	if s != nil {
		h.sessions.remove(s.key)
	}
	//nolint:gosec // as in start
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// csrfOK checks a state-changing request's token against its session's:
// the form field csrf, or the X-CSRF-Token header for the JSON endpoints.
func csrfOK(r *http.Request, s *session) bool {
	if s == nil {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// Failed sign-ins are limited per source address and per account and
// user: five failures in five minutes lock the user's sign-in for five
// minutes, twenty lock the address. While locked even the right password
// is refused with the same answer.
const (
	userFailures = 5
	ipFailures   = 20
	failWindow   = 5 * time.Minute
	lockout      = 5 * time.Minute
)

type tries struct {
	n           int
	since       time.Time
	lockedUntil time.Time
}

type limiter struct {
	m *lru.Cache[string, tries]
}

func newLimiter() *limiter { return &limiter{m: lru.New[string, tries](50_000)} }

func (l *limiter) locked(key string, now time.Time) bool {
	t, ok := l.m.Get(key)
	return ok && now.Before(t.lockedUntil)
}

func (l *limiter) fail(key string, limit int, now time.Time) {
	l.m.Update(key, func(old tries, found bool) tries {
		if !found || now.Sub(old.since) > failWindow || !old.lockedUntil.IsZero() && !now.Before(old.lockedUntil) {
			old = tries{since: now}
		}
		old.n++
		if old.n >= limit {
			old.lockedUntil = now.Add(lockout)
		}
		return old
	})
}

func (l *limiter) clear(key string) { l.m.Remove(key) }
