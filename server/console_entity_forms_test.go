package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The entities' forms beyond create, attach and delete: inline policies
// (shown with their text), permissions boundaries, role tags, an access
// key's status and last use, the console password, instance profiles and
// identity providers. Each is checked through the API afterwards, and a
// read-only user's post of each is refused with AWS's message and changes
// nothing.
func TestConsoleEntityForms(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "ivy", "", false)
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	if _, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("crew")}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ivy")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := *key.AccessKey.AccessKeyId
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	rc := newConsoleClient(t, inst.URL)
	rc.mustSignIn(inst.Account, "reader", consolePassword)
	mustPost := func(path string, form url.Values) {
		t.Helper()
		// The reader first: refused with the explanation.
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		rc.get("/console/home")
		if resp, body := rc.post(path, f); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") ||
			!strings.Contains(body, "is not authorized to perform: iam:") {
			t.Fatalf("reader %s: %d\n%s", path, resp.StatusCode, body)
		}
		if resp, body := cc.post(path, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	const inlineDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
	const boundary = "arn:aws:iam::aws:policy/PowerUserAccess"

	// Inline policies, on each kind, shown with their text.
	for _, e := range []struct{ kind, name string }{{"users", "ivy"}, {"groups", "crew"}, {"roles", "web"}} {
		mustPost("/console/"+e.kind+"/"+e.name+"/putinline", url.Values{"policyname": {"send"}, "document": {inlineDoc}})
		if _, body := cc.get("/console/" + e.kind + "/" + e.name); !strings.Contains(body, "<summary>send</summary>") || !strings.Contains(body, "sqs:SendMessage") {
			t.Fatalf("%s page lacks the inline policy:\n%s", e.kind, body)
		}
	}
	if p, err := root.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("web"), PolicyName: aws.String("send")}); err != nil || !strings.Contains(*p.PolicyDocument, "sqs") {
		t.Fatalf("role inline policy: %v %v", p, err)
	}
	for _, e := range []struct{ kind, name string }{{"users", "ivy"}, {"groups", "crew"}, {"roles", "web"}} {
		mustPost("/console/"+e.kind+"/"+e.name+"/deleteinline", url.Values{"policyname": {"send"}})
	}
	if l, err := root.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("crew")}); err != nil || len(l.PolicyNames) != 0 {
		t.Fatalf("group inline policies after delete: %v %v", l, err)
	}

	// Permissions boundaries.
	mustPost("/console/users/ivy/boundary", url.Values{"policyarn": {boundary}})
	mustPost("/console/roles/web/boundary", url.Values{"policyarn": {boundary}})
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ivy")})
	if err != nil || u.User.PermissionsBoundary == nil || *u.User.PermissionsBoundary.PermissionsBoundaryArn != boundary {
		t.Fatalf("user boundary: %v %v", u, err)
	}
	if _, body := cc.get("/console/roles/web"); !strings.Contains(body, boundary) || !strings.Contains(body, "/console/roles/web/deleteboundary") {
		t.Fatal("role page lacks its boundary")
	}
	mustPost("/console/users/ivy/deleteboundary", url.Values{})
	mustPost("/console/roles/web/deleteboundary", url.Values{})
	r, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	if err != nil || r.Role.PermissionsBoundary != nil {
		t.Fatalf("role boundary after delete: %v %v", r, err)
	}

	// Role tags.
	mustPost("/console/roles/web/tag", url.Values{"key": {"env"}, "value": {"prod"}})
	tags, err := root.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("web")})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Value != "prod" {
		t.Fatalf("role tags: %v %v", tags, err)
	}
	mustPost("/console/roles/web/untag", url.Values{"key": {"env"}})

	// An access key deactivated and activated; its last use shown.
	if _, body := cc.get("/console/users/ivy"); !strings.Contains(body, `<td class="key-used">Never</td>`) {
		t.Fatalf("the key's last use:\n%s", between(body, `id="keys"`, "</table>"))
	}
	mustPost("/console/users/ivy/keystatus", url.Values{"keyid": {keyID}, "status": {"Inactive"}})
	ks, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ivy")})
	if err != nil || string(ks.AccessKeyMetadata[0].Status) != "Inactive" {
		t.Fatalf("key status: %v %v", ks, err)
	}
	mustPost("/console/users/ivy/keystatus", url.Values{"keyid": {keyID}, "status": {"Active"}})

	// The console password: changed by an administrator, then removed, then set again.
	const pw2 = "An0ther-Passw0rd!"
	mustPost("/console/users/ivy/updatelogin", url.Values{"password": {pw2}, "reset": {"1"}})
	lp, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("ivy")})
	if err != nil || !lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("login profile: %v %v", lp, err)
	}
	if resp, _ := newConsoleClient(t, inst.URL).signIn(inst.Account, "ivy", pw2); resp.Header.Get("Location") != "/console/change-password" {
		t.Fatalf("sign-in with the new password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	mustPost("/console/users/ivy/deletelogin", url.Values{})
	if _, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("ivy")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("login profile after delete: %v", err)
	}
	mustPost("/console/users/ivy/createlogin", url.Values{"password": {consolePassword}})
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "ivy", consolePassword)

	// Instance profiles.
	mustPost("/console/instance-profiles", url.Values{"profile": {"web-profile"}})
	mustPost("/console/instance-profiles/web-profile/addrole", url.Values{"role": {"web"}})
	ip, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	if err != nil || len(ip.InstanceProfile.Roles) != 1 {
		t.Fatalf("instance profile: %v %v", ip, err)
	}
	if _, body := cc.get("/console/instance-profiles"); !strings.Contains(body, "/console/instance-profiles/web-profile/removerole") {
		t.Fatal("the profile's role has no remove form")
	}
	mustPost("/console/instance-profiles/web-profile/removerole", url.Values{"role": {"web"}})
	mustPost("/console/instance-profiles/web-profile/delete", url.Values{})
	if _, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web-profile")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("instance profile after delete: %v", err)
	}

	// Identity providers.
	mustPost("/console/identity-providers/createoidc", url.Values{"url": {"https://token.actions.githubusercontent.com"}, "clients": {"sts.amazonaws.com"},
		"thumbprints": {"6938fd4d98bab03faadb97b34396831e3780aea1"}})
	oidcARN := "arn:aws:iam::" + inst.Account + ":oidc-provider/token.actions.githubusercontent.com"
	o, err := root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
	if err != nil || len(o.ClientIDList) != 1 || o.ClientIDList[0] != "sts.amazonaws.com" {
		t.Fatalf("OIDC provider: %v %v", o, err)
	}
	mustPost("/console/identity-providers/deleteoidc", url.Values{"arn": {oidcARN}})
	if l, err := root.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}); err != nil || len(l.OpenIDConnectProviderList) != 0 {
		t.Fatalf("OIDC providers after delete: %v %v", l, err)
	}
	// A malformed SAML metadata document: the API's refusal on the page.
	if resp, body := cc.post("/console/identity-providers/createsaml", url.Values{"name": {"corp"}, "metadata": {"not xml"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="error"`) || !strings.Contains(body, "Identity providers") {
		t.Fatalf("bad SAML metadata: %d\n%s", resp.StatusCode, body)
	}

	// The reader sees none of these forms: no form that posts but sign-out.
	for _, path := range []string{"/console/users/ivy", "/console/roles/web", "/console/groups/crew", "/console/instance-profiles", "/console/identity-providers"} {
		_, body := rc.get(path)
		for _, part := range strings.Split(body, `<form method="post" action="`)[1:] {
			if action := part[:strings.IndexByte(part, '"')]; action != "/console/signout" {
				t.Errorf("the reader sees the form %s on %s", action, path)
			}
		}
	}
}
