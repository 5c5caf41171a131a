package authz_test

import (
	"context"
	"errors"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// TestDeciderDecisions runs requests of users, role sessions, federated
// users and the root user through Authorize, which is what the Guard
// calls, and checks the decision and AWS's AccessDenied message.
func TestDeciderDecisions(t *testing.T) {
	f := newFixture(t)
	ctx := f.root

	alice := f.user("alice",
		allow("s3:GetObject", "arn:aws:s3:::bucket/*"),
		deny("s3:GetObject", "arn:aws:s3:::bucket/secret"))
	// Group policies, inline and managed, reach the group's members.
	_, err := f.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "readers"})
	f.must(err)
	f.must(f.svc.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "readers", PolicyName: "queue", PolicyDocument: allow("sqs:ReceiveMessage", "*")}))
	f.must(f.svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "readers", PolicyArn: f.managed("publish", allow("sns:Publish", "*"))}))
	f.must(f.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "readers", UserName: "alice"}))
	// A managed policy attached to the user.
	f.must(f.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: f.managed("tables", allow("dynamodb:GetItem", "*"))}))

	bounded := f.user("bounded", allow("s3:*", "*"))
	f.must(f.svc.PutUserPermissionsBoundary(ctx, &iamapi.PutUserPermissionsBoundaryInput{UserName: "bounded", PermissionsBoundary: f.managed("boundary", allow("s3:GetObject", "*"))}))
	nobody := f.user("nobody")

	app := f.role("app", trustAccount, allow("dynamodb:*", "*"), allow("s3:GetObject", "*"))
	plain := session(app, "plain", nil)
	narrowed := session(app, "narrowed", func(s *iam.Session) { s.Policy = allow("dynamodb:GetItem", "*") })
	byARN := session(app, "by-arn", func(s *iam.Session) {
		s.PolicyARNs = []string{"arn:aws:iam::" + account + ":policy/tables"}
	})
	denySession := session(app, "deny", func(s *iam.Session) {
		s.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}]}`
	})
	tagged := f.role("tagged", trustAccount, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}/*"}]}`)
	f.must(f.svc.TagRole(ctx, &iamapi.TagRoleInput{RoleName: "tagged", Tags: []iamapi.Tag{{Key: "team", Value: "red"}}}))
	redSession := session(tagged, "s", nil)
	blueSession := session(tagged, "s", func(s *iam.Session) { s.Tags = map[string]string{"team": "blue"} }) // session tags win

	fed := &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":federated-user/fed", UserID: account + ":fed",
		Session: &iam.Session{Type: iam.SessionFederatedUser, Account: account, UserName: "alice", UserID: alice.UserID, FederatedName: "fed",
			Policy: allow("s3:GetObject", "*")}}
	fedNoPolicy := &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":federated-user/fed2", UserID: account + ":fed2",
		Session: &iam.Session{Type: iam.SessionFederatedUser, Account: account, UserName: "alice", UserID: alice.UserID, FederatedName: "fed2"}}
	rootFed := &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":federated-user/ops", UserID: account + ":ops",
		Session: &iam.Session{Type: iam.SessionFederatedUser, Account: account, FederatedName: "ops", Policy: allow("s3:GetObject", "*")}}
	rootFedNoPolicy := &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":federated-user/ops2", UserID: account + ":ops2",
		Session: &iam.Session{Type: iam.SessionFederatedUser, Account: account, FederatedName: "ops2"}}
	aliceToken := &iam.Caller{Account: account, Partition: "aws", ARN: alice.ARN, UserName: "alice", UserID: alice.UserID,
		Session: &iam.Session{Type: iam.SessionToken, Account: account, UserName: "alice", UserID: alice.UserID}}
	root := rootCaller(account)

	const (
		obj    = "arn:aws:s3:::bucket/key"
		secret = "arn:aws:s3:::bucket/secret"
	)
	notAuthorized := func(c *iam.Caller, action, resource, why string) string {
		return "User: " + c.ARN + " is not authorized to perform: " + action + " on resource: " + resource + why
	}
	for _, tc := range []struct {
		name             string
		caller           *iam.Caller
		action, resource string
		why              string // "" means allowed
	}{
		{"inline allow", alice, "s3:GetObject", obj, ""},
		{"explicit deny beats allow", alice, "s3:GetObject", secret, " with an explicit deny in an identity-based policy"},
		{"not granted", alice, "s3:PutObject", obj, " because no identity-based policy allows the s3:PutObject action"},
		{"group inline policy", alice, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:q", ""},
		{"group managed policy", alice, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", ""},
		{"user managed policy", alice, "dynamodb:GetItem", "*", ""},
		{"user without policies", nobody, "s3:GetObject", obj, " because no identity-based policy allows the s3:GetObject action"},
		{"boundary allows", bounded, "s3:GetObject", obj, ""},
		{"boundary refuses", bounded, "s3:PutObject", obj, " because no permissions boundary allows the s3:PutObject action"},
		{"role session: role policy", plain, "dynamodb:DeleteTable", "*", ""},
		{"role session: not in role policy", plain, "s3:PutObject", obj, " because no identity-based policy allows the s3:PutObject action"},
		{"session policy allows", narrowed, "dynamodb:GetItem", "*", ""},
		{"session policy refuses", narrowed, "dynamodb:DeleteTable", "*", " because no session policy allows the dynamodb:DeleteTable action"},
		{"session policy cannot widen", narrowed, "iam:ListUsers", "*", " because no identity-based policy allows the iam:ListUsers action"},
		{"managed session policy allows", byARN, "dynamodb:GetItem", "*", ""},
		{"managed session policy refuses", byARN, "dynamodb:PutItem", "*", " because no session policy allows the dynamodb:PutItem action"},
		{"session policy deny", denySession, "dynamodb:DeleteTable", "*", " with an explicit deny in a session policy"},
		{"role tag in resource", redSession, "s3:GetObject", "arn:aws:s3:::red/x", ""},
		{"role tag elsewhere", redSession, "s3:GetObject", "arn:aws:s3:::blue/x", " because no identity-based policy allows the s3:GetObject action"},
		{"session tag overrides role tag", blueSession, "s3:GetObject", "arn:aws:s3:::blue/x", ""},
		{"session tag overrides role tag (old value)", blueSession, "s3:GetObject", "arn:aws:s3:::red/x", " because no identity-based policy allows the s3:GetObject action"},
		{"federated user: both allow", fed, "s3:GetObject", obj, ""},
		{"federated user: user's deny", fed, "s3:GetObject", secret, " with an explicit deny in an identity-based policy"},
		{"federated user: session policy refuses", fed, "sqs:ReceiveMessage", "*", " because no session policy allows the sqs:ReceiveMessage action"},
		{"federated user without session policy", fedNoPolicy, "s3:GetObject", obj, " because no session policy allows the s3:GetObject action"},
		// GetFederationToken of the root user: the session policy limits
		// the root user's permissions.
		{"root's federated user: session policy allows", rootFed, "s3:GetObject", obj, ""},
		{"root's federated user: session policy refuses", rootFed, "s3:PutObject", obj, " because no session policy allows the s3:PutObject action"},
		{"root's federated user without session policy", rootFedNoPolicy, "s3:GetObject", obj, " because no session policy allows the s3:GetObject action"},
		{"session token: the user's permissions", aliceToken, "sns:Publish", "*", ""},
		{"session token: the user's deny", aliceToken, "s3:GetObject", secret, " with an explicit deny in an identity-based policy"},
		{"root", root, "iam:DeleteAccountPasswordPolicy", "*", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: tc.caller, Action: tc.action, Resource: tc.resource, ResourceAccount: account})
			code, msg := awsCode(err)
			if tc.why == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if want := notAuthorized(tc.caller, tc.action, tc.resource, tc.why); code != "AccessDenied" || msg != want {
				t.Fatalf("got %s: %q\nwant AccessDenied: %q", code, msg, want)
			}
		})
	}
}

// The decision the message names is the decision made: a Denial carries it.
func TestAuthorizeDenialCarriesTheDecision(t *testing.T) {
	f := newFixture(t)
	alice := f.user("alice", allow("s3:*", "*"), deny("s3:DeleteBucket", "*"))
	for action, want := range map[string]policy.Decision{"s3:DeleteBucket": policy.ExplicitDeny, "sqs:SendMessage": policy.ImplicitDeny} {
		err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: alice, Action: action, Resource: "*", ResourceAccount: account})
		var den *authz.Denial
		if !errors.As(err, &den) {
			t.Fatalf("%s: %T %v", action, err, err)
		}
		if den.Decision != want {
			t.Errorf("%s: decision %v, want %v", action, den.Decision, want)
		}
		if code, _ := awsCode(den.Unwrap()); code != "AccessDenied" || den.Error() != den.AWS.Error() {
			t.Errorf("%s: unwraps to %s", action, code)
		}
	}
}

// Global condition keys come from the caller: MFA, the source IP, the
// session's source identity, the request's region, the principal's ARN.
func TestDecideGlobalKeys(t *testing.T) {
	f := newFixture(t)
	cond := func(op, key, value string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"` + op + `":{"` + key + `":"` + value + `"}}}]}`
	}
	r := f.role("keys", trustAccount,
		cond("Bool", "aws:MultiFactorAuthPresent", "true"))
	mfa := session(r, "mfa", func(s *iam.Session) { s.MFA = true })
	noMFA := session(r, "nomfa", nil)
	ip := f.role("ip", trustAccount, cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))
	inside, outside := session(ip, "a", nil), session(ip, "b", nil)
	inside.SourceIP, outside.SourceIP = "10.1.2.3", "192.0.2.1"
	si := f.role("si", trustAccount, cond("StringEquals", "aws:SourceIdentity", "alice@example.com"))
	withSI := session(si, "a", func(s *iam.Session) { s.SourceIdentity = "alice@example.com" })
	otherSI := session(si, "b", func(s *iam.Session) { s.SourceIdentity = "mallory" })
	region := f.role("region", trustAccount, cond("StringEquals", "aws:RequestedRegion", "eu-west-1"))
	eu, us := session(region, "a", nil), session(region, "b", nil)
	eu.Region, us.Region = "eu-west-1", "us-east-1"
	pa := f.role("pa", trustAccount, cond("ArnLike", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/pa"))
	paSession := session(pa, "x", nil)

	for _, tc := range []struct {
		name   string
		caller *iam.Caller
		want   policy.Decision
	}{
		{"mfa present", mfa, policy.Allowed}, {"mfa absent", noMFA, policy.ImplicitDeny},
		{"ip inside", inside, policy.Allowed}, {"ip outside", outside, policy.ImplicitDeny},
		{"source identity", withSI, policy.Allowed}, {"other source identity", otherSI, policy.ImplicitDeny},
		{"region", eu, policy.Allowed}, {"other region", us, policy.ImplicitDeny},
		{"principal ARN of a session is the role's", paSession, policy.Allowed},
	} {
		e, err := f.decide(tc.caller, "s3:GetObject", "*", "", "")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if e.Decision != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, e.Decision, tc.want)
		}
	}
}

// A resource-based policy: in the same account it suffices for a user;
// an explicit deny in it refuses even the root user.
func TestDecideResourcePolicy(t *testing.T) {
	f := newFixture(t)
	nobody := f.user("nobody")
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + nobody.ARN + `"},"Action":"s3:GetObject","Resource":"*"}]}`
	e, err := f.decide(nobody, "s3:GetObject", "arn:aws:s3:::b/k", "", grant)
	if err != nil || e.Decision != policy.Allowed {
		t.Fatalf("same-account resource grant: %+v %v", e, err)
	}
	denyRoot := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}]}`
	root := rootCaller(account)
	e, err = f.decide(root, "s3:DeleteBucket", "arn:aws:s3:::b", "", denyRoot)
	if err != nil || e.Decision != policy.ExplicitDeny {
		t.Fatalf("resource deny of root: %+v %v", e, err)
	}
	d := authz.AccessDenied(root, "s3:DeleteBucket", "arn:aws:s3:::b", e).AWS.Message
	if want := "User: arn:aws:iam::123456789012:root is not authorized to perform: s3:DeleteBucket on resource: arn:aws:s3:::b with an explicit deny in a resource-based policy"; d != want {
		t.Errorf("message %q\nwant %q", d, want)
	}
}

// A session of a deleted role, or of a role deleted and created again
// with its name (a new role id), is refused as AWS refuses its token; so
// is a user's session token once the user is re-created.
func TestDecideDeletedPrincipals(t *testing.T) {
	f := newFixture(t)
	r := f.role("gone", trustAccount, allow("*", "*"))
	s := session(r, "s", nil)
	if e, err := f.decide(s, "s3:GetObject", "*", "", ""); err != nil || e.Decision != policy.Allowed {
		t.Fatalf("before: %+v %v", e, err)
	}
	f.must(f.svc.DeleteRolePolicy(f.root, &iamapi.DeleteRolePolicyInput{RoleName: "gone", PolicyName: "gone-a"}))
	f.must(f.svc.DeleteRole(f.root, &iamapi.DeleteRoleInput{RoleName: "gone"}))
	invalid := "The security token included in the request is invalid."
	if _, err := f.decide(s, "s3:GetObject", "*", "", ""); !isCode(err, "InvalidClientTokenId", invalid) {
		t.Fatalf("deleted role: %v", err)
	}
	f.role("gone", trustAccount, allow("*", "*"))
	if _, err := f.decide(s, "s3:GetObject", "*", "", ""); !isCode(err, "InvalidClientTokenId", invalid) {
		t.Fatalf("re-created role: %v", err)
	}

	u := f.user("bob", allow("*", "*"))
	tok := &iam.Caller{Account: account, Partition: "aws", ARN: u.ARN, UserName: "bob", UserID: u.UserID,
		Session: &iam.Session{Type: iam.SessionToken, Account: account, UserName: "bob", UserID: u.UserID}}
	f.must(f.svc.DeleteUserPolicy(f.root, &iamapi.DeleteUserPolicyInput{UserName: "bob", PolicyName: "bob-a"}))
	f.must(f.svc.DeleteUser(f.root, &iamapi.DeleteUserInput{UserName: "bob"}))
	if _, err := f.decide(tok, "s3:GetObject", "*", "", ""); !isCode(err, "InvalidClientTokenId", invalid) {
		t.Fatalf("deleted user: %v", err)
	}
	f.user("bob", allow("*", "*"))
	if _, err := f.decide(tok, "s3:GetObject", "*", "", ""); !isCode(err, "InvalidClientTokenId", invalid) {
		t.Fatalf("re-created user's old token: %v", err)
	}
	fed := &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":federated-user/f",
		Session: &iam.Session{Type: iam.SessionFederatedUser, Account: account, UserName: "bob", UserID: u.UserID, FederatedName: "f", Policy: allow("*", "*")}}
	if _, err := f.decide(fed, "s3:GetObject", "*", "", ""); !isCode(err, "InvalidClientTokenId", invalid) {
		t.Fatalf("re-created user's federated session: %v", err)
	}
	// An unknown session type is a server fault, not an allow.
	odd := session(r, "s", func(s *iam.Session) { s.Type = "Odd" })
	if _, err := f.decide(odd, "s3:GetObject", "*", "", ""); !isCode(err, "ServiceFailure", "") {
		t.Fatalf("unknown session type: %v", err)
	}
}

func isCode(err error, code, msg string) bool {
	c, m := awsCode(err)
	return c == code && (msg == "" || m == msg)
}

// Entity answers the directory's lookups from the view.
func TestDeciderEntity(t *testing.T) {
	f := newFixture(t)
	u := f.user("dir")
	f.must(f.svc.TagUser(f.root, &iamapi.TagUserInput{UserName: "dir", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}}))
	p, err := f.decider.Entity(context.Background(), account, "user", "DIR")
	if err != nil || p.ID != u.UserID || p.Name != "dir" || len(p.Tags) != 1 || p.Tags[0].Value != "v" {
		t.Fatalf("Entity: %+v %v", p, err)
	}
	if _, err := f.decider.Entity(context.Background(), account, "user", "nope"); err == nil {
		t.Fatal("unknown user found")
	}
}
