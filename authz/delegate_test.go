package authz_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// TestDecideDelegated: decisions another service asks for, across
// accounts too: the resource's account must grant through the resource
// policy, and the caller's own account through its identity policies.
func TestDecideDelegated(t *testing.T) {
	f := newFixture(t)
	reader := f.user("reader", allow("s3:GetObject", "*"))
	nobody := f.user("nobody")
	grantReader := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + reader.ARN + `"},"Action":"s3:GetObject","Resource":"*"}]}`
	grantNobody := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + nobody.ARN + `"},"Action":"s3:GetObject","Resource":"*"}]}`
	grantAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"*"}]}`
	denyAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	const obj = "arn:aws:s3:::their-bucket/key"
	for _, tc := range []struct {
		name            string
		caller          *iam.Caller
		resourceAccount string
		resourcePolicy  string
		want            policy.Decision
	}{
		{"same account, identity only", reader, "", "", policy.Allowed},
		{"same account, resource policy only", nobody, "", grantNobody, policy.Allowed},
		{"same account, neither", nobody, "", "", policy.ImplicitDeny},
		{"cross account, both grant", reader, other, grantReader, policy.Allowed},
		{"cross account, resource grants the account", reader, other, grantAccount, policy.Allowed},
		{"cross account, no resource policy", reader, other, "", policy.ImplicitDeny},
		{"cross account, identity does not grant", nobody, other, grantNobody, policy.ImplicitDeny},
		{"cross account, resource denies", reader, other, denyAll, policy.ExplicitDeny},
	} {
		e, err := f.decider.DecideDelegated(context.Background(), &authz.Delegated{Caller: tc.caller, Action: "s3:GetObject", Resource: obj,
			ResourceAccount: tc.resourceAccount, ResourcePolicy: tc.resourcePolicy})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if e.Decision != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.name, e.Decision, tc.want, e)
		}
	}

	// The request's context keys reach the conditions.
	cond := f.user("cond", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}]}`)
	for prefix, want := range map[string]policy.Decision{"home/": policy.Allowed, "etc/": policy.ImplicitDeny} {
		e, err := f.decider.DecideDelegated(context.Background(), &authz.Delegated{Caller: cond, Action: "s3:GetObject", Resource: obj,
			Context: map[string][]string{"s3:prefix": {prefix}}})
		if err != nil || e.Decision != want {
			t.Errorf("prefix %s: %+v %v, want %v", prefix, e, err, want)
		}
	}
}

func TestDecideDelegatedValidation(t *testing.T) {
	f := newFixture(t)
	c := f.user("u")
	for _, tc := range []struct {
		name string
		in   authz.Delegated
		code string
		msg  string
	}{
		{"no action", authz.Delegated{Caller: c, Resource: "*"}, "ValidationError", "Action must be service:Action, e.g. s3:GetObject."},
		{"action without service", authz.Delegated{Caller: c, Action: "GetObject", Resource: "*"}, "ValidationError", "Action must be service:Action, e.g. s3:GetObject."},
		{"no resource", authz.Delegated{Caller: c, Action: "s3:GetObject"}, "ValidationError", "Resource is required (an ARN, or * for actions on no resource)."},
		{"not JSON", authz.Delegated{Caller: c, Action: "s3:GetObject", Resource: "*", ResourcePolicy: "{"}, "MalformedPolicyDocument", ""},
		// A resource policy must name a principal.
		{"no principal", authz.Delegated{Caller: c, Action: "s3:GetObject", Resource: "*", ResourcePolicy: allow("s3:GetObject", "*")}, "MalformedPolicyDocument", ""},
	} {
		_, err := f.decider.DecideDelegated(context.Background(), &tc.in)
		code, msg := awsCode(err)
		if code != tc.code || (tc.msg != "" && msg != tc.msg) {
			t.Errorf("%s: %s %q, want %s %q", tc.name, code, msg, tc.code, tc.msg)
		}
		if tc.code == "MalformedPolicyDocument" && !strings.HasPrefix(msg, "ResourcePolicy: ") {
			t.Errorf("%s: message %q does not name ResourcePolicy", tc.name, msg)
		}
	}
}

// CallerFor turns a principal ARN into the caller it stands for.
func TestCallerFor(t *testing.T) {
	f := newFixture(t)
	u := f.user("carol")
	r := f.role("deploy", trustAccount, allow("s3:*", "*"))
	ctx := context.Background()
	for _, tc := range []struct {
		arn                 string
		wantARN, wantUserID string
		root                bool
		session             string
	}{
		{"arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root", account, true, ""},
		{"arn:aws:iam::123456789012:user/CAROL", u.ARN, u.UserID, false, ""},
		{"arn:aws:iam::123456789012:role/deploy", "arn:aws:sts::123456789012:assumed-role/deploy/iamd-authorize", r.ID + ":iamd-authorize", false, "iamd-authorize"},
		{"arn:aws:sts::123456789012:assumed-role/deploy/build-7", "arn:aws:sts::123456789012:assumed-role/deploy/build-7", r.ID + ":build-7", false, "build-7"},
	} {
		c, err := f.decider.CallerFor(ctx, tc.arn)
		if err != nil {
			t.Fatalf("%s: %v", tc.arn, err)
		}
		if c.ARN != tc.wantARN || c.UserID != tc.wantUserID || c.Root != tc.root || c.Account != account {
			t.Errorf("%s: %+v", tc.arn, c)
		}
		if tc.session != "" && (c.Session == nil || c.Session.RoleID != r.ID || c.Session.SessionName != tc.session || c.Session.Type != iam.SessionAssumedRole) {
			t.Errorf("%s: session %+v", tc.arn, c.Session)
		}
	}
	// The role's permissions decide for its sessions.
	c, err := f.decider.CallerFor(ctx, "arn:aws:iam::123456789012:role/deploy")
	f.must(err)
	if e, err := f.decider.DecideDelegated(ctx, &authz.Delegated{Caller: c, Action: "s3:PutObject", Resource: "*"}); err != nil || e.Decision != policy.Allowed {
		t.Errorf("role decision: %+v %v", e, err)
	}

	for arnText, code := range map[string]string{
		"not an arn":                                      "ValidationError",
		"arn:aws:s3:::bucket":                             "ValidationError",
		"arn:aws:iam::123456789012:group/admins":          "ValidationError",
		"arn:aws:iam::123456789012:user/nobody":           "NoSuchEntity",
		"arn:aws:iam::123456789012:role/nobody":           "NoSuchEntity",
		"arn:aws:sts::123456789012:assumed-role/deploy":   "NoSuchEntity",
		"arn:aws:sts::123456789012:assumed-role/nobody/s": "NoSuchEntity",
		"arn:aws:iam::999999999999:root":                  "NoSuchEntity",
		"arn:aws:iam::999999999999:user/carol":            "NoSuchEntity",
	} {
		_, err := f.decider.CallerFor(ctx, arnText)
		got, msg := awsCode(err)
		if got != code {
			t.Errorf("%s: %s %q, want %s", arnText, got, msg, code)
		}
		if code == "NoSuchEntity" && msg != "The principal "+arnText+" does not exist." {
			t.Errorf("%s: message %q", arnText, msg)
		}
	}
}
