package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

const consolePassword = "Corr3ct-Horse-Battery"

// consoleUser makes a user with a console password and an inline policy.
func consoleUser(t *testing.T, cl *iam.Client, name, policy string, reset bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := cl.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(consolePassword), PasswordResetRequired: reset}); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := cl.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
}

const readOnlyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:GenerateCredentialReport"],"Resource":"*"}]}`

const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func userExists(t *testing.T, cl *iam.Client, name string) bool {
	t.Helper()
	_, err := cl.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)})
	if err != nil && apiCode(err) != "NoSuchEntity" {
		t.Fatal(err)
	}
	return err == nil
}

func TestConsoleCSRFRefused(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	good := cc.csrf
	wrong := "x" + good[1:]
	if good[0] == 'x' { // else "wrong" would be the token itself
		wrong = "y" + good[1:]
	}
	for _, tc := range []struct{ name, token string }{{"missing", ""}, {"wrong", wrong}, {"another session's", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if tc.name == "another session's" {
				other := newConsoleClient(t, inst.URL)
				other.signInRoot(inst)
				token = other.csrf
			}
			resp, body := cc.post("/console/users", url.Values{"csrf": {token}, "username": {"mallory"}})
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "security token") {
				t.Fatalf("status %d, want 403\n%s", resp.StatusCode, body)
			}
			if userExists(t, root, "mallory") {
				t.Fatal("the user was created without the session's CSRF token")
			}
		})
	}
	// The validation endpoint wants the header.
	req, _ := http.NewRequest(http.MethodPost, inst.URL+"/console/api/validate", strings.NewReader(`{"document":"{}"}`))
	if resp, _ := cc.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("validate without the token: %d", resp.StatusCode)
	}
	// Sign-out too is a form.
	if resp, _ := cc.post("/console/signout", url.Values{"csrf": {"nope"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out without the token: %d", resp.StatusCode)
	}
	// The legitimate form works.
	resp, _ := cc.post("/console/users", url.Values{"csrf": {good}, "username": {"alice"}})
	if resp.StatusCode != http.StatusSeeOther || !userExists(t, root, "alice") {
		t.Fatalf("create with the token: %d", resp.StatusCode)
	}
	// A sign-in form needs its own token too.
	anon := newConsoleClient(t, inst.URL)
	anon.get("/console/signin")
	if resp, _ := anon.post("/console/signin", url.Values{"csrf": {"bad"}, "kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {rootSecret}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without the token: %d", resp.StatusCode)
	}
}

func TestConsoleCookieFlags(t *testing.T) {
	inst := testServer(t)
	// Plain HTTP: no Secure (the browser would drop the cookie).
	cc := newConsoleClient(t, inst.URL)
	cc.get("/console/signin")
	resp, _ := cc.post("/console/signin", url.Values{"kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {rootSecret}})
	c := sessionCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console" || c.Secure || c.MaxAge != int((12*time.Hour)/time.Second) {
		t.Fatalf("cookie over http: %+v", c)
	}
	// Over TLS: Secure.
	ts := httptest.NewTLSServer(inst.Handler())
	defer ts.Close()
	tc := newConsoleClient(t, ts.URL)
	tc.c.Transport = ts.Client().Transport
	resp, _ = tc.get("/console/signin")
	if c := sessionCookie(t, resp); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over https: %+v", c)
	}
	resp, _ = tc.post("/console/signin", url.Values{"kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {rootSecret}})
	if c := sessionCookie(t, resp); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("signed-in cookie over https: %+v", c)
	}
	// Every page: the CSP, no caching; static assets cached.
	resp, body := tc.get("/console/home")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP: %q", csp)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("page headers: %v", resp.Header)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, "style=") {
		t.Fatal("a page has inline script or style")
	}
	i := strings.Index(body, `src="/console/static/`)
	if i < 0 {
		t.Fatal("no script tag")
	}
	src := body[i+5 : i+5+strings.IndexByte(body[i+5:], '"')]
	resp, _ = tc.get(src)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("ETag") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("static asset: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+src, nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, _ := tc.do(req); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}
}

func sessionCookie(t *testing.T, resp *consoleResp) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "iamd-console" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
	return nil
}

func TestConsoleSessionExpiry(t *testing.T) {
	var offset atomic.Int64
	inst := testServerWith(t, func(o *server.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	// Idle for more than an hour: signed out.
	offset.Store(int64(61 * time.Minute))
	if resp, _ := cc.get("/console/users"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("idle session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Used every half hour: alive until 12 hours, then gone.
	offset.Store(0)
	cc = newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	for d := 30 * time.Minute; d < 12*time.Hour; d += 30 * time.Minute {
		offset.Store(int64(d))
		if resp, _ := cc.get("/console/home"); resp.StatusCode != http.StatusOK {
			t.Fatalf("at %v: %d", d, resp.StatusCode)
		}
	}
	offset.Store(int64(12*time.Hour + time.Minute))
	if resp, _ := cc.get("/console/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 12 h: %d", resp.StatusCode)
	}
	// A form posted after expiry does nothing.
	resp, _ := cc.post("/console/users", url.Values{"username": {"late"}})
	offset.Store(0) // for the SDK's signature
	if resp.StatusCode != http.StatusUnauthorized || userExists(t, iamClient(inst, rootKey, rootSecret), "late") {
		t.Fatalf("post after expiry: %d", resp.StatusCode)
	}
	// Signing out ends the session on the server, not only in the browser.
	offset.Store(0)
	cc = newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	cookies := cc.c.Jar.Cookies(mustURL(t, inst.URL+"/console/"))
	cc.post("/console/signout", url.Values{})
	replay := newConsoleClient(t, inst.URL)
	replay.c.Jar.SetCookies(mustURL(t, inst.URL+"/console/"), cookies)
	if resp, _ := replay.get("/console/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cookie after sign-out: %d", resp.StatusCode)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConsoleReadOnlyUserRefused(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "reader", consolePassword)
	if resp, body := cc.get("/console/users"); resp.StatusCode != 200 || !strings.Contains(body, "reader") {
		t.Fatalf("list users: %d", resp.StatusCode)
	}
	resp, body := cc.post("/console/users", url.Values{"username": {"intruder"}})
	want := "User: arn:aws:iam::" + inst.Account + ":user/reader is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::" + inst.Account + ":user/intruder because no identity-based policy allows the iam:CreateUser action"
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") || !strings.Contains(body, want) {
		t.Fatalf("create user as a reader: %d\n%s", resp.StatusCode, body)
	}
	if userExists(t, root, "intruder") {
		t.Fatal("a read-only user created a user")
	}
	// Attach on the user's own page: refused the same way.
	resp, body = cc.post("/console/users/reader/attach", url.Values{"policyarn": {"arn:aws:iam::aws:policy/AdministratorAccess"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "iam:AttachUserPolicy") {
		t.Fatalf("attach as a reader: %d", resp.StatusCode)
	}
	out, err := root.ListAttachedUserPolicies(context.Background(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String("reader")})
	if err != nil || len(out.AttachedPolicies) != 0 {
		t.Fatalf("attached: %v %v", out, err)
	}
	// A user with no policy at all sees the refusal on every page.
	consoleUser(t, root, "nobody", "", false)
	nc := newConsoleClient(t, inst.URL)
	nc.mustSignIn(inst.Account, "nobody", consolePassword)
	if resp, body := nc.get("/console/users"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "iam:ListUsers") {
		t.Fatalf("list users with no policy: %d", resp.StatusCode)
	}
}

func TestConsoleNoSecretInURLOrLog(t *testing.T) {
	logs, audit := &syncBuffer{}, &syncBuffer{}
	inst := testServerWith(t, func(o *server.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.AuditLog = audit
		o.AuditReads = true
	})
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "admin", adminPolicy, true)
	cc := newConsoleClient(t, inst.URL)
	var locations []string
	cc.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		locations = append(locations, req.URL.String())
		return http.ErrUseLastResponse
	}
	resp, _ := cc.signIn(inst.Account, "admin", consolePassword)
	locations = append(locations, resp.Header.Get("Location"))
	cc.follow(resp)
	const newPassword = "N3w-Passw0rd-Long!"
	resp, body := cc.post("/console/change-password", url.Values{"old": {consolePassword}, "new": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", resp.StatusCode, body)
	}
	locations = append(locations, resp.Header.Get("Location"))
	cc.follow(resp)
	resp, body = cc.post("/console/users/admin/createkey", url.Values{})
	if resp.StatusCode != 200 {
		t.Fatalf("create key: %d", resp.StatusCode)
	}
	secret := html.UnescapeString(between(body, `id="new-key-secret" class="secret">`, "<"))
	if len(secret) != 40 {
		t.Fatalf("secret not shown: %q", secret)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("the page with the secret may be cached")
	}
	// The next view of the user does not show it again.
	if _, body := cc.get("/console/users/admin"); strings.Contains(body, secret) {
		t.Fatal("the secret is shown twice")
	}
	// A failed sign-in with a password typed in the user name field.
	other := newConsoleClient(t, inst.URL)
	other.signIn(inst.Account, "admin", "Wrong-"+newPassword)
	for _, s := range []string{consolePassword, newPassword, secret, rootSecret} {
		for _, where := range []struct{ name, text string }{{"log", logs.text()}, {"audit log", audit.text()}, {"redirects", strings.Join(locations, " ")}} {
			if strings.Contains(where.text, s) {
				t.Errorf("%q is in the %s", s[:4]+"…", where.name)
			}
		}
	}
	// The audit log has the sign-ins, failed and not, and the console's
	// calls as the user's own.
	a := audit.text()
	for _, want := range []string{`"eventName":"ConsoleLogin"`, `"ConsoleLogin":"Failure"`, `"ConsoleLogin":"Success"`, `"eventName":"ChangePassword"`, `"eventName":"CreateAccessKey"`, `"arn":"arn:aws:iam::` + inst.Account + `:user/admin"`} {
		if !strings.Contains(a, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

func TestConsoleSignInRateLimited(t *testing.T) {
	audit := &syncBuffer{}
	inst := testServerWith(t, func(o *server.Options) { o.AuditLog = audit })
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "bob", readOnlyPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	for i := 0; i < 5; i++ {
		resp, body := cc.signIn(inst.Account, "bob", "guess-"+string(rune('a'+i)))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your authentication information is incorrect") {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	// Locked: the right password is refused now.
	resp, body := cc.signIn(inst.Account, "bob", consolePassword)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Too many failed sign-in attempts") {
		t.Fatalf("right password while locked: %d", resp.StatusCode)
	}
	if n := strings.Count(audit.text(), `"ConsoleLogin":"Failure"`); n != 6 {
		t.Fatalf("%d failed sign-ins audited, want 6", n)
	}
	// Another user is not locked by bob's guesses.
	consoleUser(t, root, "carol", readOnlyPolicy, false)
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "carol", consolePassword)
	// An unknown user, a wrong account and a wrong root secret get the same answer.
	for _, f := range []url.Values{
		{"kind": {"iam"}, "account": {inst.Account}, "username": {"nosuch"}, "password": {"x"}},
		{"kind": {"iam"}, "account": {"999999999999"}, "username": {"carol"}, "password": {consolePassword}},
		{"kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {"wrong"}},
	} {
		c := newConsoleClient(t, inst.URL)
		c.get("/console/signin")
		if resp, body := c.post("/console/signin", f); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your authentication information is incorrect") {
			t.Fatalf("%v: %d", f, resp.StatusCode)
		}
	}
}

func TestConsoleMFASignIn(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	inst := testServerWith(t, func(o *server.Options) { o.Now = func() time.Time { return time.Unix(0, clock.Load()) } })
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "mfauser", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`, false)
	seed := consoleEnableMFA(t, root, "mfauser", func() time.Time { return time.Unix(0, clock.Load()) })
	clock.Add(int64(3 * time.Minute)) // past the codes used to enable the device
	at := time.Unix(0, clock.Load())
	cc := newConsoleClient(t, inst.URL)
	resp, _ := cc.signIn(inst.Account, "mfauser", consolePassword)
	if resp.Header.Get("Location") != "/console/mfa" {
		t.Fatalf("after the password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The MFA step's session is not signed in.
	if resp, _ := cc.get("/console/users"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("a page before the code: %d", resp.StatusCode)
	}
	cc.get("/console/mfa")
	code, _ := totp.Code(seed, at.Unix()/30)
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if resp, _ := cc.post("/console/mfa", url.Values{"code": {wrong}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", resp.StatusCode)
	}
	resp, _ = cc.post("/console/mfa", url.Values{"code": {code}})
	if resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("right code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Signed in with MFA: the policy's MFA condition holds.
	if resp, body := cc.get("/console/users"); resp.StatusCode != 200 || !strings.Contains(body, "mfauser") {
		t.Fatalf("users with MFA: %d", resp.StatusCode)
	}
	// The same code again, in another sign-in: refused (each step once).
	other := newConsoleClient(t, inst.URL)
	other.signIn(inst.Account, "mfauser", consolePassword)
	other.get("/console/mfa")
	if resp, _ := other.post("/console/mfa", url.Values{"code": {code}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed code: %d", resp.StatusCode)
	}
}

// enableMFA gives a user a virtual MFA device and returns its seed.
func consoleEnableMFA(t *testing.T, cl *iam.Client, user string, now func() time.Time) string {
	t.Helper()
	ctx := context.Background()
	dev, err := cl.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	step := now().Unix() / 30
	c1, _ := totp.Code(seed, step-1)
	c2, _ := totp.Code(seed, step)
	if _, err := cl.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		t.Fatal(err)
	}
	return seed
}

func TestConsolePolicyValidateEndpoint(t *testing.T) {
	inst := testServer(t)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	post := func(doc string) []map[string]any {
		b, _ := json.Marshal(map[string]string{"document": doc, "kind": "managed"})
		req, _ := http.NewRequest(http.MethodPost, inst.URL+"/console/api/validate", bytes.NewReader(b))
		req.Header.Set("X-CSRF-Token", cc.csrf)
		resp, body := cc.do(req)
		if resp.StatusCode != 200 {
			t.Fatalf("validate: %d %s", resp.StatusCode, body)
		}
		var out struct{ Findings []map[string]any }
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return out.Findings
	}
	f := post("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\" \"Resource\": \"*\"}\n  ]\n}")
	if len(f) != 1 || f[0]["severity"] != "error" || f[0]["line"] != float64(4) || f[0]["code"] != "MalformedPolicyDocument" {
		t.Fatalf("syntax error: %v", f)
	}
	f = post(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	found := false
	for _, x := range f {
		found = found || x["code"] == "wildcard-action" && x["line"] == float64(1)
	}
	if !found {
		t.Fatalf("lint: %v", f)
	}
	if f := post(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`); len(f) != 0 {
		t.Fatalf("a good policy: %v", f)
	}
}

func TestConsolePasswordResetRequired(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "newbie", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"},{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`, true)
	cc := newConsoleClient(t, inst.URL)
	resp, _ := cc.signIn(inst.Account, "newbie", consolePassword)
	if resp.Header.Get("Location") != "/console/change-password" {
		t.Fatalf("after the password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Nothing else before the new password.
	if resp, _ := cc.get("/console/users"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/change-password" {
		t.Fatalf("a page before the change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cc.get("/console/change-password")
	// The account's password policy holds (AWS's default: 8 characters, three kinds).
	resp, body := cc.post("/console/change-password", url.Values{"old": {consolePassword}, "new": {"short"}, "confirm": {"short"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "PasswordPolicyViolation") {
		t.Fatalf("weak password: %d\n%s", resp.StatusCode, body)
	}
	resp, body = cc.post("/console/change-password", url.Values{"old": {"not-the-old-one"}, "new": {"Better-Passw0rd"}, "confirm": {"Better-Passw0rd"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The old password is incorrect") {
		t.Fatalf("wrong old password: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = cc.post("/console/change-password", url.Values{"old": {consolePassword}, "new": {"Better-Passw0rd"}, "confirm": {"Better-Passw0rd"}})
	if resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := cc.get("/console/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the change: %d", resp.StatusCode)
	}
	lp, err := root.GetLoginProfile(context.Background(), &iam.GetLoginProfileInput{UserName: aws.String("newbie")})
	if err != nil || lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("login profile: %v %v", lp, err)
	}
	if resp, _ := newConsoleClient(t, inst.URL).signIn(inst.Account, "newbie", consolePassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password after the change: %d", resp.StatusCode)
	}
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "newbie", "Better-Passw0rd")
}

// An account alias signs in as the account id does.
func TestConsoleSignInWithAlias(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	if _, err := root.CreateAccountAlias(context.Background(), &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
		t.Fatal(err)
	}
	consoleUser(t, root, "dana", readOnlyPolicy, false)
	newConsoleClient(t, inst.URL).mustSignIn("example-corp", "dana", consolePassword)
	if resp, _ := newConsoleClient(t, inst.URL).signIn("other-corp", "dana", consolePassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown alias: %d", resp.StatusCode)
	}
}

// A deleted user's session ends, and a user made again with the name is
// not the session's.
func TestConsoleSessionOfDeletedUser(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "erin", readOnlyPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "erin", consolePassword)
	for _, f := range []func() error{
		func() error {
			_, err := root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("erin"), PolicyName: aws.String("p")})
			return err
		},
		func() error {
			_, err := root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("erin")})
			return err
		},
		func() error {
			_, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("erin")})
			return err
		},
		func() error {
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("erin")})
			return err
		},
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if resp, _ := cc.get("/console/users"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("session of a deleted user: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
