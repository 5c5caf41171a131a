package console

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
)

// AWS's answer to a wrong account, user, password or code: the same for
// each, so that the form tells no one which part was wrong.
const msgBadSignIn = "Your authentication information is incorrect. Please try again."

const auditFailure = "Failed authentication"

type signInForm struct {
	Account, UserName, Kind string
	Error                   string
}

func (h *Handler) serveSignIn(w http.ResponseWriter, r *http.Request) {
	s := h.current(r)
	if s != nil && s.stage == stageFull {
		http.Redirect(w, r, Prefix+"/home", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		if s == nil || s.stage != stageAnonymous {
			s = h.start(w, r, s, stageAnonymous, pendingTTL)
		}
		h.render(w, r, s, "signin", http.StatusOK, "Sign in", signInForm{Kind: "iam", Account: r.URL.Query().Get("account")}, nil)
		return
	}
	if s == nil || s.stage != stageAnonymous || !csrfOK(r, s) {
		h.csrfFailed(w, r)
		return
	}
	form := signInForm{Account: strings.TrimSpace(r.PostFormValue("account")), UserName: strings.TrimSpace(r.PostFormValue("username")), Kind: r.PostFormValue("kind")}
	if form.Kind != "root" {
		form.Kind = "iam"
	}
	id, reason := h.checkSignIn(r, form)
	if reason != "" {
		ev := SignInEvent{Account: id.account, UserName: id.userName, UserID: id.userID, ARN: id.arn, Root: form.Kind == "root", Failure: auditFailure, Reason: reason}
		h.b.SignIn(r, ev)
		form.Error = msgBadSignIn
		switch reason {
		case reasonLocked:
			form.Error = "Too many failed sign-in attempts. Try again later."
		case reasonExpired:
			form.Error = iam.MsgPasswordHardExpired
		}
		h.render(w, r, s, "signin", http.StatusUnauthorized, "Sign in", form, nil)
		return
	}
	h.advance(w, r, s, id)
}

// identity is who is signing in, as far as it is known.
type identity struct {
	account, userName, userID, arn string
	root                           bool
	mfaSerial                      string // the user's MFA device, when it has one
	mustChange                     bool
	mfa                            bool
	mfaAt                          time.Time
}

const (
	reasonLocked     = "locked out after failed attempts"
	reasonNoAccount  = "no such account"
	reasonNoUser     = "no such user or no console password"
	reasonBadPass    = "wrong password"
	reasonBadKey     = "wrong root credentials"
	reasonBadMFA     = "wrong MFA code"
	reasonStoreError = "the store failed"
	reasonExpired    = "password expired (hard expiry)"
)

// checkSignIn checks the first step (password or root credentials). It
// returns the reason of a failure, or "".
func (h *Handler) checkSignIn(r *http.Request, f signInForm) (identity, string) {
	ctx, now := r.Context(), h.now()
	ip := clientIP(r)
	var id identity
	account, ok := h.resolveAccount(ctx, f.Account)
	id.account = account
	userKey := "user|" + account + "|" + strings.ToLower(f.UserName)
	if f.Kind == "root" {
		userKey = "root|" + account
	}
	if h.limits.locked(ctx, "ip|"+ip, now) || h.limits.locked(ctx, userKey, now) {
		return id, reasonLocked
	}
	fail := func(reason string) (identity, string) {
		if reason != reasonBadPass {
			equalizeTiming(r.PostFormValue("password"))
		}
		h.limits.fail(ctx, now, map[string]int{"ip|" + ip: ipFailures, userKey: userFailures})
		return id, reason
	}
	if !ok {
		return fail(reasonNoAccount)
	}
	svc := h.b.Domain()
	if f.Kind == "root" {
		// The root user has no password in iamd: it signs in with its
		// access key id and secret access key.
		keyID, secret := strings.TrimSpace(r.PostFormValue("accesskey")), r.PostFormValue("secret")
		cred, err := svc.LookupAccessKey(ctx, keyID)
		if err != nil || cred.User != "" || cred.Account != account || !cred.Active ||
			subtle.ConstantTimeCompare([]byte(cred.Secret), []byte(secret)) != 1 {
			return fail(reasonBadKey)
		}
		id.root = true
		id.arn = arn.ARN{Partition: h.b.Partition(), Service: "iam", AccountID: account, Resource: "root"}.String()
		// As on AWS, a root user with an MFA device gives its code next.
		devs, err := svc.ListMFADevices(iam.WithCaller(ctx, h.identityCaller(account)), &iamapi.ListMFADevicesInput{})
		if err != nil {
			return id, reasonStoreError
		}
		if len(devs.MFADevices) > 0 {
			id.mfaSerial = devs.MFADevices[0].SerialNumber
		}
		h.limits.clear(ctx, userKey)
		return id, ""
	}
	id.userName = f.UserName
	ictx := iam.WithCaller(ctx, h.identityCaller(account))
	u, err := svc.GetUser(ictx, &iamapi.GetUserInput{UserName: &f.UserName})
	if err != nil {
		if isStoreFailure(err) {
			return id, reasonStoreError
		}
		return fail(reasonNoUser)
	}
	id.userName, id.userID, id.arn = u.User.UserName, u.User.UserId, u.User.Arn
	good, err := svc.CheckLoginPassword(ctx, account, id.userName, r.PostFormValue("password"))
	if err != nil {
		if isStoreFailure(err) {
			return id, reasonStoreError
		}
		return fail(reasonNoUser)
	}
	if !good {
		return fail(reasonBadPass)
	}
	lp, err := svc.GetLoginProfile(ictx, &iamapi.GetLoginProfileInput{UserName: &id.userName})
	if err != nil {
		return id, reasonStoreError
	}
	id.mustChange = lp.LoginProfile.PasswordResetRequired != nil && *lp.LoginProfile.PasswordResetRequired
	// A password older than the policy's MaxPasswordAge is changed first,
	// as a reset one is; under HardExpiry only an administrator can.
	switch exp, err := svc.CheckPasswordExpiry(ctx, account, id.userName, now); {
	case err != nil:
		return id, reasonStoreError
	case exp == iam.PasswordHardExpired:
		h.limits.clear(ctx, userKey)
		return id, reasonExpired
	case exp == iam.PasswordMustChange:
		id.mustChange = true
	}
	devs, err := svc.ListMFADevices(ictx, &iamapi.ListMFADevicesInput{UserName: &id.userName})
	if err != nil {
		return id, reasonStoreError
	}
	if len(devs.MFADevices) > 0 {
		id.mfaSerial = devs.MFADevices[0].SerialNumber
	}
	h.limits.clear(ctx, userKey)
	return id, ""
}

// equalizeTiming costs what checking a password does, so that an unknown
// account or user answers no faster than a wrong password.
func equalizeTiming(password string) {
	_, _ = pbkdf2.Key(sha256.New, password, timingSalt[:], 100_000, 32)
}

var timingSalt [16]byte

func isStoreFailure(err error) bool {
	e, ok := awserr.As(err)
	return !ok || e.Status >= 500
}

// identityCaller is the caller of the reads that find who is signing in
// (the user, its login profile and MFA devices): these are the identity
// checks an authenticator makes, not actions of the user, and nothing of
// them is shown but the sign-in's outcome.
func (h *Handler) identityCaller(account string) *iam.Caller {
	return &iam.Caller{Account: account, Partition: h.b.Partition(), Root: true,
		ARN: arn.ARN{Partition: h.b.Partition(), Service: "iam", AccountID: account, Resource: "root"}.String()}
}

// resolveAccount reads an account id or alias.
func (h *Handler) resolveAccount(ctx context.Context, v string) (string, bool) {
	svc := h.b.Domain()
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		_, err := svc.GetAccount(ctx, v)
		return v, err == nil
	}
	if v == "" || len(v) > 63 {
		return "", false
	}
	var id string
	err := svc.Store().View(ctx, func(tx iam.Tx) error {
		b, err := tx.Get("", "alias", strings.ToLower(v))
		id = string(b)
		return err
	})
	return id, err == nil && id != ""
}

// advance moves a sign-in on to its next step: the MFA code, the new
// password, or the console. Each step starts a new session (a new
// cookie), so that no token from before a step is worth anything after.
func (h *Handler) advance(w http.ResponseWriter, r *http.Request, old *session, id identity) {
	switch {
	case id.mfaSerial != "" && !id.mfa:
		s := h.start(w, r, old, stageMFA, pendingTTL)
		s.setIdentity(id)
		http.Redirect(w, r, Prefix+"/mfa", http.StatusSeeOther)
	case id.mustChange:
		s := h.start(w, r, old, stageChange, pendingTTL)
		s.setIdentity(id)
		http.Redirect(w, r, Prefix+"/change-password", http.StatusSeeOther)
	default:
		if !id.root {
			// As on AWS: GetUser's PasswordLastUsed and the credential
			// report show the sign-in. The sign-in stands if it fails.
			if err := h.b.Domain().RecordPasswordUse(r.Context(), id.account, id.userName, h.now()); err != nil {
				h.log.Warn("console: recording password use", "user", id.arn, "error", err)
			}
		}
		s := h.start(w, r, old, stageFull, h.ttl)
		s.setIdentity(id)
		h.b.SignIn(r, SignInEvent{Account: id.account, UserName: id.userName, UserID: id.userID, ARN: id.arn, Root: id.root, MFAUsed: id.mfa})
		http.Redirect(w, r, Prefix+"/home", http.StatusSeeOther)
	}
}

func (s *session) setIdentity(id identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account, s.userName, s.userID, s.arn, s.root = id.account, id.userName, id.userID, id.arn, id.root
	s.mfa, s.mfaAt, s.mfaSerial, s.mustChange = id.mfa, id.mfaAt, id.mfaSerial, id.mustChange
	s.dirty = true
}

func (s *session) identity() identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return identity{account: s.account, userName: s.userName, userID: s.userID, arn: s.arn, root: s.root,
		mfa: s.mfa, mfaAt: s.mfaAt, mfaSerial: s.mfaSerial, mustChange: s.mustChange}
}

// maxMFATries is how many codes one sign-in may try before it starts
// again (the device's own lockout counts them too).
const maxMFATries = 3

func (h *Handler) serveMFA(w http.ResponseWriter, r *http.Request) {
	s := h.current(r)
	if s == nil || s.stage != stageMFA {
		http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		h.render(w, r, s, "mfa", http.StatusOK, "Multi-factor authentication", nil, nil)
		return
	}
	if !csrfOK(r, s) {
		h.csrfFailed(w, r)
		return
	}
	id := s.identity()
	caller := h.userCaller(id)
	err := h.b.Domain().VerifyMFACode(iam.WithCaller(r.Context(), caller), id.account, id.userName, id.mfaSerial, r.PostFormValue("code"))
	if err != nil {
		h.b.SignIn(r, SignInEvent{Account: id.account, UserName: id.userName, UserID: id.userID, ARN: id.arn, Root: id.root, MFAUsed: true, Failure: auditFailure, Reason: reasonBadMFA})
		s.mu.Lock()
		s.mfaTries++
		s.dirty = true
		again := s.mfaTries < maxMFATries
		s.mu.Unlock()
		if !again {
			h.end(w, r, s)
			http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
			return
		}
		h.render(w, r, s, "mfa", http.StatusUnauthorized, "Multi-factor authentication", nil, &apiError{Message: msgBadSignIn})
		return
	}
	id.mfa, id.mfaAt = true, h.now()
	h.advance(w, r, s, id)
}

type changeForm struct{ UserName string }

func (h *Handler) serveChangePassword(w http.ResponseWriter, r *http.Request) {
	s := h.current(r)
	if s == nil || s.stage != stageChange {
		http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
		return
	}
	id := s.identity()
	if r.Method == http.MethodGet {
		h.render(w, r, s, "changepassword", http.StatusOK, "Change password", changeForm{UserName: id.userName}, nil)
		return
	}
	if !csrfOK(r, s) {
		h.csrfFailed(w, r)
		return
	}
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		h.render(w, r, s, "changepassword", http.StatusBadRequest, "Change password", changeForm{UserName: id.userName}, &apiError{Message: "The new passwords do not match."})
		return
	}
	// The same call as `aws iam change-password`, authorized by the user's
	// own policies.
	_, err := h.b.Call(r.Context(), r, h.userCaller(id), "ChangePassword", url.Values{"OldPassword": {r.PostFormValue("old")}, "NewPassword": {r.PostFormValue("new")}})
	if err != nil {
		h.render(w, r, s, "changepassword", http.StatusBadRequest, "Change password", changeForm{UserName: id.userName}, err)
		return
	}
	id.mustChange = false
	h.advance(w, r, s, id)
}

func (h *Handler) serveSignOut(w http.ResponseWriter, r *http.Request) {
	s := h.current(r)
	if s != nil && !csrfOK(r, s) {
		h.csrfFailed(w, r)
		return
	}
	h.end(w, r, s)
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
}

// userCaller is the signed-in principal as the API sees it. A session
// signed in with an MFA code carries it as a GetSessionToken session with
// MFA does (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge).
func (h *Handler) userCaller(id identity) *iam.Caller {
	c := &iam.Caller{Account: id.account, Partition: h.b.Partition(), ARN: id.arn, UserName: id.userName, UserID: id.userID, Root: id.root, Region: "us-east-1"}
	if id.mfa {
		c.Session = &iam.Session{Type: iam.SessionToken, Account: id.account, UserName: id.userName, UserID: id.userID,
			IssuedAt: id.mfaAt, Expires: id.mfaAt.Add(h.ttl), MFA: true, MFAAuthTime: id.mfaAt}
	}
	return c
}

// clientIP is the connection's address (no forwarded header is trusted).
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
