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
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	for path, want := range map[string]string{
		"/console/home": "IAM dashboard", "/console/users": "alice", "/console/users?q=ali": "alice", "/console/users/alice": "Access keys",
		"/console/groups": "devs", "/console/groups/devs": "Group devs", "/console/roles": "app", "/console/roles/app": "ec2.amazonaws.com",
		"/console/policies": "reads", "/console/policies?scope=AWS&q=ReadOnly": "ReadOnlyAccess", "/console/policy?arn=" + url.QueryEscape(*pol.Policy.Arn): "iam:GenerateCredentialReport",
		"/console/policy-editor": "Policy editor", "/console/simulator": "Run simulation", "/console/credential-report": "password_enabled",
		"/console/audit": "Audit log",
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
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":"arn:aws:iam::`+inst.Account+`:user/viewer","kind":"user"`) || !strings.Contains(body, `"escalations":[`) {
		t.Fatalf("graph: %d %s", resp.StatusCode, body)
	}
}
