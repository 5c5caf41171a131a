package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

// Every page renders for an account with one of each entity, and the
// console's actions are the API's: what the page did, the SDK sees.
func TestConsolePagesRender(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "alice", readOnlyPolicy, false)
	if _, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("reads"), PolicyDocument: aws.String(readOnlyPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-profile")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"}}); err != nil {
		t.Fatal(err)
	}
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	for path, want := range map[string]string{
		"/console/home": "IAM dashboard", "/console/users": "alice", "/console/users?q=ali": "alice", "/console/users/alice": "Access keys",
		"/console/groups": "devs", "/console/groups/devs": "Group devs", "/console/roles": "app", "/console/roles/app": "ec2.amazonaws.com",
		"/console/policies": "reads", "/console/policies?scope=AWS&q=ReadOnly": "ReadOnlyAccess", "/console/policy?arn=" + url.QueryEscape(*pol.Policy.Arn): "iam:GenerateCredentialReport",
		"/console/policy-editor": "Policy editor", "/console/simulator": "Run simulation", "/console/credential-report": "password_enabled",
		"/console/audit": "Audit log", "/console/instance-profiles": "web-profile", "/console/identity-providers": "token.actions.githubusercontent.com",
		"/console/account": "Password policy", "/console/graph": "Escalation paths",
	} {
		resp, body := cc.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want %q in\n%s", path, resp.StatusCode, want, body)
		}
	}
	// Actions through the pages.
	steps := []struct {
		path string
		form url.Values
	}{
		{"/console/users/alice/addgroup", url.Values{"group": {"devs"}}},
		{"/console/users/alice/attach", url.Values{"policyarn": {*pol.Policy.Arn}}},
	}
	for _, s := range steps {
		if resp, body := cc.post(s.path, s.form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", s.path, resp.StatusCode, body)
		}
	}
	g, err := root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("alice")})
	if err != nil || len(g.Groups) != 1 {
		t.Fatalf("groups: %v %v", g, err)
	}
	a, err := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")})
	if err != nil || len(a.AttachedPolicies) != 1 {
		t.Fatalf("attached: %v %v", a, err)
	}
	// The simulator: the deciding statement of alice's inline policy.
	resp, body := cc.post("/console/simulator", url.Values{"principal": {"arn:aws:iam::" + inst.Account + ":user/alice"}, "actions": {"iam:GetUser, iam:CreateUser"}, "resources": {"*"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `class="decision">allowed`) || !strings.Contains(body, `class="decision">implicitDeny`) || !strings.Contains(body, `<mark class="hl">{&#34;Effect&#34;:&#34;Allow&#34;`) {
		t.Fatalf("simulator: %d\n%s", resp.StatusCode, body)
	}
	// The CSV download.
	resp, body = cc.get("/console/credential-report.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "user,arn,") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("report csv: %d %v", resp.StatusCode, resp.Header)
	}
	// Delete.
	if resp, _ := cc.post("/console/users/alice/delete", url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("delete a user with attachments: %d, want DeleteConflict", resp.StatusCode)
	}
	consoleUser(t, root, "temp", "", false)
	if _, err := root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("temp")}); err != nil {
		t.Fatal(err)
	}
	if resp, body := cc.post("/console/users/temp/delete", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", resp.StatusCode, body)
	}
	if userExists(t, root, "temp") {
		t.Fatal("not deleted")
	}
}

// The graph's data is GetAccountAuthorizationDetails as the user: one
// without it is refused with AWS's message, as JSON.
func TestConsoleGraphData(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`, false)
	consoleUser(t, root, "viewer", readOnlyPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "lister", consolePassword)
	resp, body := cc.get("/console/api/graph")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"AccessDenied"`) || !strings.Contains(body, "iam:GetAccountAuthorizationDetails") {
		t.Fatalf("graph without GAAD: %d %s", resp.StatusCode, body)
	}
	vc := newConsoleClient(t, inst.URL)
	vc.mustSignIn(inst.Account, "viewer", consolePassword)
	resp, body = vc.get("/console/api/graph")
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":"arn:aws:iam::`+inst.Account+`:user/viewer","kind":"user"`) || !strings.Contains(body, `"items":[`) {
		t.Fatalf("graph: %d %s", resp.StatusCode, body)
	}
}

// The forms of the group, role, policy, user-tag and account pages, each
// checked through the API afterwards.
func TestConsoleEntityActions(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "uma", "", false)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	mustPost := func(path string, form url.Values) {
		t.Helper()
		if resp, body := cc.post(path, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	const ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	mustPost("/console/groups", url.Values{"group": {"ops"}})
	mustPost("/console/groups/ops/adduser", url.Values{"user": {"uma"}})
	mustPost("/console/groups/ops/attach", url.Values{"policyarn": {ro}})
	if _, body := cc.get("/console/groups/ops"); !strings.Contains(body, "uma") || !strings.Contains(body, "ReadOnlyAccess") {
		t.Fatalf("group page:\n%s", body)
	}
	g, err := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("ops")})
	if err != nil || len(g.Users) != 1 {
		t.Fatalf("group: %v %v", g, err)
	}
	// Deleting a group with members and policies: AWS's DeleteConflict, shown.
	if resp, body := cc.post("/console/groups/ops/delete", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "DeleteConflict") {
		t.Fatalf("delete a busy group: %d", resp.StatusCode)
	}
	mustPost("/console/groups/ops/removeuser", url.Values{"user": {"uma"}})
	mustPost("/console/groups/ops/detach", url.Values{"policyarn": {ro}})
	mustPost("/console/groups/ops/delete", url.Values{})

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	mustPost("/console/roles", url.Values{"role": {"fn"}, "trust": {trust}})
	mustPost("/console/roles/fn/attach", url.Values{"policyarn": {ro}})
	mustPost("/console/roles/fn/trust", url.Values{"trust": {strings.Replace(trust, "lambda", "ec2", 1)}})
	if _, body := cc.get("/console/roles/fn"); !strings.Contains(body, "ec2.amazonaws.com") || !strings.Contains(body, "ReadOnlyAccess") {
		t.Fatalf("role page:\n%s", body)
	}
	// A malformed trust policy: the API's error, and nothing changed.
	if resp, body := cc.post("/console/roles/fn/trust", url.Values{"trust": {"{"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "MalformedPolicyDocument") {
		t.Fatalf("bad trust: %d", resp.StatusCode)
	}
	mustPost("/console/roles/fn/detach", url.Values{"policyarn": {ro}})
	mustPost("/console/roles/fn/delete", url.Values{})
	if _, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("fn")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("role not deleted: %v", err)
	}

	v1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	v2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	mustPost("/console/policy-editor", url.Values{"name": {"p1"}, "document": {v1}})
	arn := "arn:aws:iam::" + inst.Account + ":policy/p1"
	mustPost("/console/policy/version", url.Values{"arn": {arn}, "document": {v2}, "default": {"1"}})
	_, body := cc.get("/console/policy?arn=" + url.QueryEscape(arn))
	// The default (v2) on the left, the other version on the right.
	if !strings.Contains(body, "v2 and v1 side by side") || !strings.Contains(body, `<tr class="ddel"><td><pre>      &#34;Action&#34;: &#34;s3:PutObject&#34;,</pre></td><td><pre></pre></td></tr>`) ||
		!strings.Contains(body, `<tr class="dadd"><td><pre></pre></td><td><pre>      &#34;Action&#34;: &#34;s3:GetObject&#34;,</pre></td></tr>`) {
		t.Fatalf("diff:\n%s", body)
	}
	mustPost("/console/policy/default", url.Values{"arn": {arn}, "version": {"v1"}})
	p, err := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || *p.Policy.DefaultVersionId != "v1" {
		t.Fatalf("default version: %v %v", p, err)
	}
	mustPost("/console/policy/deleteversion", url.Values{"arn": {arn}, "version": {"v2"}})
	mustPost("/console/policy/delete", url.Values{"arn": {arn}})

	mustPost("/console/users/uma/tags/tag", url.Values{"key": {"team"}, "value": {"blue"}})
	tags, err := root.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("uma")})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Value != "blue" {
		t.Fatalf("tags: %v %v", tags, err)
	}
	mustPost("/console/users/uma/tags/untag", url.Values{"key": {"team"}})

	mustPost("/console/account/alias", url.Values{"alias": {"acme-dev"}})
	mustPost("/console/account/passwordpolicy", url.Values{"min": {"14"}, "RequireSymbols": {"1"}})
	if _, body := cc.get("/console/account"); !strings.Contains(body, "acme-dev") || !strings.Contains(body, `value="14"`) {
		t.Fatalf("account page:\n%s", body)
	}
	pp, err := root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil || *pp.PasswordPolicy.MinimumPasswordLength != 14 || !pp.PasswordPolicy.RequireSymbols || pp.PasswordPolicy.RequireNumbers {
		t.Fatalf("password policy: %v %v", pp, err)
	}
	mustPost("/console/account/deletepasswordpolicy", url.Values{})
	mustPost("/console/account/deletealias", url.Values{"alias": {"acme-dev"}})
}

// A virtual MFA device assigned in the console (QR code and seed, two
// codes), then used to sign in.
func TestConsoleAssignMFADevice(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "vic", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "vic", consolePassword)
	resp, body := cc.post("/console/users/vic/createmfa", url.Values{})
	seed := between(body, `id="mfa-seed" class="secret">`, "<")
	serial := between(body, `id="mfa-serial">`, "<")
	if resp.StatusCode != 200 || len(seed) < 16 || !strings.Contains(body, `src="data:image/png;base64,`) || serial == "" {
		t.Fatalf("create device: %d\n%s", resp.StatusCode, body)
	}
	n := totp.Counter(time.Now())
	if resp, body := cc.post("/console/users/vic/enablemfa", url.Values{"serial": {serial}, "code1": {"123456"}, "code2": {"654321"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "InvalidAuthenticationCode") {
		t.Fatalf("wrong codes: %d", resp.StatusCode)
	}
	c1, _ := totp.Code(seed, n-3)
	c2, _ := totp.Code(seed, n-2)
	if resp, body := cc.post("/console/users/vic/enablemfa", url.Values{"serial": {serial}, "code1": {c1}, "code2": {c2}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d\n%s", resp.StatusCode, body)
	}
	if _, body := cc.get("/console/users/vic"); strings.Contains(body, seed) || !strings.Contains(body, serial) {
		t.Fatal("the user page shows the seed, or not the device")
	}
	// The next sign-in asks for a code.
	nc := newConsoleClient(t, inst.URL)
	if resp, _ := nc.signIn(inst.Account, "vic", consolePassword); resp.Header.Get("Location") != "/console/mfa" {
		t.Fatalf("sign-in after MFA: %s", resp.Header.Get("Location"))
	}
	nc.get("/console/mfa")
	code, _ := totp.Code(seed, n)
	if resp, _ := nc.post("/console/mfa", url.Values{"code": {code}}); resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Removed: the sign-in asks for none.
	nc.get("/console/users/vic")
	if resp, body := nc.post("/console/users/vic/removemfa", url.Values{"serial": {serial}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", resp.StatusCode, body)
	}
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "vic", consolePassword)
}

// The simulator with a pasted policy and context keys, and the action
// search.
func TestConsoleSimulatorCustomPolicy(t *testing.T) {
	inst := testServer(t)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	pol := "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\",\n   \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}}\n ]\n}"
	for _, tc := range []struct{ context, want string }{{"aws:SourceIp=203.0.113.7", "allowed"}, {"aws:SourceIp=198.51.100.1", "implicitDeny"}} {
		resp, body := cc.post("/console/simulator", url.Values{"mode": {"custom"}, "policy": {pol}, "actions": {"s3:GetObject"}, "resources": {"*"}, "context": {tc.context}})
		if resp.StatusCode != 200 || !strings.Contains(body, `class="decision">`+tc.want) {
			t.Fatalf("%s: %d\n%s", tc.context, resp.StatusCode, body)
		}
		if tc.want == "allowed" && !strings.Contains(body, `<mark class="hl">{&#34;Effect&#34;: &#34;Allow&#34;`) {
			t.Fatalf("no highlighted statement:\n%s", body)
		}
	}
	// Without the key the simulator names it missing.
	_, body := cc.post("/console/simulator", url.Values{"mode": {"custom"}, "policy": {pol}, "actions": {"s3:GetObject"}, "resources": {"*"}})
	if !strings.Contains(body, "<code>aws:SourceIp</code>") {
		t.Fatalf("missing context key not shown:\n%s", body)
	}
	_, body = cc.get("/console/api/actions?q=s3:GetObjectAc")
	if !strings.Contains(body, `"s3:GetObjectAcl"`) {
		t.Fatalf("action search: %s", body)
	}
}

// The audit view is CloudTrail's LookupEvents: refused without it, and
// filtered by principal, action and decision with it.
func TestConsoleAuditView(t *testing.T) {
	inst := testServerWith(t, func(o *server.Options) { o.AuditLog = &syncBuffer{} })
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "noaudit", readOnlyPolicy, false)
	consoleUser(t, root, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:LookupEvents","iam:List*"],"Resource":"*"}]}`, false)
	nc := newConsoleClient(t, inst.URL)
	nc.mustSignIn(inst.Account, "noaudit", consolePassword)
	nc.post("/console/users", url.Values{"username": {"x1"}}) // refused: an implicitDeny record
	resp, body := nc.get("/console/audit")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "cloudtrail:LookupEvents") {
		t.Fatalf("audit without LookupEvents: %d", resp.StatusCode)
	}
	ac := newConsoleClient(t, inst.URL)
	ac.mustSignIn(inst.Account, "auditor", consolePassword)
	resp, body = ac.get("/console/audit?action=CreateUser&decision=implicitDeny&principal=noaudit")
	if resp.StatusCode != 200 || !strings.Contains(body, "<td>CreateUser</td>") || !strings.Contains(body, ":user/noaudit") || strings.Contains(body, "<td>ConsoleLogin</td>") {
		t.Fatalf("filtered audit: %d\n%s", resp.StatusCode, body)
	}
	_, body = ac.get("/console/audit?action=ConsoleLogin")
	if !strings.Contains(body, "<td>Success</td>") {
		t.Fatalf("sign-ins in the audit view:\n%s", body)
	}
}
