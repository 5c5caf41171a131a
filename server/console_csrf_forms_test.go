package server_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

var (
	postFormRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	fieldRE    = regexp.MustCompile(`<(input|textarea|select)\b([^>]*)>`)
	attrRE     = regexp.MustCompile(`\b(name|value|type)="([^"]*)"`)
)

// pageForm is a form found on a page: its action and its fields as the
// browser would send them (typed fields filled with plausible values).
type pageForm struct {
	action string
	fields url.Values
}

// formsOf reads a page's post forms.
func formsOf(body string, fill map[string]string) []pageForm {
	var out []pageForm
	for _, m := range postFormRE.FindAllStringSubmatch(body, -1) {
		f := pageForm{action: html.UnescapeString(m[1]), fields: url.Values{}}
		for _, fm := range fieldRE.FindAllStringSubmatch(m[2], -1) {
			attrs := map[string]string{}
			for _, a := range attrRE.FindAllStringSubmatch(fm[2], -1) {
				attrs[a[1]] = html.UnescapeString(a[2])
			}
			name := attrs["name"]
			if name == "" || name == "csrf" {
				continue
			}
			v := attrs["value"]
			if attrs["type"] != "hidden" {
				if fv, ok := fill[name]; ok {
					v = fv
				} else if v == "" {
					v = "csrf-probe"
				}
			}
			f.fields.Set(name, v)
		}
		out = append(out, f)
	}
	return out
}

// accountState is everything a console form could change, as the API
// reads it.
func accountState(t *testing.T, cl *iam.Client) string {
	t.Helper()
	ctx := context.Background()
	var parts []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil && apiCode(err) != "NoSuchEntity" {
			t.Fatal(err)
		}
		parts = append(parts, v)
	}
	add(cl.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{}))
	add(cl.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{}))
	add(cl.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}))
	add(cl.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{}))
	add(cl.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{}))
	oidc, err := cl.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	add(oidc, err)
	for _, p := range oidc.OpenIDConnectProviderList {
		add(cl.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn}))
	}
	saml, err := cl.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	add(saml, err)
	for _, p := range saml.SAMLProviderList {
		add(cl.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: p.Arn}))
	}
	for _, u := range []string{"target", "ivy"} {
		add(cl.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(u)}))
		add(cl.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(u)}))
		add(cl.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(u)}))
	}
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	// The request ids differ from call to call.
	return regexp.MustCompile(`"RequestId":"[^"]*"`).ReplaceAllString(string(b), "")
}

// Every state-changing form the console shows, found by reading every
// page as the root user (who is shown them all), is refused without the
// session's CSRF token, with a wrong one and with another session's, and
// nothing in the account changes; the same form with the token is
// accepted (TestConsoleEntityForms, TestConsoleEntityActions). The
// sign-in's own steps (MFA code, new password) are refused the same way.
func TestConsoleCSRFEveryForm(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	policyARN := consoleFormsAccount(t, root)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// One of everything else a form acts on.
	must(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("target"), Password: aws.String(consolePassword)}))
	must(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("target"), PolicyName: aws.String("inl"), PolicyDocument: aws.String(readOnlyPolicy)}))
	must(root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g1"), PolicyName: aws.String("inl"), PolicyDocument: aws.String(readOnlyPolicy)}))
	must(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("inl"), PolicyDocument: aws.String(readOnlyPolicy)}))
	must(root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("target"), PermissionsBoundary: aws.String(policyARN)}))
	must(root.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r1"), PermissionsBoundary: aws.String(policyARN)}))
	must(root.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r1"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
	must(root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip1")}))
	must(root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip1"), RoleName: aws.String("r1")}))
	must(root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip2")}))
	must(root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}}))
	md, err := os.ReadFile("../saml/testdata/metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	must(root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(string(md)),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("it")}}}))
	consoleEnableMFA(t, root, "target", time.Now)
	consoleUser(t, root, "ivy", "", false)

	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	fill := map[string]string{"policyarn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "user": "ivy", "group": "g1", "role": "r1",
		"document": readOnlyPolicy, "trust": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		"password": "Pr0be-Passw0rd!", "url": "https://probe.example.com", "clients": "sts.amazonaws.com", "min": "12", "alias": "probe-alias",
		"actions": "iam:ListUsers", "resources": "*", "code1": "123456", "code2": "654321"}
	pages := []string{"/console/home", "/console/users", "/console/users/target", "/console/users/ivy", "/console/groups", "/console/groups/g1",
		"/console/roles", "/console/roles/r1", "/console/policies", "/console/policy?arn=" + url.QueryEscape(policyARN), "/console/policy-editor",
		"/console/simulator", "/console/instance-profiles", "/console/identity-providers", "/console/account", "/console/security-credentials",
		"/console/credential-report", "/console/audit", "/console/graph"}
	var forms []pageForm
	for i := 0; i < len(pages); i++ {
		p := pages[i]
		resp, body := cc.get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		forms = append(forms, formsOf(body, fill)...)
		// The lists' pages of an entity the list alone links to (each
		// identity provider's) are read too, with their forms.
		for _, l := range providerLinkRE.FindAllStringSubmatch(body, -1) {
			pages = append(pages, html.UnescapeString(l[1]))
		}
	}
	// The forms of the pages a post shows: a new MFA device's (ivy's and
	// root's), made before the account is read.
	for _, p := range []string{"/console/users/ivy/createmfa", "/console/security-credentials/createmfa"} {
		resp, body := cc.post(p, url.Values{})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "enablemfa") {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		forms = append(forms, formsOf(body, fill)...)
	}
	actions := map[string]bool{}
	for _, f := range forms {
		actions[f.action] = true
	}
	for _, a := range []string{"/console/identity-providers/oidc/tag", "/console/identity-providers/oidc/untag", "/console/identity-providers/oidc/addclient",
		"/console/identity-providers/oidc/removeclient", "/console/identity-providers/oidc/thumbprints", "/console/identity-providers/saml/tag",
		"/console/identity-providers/saml/untag", "/console/identity-providers/saml/metadata"} {
		if !actions[a] {
			t.Errorf("the provider form %s was not found", a)
		}
	}
	if len(actions) < 78 {
		var list []string
		for a := range actions {
			list = append(list, a)
		}
		sort.Strings(list)
		t.Fatalf("only %d forms found: %v", len(actions), list)
	}
	t.Logf("%d forms (%d distinct actions) probed", len(forms), len(actions))

	other := newConsoleClient(t, inst.URL)
	other.signInRoot(inst)
	good := cc.csrf
	wrong := "x" + good[1:]
	if good[0] == 'x' {
		wrong = "y" + good[1:]
	}
	before := accountState(t, root)
	for _, f := range forms {
		for _, tc := range []struct{ name, token string }{{"no token", ""}, {"a wrong token", wrong}, {"another session's token", other.csrf}} {
			v := url.Values{}
			for k, vs := range f.fields {
				v[k] = vs
			}
			v.Set("csrf", tc.token)
			if tc.token == "" {
				v.Del("csrf")
			}
			req, _ := http.NewRequest(http.MethodPost, inst.URL+f.action, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, body := cc.do(req)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "security token") {
				t.Errorf("%s with %s: %d, want 403", f.action, tc.name, resp.StatusCode)
			}
		}
	}
	if after := accountState(t, root); after != before {
		t.Fatalf("a form without the session's token changed the account:\nbefore %s\nafter  %s", before, after)
	}
	// The session still works, and its token still does.
	if resp, _ := cc.post("/console/users", url.Values{"csrf": {good}, "username": {"with-token"}}); resp.StatusCode != http.StatusSeeOther || !userExists(t, root, "with-token") {
		t.Fatalf("a form with the token: %d", resp.StatusCode)
	}

	// The sign-in's steps: the MFA code and the new password.
	consoleUser(t, root, "pending", readOnlyPolicy, true)
	pc := newConsoleClient(t, inst.URL)
	if resp, _ := pc.signIn(inst.Account, "pending", consolePassword); resp.Header.Get("Location") != "/console/change-password" {
		t.Fatalf("pending: %s", resp.Header.Get("Location"))
	}
	pc.get("/console/change-password")
	const np = "N3w-Passw0rd-Long!"
	if resp, _ := pc.post("/console/change-password", url.Values{"csrf": {"bad"}, "old": {consolePassword}, "new": {np}, "confirm": {np}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("change-password without the token: %d", resp.StatusCode)
	}
	if lp, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("pending")}); err != nil || !lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("the password was changed without the token: %v %v", lp, err)
	}
	mc := newConsoleClient(t, inst.URL)
	if resp, _ := mc.signIn(inst.Account, "target", consolePassword); resp.Header.Get("Location") != "/console/mfa" {
		t.Fatalf("target: %s", resp.Header.Get("Location"))
	}
	mc.get("/console/mfa")
	if resp, _ := mc.post("/console/mfa", url.Values{"csrf": {"bad"}, "code": {"123456"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("mfa without the token: %d", resp.StatusCode)
	}
	if resp, _ := mc.get("/console/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed in without the MFA step: %d", resp.StatusCode)
	}
}
