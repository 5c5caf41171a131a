package console

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/iam"
)

// msgReadOnly answers a write to a read-only console.
const msgReadOnly = "This console shows an account dump read-only: nothing can be changed."

var postForm = regexp.MustCompile(`(?is)<form[^>]*method="post".*?</form>`)

// readAction tells whether an IAM action only reads: the only kind a
// read-only console makes.
func readAction(action string) bool {
	return strings.HasPrefix(action, "Get") || strings.HasPrefix(action, "List") || action == "GenerateCredentialReport" ||
		strings.HasPrefix(action, "Simulate")
}

// maxFormBytes bounds a console form (a policy document is at most a few
// KiB; 1 MiB is ample).
const maxFormBytes = 1 << 20

func (h *Handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/home", http.StatusSeeOther)
	})
	m.HandleFunc("GET "+Prefix+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/home", http.StatusSeeOther)
	})
	m.HandleFunc(Prefix+"/signin", h.serveSignIn)
	m.HandleFunc(Prefix+"/mfa", h.serveMFA)
	m.HandleFunc(Prefix+"/change-password", h.serveChangePassword)
	m.HandleFunc("POST "+Prefix+"/signout", h.serveSignOut)

	m.HandleFunc("GET "+Prefix+"/home", h.signedIn(h.serveHome))
	m.HandleFunc("GET "+Prefix+"/users", h.signedIn(h.serveUsers))
	m.HandleFunc("POST "+Prefix+"/users", h.signedIn(h.serveForms(userForms, "", "create")))
	m.HandleFunc("GET "+Prefix+"/users/{name}", h.signedIn(h.serveUser))
	m.HandleFunc("POST "+Prefix+"/users/{name}/{op}", h.signedIn(h.serveForms(userForms, "", "")))
	m.HandleFunc("GET "+Prefix+"/groups", h.signedIn(h.serveGroups))
	m.HandleFunc("POST "+Prefix+"/groups", h.signedIn(h.serveForms(groupForms, "", "create")))
	m.HandleFunc("POST "+Prefix+"/groups/{name}/{op}", h.signedIn(h.serveForms(groupForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/roles", h.signedIn(h.serveForms(roleForms, "", "create")))
	m.HandleFunc("POST "+Prefix+"/roles/{name}/{op}", h.signedIn(h.serveForms(roleForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/policy/{op}", h.signedIn(h.serveForms(policyForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/users/{name}/tags/{op}", h.signedIn(h.serveForms(userForms, "tags/", "")))
	m.HandleFunc("GET "+Prefix+"/security-credentials", h.signedIn(h.serveSecurity))
	m.HandleFunc("POST "+Prefix+"/security-credentials/{op}", h.signedIn(h.serveSecurityAction))
	m.HandleFunc("GET "+Prefix+"/instance-profiles", h.signedIn(h.serveProfiles))
	m.HandleFunc("GET "+Prefix+"/identity-providers", h.signedIn(h.serveProviders))
	m.HandleFunc("GET "+Prefix+"/identity-providers/oidc", h.signedIn(h.serveOIDCProvider))
	m.HandleFunc("GET "+Prefix+"/identity-providers/saml", h.signedIn(h.serveSAMLProvider))
	m.HandleFunc("POST "+Prefix+"/instance-profiles", h.signedIn(h.serveForms(profileForms, "", "create")))
	m.HandleFunc("POST "+Prefix+"/instance-profiles/{name}/{op}", h.signedIn(h.serveForms(profileForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/identity-providers/{op}", h.signedIn(h.serveForms(providerForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/identity-providers/oidc/{op}", h.signedIn(h.serveForms(oidcForms, "", "")))
	m.HandleFunc("POST "+Prefix+"/identity-providers/saml/{op}", h.signedIn(h.serveForms(samlForms, "", "")))
	m.HandleFunc("GET "+Prefix+"/account", h.signedIn(h.serveAccount))
	m.HandleFunc("POST "+Prefix+"/account/{op}", h.signedIn(h.serveForms(accountForms, "", "")))
	m.HandleFunc("GET "+Prefix+"/groups/{name}", h.signedIn(h.serveGroup))
	m.HandleFunc("GET "+Prefix+"/roles", h.signedIn(h.serveRoles))
	m.HandleFunc("GET "+Prefix+"/roles/{name}", h.signedIn(h.serveRole))
	m.HandleFunc("GET "+Prefix+"/policies", h.signedIn(h.servePolicies))
	m.HandleFunc("GET "+Prefix+"/policy", h.signedIn(h.servePolicy))
	m.HandleFunc("GET "+Prefix+"/policy-editor", h.signedIn(h.serveEditor))
	m.HandleFunc("POST "+Prefix+"/policy-editor", h.signedIn(h.serveEditorSave))
	m.HandleFunc("POST "+Prefix+"/api/validate", h.signedIn(h.serveValidate))
	m.HandleFunc("GET "+Prefix+"/simulator", h.signedIn(h.serveSimulator))
	m.HandleFunc("POST "+Prefix+"/simulator", h.signedIn(h.serveSimulator))
	m.HandleFunc("GET "+Prefix+"/api/actions", h.signedIn(h.serveActions))
	m.HandleFunc("GET "+Prefix+"/credential-report", h.signedIn(h.serveCredentialReport))
	m.HandleFunc("GET "+Prefix+"/credential-report.csv", h.signedIn(h.serveCredentialReportCSV))
	m.HandleFunc("GET "+Prefix+"/audit", h.signedIn(h.serveAudit))
	m.HandleFunc("GET "+Prefix+"/graph", h.signedIn(h.serveGraph))
	m.HandleFunc("GET "+Prefix+"/api/graph", h.signedIn(h.serveGraphData))
	m.HandleFunc("GET "+Prefix+"/api/graph/escalations", h.signedIn(h.serveGraphEscalations))
	m.HandleFunc("GET "+Prefix+"/api/graph/query", h.signedIn(h.serveGraphQuery))
	m.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, h.current(r), "error", http.StatusNotFound, "Not found", nil, &apiError{Message: "There is no such page in the console."})
	})
	h.mux = m
}

// req is one signed-in request: its session and its caller.
type req struct {
	s      *session
	id     identity
	caller func() *iam.Caller
	// may caches this request's decisions of the forms to show.
	may map[string]bool
}

type reqKey struct{}

// can tells whether the signed-in principal may make the call a form
// would make, asked of the same Guard as the call (Backend.Authorized) on
// the entity the form acts on; the answer is kept for the request. A
// form's typed values (a new entity's name, a policy ARN to attach) are
// not known yet: a placeholder stands in (see formPlaceholder), and when
// the placeholder itself is refused the form is still shown if some value
// could be allowed (Backend.AuthorizedForSome: a policy that allows
// attaching one policy ARN shows the attach form), as AWS's console
// shows its forms and lets the call decide. A refused form is not shown;
// a crafted post of it is still refused by the call.
func (h *Handler) can(r *http.Request, q *req, action string, kv ...string) bool {
	if h.readOnly != nil || q == nil {
		return false
	}
	params := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		params.Set(kv[i], kv[i+1])
	}
	key := action + "?" + params.Encode()
	if ok, seen := q.may[key]; seen {
		return ok
	}
	ok := h.b.Authorized(r.Context(), r, q.caller(), action, params) == nil
	if !ok && strings.Contains(params.Encode(), formPlaceholder) {
		ok = h.b.AuthorizedForSome(r.Context(), r, q.caller(), action, params, formPlaceholder) == nil
	}
	if q.may == nil {
		q.may = map[string]bool{}
	}
	q.may[key] = ok
	return ok
}

// formPlaceholder stands for a value the user has yet to type (a new
// entity's name, a policy's ARN) when deciding whether to show a form:
// a valid name, so that only the authorization decides.
const formPlaceholder = "new-entity"

// signedIn serves fn to a signed-in session only, and a state-changing
// request only with the session's CSRF token.
func (h *Handler) signedIn(fn func(w http.ResponseWriter, r *http.Request, q *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.readOnly != nil {
			// No sign-in: the viewer reads the dump's account as its root.
			id := *h.readOnly
			fn(w, r, &req{s: &session{stage: stageFull, account: id.account, arn: id.arn, root: true}, id: id,
				caller: func() *iam.Caller { return h.userCaller(id) }})
			return
		}
		s := h.current(r)
		if s == nil || s.stage != stageFull {
			if s != nil && s.stage == stageChange {
				http.Redirect(w, r, Prefix+"/change-password", http.StatusSeeOther)
				return
			}
			if r.Method != http.MethodGet {
				h.render(w, r, nil, "error", http.StatusUnauthorized, "Signed out", nil, &apiError{Message: "Your session has ended. Sign in again."})
				return
			}
			http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !csrfOK(r, s) {
				h.csrfFailed(w, r)
				return
			}
		}
		id := s.identity()
		q := &req{s: s, id: id}
		q.caller = func() *iam.Caller { return h.userCaller(id) }
		r = r.WithContext(context.WithValue(r.Context(), reqKey{}, q))
		if !id.root && !h.stillExists(r.Context(), id) {
			// The user was deleted (or deleted and made again, a new
			// principal): the session is theirs no more.
			h.end(w, r, s)
			http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
			return
		}
		fn(w, r, q)
	}
}

func (h *Handler) stillExists(ctx context.Context, id identity) bool {
	u, err := h.b.Domain().GetUser(iam.WithCaller(ctx, h.identityCaller(id.account)), &iamapi.GetUserInput{UserName: &id.userName})
	return err == nil && u.User.UserId == id.userID
}

// call makes an IAM API call as the signed-in principal.
func (h *Handler) call(r *http.Request, q *req, action string, params url.Values) (query.Output, error) {
	if h.readOnly != nil && !readAction(action) {
		return nil, &apiError{Code: "AccessDenied", Message: msgReadOnly}
	}
	return h.b.Call(r.Context(), r, q.caller(), action, params)
}

func (h *Handler) csrfFailed(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, nil, "error", http.StatusForbidden, "Refused", nil, &apiError{Message: "The form's security token is missing or does not match your session. Reload the page and try again."})
}

// apiError is an error as a page shows it.
type apiError struct{ Code, Message string }

func toAPIError(err error) *apiError {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*apiError](err); ok {
		return e
	}
	if e, ok := awserr.As(err); ok {
		return &apiError{Code: e.Code, Message: e.Message}
	}
	return &apiError{Message: err.Error()}
}

// pageData is what every template gets.
type pageData struct {
	Title     string
	Page      string
	CSRF      string
	Who       string // the signed-in principal's ARN
	Account   string
	Flash     string
	Err       *apiError
	D         any
	can       func(action string, kv ...string) bool
	partition string
}

// Can tells a template whether to show the form that makes action with
// the parameters kv (name, value, ...): see Handler.can.
func (p pageData) Can(action string, kv ...string) bool { return p.can != nil && p.can(action, kv...) }

// Placeholder is formPlaceholder, for the templates.
func (pageData) Placeholder() string { return formPlaceholder }

// PolicyPlaceholder stands for a policy ARN still to be typed.
func (p pageData) PolicyPlaceholder() string {
	return "arn:" + p.partition + ":iam::" + p.Account + ":policy/" + formPlaceholder
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, s *session, page string, status int, title string, d any, err error) {
	pd := pageData{Title: title, Page: page, D: d, Err: toAPIError(err), partition: h.b.Partition()}
	if q, _ := r.Context().Value(reqKey{}).(*req); q != nil {
		pd.can = func(action string, kv ...string) bool { return h.can(r, q, action, kv...) }
	}
	if s != nil {
		s.mu.Lock()
		pd.CSRF = s.csrf
		if s.stage == stageFull {
			pd.Who, pd.Account = s.arn, s.account
			if s.flash != "" {
				pd.Flash, s.flash, s.dirty = s.flash, "", true
			}
		}
		s.mu.Unlock()
	}
	t, ok := h.pages[page]
	if !ok {
		t = h.pages["error"]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		h.log.Error("console template", "page", page, "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	if h.readOnly != nil {
		// Every form that would post (create, edit, delete, sign out,
		// simulate) is left out: html/template writes them all as
		// <form method="post" …>, and forms do not nest.
		body := postForm.ReplaceAll(buf.Bytes(), nil)
		buf.Reset()
		buf.Write(body)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// statusOf is the HTTP status for a page showing err.
func statusOf(err error) int {
	if e, ok := awserr.As(err); ok && e.Status != 0 {
		return e.Status
	}
	if err != nil {
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// maxFlash bounds a message for the next page: it travels in the session
// cookie, which a browser keeps only under 4 KiB.
const maxFlash = 400

// flash leaves a message for the next page and redirects there.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, q *req, to, msg string) {
	if len(msg) > maxFlash {
		msg = strings.ToValidUTF8(msg[:maxFlash], "") + "…"
	}
	q.s.mu.Lock()
	q.s.flash, q.s.dirty = msg, true
	q.s.mu.Unlock()
	http.Redirect(w, r, to, http.StatusSeeOther)
}
