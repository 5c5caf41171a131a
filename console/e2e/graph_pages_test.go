package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/analysis"
)

// The kept graph after changes is built from its kept pages of
// GetAccountAuthorizationDetails and the pages the changes are on, read
// again: after each change below it is the graph a console that never
// saw the account builds from a whole read (every node and edge, with
// every cluster open, and the escalation paths). The account has two
// pages of users and two of policies, so that changes fall on one page
// of several, on the first and the last, and move the pages' bounds.
func TestGraphKeptPagesFollowChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("an account of two pages")
	}
	inst := startServer(t)
	if err := seed(inst, analysis.Generated(1020, 90, 1005)); err != nil {
		t.Fatal(err)
	}
	root := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL),
		Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")})
	consoleUser(t, root, "viewer", readOnlyPolicy, false)
	consoleUser(t, root, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`, false)
	kept := signedIn(t, inst.URL, inst.Account, "viewer", consolePassword)
	acct := "arn:aws:iam::" + inst.Account + ":"
	ctx := context.Background()
	doc := func(stmt string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[` + stmt + `]}`)
	}
	var err error
	steps := []struct {
		name string
		do   func()
	}{
		{"nothing changed", func() {}},
		{"a tag on the first page of users", func() {
			_, err = root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("user-1"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
		}},
		{"a tag on the last page of users, a role's tag", func() {
			_, err = root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("user-999"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
			if err == nil {
				_, err = root.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("role-1"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			}
		}},
		{"a user added before the first, in a group, with a policy", func() {
			_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("aaa-new")})
			if err == nil {
				_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("aaa-new"), GroupName: aws.String("group-0")})
			}
			if err == nil {
				_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("aaa-new"), PolicyArn: aws.String(acct + "policy/policy-7")})
			}
		}},
		{"an inline policy that escalates, on a role", func() {
			_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("role-3"), PolicyName: aws.String("extra"),
				PolicyDocument: doc(`{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}`)})
		}},
		{"a trust policy", func() {
			_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("role-2"),
				PolicyDocument: doc(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `user/user-5"},"Action":"sts:AssumeRole"}`)})
		}},
		{"a new default version of a policy on the last page", func() {
			_, err = root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(acct + "policy/policy-999"), SetAsDefault: true,
				PolicyDocument: doc(`{"Effect":"Allow","Action":"iam:*","Resource":"*"}`)})
		}},
		{"a policy attached to a user (its count on the policy's page)", func() {
			_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("user-500"), PolicyArn: aws.String(acct + "policy/policy-1004")})
		}},
		{"a new policy attached to a group", func() {
			_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("policy-0000"), PolicyDocument: doc(`{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}`)})
			if err == nil {
				_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("group-1"), PolicyArn: aws.String(acct + "policy/policy-0000")})
			}
		}},
		{"a group renamed (its members list it)", func() {
			_, err = root.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("group-2"), NewGroupName: aws.String("group-renamed")})
		}},
		{"a role made, an instance profile for another", func() {
			_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("temp-role"),
				AssumeRolePolicyDocument: doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)})
			if err == nil {
				_, err = root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")})
			}
			if err == nil {
				_, err = root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("role-4")})
			}
		}},
		{"a permissions boundary", func() {
			_, err = root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("user-3"), PermissionsBoundary: aws.String(acct + "policy/policy-9")})
		}},
		{"a user deleted", func() {
			_, err = root.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("aaa-new"), PolicyArn: aws.String(acct + "policy/policy-7")})
			if err == nil {
				_, err = root.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: aws.String("aaa-new"), GroupName: aws.String("group-0")})
			}
			if err == nil {
				_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("aaa-new")})
			}
		}},
		{"a policy and a role deleted", func() {
			_, err = root.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("group-1"), PolicyArn: aws.String(acct + "policy/policy-0000")})
			if err == nil {
				_, err = root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(acct + "policy/policy-0000")})
			}
			if err == nil {
				_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("temp-role")})
			}
		}},
	}
	for _, s := range steps {
		s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		// A console that never saw the account reads it whole.
		ro := httptest.NewServer(inst.ReadOnlyConsole())
		fresh := &browser{t: t, base: ro.URL, c: ro.Client()}
		want, wantEsc := wholeGraph(t, fresh)
		ro.Close()
		got, gotEsc := wholeGraph(t, kept)
		if got != want {
			t.Errorf("%s: the kept graph differs from a whole read:\nkept  %.600s\nwhole %.600s", s.name, got, want)
		}
		if gotEsc != wantEsc {
			t.Errorf("%s: the kept escalation paths differ from a whole read's:\nkept  %.600s\nwhole %.600s", s.name, gotEsc, wantEsc)
		}
	}

	// A change since the kept graph does not let in one who may not read
	// the account: refused with AWS's message, nothing of the account in
	// the answer; the reader still gets the account as it is.
	if _, err := root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("user-2"), Tags: []iamtypes.Tag{{Key: aws.String("secret"), Value: aws.String("x")}}}); err != nil {
		t.Fatal(err)
	}
	l := signedIn(t, inst.URL, inst.Account, "lister", consolePassword)
	for _, path := range []string{"/console/api/graph", "/console/api/graph/escalations", "/console/api/graph/query?mode=who-can&action=iam:DeleteRole"} {
		code, body := l.get(path)
		if code != http.StatusForbidden || !strings.Contains(body, `"code":"AccessDenied"`) || !strings.Contains(body, "iam:GetAccountAuthorizationDetails") || strings.Contains(body, "user-2") {
			t.Errorf("lister %s: %d %.300s", path, code, body)
		}
	}
	var v viewData
	if code := kept.json("/console/api/graph?q=secret%3Dx", &v); code != http.StatusOK || v.Matches != 1 || v.item(acct+"user/user-2") < 0 {
		t.Errorf("viewer after the refusal: %d, %d matches", code, v.Matches)
	}
}

// wholeGraph is the graph with every cluster open, a few filters' views,
// and its escalation paths, as the page reads them.
func wholeGraph(t *testing.T, b *browser) (view, escalations string) {
	t.Helper()
	open := map[string]bool{}
	for range 20 {
		q := url.Values{"open": {""}}
		for id := range open {
			q.Add("open", id)
		}
		code, body := b.get("/console/api/graph?" + q.Encode())
		if code != http.StatusOK {
			t.Fatalf("graph: %d %.300s", code, body)
		}
		var v viewData
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		more := false
		for _, it := range v.Items {
			if it.Cluster && !it.Open && !open[it.ID] {
				open[it.ID], more = true, true
			}
		}
		if !more {
			for _, it := range v.Items {
				if it.Cluster && !it.Open {
					t.Fatalf("cluster %s does not open (%d items)", it.ID, len(v.Items))
				}
			}
			// Tags show in what a filter matches.
			for _, f := range []string{"team=red", "team=blue", "k=v", "group-renamed"} {
				_, matched := b.get("/console/api/graph?q=" + url.QueryEscape(f))
				body += "\n" + matched
			}
			_, esc := b.get("/console/api/graph/escalations")
			return body, esc
		}
	}
	t.Fatal("the clusters do not all open")
	return "", ""
}
