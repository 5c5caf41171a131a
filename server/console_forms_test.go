package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// postForms are the actions of a page's state-changing forms, sign-out
// and the simulator (a read) left out.
func postForms(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if m[1] != "/console/signout" && m[1] != "/console/simulator" {
			out = append(out, m[1])
		}
	}
	return out
}

// consoleFormsAccount is an account with one of everything a page has a
// form for: a group with a member and an attached policy, a role, a
// policy with two versions, a tagged user with a key.
func consoleFormsAccount(t *testing.T, root *iam.Client) string {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p1"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	must(root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(doc)}))
	must(root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g1")}))
	must(root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g1"), PolicyArn: p.Policy.Arn}))
	must(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("target"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))
	must(root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g1"), UserName: aws.String("target")}))
	must(root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("target"), PolicyArn: p.Policy.Arn}))
	must(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("target")}))
	must(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	must(root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: p.Policy.Arn}))
	must(root.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("forms-corp")}))
	must(root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(10), AllowUsersToChangePassword: true}))
	return *p.Policy.Arn
}

// The pages show only the forms the signed-in principal may use: none to
// a reader, all to an administrator, and to a user who may manage only
// its own keys, just those.
func TestConsoleFormsFollowPermissions(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	policyARN := consoleFormsAccount(t, root)
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	consoleUser(t, root, "admin", adminPolicy, false)
	consoleUser(t, root, "selfkeys", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
		{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`, false)
	pages := []string{"/console/users", "/console/users/target", "/console/groups", "/console/groups/g1", "/console/roles", "/console/roles/r1",
		"/console/policy?arn=" + url.QueryEscape(policyARN), "/console/account", "/console/policy-editor"}

	reader := newConsoleClient(t, inst.URL)
	reader.mustSignIn(inst.Account, "reader", consolePassword)
	for _, p := range pages {
		resp, body := reader.get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reader %s: %d", p, resp.StatusCode)
		}
		if f := postForms(body); len(f) != 0 {
			t.Errorf("the reader sees forms on %s: %v", p, f)
		}
		if !strings.Contains(body, `action="/console/signout"`) {
			t.Errorf("%s: no sign-out", p)
		}
	}
	// What the page shows is still there: the group's member, the policy.
	if _, body := reader.get("/console/groups/g1"); !strings.Contains(body, "target") || !strings.Contains(body, "p1") {
		t.Fatal("the reader's group page lacks its rows")
	}

	admin := newConsoleClient(t, inst.URL)
	admin.mustSignIn(inst.Account, "admin", consolePassword)
	want := map[string][]string{
		"/console/users": {"/console/users"},
		"/console/users/target": {"/console/users/target/createlogin", "/console/users/target/detach", "/console/users/target/attach", "/console/users/target/putinline",
			"/console/users/target/boundary", "/console/users/target/removegroup", "/console/users/target/addgroup",
			"/console/users/target/tags/untag", "/console/users/target/tags/tag", "/console/users/target/keystatus", "/console/users/target/deletekey", "/console/users/target/createkey",
			"/console/users/target/createmfa", "/console/users/target/delete"},
		"/console/groups":    {"/console/groups"},
		"/console/groups/g1": {"/console/groups/g1/removeuser", "/console/groups/g1/adduser", "/console/groups/g1/detach", "/console/groups/g1/attach", "/console/groups/g1/putinline", "/console/groups/g1/delete"},
		"/console/roles":     {"/console/roles"},
		"/console/roles/r1":  {"/console/roles/r1/tag", "/console/roles/r1/trust", "/console/roles/r1/detach", "/console/roles/r1/attach", "/console/roles/r1/putinline", "/console/roles/r1/boundary", "/console/roles/r1/delete"},
		"/console/policy?arn=" + url.QueryEscape(policyARN): {"/console/policy/default", "/console/policy/deleteversion", "/console/policy/version", "/console/policy/delete"},
		"/console/account":       {"/console/account/deletealias", "/console/account/alias", "/console/account/passwordpolicy", "/console/account/deletepasswordpolicy"},
		"/console/policy-editor": {"/console/policy-editor"},
	}
	for _, p := range pages {
		_, body := admin.get(p)
		if got := strings.Join(postForms(body), " "); got != strings.Join(want[p], " ") {
			t.Errorf("admin's forms on %s:\n got %s\nwant %s", p, got, strings.Join(want[p], " "))
		}
	}

	// An AWS managed policy can be changed by no one: no forms.
	if _, body := admin.get("/console/policy?arn=" + url.QueryEscape("arn:aws:iam::aws:policy/ReadOnlyAccess")); len(postForms(body)) != 0 || !strings.Contains(body, "ReadOnlyAccess") {
		t.Errorf("admin's forms on an AWS managed policy: %v", postForms(body))
	}

	// Decided on the entity each form acts on: its own keys, not another's.
	self := newConsoleClient(t, inst.URL)
	self.mustSignIn(inst.Account, "selfkeys", consolePassword)
	if _, body := self.get("/console/users/selfkeys"); strings.Join(postForms(body), " ") != "/console/users/selfkeys/createkey" {
		t.Errorf("selfkeys on its own page: %v", postForms(body))
	}
	if _, body := self.get("/console/users/target"); len(postForms(body)) != 0 {
		t.Errorf("selfkeys on another's page: %v", postForms(body))
	}
}

// A reader's crafted posts of the forms it was not shown are refused with
// AWS's AccessDenied and its explanation, and change nothing.
func TestConsoleCraftedPostsRefused(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	policyARN := consoleFormsAccount(t, root)
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "reader", consolePassword)
	cc.get("/console/users/target") // the page's token: a signed-in session's
	acct := inst.Account
	for _, tc := range []struct {
		path          string
		form          url.Values
		action, where string
	}{
		{"/console/users/target/delete", url.Values{}, "iam:DeleteUser", "arn:aws:iam::" + acct + ":user/target"},
		{"/console/users/target/detach", url.Values{"policyarn": {policyARN}}, "iam:DetachUserPolicy", "arn:aws:iam::" + acct + ":user/target"},
		{"/console/users/target/tags/untag", url.Values{"key": {"team"}}, "iam:UntagUser", "arn:aws:iam::" + acct + ":user/target"},
		{"/console/users/target/createkey", url.Values{}, "iam:CreateAccessKey", "arn:aws:iam::" + acct + ":user/target"},
		{"/console/groups/g1/removeuser", url.Values{"user": {"target"}}, "iam:RemoveUserFromGroup", "arn:aws:iam::" + acct + ":group/g1"},
		{"/console/groups/g1/delete", url.Values{}, "iam:DeleteGroup", "arn:aws:iam::" + acct + ":group/g1"},
		{"/console/roles/r1/delete", url.Values{}, "iam:DeleteRole", "arn:aws:iam::" + acct + ":role/r1"},
		{"/console/policy/delete", url.Values{"arn": {policyARN}}, "iam:DeletePolicy", policyARN},
		{"/console/account/deletealias", url.Values{"alias": {"forms-corp"}}, "iam:DeleteAccountAlias", "*"},
		{"/console/account/deletepasswordpolicy", url.Values{}, "iam:DeleteAccountPasswordPolicy", "*"},
	} {
		resp, body := cc.post(tc.path, tc.form)
		msg := "User: arn:aws:iam::" + acct + ":user/reader is not authorized to perform: " + tc.action + " on resource: " + tc.where +
			" because no identity-based policy allows the " + tc.action + " action"
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") || !strings.Contains(body, msg) {
			t.Errorf("%s: %d, want 403 with %q", tc.path, resp.StatusCode, msg)
		}
		if f := postForms(body); len(f) != 0 {
			t.Errorf("%s: the refusal's page shows forms %v", tc.path, f)
		}
	}
	// Nothing changed.
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("target")})
	if err != nil || len(u.User.Tags) != 1 {
		t.Fatalf("target: %v %v", u, err)
	}
	keys, _ := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("target")})
	att, _ := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("target")})
	g, gerr := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("g1")})
	_, rerr := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r1")})
	_, perr := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
	al, _ := root.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	_, pperr := root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if len(keys.AccessKeyMetadata) != 1 || len(att.AttachedPolicies) != 1 || gerr != nil || len(g.Users) != 1 || rerr != nil || perr != nil ||
		len(al.AccountAliases) != 1 || pperr != nil {
		t.Fatalf("something changed: keys %d, attached %d, group %v, role %v, policy %v, aliases %v, password policy %v",
			len(keys.AccessKeyMetadata), len(att.AttachedPolicies), gerr, rerr, perr, al.AccountAliases, pperr)
	}
	// The same posts by an administrator work (one of them, to show the
	// forms are live).
	consoleUser(t, root, "admin", adminPolicy, false)
	ac := newConsoleClient(t, inst.URL)
	ac.mustSignIn(acct, "admin", consolePassword)
	ac.get("/console/users/target")
	if resp, _ := ac.post("/console/users/target/tags/untag", url.Values{"key": {"team"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin's untag: %d", resp.StatusCode)
	}
}
