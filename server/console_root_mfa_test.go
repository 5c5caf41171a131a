package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

// rootSignIn posts the root user's credentials on a fresh sign-in form.
func (cc *consoleClient) rootSignIn(inst *server.Instance, secret string) *consoleResp {
	cc.t.Helper()
	cc.get("/console/signin")
	resp, _ := cc.post("/console/signin", url.Values{"kind": {"root"}, "account": {inst.Account}, "accesskey": {rootKey}, "secret": {secret}})
	return resp
}

// The root user assigns itself a virtual MFA device in the console (the
// only place, as on AWS); from then on its sign-in asks for the code, and
// a wrong code, a replayed one or the credentials alone do not sign in.
func TestConsoleRootSignInWithMFA(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	audit := &syncBuffer{}
	inst := testServerWith(t, func(o *server.Options) { o.Now = now; o.AuditLog = audit })
	api := iamClient(inst, rootKey, rootSecret)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	if _, body := cc.get("/console/security-credentials"); !strings.Contains(body, "No MFA device.") || !strings.Contains(body, `id="createmfa"`) {
		t.Fatalf("security credentials:\n%s", body)
	}
	resp, body := cc.post("/console/security-credentials/createmfa", url.Values{})
	seed := between(body, `id="mfa-seed" class="secret">`, "<")
	serial := between(body, `id="mfa-serial">`, "<")
	if resp.StatusCode != http.StatusOK || len(seed) < 16 || serial != "arn:aws:iam::"+inst.Account+":mfa/root-account-mfa-device" ||
		!strings.Contains(body, `action="/console/security-credentials/enablemfa"`) {
		t.Fatalf("create root's device: %d %q\n%s", resp.StatusCode, serial, body)
	}
	n := totp.Counter(now())
	if resp, body := cc.post("/console/security-credentials/enablemfa", url.Values{"serial": {serial}, "code1": {"123456"}, "code2": {"654321"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "InvalidAuthenticationCode") {
		t.Fatalf("wrong codes: %d", resp.StatusCode)
	}
	c1, _ := totp.Code(seed, n-1)
	c2, _ := totp.Code(seed, n)
	if resp, body := cc.post("/console/security-credentials/enablemfa", url.Values{"serial": {serial}, "code1": {c1}, "code2": {c2}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d\n%s", resp.StatusCode, body)
	}
	// The API sees root's device as AWS shows it.
	sum, err := api.GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["AccountMFAEnabled"] != 1 {
		t.Fatalf("AccountMFAEnabled: %v %v", sum.SummaryMap, err)
	}
	if _, body := cc.get("/console/security-credentials"); !strings.Contains(body, serial) || strings.Contains(body, seed) {
		t.Fatal("the page does not list the device, or shows its seed")
	}

	clock.Add(int64(2 * time.Minute)) // past the codes that enabled it
	rc := newConsoleClient(t, inst.URL)
	if resp := rc.rootSignIn(inst, rootSecret); resp.Header.Get("Location") != "/console/mfa" {
		t.Fatalf("root's credentials with a device: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Not signed in until the code.
	if resp, _ := rc.get("/console/home"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("home before the code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	rc.get("/console/mfa")
	code, _ := totp.Code(seed, totp.Counter(now()))
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if resp, body := rc.post("/console/mfa", url.Values{"code": {wrong}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your authentication information is incorrect") {
		t.Fatalf("wrong code: %d", resp.StatusCode)
	}
	if resp, _ := rc.post("/console/mfa", url.Values{"code": {code}}); resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("right code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := rc.get("/console/home"); resp.StatusCode != http.StatusOK || !strings.Contains(body, ":root</span>") {
		t.Fatalf("root's home: %d", resp.StatusCode)
	}
	a := audit.text()
	if !strings.Contains(a, `"type":"Root"`) || !strings.Contains(a, `"MFAUsed":"Yes"`) || !strings.Contains(a, `"Reason":"wrong MFA code"`) {
		t.Fatalf("audit log lacks root's MFA sign-ins:\n%s", a)
	}
	// The code once only: another sign-in with it is refused.
	again := newConsoleClient(t, inst.URL)
	again.rootSignIn(inst, rootSecret)
	again.get("/console/mfa")
	if resp, _ := again.post("/console/mfa", url.Values{"code": {code}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed code: %d", resp.StatusCode)
	}
	// A wrong secret is refused before any MFA step.
	if resp := newConsoleClient(t, inst.URL).rootSignIn(inst, "wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", resp.StatusCode)
	}

	// An IAM user cannot reach root's devices: the page is its own user page.
	consoleUser(t, api, "admin", adminPolicy, false)
	uc := newConsoleClient(t, inst.URL)
	uc.mustSignIn(inst.Account, "admin", consolePassword)
	if resp, _ := uc.get("/console/security-credentials"); resp.Header.Get("Location") != "/console/users/admin" {
		t.Fatalf("a user's security credentials: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := uc.post("/console/security-credentials/removemfa", url.Values{"serial": {serial}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a user removing root's device: %d", resp.StatusCode)
	}
	// Removed by root: the credentials alone sign in again.
	rc.get("/console/security-credentials")
	if resp, body := rc.post("/console/security-credentials/removemfa", url.Values{"serial": {serial}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", resp.StatusCode, body)
	}
	if resp := newConsoleClient(t, inst.URL).rootSignIn(inst, rootSecret); resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("root without a device: %s", resp.Header.Get("Location"))
	}
}
