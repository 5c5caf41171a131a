package sts_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

func trustPolicy(principal string, actions string, condition string) string {
	c := ""
	if condition != "" {
		c = `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":` + actions + c + `}]}`
}

const accountRoot = "arn:aws:iam::123456789012:root"

// TestAssumeRoleTrust: the trust policy and the caller's own policies
// decide; the credentials issued are a session of the role.
func TestAssumeRoleTrust(t *testing.T) {
	f := newFixture(t)
	canAssume := allow("sts:AssumeRole", "*")
	trusted := f.role("trusts-account", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	ctx, alice := f.user("alice", canAssume)
	noPermCtx, bob := f.user("bob")
	namesBob := f.role("names-bob", trustPolicy(bob.ARN, `"sts:AssumeRole"`, ""), 0)
	otherAccount := f.role("trusts-other", trustPolicy("arn:aws:iam::210987654321:root", `"sts:AssumeRole"`, ""), 0)
	denies := f.role("denies-alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+accountRoot+`"},"Action":"sts:AssumeRole"},`+
		`{"Effect":"Deny","Principal":{"AWS":"`+alice.ARN+`"},"Action":"sts:AssumeRole"}]}`, 0)

	out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: trusted, RoleSessionName: "build-1"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := f.svc.LookupRole(ctx, account, "trusts-account")
	f.must(err)
	if out.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/trusts-account/build-1" || out.AssumedRoleUser.AssumedRoleId != role.ID+":build-1" {
		t.Errorf("assumed role user %+v", out.AssumedRoleUser)
	}
	cr := out.Credentials
	if len(cr.AccessKeyId) != 20 || cr.AccessKeyId[:4] != "ASIA" || cr.SecretAccessKey == "" || !cr.Expiration.Equal(f.clock().Add(time.Hour)) || out.PackedPolicySize != nil {
		t.Errorf("credentials %+v, packed %v", cr, out.PackedPolicySize)
	}
	s := f.open(cr.AccessKeyId, cr.SessionToken)
	if s.Type != iam.SessionAssumedRole || s.RoleID != role.ID || s.RoleName != "trusts-account" || s.SessionName != "build-1" || s.Chained || s.Secret != cr.SecretAccessKey || s.Account != account {
		t.Errorf("session %+v", s)
	}

	msg := func(c *iam.Caller, roleARN, why string) string {
		return "User: " + c.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN + why
	}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		roleARN string
		code    string
		msg     string
	}{
		{"trust names the user: no identity permission needed", noPermCtx, namesBob, "", ""},
		// As AWS, an implicit deny does not say which side refused.
		{"trust names the account: identity permission needed", noPermCtx, trusted, "AccessDenied", msg(bob, trusted, "")},
		{"trust names another account", ctx, otherAccount, "AccessDenied", msg(alice, otherAccount, "")},
		{"trust denies the user", ctx, denies, "AccessDenied", msg(alice, denies, " with an explicit deny in a resource-based policy")},
		{"no such role", ctx, "arn:aws:iam::123456789012:role/nope", "AccessDenied", msg(alice, "arn:aws:iam::123456789012:role/nope", "")},
		{"role name in another case", ctx, "arn:aws:iam::123456789012:role/TRUSTS-ACCOUNT", "AccessDenied", msg(alice, "arn:aws:iam::123456789012:role/TRUSTS-ACCOUNT", "")},
		{"not a role ARN", ctx, "arn:aws:iam::123456789012:user/alice", "ValidationError", "arn:aws:iam::123456789012:user/alice is not a valid role ARN."},
		// No ARN at all: AWS's recorded words.
		{"no ARN", ctx, "nothing-valid-in-here", "ValidationError", "nothing-valid-in-here is invalid"},
		{"ARN without a resource", ctx, "arn:a:a::aaaaaaaaaa:", "ValidationError", "arn:a:a::aaaaaaaaaa: is invalid"},
		{"root user", f.root, trusted, "AccessDenied", "Roles may not be assumed by root accounts."},
		{"no caller", context.Background(), trusted, "MissingAuthenticationToken", "Request is missing Authentication Token"},
	} {
		_, err := f.sts.AssumeRole(tc.ctx, &stsapi.AssumeRoleInput{RoleArn: tc.roleARN, RoleSessionName: "s"})
		if code, m := awsCode(err); code != tc.code || m != tc.msg {
			t.Errorf("%s: %s %q\nwant %s %q", tc.name, code, m, tc.code, tc.msg)
		}
	}
}

// ExternalId, MFA and the session name reach the trust policy's
// conditions.
func TestAssumeRoleConditions(t *testing.T) {
	f := newFixture(t)
	ctx, _ := f.user("alice", allow("sts:AssumeRole", "*"))
	ext := f.role("ext", trustPolicy(accountRoot, `"sts:AssumeRole"`, `{"StringEquals":{"sts:ExternalId":"s3cr3t"}}`), 0)
	named := f.role("named", trustPolicy(accountRoot, `"sts:AssumeRole"`, `{"StringLike":{"sts:RoleSessionName":"ci-*"}}`), 0)
	mfaRole := f.role("mfa", trustPolicy(accountRoot, `"sts:AssumeRole"`, `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`), 0)
	for _, tc := range []struct {
		name string
		in   stsapi.AssumeRoleInput
		ok   bool
	}{
		{"external id", stsapi.AssumeRoleInput{RoleArn: ext, RoleSessionName: "s", ExternalId: ptr("s3cr3t")}, true},
		{"wrong external id", stsapi.AssumeRoleInput{RoleArn: ext, RoleSessionName: "s", ExternalId: ptr("guess")}, false},
		{"no external id", stsapi.AssumeRoleInput{RoleArn: ext, RoleSessionName: "s"}, false},
		{"session name matches", stsapi.AssumeRoleInput{RoleArn: named, RoleSessionName: "ci-42"}, true},
		{"session name does not", stsapi.AssumeRoleInput{RoleArn: named, RoleSessionName: "dev-42"}, false},
		{"no MFA", stsapi.AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s"}, false},
	} {
		_, err := f.sts.AssumeRole(ctx, &tc.in)
		if tc.ok && err != nil || !tc.ok && !is(err, "AccessDenied", "") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	// With MFA: the code is checked, consumed, and the session records it.
	serial, code := f.mfa("alice")
	out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s", SerialNumber: &serial, TokenCode: ptr(code())})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.open(out.Credentials.AccessKeyId, out.Credentials.SessionToken); !s.MFA || !s.MFAAuthTime.Equal(f.clock()) {
		t.Errorf("session MFA %v at %v", s.MFA, s.MFAAuthTime)
	}
	// The same code again is refused (no replay), as is a wrong one.
	for name, c := range map[string]string{"replayed": code(), "wrong": "000000"} {
		if c == "000000" && code() == "000000" {
			continue
		}
		_, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s", SerialNumber: &serial, TokenCode: &c})
		if !is(err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.") {
			t.Errorf("%s code: %v", name, err)
		}
	}
	if _, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s", SerialNumber: &serial}); !is(err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.") {
		t.Errorf("serial without code: %v", err)
	}
}

// TestAssumeRoleDuration: the role's MaxSessionDuration, and the hour a
// chained session may last at most.
func TestAssumeRoleDuration(t *testing.T) {
	f := newFixture(t)
	ctx, _ := f.user("alice", allow("sts:AssumeRole", "*"))
	short := f.role("short", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	long := f.role("long", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 43200, allow("sts:AssumeRole", "*"))
	exceeds := "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	chainLimit := "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	for _, tc := range []struct {
		name     string
		roleARN  string
		duration *int32
		want     time.Duration
		msg      string
	}{
		{"default", short, nil, time.Hour, ""},
		{"the role's maximum", short, ptr(int32(3600)), time.Hour, ""},
		{"shorter", short, ptr(int32(900)), 15 * time.Minute, ""},
		{"beyond the role's maximum", short, ptr(int32(3601)), 0, exceeds},
		{"long role", long, ptr(int32(43200)), 12 * time.Hour, ""},
		{"beyond the long role's maximum", long, ptr(int32(43201)), 0, exceeds},
	} {
		out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: tc.roleARN, RoleSessionName: "s", DurationSeconds: tc.duration})
		if tc.msg != "" {
			if !is(err, "ValidationError", tc.msg) {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err != nil || !out.Credentials.Expiration.Equal(f.clock().Add(tc.want)) {
			t.Errorf("%s: %+v %v", tc.name, out, err)
		}
	}

	// Chaining: a session of long assumes long again.
	first, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: long, RoleSessionName: "first", DurationSeconds: ptr(int32(43200))})
	f.must(err)
	chained := f.as(first.Credentials.AccessKeyId, first.Credentials.SessionToken)
	if _, err := f.sts.AssumeRole(chained, &stsapi.AssumeRoleInput{RoleArn: long, RoleSessionName: "second", DurationSeconds: ptr(int32(3601))}); !is(err, "ValidationError", chainLimit) {
		t.Errorf("chained beyond an hour: %v", err)
	}
	second, err := f.sts.AssumeRole(chained, &stsapi.AssumeRoleInput{RoleArn: long, RoleSessionName: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.open(second.Credentials.AccessKeyId, second.Credentials.SessionToken); !s.Chained || !s.Expires.Equal(f.clock().Add(time.Hour)) {
		t.Errorf("chained session %+v", s)
	}
}

// TestAssumeRoleSessionTags: tags need sts:TagSession in the trust policy;
// transitive tags carry over a chain and cannot be set again.
func TestAssumeRoleSessionTags(t *testing.T) {
	f := newFixture(t)
	ctx, alice := f.user("alice", allow("sts:*", "*"))
	tagging := f.role("tagging", trustPolicy(accountRoot, `["sts:AssumeRole","sts:TagSession"]`, ""), 0, allow("sts:*", "*"),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}`)
	plain := f.role("plain", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	onlyRed := f.role("only-red", trustPolicy(accountRoot, `["sts:AssumeRole","sts:TagSession"]`, `{"StringEquals":{"aws:RequestTag/team":"red"}}`), 0)

	tags := []stsapi.Tag{{Key: "team", Value: "red"}, {Key: "cost", Value: "42"}}
	out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s", Tags: tags, TransitiveTagKeys: []string{"TEAM"}})
	if err != nil {
		t.Fatal(err)
	}
	s := f.open(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	if s.Tags["team"] != "red" || s.Tags["cost"] != "42" || !slices.Equal(s.TransitiveTagKeys, []string{"team"}) {
		t.Errorf("session tags %v transitive %v", s.Tags, s.TransitiveTagKeys)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize < 1 {
		t.Errorf("packed size %v", out.PackedPolicySize)
	}
	// The tags are the session's principal tags.
	e, err := f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: iamCaller(f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken)),
		Action: "s3:GetObject", Resource: "*", ResourceAccount: account}, nil)
	if err != nil || e.Decision != policy.Allowed {
		t.Errorf("the session's tag as principal tag: %+v %v", e, err)
	}

	chained := f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	next, err := f.sts.AssumeRole(chained, &stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s2", Tags: []stsapi.Tag{{Key: "stage", Value: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	s2 := f.open(next.Credentials.AccessKeyId, next.Credentials.SessionToken)
	if s2.Tags["team"] != "red" || s2.Tags["stage"] != "prod" || s2.Tags["cost"] != "" || !slices.Equal(s2.TransitiveTagKeys, []string{"team"}) {
		t.Errorf("chained tags %v transitive %v", s2.Tags, s2.TransitiveTagKeys)
	}

	for _, tc := range []struct {
		name string
		ctx  context.Context
		in   stsapi.AssumeRoleInput
		code string
		msg  string
	}{
		{"trust without sts:TagSession", ctx, stsapi.AssumeRoleInput{RoleArn: plain, RoleSessionName: "s", Tags: tags}, "AccessDenied",
			"User: " + alice.ARN + " is not authorized to perform: sts:TagSession on resource: " + plain},
		{"tag condition met", ctx, stsapi.AssumeRoleInput{RoleArn: onlyRed, RoleSessionName: "s", Tags: tags[:1]}, "", ""},
		{"tag condition not met", ctx, stsapi.AssumeRoleInput{RoleArn: onlyRed, RoleSessionName: "s", Tags: []stsapi.Tag{{Key: "team", Value: "blue"}}}, "AccessDenied", ""},
		{"transitive key not a tag", ctx, stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s", Tags: tags, TransitiveTagKeys: []string{"owner"}}, "InvalidParameterValue",
			"The specified transitive tag key must be included in the requested tags."},
		{"a key twice, in another case", ctx, stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s", Tags: []stsapi.Tag{{Key: "team", Value: "red"}, {Key: "Team", Value: "blue"}}}, "InvalidParameterValue",
			"Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"aws: prefix", ctx, stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s", Tags: []stsapi.Tag{{Key: "aws:team", Value: "x"}}}, "InvalidParameterValue",
			"Session tag keys cannot start with aws:."},
		{"transitive tag set again", chained, stsapi.AssumeRoleInput{RoleArn: tagging, RoleSessionName: "s", Tags: []stsapi.Tag{{Key: "Team", Value: "blue"}}}, "InvalidParameterValue",
			"One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."},
	} {
		_, err := f.sts.AssumeRole(tc.ctx, &tc.in)
		if code, m := awsCode(err); code != tc.code || tc.msg != "" && m != tc.msg {
			t.Errorf("%s: %s %q, want %s %q", tc.name, code, m, tc.code, tc.msg)
		}
	}
}

func iamCaller(ctx context.Context) *iam.Caller {
	c, _ := iam.CallerFrom(ctx)
	return c
}

// TestAssumeRoleSourceIdentity: setting it needs sts:SetSourceIdentity; a
// chain keeps it and cannot change it.
func TestAssumeRoleSourceIdentity(t *testing.T) {
	f := newFixture(t)
	ctx, alice := f.user("alice", allow("sts:*", "*"))
	sets := f.role("sets", trustPolicy(accountRoot, `["sts:AssumeRole","sts:SetSourceIdentity"]`, ""), 0, allow("sts:*", "*"))
	plain := f.role("plain", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	needs := f.role("needs", trustPolicy(accountRoot, `["sts:AssumeRole","sts:SetSourceIdentity"]`, `{"StringEquals":{"sts:SourceIdentity":"alice@example.com"}}`), 0)

	out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: sets, RoleSessionName: "s", SourceIdentity: ptr("alice@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if out.SourceIdentity == nil || *out.SourceIdentity != "alice@example.com" {
		t.Errorf("output source identity %v", out.SourceIdentity)
	}
	chained := f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	// Carried over without asking: the trust policy's condition sees it.
	next, err := f.sts.AssumeRole(chained, &stsapi.AssumeRoleInput{RoleArn: needs, RoleSessionName: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.open(next.Credentials.AccessKeyId, next.Credentials.SessionToken); s.SourceIdentity != "alice@example.com" || *next.SourceIdentity != "alice@example.com" {
		t.Errorf("chained source identity %q", s.SourceIdentity)
	}
	if _, err := f.sts.AssumeRole(chained, &stsapi.AssumeRoleInput{RoleArn: sets, RoleSessionName: "s3", SourceIdentity: ptr("mallory")}); !is(err, "InvalidParameterValue",
		`The source identity "alice@example.com" of the session cannot be changed.`) {
		t.Errorf("changed: %v", err)
	}
	if _, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: plain, RoleSessionName: "s", SourceIdentity: ptr("alice@example.com")}); !is(err, "AccessDenied",
		"User: "+alice.ARN+" is not authorized to perform: sts:SetSourceIdentity on resource: "+plain) {
		t.Errorf("without sts:SetSourceIdentity: %v", err)
	}
}

// TestAssumeRoleSessionPolicies: session policies are validated and limit
// the session to what both they and the role allow.
func TestAssumeRoleSessionPolicies(t *testing.T) {
	f := newFixture(t)
	ctx, _ := f.user("alice", allow("sts:AssumeRole", "*"))
	r := f.role("r", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0, allow("s3:*", "*"))
	out, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "s", Policy: ptr(allow("s3:GetObject", "*"))})
	if err != nil {
		t.Fatal(err)
	}
	caller := iamCaller(f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken))
	for action, want := range map[string]policy.Decision{"s3:GetObject": policy.Allowed, "s3:PutObject": policy.ImplicitDeny} {
		e, err := f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: caller, Action: action, Resource: "*", ResourceAccount: account}, nil)
		if err != nil || e.Decision != want {
			t.Errorf("%s: %+v %v, want %v", action, e, err, want)
		}
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize < 1 {
		t.Errorf("packed size %v", out.PackedPolicySize)
	}
	for _, tc := range []struct {
		name string
		in   stsapi.AssumeRoleInput
		code string
		msg  string
	}{
		{"malformed", stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "s", Policy: ptr("{")}, "MalformedPolicyDocument", ""},
		{"unknown managed policy", stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "s", PolicyArns: []stsapi.PolicyDescriptorType{{Arn: ptr("arn:aws:iam::123456789012:policy/none")}}},
			"InvalidParameterValue", "Policy arn:aws:iam::123456789012:policy/none does not exist or is not attachable."},
	} {
		_, err := f.sts.AssumeRole(ctx, &tc.in)
		if code, m := awsCode(err); code != tc.code || tc.msg != "" && m != tc.msg {
			t.Errorf("%s: %s %q", tc.name, code, m)
		}
	}
	// An AWS managed policy by ARN.
	out, err = f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "s", PolicyArns: []stsapi.PolicyDescriptorType{{Arn: ptr("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.open(out.Credentials.AccessKeyId, out.Credentials.SessionToken); !slices.Equal(s.PolicyARNs, []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}) {
		t.Errorf("policy ARNs %v", s.PolicyARNs)
	}
}
