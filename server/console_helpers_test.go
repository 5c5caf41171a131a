package server_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/server"
)

// consoleClient is a browser without JavaScript: a cookie jar, and
// redirects left for the test to see.
type consoleClient struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string // the last page's CSRF token
}

func newConsoleClient(t testing.TB, base string) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleResp is a response whose body was read and closed.
type consoleResp struct {
	StatusCode int
	Header     http.Header
	cookies    []*http.Cookie
}

func (r *consoleResp) Cookies() []*http.Cookie { return r.cookies }

// do sends a request and reads its body, keeping the page's CSRF token.
func (cc *consoleClient) do(req *http.Request) (*consoleResp, string) {
	cc.t.Helper()
	hr, err := cc.c.Do(req)
	if err != nil {
		cc.t.Fatal(err)
	}
	b, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	resp := &consoleResp{StatusCode: hr.StatusCode, Header: hr.Header, cookies: hr.Cookies()}
	body := string(b)
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		cc.csrf = html.UnescapeString(m[1])
	}
	return resp, body
}

func (cc *consoleClient) get(path string) (*consoleResp, string) {
	cc.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, cc.base+path, nil)
	return cc.do(req)
}

// post sends a form with the current CSRF token (unless form sets csrf).
func (cc *consoleClient) post(path string, form url.Values) (*consoleResp, string) {
	cc.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", cc.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, cc.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cc.do(req)
}

// follow GETs where a redirect points.
func (cc *consoleClient) follow(resp *consoleResp) (*consoleResp, string) {
	cc.t.Helper()
	loc := resp.Header.Get("Location")
	if loc == "" {
		cc.t.Fatalf("no redirect: status %d", resp.StatusCode)
	}
	return cc.get(loc)
}

// signIn signs in as an IAM user with a password; it returns the
// response to the form (a redirect on success).
func (cc *consoleClient) signIn(account, user, password string) (*consoleResp, string) {
	cc.t.Helper()
	cc.get("/console/signin")
	return cc.post("/console/signin", url.Values{"kind": {"iam"}, "account": {account}, "username": {user}, "password": {password}})
}

func (cc *consoleClient) signInRoot(inst *server.Instance) {
	cc.t.Helper()
	cc.get("/console/signin")
	resp, body := cc.post("/console/signin", url.Values{"kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {rootSecret}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/home" {
		cc.t.Fatalf("root sign-in: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	cc.get("/console/home")
}

// mustSignIn signs a user in through to the console's home page.
func (cc *consoleClient) mustSignIn(account, user, password string) {
	cc.t.Helper()
	resp, body := cc.signIn(account, user, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/home" {
		cc.t.Fatalf("sign-in of %s: %d %s\n%s", user, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	cc.get("/console/home")
}
