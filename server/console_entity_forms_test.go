package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
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
	// The reader sees none of the forms: no form that posts but sign-out.
	readerSeesNoForms := func(path string) {
		t.Helper()
		_, body := rc.get(path)
		for _, part := range strings.Split(body, `<form method="post" action="`)[1:] {
			if action := part[:strings.IndexByte(part, '"')]; action != "/console/signout" {
				t.Errorf("the reader sees the form %s on %s", action, path)
			}
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
	// Its tags, audiences and thumbprints, each a form of its page.
	oidcPage := "/console/identity-providers/oidc?arn=" + url.QueryEscape(oidcARN)
	if _, body := cc.get(oidcPage); !strings.Contains(body, `id="tag-form"`) || !strings.Contains(body, `id="add-client"`) ||
		!strings.Contains(body, `id="thumbprints-form"`) || !strings.Contains(body, "/console/identity-providers/oidc/removeclient") {
		t.Fatalf("the OIDC provider's page lacks its forms:\n%s", body)
	}
	const thumb1, thumb2 = "6938fd4d98bab03faadb97b34396831e3780aea1", "a031c46782e6e6c662c2c87c76da9aa62ccabd8e"
	mustPost("/console/identity-providers/oidc/tag", url.Values{"arn": {oidcARN}, "key": {"team"}, "value": {" ci "}})
	mustPost("/console/identity-providers/oidc/addclient", url.Values{"arn": {oidcARN}, "client": {"audience-two"}})
	mustPost("/console/identity-providers/oidc/removeclient", url.Values{"arn": {oidcARN}, "client": {"sts.amazonaws.com"}})
	mustPost("/console/identity-providers/oidc/thumbprints", url.Values{"arn": {oidcARN}, "thumbprints": {thumb2 + "\r\n" + thumb1 + "\n"}})
	o, err = root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
	if err != nil || strings.Join(o.ClientIDList, ",") != "audience-two" || strings.Join(o.ThumbprintList, ",") != thumb2+","+thumb1 ||
		len(o.Tags) != 1 || *o.Tags[0].Key != "team" || *o.Tags[0].Value != " ci " {
		t.Fatalf("OIDC provider after its forms: %+v %v", o, err)
	}
	if _, body := cc.get(oidcPage); !strings.Contains(body, "<th>team</th><td> ci </td>") || !strings.Contains(body, "<li>audience-two") ||
		!strings.Contains(body, "<code>"+thumb2+"</code>") {
		t.Fatalf("the OIDC provider's page after its forms:\n%s", body)
	}
	mustPost("/console/identity-providers/oidc/untag", url.Values{"arn": {oidcARN}, "key": {"team"}})
	if tags, err := root.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: aws.String(oidcARN)}); err != nil || len(tags.Tags) != 0 {
		t.Fatalf("OIDC provider tags after untag: %v %v", tags, err)
	}
	// A thumbprint that is not one: the API's refusal on the provider's page.
	if resp, body := cc.post("/console/identity-providers/oidc/thumbprints", url.Values{"arn": {oidcARN}, "thumbprints": {"short"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="error"`) || !strings.Contains(body, `id="provider-facts"`) {
		t.Fatalf("a bad thumbprint: %d\n%s", resp.StatusCode, body)
	}
	readerSeesNoForms(oidcPage)
	mustPost("/console/identity-providers/deleteoidc", url.Values{"arn": {oidcARN}})
	if l, err := root.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}); err != nil || len(l.OpenIDConnectProviderList) != 0 {
		t.Fatalf("OIDC providers after delete: %v %v", l, err)
	}
	// A malformed SAML metadata document: the API's refusal on the page.
	if resp, body := cc.post("/console/identity-providers/createsaml", url.Values{"name": {"corp"}, "metadata": {"not xml"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="error"`) || !strings.Contains(body, "Identity providers") {
		t.Fatalf("bad SAML metadata: %d\n%s", resp.StatusCode, body)
	}

	// A SAML provider's tags and metadata document.
	md, err := os.ReadFile("../saml/testdata/metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	mdOther, err := os.ReadFile("../saml/testdata/metadata-other.xml")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(string(md))})
	if err != nil {
		t.Fatal(err)
	}
	samlARN := *sp.SAMLProviderArn
	samlPage := "/console/identity-providers/saml?arn=" + url.QueryEscape(samlARN)
	if _, body := cc.get(samlPage); !strings.Contains(body, `id="tag-form"`) || !strings.Contains(body, `id="metadata-form"`) {
		t.Fatalf("the SAML provider's page lacks its forms:\n%s", body)
	}
	mustPost("/console/identity-providers/saml/tag", url.Values{"arn": {samlARN}, "key": {"owner"}, "value": {"it"}})
	mustPost("/console/identity-providers/saml/metadata", url.Values{"arn": {samlARN}, "metadata": {string(mdOther)}})
	g, err := root.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(samlARN)})
	if err != nil || *g.SAMLMetadataDocument != string(mdOther) || len(g.Tags) != 1 || *g.Tags[0].Key != "owner" || *g.Tags[0].Value != "it" {
		t.Fatalf("SAML provider after its forms: %+v %v", g, err)
	}
	mustPost("/console/identity-providers/saml/untag", url.Values{"arn": {samlARN}, "key": {"owner"}})
	if tags, err := root.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(samlARN)}); err != nil || len(tags.Tags) != 0 {
		t.Fatalf("SAML provider tags after untag: %v %v", tags, err)
	}
	if resp, body := cc.post("/console/identity-providers/saml/metadata", url.Values{"arn": {samlARN}, "metadata": {"not xml"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="error"`) || !strings.Contains(body, `id="saml-metadata"`) {
		t.Fatalf("bad SAML metadata on the provider's page: %d\n%s", resp.StatusCode, body)
	}

	for _, path := range []string{"/console/users/ivy", "/console/roles/web", "/console/groups/crew", "/console/instance-profiles", "/console/identity-providers", samlPage} {
		readerSeesNoForms(path)
	}
}
