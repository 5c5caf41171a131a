package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// A form whose value is still to be typed is shown when some value could
// be allowed: a user who may attach only one policy (iam:PolicyARN) or
// join only one group sees the attach and add-to-group forms, the allowed
// value works and another is refused with AWS's AccessDenied. What does
// not depend on the value still hides the form: another user's page, an
// outright Deny.
func TestConsoleTypedValueForms(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleFormsAccount(t, root)
	acct := inst.Account
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`
	var arns []string
	for _, n := range []string{"p2", "p3"} {
		p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(n), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *p.Policy.Arn)
	}
	for _, g := range []string{"g2"} {
		if _, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	consoleUser(t, root, "one", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"arn:aws:iam::`+acct+`:user/target","Condition":{"ArnEquals":{"iam:PolicyARN":"`+arns[0]+`"}}},
		{"Effect":"Allow","Action":"iam:AddUserToGroup","Resource":"arn:aws:iam::`+acct+`:group/g2"}]}`, false)
	consoleUser(t, root, "denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":["iam:AttachUserPolicy","iam:AddUserToGroup"],"Resource":"*"}]}`, false)

	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(acct, "one", consolePassword)
	_, body := cc.get("/console/users/target")
	forms := postForms(body)
	for _, f := range []string{"/console/users/target/attach", "/console/users/target/addgroup"} {
		if !slices.Contains(forms, f) {
			t.Errorf("one does not see %s: %v", f, forms)
		}
	}
	// Decided on the known part: attaching is allowed on target only; a
	// group's members are decided on the group, so one may add itself.
	if _, body := cc.get("/console/users/one"); slices.Contains(postForms(body), "/console/users/one/attach") || !slices.Contains(postForms(body), "/console/users/one/addgroup") {
		t.Errorf("one's forms on its own page: %v, want addgroup and no attach", postForms(body))
	}

	// The allowed values work.
	if resp, body := cc.post("/console/users/target/attach", url.Values{"policyarn": {arns[0]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach p2: %d %.300s", resp.StatusCode, body)
	}
	if resp, body := cc.post("/console/users/target/addgroup", url.Values{"group": {"g2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add to g2: %d %.300s", resp.StatusCode, body)
	}
	// Others are refused with AWS's message, and nothing changes.
	for _, tc := range []struct {
		path, field, value, action, resource string
	}{
		{"/console/users/target/attach", "policyarn", arns[1], "iam:AttachUserPolicy", "arn:aws:iam::" + acct + ":user/target"},
		{"/console/users/target/addgroup", "group", "g1x", "iam:AddUserToGroup", "arn:aws:iam::" + acct + ":group/g1x"},
	} {
		resp, body := cc.post(tc.path, url.Values{tc.field: {tc.value}})
		msg := "User: arn:aws:iam::" + acct + ":user/one is not authorized to perform: " + tc.action + " on resource: " + tc.resource +
			" because no identity-based policy allows the " + tc.action + " action"
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") || !strings.Contains(body, msg) {
			t.Errorf("%s %s: %d, want 403 with %q", tc.path, tc.value, resp.StatusCode, msg)
		}
	}
	att, err := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("target")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range att.AttachedPolicies {
		got = append(got, *a.PolicyName)
	}
	if !slices.Equal(got, []string{"p1", "p2"}) {
		t.Errorf("target's policies %v, want p1 p2", got)
	}
	gs, err := root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("target")})
	if err != nil || len(gs.Groups) != 2 {
		t.Errorf("target's groups: %v %v", gs, err)
	}

	// An outright Deny hides the forms whatever the value.
	dc := newConsoleClient(t, inst.URL)
	dc.mustSignIn(acct, "denied", consolePassword)
	_, body = dc.get("/console/users/target")
	forms = postForms(body)
	if slices.Contains(forms, "/console/users/target/attach") || slices.Contains(forms, "/console/users/target/addgroup") {
		t.Errorf("denied sees the denied forms: %v", forms)
	}
	if !slices.Contains(forms, "/console/users/target/detach") {
		t.Errorf("denied lacks the forms it may use: %v", forms)
	}
}

// Deciding a form for some value changes no policy that decides real
// calls: under an SCP that denies attaching any policy but p1 and p2, the page's
// probe (which reads the SCP's conditional Deny as escapable) leaves the
// SCP whole, and the API still refuses attaching p3.
func TestConsoleTypedValueFormsLeaveSCPsWhole(t *testing.T) {
	p2 := "arn:aws:iam::" + testAccount + ":policy/p2"
	scp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnNotEquals":{"iam:PolicyARN":["` + p2 + `","arn:aws:iam::` + testAccount + `:policy/p1"]}}}]}`
	inst := testServerWith(t, func(o *server.Options) { o.SCPs = map[string][]string{testAccount: {scp}} })
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleFormsAccount(t, root)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`
	for _, n := range []string{"p2", "p3"} {
		if _, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(n), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	consoleUser(t, root, "admin", adminPolicy, false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "admin", consolePassword)
	for range 3 {
		if _, body := cc.get("/console/users/target"); !slices.Contains(postForms(body), "/console/users/target/attach") {
			t.Fatalf("admin does not see the attach form: %v", postForms(body))
		}
	}
	keys, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admin := iamClient(inst, *keys.AccessKey.AccessKeyId, *keys.AccessKey.SecretAccessKey)
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("target"), PolicyArn: aws.String("arn:aws:iam::" + testAccount + ":policy/p3")}); err == nil || !strings.Contains(err.Error(), "service control policy") {
		t.Fatalf("attaching p3 under the SCP: %v", err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("target"), PolicyArn: aws.String(p2)}); err != nil {
		t.Fatalf("attaching p2: %v", err)
	}
}
