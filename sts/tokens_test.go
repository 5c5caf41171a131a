package sts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/sts"
)

// TestGetSessionToken: the caller's own permissions for a while, proven
// with MFA when a device code is given.
func TestGetSessionToken(t *testing.T) {
	f := newFixture(t)
	ctx, alice := f.user("alice")
	out, err := f.sts.GetSessionToken(ctx, &stsapi.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	s := f.open(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	if s.Type != iam.SessionToken || s.UserName != "alice" || s.UserID != alice.UserID || s.MFA || !s.Expires.Equal(f.clock().Add(12*time.Hour)) {
		t.Errorf("session %+v", s)
	}
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		duration *int32
		want     time.Duration
	}{
		{"user, 36 hours at most", ctx, ptr(int32(200000)), 36 * time.Hour},
		{"user, an hour", ctx, ptr(int32(3600)), time.Hour},
		{"root, an hour by default", f.root, nil, time.Hour},
		{"root, an hour at most", f.root, ptr(int32(7200)), time.Hour},
	} {
		out, err := f.sts.GetSessionToken(tc.ctx, &stsapi.GetSessionTokenInput{DurationSeconds: tc.duration})
		if err != nil || !out.Credentials.Expiration.Equal(f.clock().Add(tc.want)) {
			t.Errorf("%s: %+v %v", tc.name, out, err)
		}
	}
	rootOut, err := f.sts.GetSessionToken(f.root, &stsapi.GetSessionTokenInput{})
	f.must(err)
	if s := f.open(rootOut.Credentials.AccessKeyId, rootOut.Credentials.SessionToken); s.UserName != "" || s.UserID != "" {
		t.Errorf("root session names a user: %+v", s)
	}

	serial, code := f.mfa("alice")
	out, err = f.sts.GetSessionToken(ctx, &stsapi.GetSessionTokenInput{SerialNumber: &serial, TokenCode: ptr(code())})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.open(out.Credentials.AccessKeyId, out.Credentials.SessionToken); !s.MFA || !s.MFAAuthTime.Equal(f.clock()) {
		t.Errorf("MFA session %+v", s)
	}
	badCode := "MultiFactorAuthentication failed with invalid MFA one time pass code."
	for _, tc := range []struct {
		name string
		ctx  context.Context
		in   stsapi.GetSessionTokenInput
		msg  string
	}{
		{"code used", ctx, stsapi.GetSessionTokenInput{SerialNumber: &serial, TokenCode: ptr(code())}, badCode},
		{"serial without code", ctx, stsapi.GetSessionTokenInput{SerialNumber: &serial}, badCode},
		{"code without serial", ctx, stsapi.GetSessionTokenInput{TokenCode: ptr("123456")}, badCode},
		{"another user's device", f.root, stsapi.GetSessionTokenInput{SerialNumber: &serial, TokenCode: ptr("123456")},
			"MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."},
		{"session credentials", f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken), stsapi.GetSessionTokenInput{},
			"Cannot call GetSessionToken with session credentials"},
	} {
		if _, err := f.sts.GetSessionToken(tc.ctx, &tc.in); !is(err, "AccessDenied", tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestGetFederationToken: the federated user may do what both the calling
// user's policies and the session policies allow.
func TestGetFederationToken(t *testing.T) {
	f := newFixture(t)
	ctx, alice := f.user("alice", allow("sts:GetFederationToken", "*"), allow("s3:*", "*"), allow("sqs:SendMessage", "*"))
	out, err := f.sts.GetFederationToken(ctx, &stsapi.GetFederationTokenInput{Name: "fed", Policy: ptr(allow("s3:GetObject", "*")),
		Tags: []stsapi.Tag{{Key: "team", Value: "red"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FederatedUser.Arn != "arn:aws:sts::123456789012:federated-user/fed" || out.FederatedUser.FederatedUserId != account+":fed" {
		t.Errorf("federated user %+v", out.FederatedUser)
	}
	if !out.Credentials.Expiration.Equal(f.clock().Add(12*time.Hour)) || out.PackedPolicySize == nil {
		t.Errorf("expiration %v packed %v", out.Credentials.Expiration, out.PackedPolicySize)
	}
	fctx := f.as(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	s := iamCaller(fctx).Session
	if s.Type != iam.SessionFederatedUser || s.UserID != alice.UserID || s.FederatedName != "fed" || s.Tags["team"] != "red" {
		t.Errorf("session %+v", s)
	}
	for action, want := range map[string]policy.Decision{
		"s3:GetObject":    policy.Allowed,      // both allow
		"s3:PutObject":    policy.ImplicitDeny, // only the user's policy
		"sqs:SendMessage": policy.ImplicitDeny, // only the user's policy
		"ec2:RunInstance": policy.ImplicitDeny, // neither
	} {
		e, err := f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: iamCaller(fctx), Action: action, Resource: "*", ResourceAccount: account}, nil)
		if err != nil || e.Decision != want {
			t.Errorf("%s: %+v %v, want %v", action, e, err, want)
		}
	}
	// A session policy cannot give more than the user has.
	wide, err := f.sts.GetFederationToken(ctx, &stsapi.GetFederationTokenInput{Name: "wide", Policy: ptr(allow("*", "*"))})
	f.must(err)
	e, err := f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: iamCaller(f.as(wide.Credentials.AccessKeyId, wide.Credentials.SessionToken)),
		Action: "iam:CreateUser", Resource: "*", ResourceAccount: account}, nil)
	if err != nil || e.Decision != policy.ImplicitDeny {
		t.Errorf("widened: %+v %v", e, err)
	}

	noPerm, bob := f.user("bob", allow("s3:*", "*"))
	for _, tc := range []struct {
		name string
		ctx  context.Context
		code string
		msg  string
	}{
		{"without sts:GetFederationToken", noPerm, "AccessDenied", "User: " + bob.ARN + " is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/x because no identity-based policy allows the sts:GetFederationToken action"},
		{"session credentials", fctx, "AccessDenied", "Cannot call GetFederationToken with session credentials"},
		{"no caller", context.Background(), "MissingAuthenticationToken", "Request is missing Authentication Token"},
	} {
		if _, err := f.sts.GetFederationToken(tc.ctx, &stsapi.GetFederationTokenInput{Name: "x"}); !is(err, tc.code, tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The root user's federation tokens last an hour at most.
	rootOut, err := f.sts.GetFederationToken(f.root, &stsapi.GetFederationTokenInput{Name: "r", DurationSeconds: ptr(int32(7200))})
	if err != nil || !rootOut.Credentials.Expiration.Equal(f.clock().Add(time.Hour)) {
		t.Errorf("root: %+v %v", rootOut, err)
	}
	// Its federated users have what their session policy allows.
	rootFed, err := f.sts.GetFederationToken(f.root, &stsapi.GetFederationTokenInput{Name: "ops", Policy: ptr(allow("s3:GetObject", "*"))})
	f.must(err)
	for action, want := range map[string]policy.Decision{"s3:GetObject": policy.Allowed, "s3:PutObject": policy.ImplicitDeny} {
		e, err := f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: iamCaller(f.as(rootFed.Credentials.AccessKeyId, rootFed.Credentials.SessionToken)),
			Action: action, Resource: "*", ResourceAccount: account}, nil)
		if err != nil || e.Decision != want {
			t.Errorf("root's federated user, %s: %+v %v, want %v", action, e, err, want)
		}
	}
}

func TestGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	ctx, alice := f.user("alice", allow("sts:AssumeRole", "*"))
	r := f.role("r", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	assumed, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "who"})
	f.must(err)
	for _, tc := range []struct {
		name            string
		ctx             context.Context
		userID, arnText string
	}{
		{"user", ctx, alice.UserID, alice.ARN},
		{"root", f.root, account, "arn:aws:iam::123456789012:root"},
		{"role session", f.as(assumed.Credentials.AccessKeyId, assumed.Credentials.SessionToken), assumed.AssumedRoleUser.AssumedRoleId, assumed.AssumedRoleUser.Arn},
	} {
		out, err := f.sts.GetCallerIdentity(tc.ctx, &stsapi.GetCallerIdentityInput{})
		if err != nil || *out.UserId != tc.userID || *out.Arn != tc.arnText || *out.Account != account {
			t.Errorf("%s: %+v %v", tc.name, out, err)
		}
	}
	if _, err := f.sts.GetCallerIdentity(context.Background(), &stsapi.GetCallerIdentityInput{}); !is(err, "MissingAuthenticationToken", "Request is missing Authentication Token") {
		t.Errorf("no caller: %v", err)
	}
}

func TestGetAccessKeyInfo(t *testing.T) {
	f := newFixture(t)
	ctx, _ := f.user("alice")
	out, err := f.sts.GetSessionToken(ctx, &stsapi.GetSessionTokenInput{})
	f.must(err)
	for _, id := range []string{"AKIAROOTKEY000000001", out.Credentials.AccessKeyId} {
		info, err := f.sts.GetAccessKeyInfo(ctx, &stsapi.GetAccessKeyInfoInput{AccessKeyId: id})
		if err != nil || *info.Account != account {
			t.Errorf("%s: %+v %v", id, info, err)
		}
	}
	if _, err := f.sts.GetAccessKeyInfo(ctx, &stsapi.GetAccessKeyInfoInput{AccessKeyId: "AKIANOSUCHKEY0000001"}); !is(err, "InvalidParameterValue", "The access key AKIANOSUCHKEY0000001 is not known.") {
		t.Errorf("unknown: %v", err)
	}
	if _, err := f.sts.GetAccessKeyInfo(context.Background(), &stsapi.GetAccessKeyInfoInput{AccessKeyId: "AKIAROOTKEY000000001"}); !is(err, "MissingAuthenticationToken", "") {
		t.Errorf("no caller: %v", err)
	}
}

// TestAuthorize: the dispatcher's step refuses what session credentials
// may not call, and operations without a rule.
func TestAuthorize(t *testing.T) {
	f := newFixture(t)
	ctx, _ := f.user("alice", allow("sts:AssumeRole", "*"))
	r := f.role("r", trustPolicy(accountRoot, `"sts:AssumeRole"`, ""), 0)
	assumed, err := f.sts.AssumeRole(ctx, &stsapi.AssumeRoleInput{RoleArn: r, RoleSessionName: "s"})
	f.must(err)
	token, err := f.sts.GetSessionToken(ctx, &stsapi.GetSessionTokenInput{})
	f.must(err)
	role := f.as(assumed.Credentials.AccessKeyId, assumed.Credentials.SessionToken)
	sessionToken := f.as(token.Credentials.AccessKeyId, token.Credentials.SessionToken)
	for _, tc := range []struct {
		ctx       context.Context
		name, op  string
		refusedAs string // "" allowed
	}{
		{ctx, "user", "GetSessionToken", ""},
		{ctx, "user", "GetFederationToken", ""},
		{role, "role session", "AssumeRole", ""},
		{role, "role session", "GetCallerIdentity", ""},
		{role, "role session", "DecodeAuthorizationMessage", ""},
		{role, "role session", "GetAccessKeyInfo", ""},
		{role, "role session", "GetSessionToken", "Cannot call GetSessionToken with session credentials"},
		{role, "role session", "GetFederationToken", "Cannot call GetFederationToken with session credentials"},
		{role, "role session", "GetWebIdentityToken", ""},
		{sessionToken, "session token", "AssumeRole", ""},
		{sessionToken, "session token", "GetWebIdentityToken", "Cannot call GetWebIdentityToken with session credentials"},
		{sessionToken, "session token", "GetSessionToken", "Cannot call GetSessionToken with session credentials"},
	} {
		err := f.sts.Authorize(tc.ctx, tc.op, nil)
		if tc.refusedAs == "" && err != nil || tc.refusedAs != "" && !is(err, "AccessDenied", tc.refusedAs) {
			t.Errorf("%s %s: %v", tc.name, tc.op, err)
		}
	}
	// An operation without a rule never runs: iamd does not serve it.
	if err := f.sts.Authorize(ctx, "MadeUpOperation", nil); !is(err, "NotImplemented", "The operation MadeUpOperation is not implemented by iamd (it has no authorization rule).") {
		t.Errorf("MadeUpOperation: %v", err)
	}
	if rule, ok := sts.AuthorizationRule("AssumeRole"); !ok || rule == "" {
		t.Error("AssumeRole has no rule")
	}
}

// TestTokens: a token opens only unaltered, with its own access key id,
// under a ring holding its key, before it expires.
func TestTokens(t *testing.T) {
	k1, k2 := seal.NewSealKey(), seal.NewSealKey()
	ring := func(order ...string) *sts.Tokens {
		keys := map[string][]byte{"k1": k1, "k2": k2}
		use := map[string][]byte{}
		for _, k := range order {
			use[k] = keys[k]
		}
		s, err := seal.NewSealer(use, order)
		if err != nil {
			t.Fatal(err)
		}
		return sts.NewTokens(s)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const id = "ASIAEXAMPLE000000001"
	sess := &iam.Session{Type: iam.SessionAssumedRole, Account: account, AccessKeyID: id, Secret: "s", RoleName: "r", RoleID: "AROAR", SessionName: "n",
		IssuedAt: now, Expires: now.Add(time.Hour), Tags: map[string]string{"k": "v"}}
	tok, err := ring("k1").Seal(sess)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring("k1").Open(tok, id, now.Add(59*time.Minute)); err != nil || got.RoleID != "AROAR" || got.Tags["k"] != "v" || got.Secret != "s" {
		t.Fatalf("open: %+v %v", got, err)
	}
	// Rotation: a ring that seals with k2 still opens k1's tokens.
	if _, err := ring("k2", "k1").Open(tok, id, now); err != nil {
		t.Errorf("rotated ring: %v", err)
	}
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name  string
		tok   string
		id    string
		tks   *sts.Tokens
		at    time.Time
		want  error
		check bool // the session comes back too
	}{
		{"tampered body", flip(len(tok) - 3), id, ring("k1"), now, sts.ErrBadToken, false},
		{"tampered middle", flip(len(tok) / 2), id, ring("k1"), now, sts.ErrBadToken, false},
		{"another access key id", tok, "ASIAEXAMPLE000000002", ring("k1"), now, sts.ErrBadToken, false},
		{"key not in the ring", tok, id, ring("k2"), now, sts.ErrBadToken, false},
		{"not our prefix", "FwoGZXIvYXdzEBYa" + tok[9:], id, ring("k1"), now, sts.ErrBadToken, false},
		{"empty", "", id, ring("k1"), now, sts.ErrBadToken, false},
		{"expired", tok, id, ring("k1"), now.Add(time.Hour), sts.ErrExpired, true},
	} {
		got, err := tc.tks.Open(tc.tok, tc.id, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.check != (got != nil) {
			t.Errorf("%s: session %+v", tc.name, got)
		}
	}
}
