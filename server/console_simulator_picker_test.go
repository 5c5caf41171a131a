package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

var pickerOptionRE = regexp.MustCompile(`<option value="([^"]+)" label="([^"]+)"></option>`)

// pickerOptions are the simulator page's principal options (ARN -> label),
// and whether the input is tied to them.
func pickerOptions(body string) (map[string]string, bool) {
	list := between(body, `<datalist id="principal-list">`, `</datalist>`)
	out := map[string]string{}
	for _, m := range pickerOptionRE.FindAllStringSubmatch(list, -1) {
		out[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	return out, regexp.MustCompile(`id="sim-principal"[^>]* list="principal-list"`).MatchString(body)
}

// The simulator's principal is picked from the users, groups and roles
// the signed-in user may list (or typed as an ARN), and a picked principal
// (a group with its own policies) is simulated as a typed one is.
func TestConsoleSimulatorPrincipalPicker(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	acct := "arn:aws:iam::" + inst.Account + ":"
	consoleUser(t, root, "admin", adminPolicy, false)
	consoleUser(t, root, "simonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:SimulatePrincipalPolicy","Resource":"*"}]}`, false)
	consoleUser(t, root, "usersonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`, false)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("reads"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Reads","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	roleARN := acct + "role/svc/app"
	if _, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops"), Path: aws.String("/teams/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("ops"), PolicyName: aws.String("sends"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Sends","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	groupARN := acct + "group/teams/ops"
	// May list groups, and simulate users only: offered the group, refused its simulation.
	consoleUser(t, root, "groupsonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*"},
		{"Effect":"Allow","Action":"iam:SimulatePrincipalPolicy","Resource":"`+acct+`user/*"}]}`, false)

	// An administrator (and root) is offered every user, group and role.
	want := map[string]string{acct + "user/admin": "User admin", acct + "user/simonly": "User simonly", acct + "user/usersonly": "User usersonly",
		acct + "user/groupsonly": "User groupsonly", groupARN: "Group ops", roleARN: "Role app"}
	ac := newConsoleClient(t, inst.URL)
	ac.mustSignIn(inst.Account, "admin", consolePassword)
	rc := newConsoleClient(t, inst.URL)
	rc.signInRoot(inst)
	for who, c := range map[string]*consoleClient{"admin": ac, "root": rc} {
		resp, body := c.get("/console/simulator")
		opts, tied := pickerOptions(body)
		if resp.StatusCode != http.StatusOK || !tied || len(opts) != len(want) {
			t.Fatalf("%s: %d, tied %v, options %v", who, resp.StatusCode, tied, opts)
		}
		for a, l := range want {
			if opts[a] != l {
				t.Errorf("%s: option %s is %q, want %q", who, a, opts[a], l)
			}
		}
	}

	// A picked principal is simulated: the role's statement decides.
	_, body := ac.get("/console/simulator")
	opts, _ := pickerOptions(body)
	if _, ok := opts[roleARN]; !ok {
		t.Fatal("no role to pick")
	}
	resp, body := ac.post("/console/simulator", url.Values{"mode": {"principal"}, "principal": {roleARN}, "actions": {"s3:GetObject\niam:CreateUser"}, "resources": {"*"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="decision">allowed`) || !strings.Contains(body, `class="decision">implicitDeny`) ||
		!strings.Contains(body, `<mark class="hl">{&#34;Sid&#34;:&#34;Reads&#34;`) {
		t.Fatalf("simulation of the picked role: %d\n%s", resp.StatusCode, body)
	}
	if opts, tied := pickerOptions(body); !tied || len(opts) != len(want) || !strings.Contains(body, `value="`+roleARN+`"`) {
		t.Error("the results page lost the picker or the picked principal")
	}
	// A picked group is simulated with its own policies.
	resp, body = ac.post("/console/simulator", url.Values{"mode": {"principal"}, "principal": {groupARN}, "actions": {"sqs:SendMessage\ns3:GetObject"}, "resources": {"*"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="decision">allowed`) || !strings.Contains(body, `class="decision">implicitDeny`) ||
		!strings.Contains(body, `<mark class="hl">{&#34;Sid&#34;:&#34;Sends&#34;`) || strings.Contains(body, "Reads") {
		t.Fatalf("simulation of the picked group: %d\n%s", resp.StatusCode, body)
	}
	// A typed ARN still works (a user, picked or not, the same call).
	if resp, body := ac.post("/console/simulator", url.Values{"principal": {acct + "user/simonly"}, "actions": {"iam:SimulatePrincipalPolicy"}, "resources": {"*"}}); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `class="decision">allowed`) {
		t.Fatalf("simulation of a typed user: %d", resp.StatusCode)
	}

	// Who may not list is offered nothing: the text field alone, which works.
	sc := newConsoleClient(t, inst.URL)
	sc.mustSignIn(inst.Account, "simonly", consolePassword)
	resp, body = sc.get("/console/simulator")
	if opts, tied := pickerOptions(body); resp.StatusCode != http.StatusOK || tied || len(opts) != 0 || strings.Contains(body, "principal-list") ||
		!strings.Contains(body, `id="sim-principal"`) || strings.Contains(body, "Role app") {
		t.Fatalf("a user who may not list: %d, tied %v, %v", resp.StatusCode, tied, opts)
	}
	if resp, body := sc.post("/console/simulator", url.Values{"principal": {roleARN}, "actions": {"s3:GetObject"}, "resources": {"*"}}); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `class="decision">allowed`) || strings.Contains(body, "principal-list") {
		t.Fatalf("a typed ARN from a user who may not list: %d", resp.StatusCode)
	}
	// Who may list users but not roles is offered the users only.
	uc := newConsoleClient(t, inst.URL)
	uc.mustSignIn(inst.Account, "usersonly", consolePassword)
	_, body = uc.get("/console/simulator")
	if opts, tied := pickerOptions(body); !tied || len(opts) != 4 || opts[roleARN] != "" || opts[groupARN] != "" || opts[acct+"user/admin"] != "User admin" {
		t.Fatalf("a user who may list users only: tied %v, %v", tied, opts)
	}
	// Who may list groups only is offered the group; simulating it is
	// decided on the group's ARN, which that user may not simulate.
	gc := newConsoleClient(t, inst.URL)
	gc.mustSignIn(inst.Account, "groupsonly", consolePassword)
	_, body = gc.get("/console/simulator")
	if opts, tied := pickerOptions(body); !tied || len(opts) != 1 || opts[groupARN] != "Group ops" {
		t.Fatalf("a user who may list groups only: tied %v, %v", tied, opts)
	}
	resp, body = gc.post("/console/simulator", url.Values{"principal": {groupARN}, "actions": {"sqs:SendMessage"}, "resources": {"*"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDenied") ||
		!strings.Contains(body, "is not authorized to perform: iam:SimulatePrincipalPolicy on resource: "+groupARN) || strings.Contains(body, `class="decision"`) {
		t.Fatalf("a group simulated by who may simulate users only: %d\n%s", resp.StatusCode, body)
	}
}
