package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

// A console session signed in on one node of a cluster is good on the
// others (the cookie is sealed with the cluster's token key ring), forms
// posted there carry its CSRF token, and signing out on any node ends it
// on all of them.
func TestConsoleSessionAcrossNodes(t *testing.T) {
	nodes := startCluster(t, pgtest.DB(t), 2)
	a, b := nodes[0], nodes[1]
	root := iamClient(a, rootKey, rootSecret)
	consoleUser(t, root, "admin", adminPolicy, false)
	// Node b learns the user through the feed.
	waitFor(t, propagationBound, "admin on node b", func() error {
		_, err := iamClient(b, rootKey, rootSecret).GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("admin")})
		return err
	})

	// The cookie jar ignores ports, as browsers do: one client, two nodes.
	cc := newConsoleClient(t, a.URL)
	cc.mustSignIn(a.Account, "admin", consolePassword)
	cookies := cc.c.Jar.Cookies(mustURL(t, a.URL+"/console/"))
	cc.base = b.URL
	if resp, body := cc.get("/console/users"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "admin") || !strings.Contains(body, `id="who">arn:aws:iam::`+a.Account+`:user/admin<`) {
		t.Fatalf("node b with node a's session: %d\n%s", resp.StatusCode, body)
	}
	// A form on node b with the session's token, and its message on node a.
	if resp, body := cc.post("/console/users", url.Values{"username": {"made-on-b"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create on node b: %d\n%s", resp.StatusCode, body)
	}
	cc.base = a.URL
	if resp, body := cc.get("/console/users/made-on-b"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "User made-on-b created.") {
		t.Fatalf("node a after node b's form: %d\n%s", resp.StatusCode, body)
	}
	// A token from another session is still refused on either node.
	other := newConsoleClient(t, b.URL)
	other.mustSignIn(b.Account, "admin", consolePassword)
	if resp, _ := cc.post("/console/users", url.Values{"csrf": {other.csrf}, "username": {"csrf-cross"}}); resp.StatusCode != http.StatusForbidden || userExists(t, root, "csrf-cross") {
		t.Fatalf("another session's token: %d", resp.StatusCode)
	}

	// Signed out on node b: the old cookie is refused on node a too.
	cc.base = b.URL
	cc.get("/console/home")
	if resp, _ := cc.post("/console/signout", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	for _, n := range nodes {
		replay := newConsoleClient(t, n.URL)
		replay.c.Jar.SetCookies(mustURL(t, n.URL+"/console/"), cookies)
		if resp, _ := replay.get("/console/home"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Fatalf("the signed-out cookie on %s: %d", n.URL, resp.StatusCode)
		}
	}
	// The other session is not affected.
	other.base = a.URL
	if resp, _ := other.get("/console/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another session after a sign-out: %d", resp.StatusCode)
	}
}

// A session cookie is sealed: changed, or sealed with another server's
// keys, it is no session; and it holds no secret in the clear.
func TestConsoleSessionCookieSealed(t *testing.T) {
	inst := testServer(t)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	u := mustURL(t, inst.URL+"/console/")
	good := cc.c.Jar.Cookies(u)[0].Value
	if strings.Contains(good, inst.Account) || strings.Contains(good, cc.csrf) || strings.Contains(good, "root") {
		t.Fatalf("the cookie shows what it holds: %s", good)
	}
	flip := []byte(good)
	flip[len(flip)-3] ^= 1
	elsewhere := testServerWith(t, func(o *server.Options) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) })
	ec := newConsoleClient(t, elsewhere.URL)
	ec.signInRoot(elsewhere)
	foreign := ec.c.Jar.Cookies(mustURL(t, elsewhere.URL+"/console/"))[0].Value
	for name, v := range map[string]string{"changed": string(flip), "another server's": foreign, "junk": "k1:AAAA", "long": strings.Repeat("a", 5000)} {
		c := newConsoleClient(t, inst.URL)
		c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "iamd-console", Value: v, Path: "/console"}})
		if resp, _ := c.get("/console/home"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Errorf("%s cookie: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := cc.get("/console/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the good cookie: %d", resp.StatusCode)
	}
}

// A form's message travels in the session cookie: a long one (a policy
// ARN with a long path) is cut, and the session keeps working.
func TestConsoleLongFlashKeepsSession(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	path := "/" + strings.Repeat("p", 500) + "/"
	p, err := root.CreatePolicy(context.Background(), &iam.CreatePolicyInput{PolicyName: aws.String("long"), Path: aws.String(path),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("flashy")}); err != nil {
		t.Fatal(err)
	}
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	resp, _ := cc.post("/console/users/flashy/attach", url.Values{"policyarn": {*p.Policy.Arn}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach: %d", resp.StatusCode)
	}
	resp, body := cc.get("/console/users/flashy")
	flash := between(body, `id="flash">`, "</div>")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(flash, "Policy arn:aws:iam::") || !strings.HasSuffix(flash, "…") || len(flash) > 410 {
		t.Fatalf("after a long message: %d %q", resp.StatusCode, flash)
	}
	if resp, _ := cc.get("/console/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the session after it: %d", resp.StatusCode)
	}
}
