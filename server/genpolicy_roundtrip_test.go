package server_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/analysis/genpolicy"
	"github.com/iamd/iamd/server"
)

// TestAuditReadsAndAuthorizations: with AuditReads an allowed read is
// recorded, and a call decided by two checks lists both.
func TestAuditReadsAndAuthorizations(t *testing.T) {
	for _, reads := range []bool{false, true} {
		log := &syncBuffer{}
		s := testServerWith(t, func(o *server.Options) { o.AuditLog = log; o.AuditReads = reads })
		root := iamClient(s, rootKey, rootSecret)
		// The root user is not authorized by policies: a user is.
		u, _, _ := newUser(t, s, root, "admin")
		must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("all"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)}))
		log.reset()
		root = u
		must[*iam.ListUsersOutput](t)(root.ListUsers(ctx, &iam.ListUsersInput{}))
		must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(genTrustAccount)}))
		must[*iam.CreateInstanceProfileOutput](t)(root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")}))
		must[*iam.AddRoleToInstanceProfileOutput](t)(root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")}))
		events := log.events(t)
		var names []string
		for _, ev := range events {
			names = append(names, ev.EventName)
		}
		want := []string{"CreateRole", "CreateInstanceProfile", "AddRoleToInstanceProfile"}
		if reads {
			want = append([]string{"ListUsers"}, want...)
		}
		if !reflect.DeepEqual(names, want) {
			t.Fatalf("reads=%v: audited %v, want %v", reads, names, want)
		}
		add := events[len(events)-1]
		wantAuth := []server.AuditAuthorization{
			{Action: "iam:AddRoleToInstanceProfile", Resource: "arn:aws:iam::123456789012:instance-profile/p", ResourceAccount: testAccount, Decision: "allowed"},
			{Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/r", ResourceAccount: testAccount, Decision: "allowed"},
		}
		if !reflect.DeepEqual(add.Authorizations, wantAuth) || add.Decision != "allowed" || len(add.Resources) != 1 || add.Resources[0].ARN != wantAuth[0].Resource {
			t.Fatalf("AddRoleToInstanceProfile record %+v", add)
		}
	}
}

const genTrustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// workload is what the application does: IAM and STS calls, each returning
// its error. The same list is replayed by the fresh principal.
func workload(c *iam.Client, st *sts.Client) []struct {
	name string
	do   func() error
} {
	return []struct {
		name string
		do   func() error
	}{
		{"CreateUser with tags", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
			return err
		}},
		{"GetUser", func() error { _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); return err }},
		{"ListUsers", func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{}); return err }},
		{"CreateRole", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), Path: aws.String("/app/"), AssumeRolePolicyDocument: aws.String(genTrustAccount)})
			return err
		}},
		{"CreateInstanceProfile", func() error {
			_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("worker-profile")})
			return err
		}},
		{"AddRoleToInstanceProfile (and iam:PassRole)", func() error {
			_, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("worker-profile"), RoleName: aws.String("worker")})
			return err
		}},
		{"AssumeRole", func() error {
			_, err := st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/app/worker"), RoleSessionName: aws.String("replay")})
			return err
		}},
		{"GetCallerIdentity (needs no permission)", func() error { _, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); return err }},
	}
}

// TestGeneratePolicyRoundTrip: a user with broad policies runs a workload
// (and one call its policies deny); the policy generated from the audit
// log, attached to a fresh user, allows the same workload under
// enforcement, and denies what the first user did not do.
func TestGeneratePolicyRoundTrip(t *testing.T) {
	log := &syncBuffer{}
	s := testServerWith(t, func(o *server.Options) { o.AuditLog = log; o.AuditReads = true })
	root := iamClient(s, rootKey, rootSecret)
	app, appKey, appSecret := newUser(t, s, root, "app")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("app"), PolicyName: aws.String("broad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"},
			{"Effect":"Deny","Action":"iam:GetRole","Resource":"arn:aws:iam::123456789012:role/app/worker"}]}`)}))
	for _, step := range workload(app, stsClient(s, appKey, appSecret, "")) {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	// The application also tried a call its policy denies: it needs it.
	_, err := app.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker")})
	wantCode(t, err, "AccessDenied")

	// A service call through the gateway, as its record reads (the
	// gateway's own tests write these for real).
	gw, _ := json.Marshal(map[string]any{"eventVersion": "1.08", "eventTime": "2026-03-01T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
		"userIdentity": map[string]string{"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/app", "accountId": testAccount},
		"resources":    []map[string]string{{"ARN": "arn:aws:s3:::data/report.csv"}}, "decision": "allowed",
		"authorizations": []map[string]string{{"action": "s3:GetObject", "resource": "arn:aws:s3:::data/report.csv", "decision": "allowed"}}})
	logText := log.text() + string(gw) + "\n" + "this line is not a record\n"

	recs, skipped, err := genpolicy.ReadRecords(strings.NewReader(logText))
	if err != nil || skipped != 1 {
		t.Fatalf("read: %v, %d skipped", err, skipped)
	}
	p, _ := genpolicy.ParsePrincipal("arn:aws:iam::123456789012:user/app")
	res, err := genpolicy.Generate(recs, genpolicy.Options{Principal: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Denied) != 1 || res.Denied[0].Action != "iam:GetRole" || res.Denied[0].Resource != "arn:aws:iam::123456789012:role/app/worker" {
		t.Fatalf("denied %+v", res.Denied)
	}
	for _, want := range []string{`"iam:PassRole"`, `"iam:TagUser"`, `"sts:AssumeRole"`, `"arn:aws:s3:::data/report.csv"`, `"arn:aws:iam::123456789012:role/app/worker"`} {
		if !bytes.Contains(res.Policy, []byte(want)) {
			t.Errorf("the policy lacks %s:\n%s", want, res.Policy)
		}
	}
	if bytes.Contains(res.Policy, []byte("sts:GetCallerIdentity")) || bytes.Contains(res.Policy, []byte(`"iam:*"`)) {
		t.Errorf("the policy grants what needed no grant:\n%s", res.Policy)
	}

	// Undo the workload, so that the replay makes the very same calls.
	must[*iam.RemoveRoleFromInstanceProfileOutput](t)(root.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("worker-profile"), RoleName: aws.String("worker")}))
	must[*iam.DeleteInstanceProfileOutput](t)(root.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("worker-profile")}))
	must[*iam.DeleteRoleOutput](t)(root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("worker")}))
	must[*iam.DeleteUserOutput](t)(root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}))

	// A fresh user with only the generated policy, as a managed policy
	// (the server applies its own validation and size quota).
	fresh, freshKey, freshSecret := newUser(t, s, root, "fresh")
	pol := must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("generated"), PolicyDocument: aws.String(string(res.Policy))}))
	must[*iam.AttachUserPolicyOutput](t)(root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("fresh"), PolicyArn: pol.Policy.Arn}))
	before := len(log.events(t))
	for _, step := range workload(fresh, stsClient(s, freshKey, freshSecret, "")) {
		if err := step.do(); err != nil {
			t.Errorf("replay %s: %v", step.name, err)
		}
	}
	_, err = fresh.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker")})
	if err != nil {
		t.Errorf("replay of the denied GetRole: %v", err)
	}
	// The replay's own log gives the same needs, none denied.
	replayed, _, _ := genpolicy.ReadRecords(strings.NewReader(log.text()))
	fp, _ := genpolicy.ParsePrincipal("arn:aws:iam::123456789012:user/fresh")
	again, _, _ := genpolicy.Observed(replayed[before:], genpolicy.Options{Principal: fp})
	var wantCalls []genpolicy.Call
	for _, c := range res.Calls {
		if !strings.HasPrefix(c.Action, "s3:") {
			wantCalls = append(wantCalls, c)
		}
	}
	if !reflect.DeepEqual(again, wantCalls) {
		t.Errorf("replayed needs %+v\nwant %+v", again, wantCalls)
	}
	for _, ev := range log.events(t)[before:] {
		if ev.ErrorCode != "" {
			t.Errorf("replay record %s: %s", ev.EventName, ev.ErrorCode)
		}
	}

	// Nothing else the first user did not do.
	denied := []struct {
		name string
		do   func() error
	}{
		{"ListGroups", func() error { _, err := fresh.ListGroups(ctx, &iam.ListGroupsInput{}); return err }},
		{"GetUser of another user", func() error { _, err := fresh.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("app")}); return err }},
		{"CreateUser of another name", func() error {
			_, err := fresh.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
			return err
		}},
		{"DeleteUser of the user it created", func() error {
			_, err := fresh.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
			return err
		}},
		{"DeleteRole", func() error {
			_, err := fresh.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("worker")})
			return err
		}},
		{"ListUsers under a path", func() error {
			_, err := fresh.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/team/")})
			return err
		}},
	}
	for _, d := range denied {
		if err := d.do(); apiCode(err) != "AccessDenied" {
			t.Errorf("%s: %v, want AccessDenied", d.name, err)
		}
	}
	// The gateway-shaped call, decided by the same engine.
	for _, c := range []struct {
		action, resource, want string
	}{
		{"s3:GetObject", "arn:aws:s3:::data/report.csv", "allowed"},
		{"s3:GetObject", "arn:aws:s3:::data/other.csv", "implicitDeny"},
		{"s3:PutObject", "arn:aws:s3:::data/report.csv", "implicitDeny"},
	} {
		status, out, raw := askAuthorize(t, s, rootKey, rootSecret, map[string]any{"principal": "arn:aws:iam::123456789012:user/fresh", "action": c.action, "resource": c.resource})
		if status != 200 || out.Decision != c.want {
			t.Errorf("%s on %s: %d %+v, want %s", c.action, c.resource, status, raw, c.want)
		}
	}
}

func (s *syncBuffer) reset() {
	s.settle()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func (s *syncBuffer) text() string {
	s.settle()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
