// Package console is iamd's web console, served by `iamd serve` at
// /console on the API port: sign-in as on AWS (account, user name,
// password, MFA code; the root user with its credentials), the entities,
// a policy editor that validates as you type, the policy simulator, the
// credential report and the audit log.
//
// Every action is the IAM API call the CLI would make, made through the
// server's own Dispatch and Guard with the signed-in principal as the
// caller (Backend.Call): the console has no way around authorization.
// Pages are rendered on the server (html/template); the one script is
// served from the binary (go:embed) under a strict Content-Security-Policy.
package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/lru"
	"github.com/iamd/iamd/internal/seal"
)

// Prefix is where the console is served.
const Prefix = "/console"

// Backend is what the console needs of the server.
type Backend interface {
	// Call makes an IAM API call as caller through the same Dispatch and
	// Guard as a signed request, audited like one.
	Call(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values) (query.Output, error)
	// Authorized decides an IAM API call as Call would, without making
	// it: nil when caller may make it, else the refusal. The pages ask it
	// which of their forms to show.
	Authorized(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values) error
	// AuthorizedForSome is Authorized for some value where a parameter
	// holds typed (a form's value still to be typed): nil when some value
	// could be allowed.
	AuthorizedForSome(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values, typed string) error
	// Check authorizes an action outside the IAM API.
	Check(ctx context.Context, caller *iam.Caller, action, resource string) error
	// SignIn audits a sign-in attempt.
	SignIn(r *http.Request, ev SignInEvent)
	// AuditEvents are the recent audit records of account, newest first:
	// as CloudTrail, an account sees its own records only.
	AuditEvents(account string) []AuditEntry
	// Partition is the server's partition.
	Partition() string
	// Domain identifies who signs in (passwords, MFA codes, root keys).
	Domain() *iam.Service
}

// SignInEvent is one sign-in attempt, for the audit log.
type SignInEvent struct {
	Account, UserName, UserID, ARN string
	Root, MFAUsed                  bool
	Failure                        string // "" on success; AWS's "Failed authentication"
	Reason                         string // why, for the operator (never the password)
}

// AuditEntry is one audit record as the console shows it.
type AuditEntry struct {
	Time, Source, Action, Principal, Resource, Decision, ErrorCode, ErrorMessage, SourceIP string
}

// Config configures the console.
type Config struct {
	Backend Backend
	Logger  *slog.Logger
	Now     func() time.Time
	// SessionTTL is how long a signed-in session lasts (default 12 h, the
	// console's default on AWS); IdleTTL ends it earlier without use
	// (default 1 h).
	SessionTTL, IdleTTL time.Duration
	// ReadOnly serves the views of ReadOnlyAccount with no sign-in and no
	// writes (`iamd console --from`): every POST is refused, every write
	// form left out of the pages, and only reads reach the Backend.
	ReadOnly        bool
	ReadOnlyAccount string
	// Sealer seals the session cookies: the key ring every node of a
	// cluster shares, so that a session signed in on one is good on all.
	// Nil: a key of the process's own (a restart signs everyone out).
	Sealer *seal.Sealer
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the console.
type Handler struct {
	b        Backend
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	idle     time.Duration
	sealer   *seal.Sealer
	limits   *limiter
	pages    map[string]*template.Template
	static   map[string]staticFile // by versioned path
	assets   map[string]string     // file name -> versioned path
	mux      *http.ServeMux
	readOnly *identity // the viewer of a read-only console
	reports  *lru.Cache[string, *reportData]
	lists    *lru.Cache[string, *keptList] // the lists searches read (searchcache.go)
	graphs   graphCache
}

type staticFile struct {
	body        []byte
	contentType string
	etag        string
}

// New returns the console's handler, to be mounted at Prefix.
func New(cfg Config) *Handler {
	h := &Handler{b: cfg.Backend, log: cfg.Logger, now: cfg.Now, ttl: cfg.SessionTTL, idle: cfg.IdleTTL, sealer: cfg.Sealer}
	if h.sealer == nil {
		h.sealer = ephemeralSealer()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.ttl <= 0 {
		h.ttl = 12 * time.Hour
	}
	if h.idle <= 0 {
		h.idle = time.Hour
	}
	if cfg.ReadOnly {
		p := cfg.Backend.Partition()
		h.readOnly = &identity{account: cfg.ReadOnlyAccount, root: true,
			arn: "arn:" + p + ":iam::" + cfg.ReadOnlyAccount + ":root"}
	}
	h.limits = &limiter{store: func() iam.Store { return h.b.Domain().Store() }, log: h.log}
	h.reports = lru.New[string, *reportData](4)
	h.lists = lru.New[string, *keptList](keptListsMax)
	h.loadStatic()
	h.loadTemplates()
	h.routes()
	return h
}

// loadStatic versions each asset by its hash, so that it can be cached
// for a year: a new binary serves it under a new path.
func (h *Handler) loadStatic() {
	h.static, h.assets = map[string]staticFile{}, map[string]string{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		v := hex.EncodeToString(sum[:6])
		ct := "application/octet-stream"
		switch {
		case strings.HasSuffix(e.Name(), ".js"):
			ct = "text/javascript; charset=utf-8"
		case strings.HasSuffix(e.Name(), ".css"):
			ct = "text/css; charset=utf-8"
		case strings.HasSuffix(e.Name(), ".svg"):
			ct = "image/svg+xml"
		}
		path := Prefix + "/static/" + v + "/" + e.Name()
		h.static[path] = staticFile{body: body, contentType: ct, etag: `"` + v + `"`}
		h.assets[e.Name()] = path
	}
}

func (h *Handler) loadTemplates() {
	funcs := template.FuncMap{
		"asset": func(name string) string { return h.assets[name] },
		"fmtTime": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.UTC().Format("2006-01-02 15:04 UTC")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.UTC().Format("2006-01-02 15:04 UTC")
			}
			return ""
		},
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"isTrue": func(p *bool) bool { return p != nil && *p },
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	h.pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		h.pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
}

// securityHeaders go on every console response. No inline script or
// style, nothing from elsewhere, no framing, no referrer (an entity's
// name in a URL goes nowhere).
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// ServeHTTP serves the console's paths.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	if f, ok := h.static[r.URL.Path]; ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		hd := w.Header()
		hd.Set("Content-Type", f.contentType)
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		hd.Set("ETag", f.etag)
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(f.body)
		return
	}
	// Pages carry a CSRF token and the signed-in user's data: never cached.
	w.Header().Set("Cache-Control", "no-store")
	if h.readOnly != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.render(w, r, nil, "error", http.StatusMethodNotAllowed, "Read-only", nil, &apiError{Message: msgReadOnly})
		return
	}
	if h.readOnly != nil && (r.URL.Path == Prefix+"/signin" || r.URL.Path == Prefix+"/mfa" || r.URL.Path == Prefix+"/change-password") {
		http.Redirect(w, r, Prefix+"/home", http.StatusSeeOther)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	w, r = h.withSession(w, r)
	h.mux.ServeHTTP(w, r)
}
