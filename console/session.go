package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
)

// Sessions live in the cookie, sealed (AES-GCM) with the server's token
// key ring, which every node of a cluster shares: any node opens a
// session another signed in, and nothing of it can be read or changed in
// the browser. A session ends at its expiry, after an hour unused (the
// cookie is sealed again as it is used), or at sign-out, which the store
// records until the session would have expired, so that a copy of the
// cookie is refused on every node.

const (
	cookieName = "iamd-console"
	// maxCookie bounds the cookie a request may bring.
	maxCookie = 3000
	// pendingTTL bounds a sign-in in progress (the MFA code or the new
	// password still to come).
	pendingTTL = 5 * time.Minute
	// sessionContext binds a sealed session to its use: no other sealed
	// value of the ring opens as one.
	sessionContext = "iamd-console-session"
	// kindSignedOut is the store's record of a session ended before its
	// expiry (account "", key: the expiry's Unix time, then the id).
	kindSignedOut = "console-signout"
	// seenEvery is how stale a session's last use may be before the
	// cookie is sealed again (the idle limit is an hour).
	seenEvery = time.Minute
)

// Stages of a session.
const (
	stageAnonymous = iota // the sign-in form only
	stageMFA              // password right, the MFA code to come
	stageChange           // signed in but must change the password first
	stageFull
)

// session is what the cookie carries. A request decodes its own copy;
// a change marks it dirty and the response seals it again.
type session struct {
	mu      sync.Mutex
	id      string
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

	dirty  bool
	maxAge time.Duration // the new cookie's lifetime; 0: until expires
}

// sealedSession is a session's cookie form.
type sealedSession struct {
	ID         string `json:"i"`
	CSRF       string `json:"c"`
	Stage      int    `json:"s"`
	Expires    int64  `json:"e"`
	Seen       int64  `json:"n"`
	Account    string `json:"a,omitempty"`
	UserName   string `json:"u,omitempty"`
	UserID     string `json:"d,omitempty"`
	ARN        string `json:"r,omitempty"`
	Root       bool   `json:"o,omitempty"`
	MFA        bool   `json:"m,omitempty"`
	MFAAt      int64  `json:"t,omitempty"`
	MFASerial  string `json:"l,omitempty"`
	MustChange bool   `json:"x,omitempty"`
	MFATries   int    `json:"y,omitempty"`
	Flash      string `json:"f,omitempty"`
}

func (h *Handler) seal(s *session) string {
	s.mu.Lock()
	v := sealedSession{ID: s.id, CSRF: s.csrf, Stage: s.stage, Expires: s.expires.Unix(), Seen: s.seen.Unix(),
		Account: s.account, UserName: s.userName, UserID: s.userID, ARN: s.arn, Root: s.root, MFA: s.mfa,
		MFASerial: s.mfaSerial, MustChange: s.mustChange, MFATries: s.mfaTries, Flash: s.flash}
	if !s.mfaAt.IsZero() {
		v.MFAAt = s.mfaAt.Unix()
	}
	s.mu.Unlock()
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings, ints and bools only
	}
	return h.sealer.Seal(string(b), sessionContext)
}

func (h *Handler) open(cookie string) (*session, bool) {
	pt, err := h.sealer.Open(cookie, sessionContext)
	if err != nil {
		return nil, false
	}
	var v sealedSession
	if err := json.Unmarshal([]byte(pt), &v); err != nil || v.ID == "" || v.CSRF == "" {
		return nil, false
	}
	s := &session{id: v.ID, csrf: v.CSRF, stage: v.Stage, expires: time.Unix(v.Expires, 0), seen: time.Unix(v.Seen, 0),
		account: v.Account, userName: v.UserName, userID: v.UserID, arn: v.ARN, root: v.Root, mfa: v.MFA,
		mfaSerial: v.MFASerial, mustChange: v.MustChange, mfaTries: v.MFATries, flash: v.Flash}
	if v.MFAAt != 0 {
		s.mfaAt = time.Unix(v.MFAAt, 0)
	}
	return s, true
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ephemeralSealer seals the sessions of a console given no key ring: they
// last as long as the process.
func ephemeralSealer() *seal.Sealer {
	s, err := seal.NewSealer(map[string][]byte{"e": seal.NewSealKey()}, []string{"e"})
	if err != nil {
		panic(err)
	}
	return s
}

// The response's session: a handler starts, changes or ends it, and the
// cookie is set once, as the response's header is written.

type sessionSlot struct {
	s     *session
	ended bool
}

type slotKey struct{}

func slotOf(r *http.Request) *sessionSlot {
	slot, _ := r.Context().Value(slotKey{}).(*sessionSlot)
	return slot
}

// sessionWriter sets the session's cookie before the response's header
// goes out, when the request changed its session.
type sessionWriter struct {
	http.ResponseWriter
	h     *Handler
	r     *http.Request
	slot  *sessionSlot
	wrote bool
}

func (sw *sessionWriter) WriteHeader(code int) {
	if !sw.wrote {
		sw.wrote = true
		sw.h.writeCookie(sw.ResponseWriter, sw.r, sw.slot)
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *sessionWriter) Write(b []byte) (int, error) {
	if !sw.wrote {
		sw.WriteHeader(http.StatusOK)
	}
	return sw.ResponseWriter.Write(b)
}

func (h *Handler) withSession(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	slot := &sessionSlot{}
	r = r.WithContext(context.WithValue(r.Context(), slotKey{}, slot))
	return &sessionWriter{ResponseWriter: w, h: h, r: r, slot: slot}, r
}

func (h *Handler) writeCookie(w http.ResponseWriter, r *http.Request, slot *sessionSlot) {
	if slot == nil || slot.ended || slot.s == nil {
		return
	}
	s := slot.s
	s.mu.Lock()
	dirty, age, expires := s.dirty, s.maxAge, s.expires
	s.dirty = false
	s.mu.Unlock()
	if !dirty {
		return
	}
	if age == 0 {
		age = expires.Sub(h.now())
	}
	if age < time.Second {
		return
	}
	//nolint:gosec // Secure whenever the request came over TLS: over plain HTTP the browser would drop it.
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: h.seal(s), Path: Prefix, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, Expires: expires, MaxAge: int(age / time.Second)})
}

// start makes a new session for the response's cookie; an old one past
// the sign-in form is ended, so that no token from before a step is
// worth anything after it.
func (h *Handler) start(_ http.ResponseWriter, r *http.Request, old *session, stage int, ttl time.Duration) *session {
	if old != nil && old.stage != stageAnonymous {
		h.revoke(r.Context(), old)
	}
	now := h.now()
	s := &session{id: randomToken()[:22], csrf: randomToken(), stage: stage, expires: now.Add(ttl), seen: now, dirty: true, maxAge: ttl}
	if slot := slotOf(r); slot != nil {
		slot.s, slot.ended = s, false
	}
	return s
}

// current is the request's live session, or nil.
func (h *Handler) current(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > maxCookie {
		return nil
	}
	s, ok := h.open(c.Value)
	if !ok {
		return nil
	}
	now := h.now()
	if !now.Before(s.expires) || s.stage == stageFull && now.Sub(s.seen) > h.idle {
		return nil
	}
	if s.stage != stageAnonymous && h.revoked(r.Context(), s) {
		return nil
	}
	if now.Sub(s.seen) >= seenEvery {
		s.seen, s.dirty = now, true
	}
	if slot := slotOf(r); slot != nil && !slot.ended {
		slot.s = s
	}
	return s
}

// end signs out: on every node (the store's record), and in the browser.
func (h *Handler) end(w http.ResponseWriter, r *http.Request, s *session) {
	if s != nil && s.stage != stageAnonymous {
		h.revoke(r.Context(), s)
	}
	if slot := slotOf(r); slot != nil {
		slot.s, slot.ended = nil, true
	}
	//nolint:gosec // as in writeCookie
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

func signedOutKey(s *session) string {
	return fmt.Sprintf("%012d|%s", s.expires.Unix(), s.id)
}

// revoked tells whether the session was ended; a store that cannot say
// ends it too (fail closed).
func (h *Handler) revoked(ctx context.Context, s *session) bool {
	err := h.b.Domain().Store().View(ctx, func(tx iam.Tx) error {
		_, err := tx.Get("", kindSignedOut, signedOutKey(s))
		return err
	})
	if errors.Is(err, iam.ErrNotFound) {
		return false
	}
	if err != nil {
		h.log.Warn("console: checking a session", "error", err)
	}
	return true
}

// revoke records the session's end, and drops the records of sessions
// that have expired since (the oldest first, a few at a time).
func (h *Handler) revoke(ctx context.Context, s *session) {
	now := h.now()
	err := h.b.Domain().Store().Update(ctx, func(tx iam.Tx) error {
		var old []string
		err := tx.Scan("", kindSignedOut, "", "", 50, func(k string, _ []byte) error {
			exp, _, _ := strings.Cut(k, "|")
			if t, err := strconv.ParseInt(exp, 10, 64); err != nil || t >= now.Unix() {
				return iam.ErrStop
			}
			old = append(old, k)
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := tx.Delete("", kindSignedOut, k); err != nil && !errors.Is(err, iam.ErrNotFound) {
				return err
			}
		}
		return tx.Put("", kindSignedOut, signedOutKey(s), []byte(s.userName))
	})
	if err != nil {
		// The cookie is still cleared; a copy of it lasts until it expires.
		h.log.Error("console: recording a sign-out", "user", s.arn, "error", err)
	}
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
