package authz_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

func set(t *testing.T, typ string, docs ...string) *policy.Set {
	t.Helper()
	var ps []*policy.Policy
	for i, d := range docs {
		doc, err := policy.Parse([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, policy.Compile(doc, policy.Source{ID: typ + string(rune('1'+i)), Type: typ}))
	}
	return policy.NewSet(ps...)
}

// TestAccessDeniedMessages: AWS's AccessDenied message says which kind of
// policy refused ("User: X is not authorized to perform: A on resource: R
// because no identity-based policy allows the A action", "... with an
// explicit deny in a service control policy").
func TestAccessDeniedMessages(t *testing.T) {
	const (
		action   = "s3:GetObject"
		resource = "arn:aws:s3:::bucket/key"
		userARN  = "arn:aws:iam::123456789012:user/alice"
	)
	caller := &iam.Caller{Account: account, ARN: userARN, UserName: "alice", UserID: "AIDAALICE"}
	principal := policy.Principal{Type: policy.TypeUser, ARN: userARN, Account: account, ID: "AIDAALICE"}
	grantUser := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":"s3:GetObject","Resource":"*"}]}`
	denyAny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
	allowAll := allow("*", "*")
	for _, tc := range []struct {
		name            string
		in              policy.Input
		resourceAccount string
		why             string
	}{
		{"nothing allows", policy.Input{}, account, " because no identity-based policy allows the s3:GetObject action"},
		{"identity deny", policy.Input{Identity: set(t, "inline", allowAll, deny(action, "*"))}, account, " with an explicit deny in an identity-based policy"},
		{"boundary refuses", policy.Input{Identity: set(t, "inline", allowAll), Boundary: set(t, "boundary", allow("sqs:*", "*"))}, account,
			" because no permissions boundary allows the s3:GetObject action"},
		{"boundary deny", policy.Input{Identity: set(t, "inline", allowAll), Boundary: set(t, "boundary", allowAll, deny(action, "*"))}, account,
			" with an explicit deny in a permissions boundary"},
		{"session refuses", policy.Input{Identity: set(t, "inline", allowAll), Session: set(t, "session", allow("sqs:*", "*"))}, account,
			" because no session policy allows the s3:GetObject action"},
		{"session deny", policy.Input{Identity: set(t, "inline", allowAll), Session: set(t, "session", allowAll, deny(action, "*"))}, account,
			" with an explicit deny in a session policy"},
		{"no SCP allows", policy.Input{Identity: set(t, "inline", allowAll), SCPs: []*policy.Set{set(t, "scp", allowAll), set(t, "scp", allow("ec2:*", "*"))}}, account,
			" because no service control policy allows the s3:GetObject action"},
		{"SCP deny", policy.Input{Identity: set(t, "inline", allowAll), SCPs: []*policy.Set{set(t, "scp", allowAll, deny(action, "*"))}}, account,
			" with an explicit deny in a service control policy"},
		{"RCP deny", policy.Input{Identity: set(t, "inline", allowAll), RCPs: []*policy.Set{set(t, "rcp", allowAll, denyAny)}}, account,
			" with an explicit deny in a resource control policy"},
		{"no RCP allows", policy.Input{Identity: set(t, "inline", allowAll), RCPs: []*policy.Set{set(t, "rcp", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}`)}}, account,
			" because no resource control policy allows the s3:GetObject action"},
		{"resource policy deny", policy.Input{Identity: set(t, "inline", allowAll), Resource: set(t, "resource", denyAny)}, account,
			" with an explicit deny in a resource-based policy"},
		// Across accounts both sides must allow; the message names the side
		// that did not.
		{"cross account, no resource policy", policy.Input{Identity: set(t, "inline", allowAll)}, other,
			" because no resource-based policy allows the s3:GetObject action"},
		{"cross account, resource policy does not grant", policy.Input{Identity: set(t, "inline", allowAll), Resource: set(t, "resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"s3:GetObject","Resource":"*"}]}`)}, other,
			" because no resource-based policy allows the s3:GetObject action"},
		{"cross account, identity does not grant", policy.Input{Resource: set(t, "resource", grantUser)}, other,
			" because no identity-based policy allows the s3:GetObject action"},
		{"cross account, neither grants", policy.Input{}, other,
			" because no identity-based policy allows the s3:GetObject action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			e := policy.Explain(&in, &policy.Request{Principal: principal, Action: action, Resource: resource, ResourceAccount: tc.resourceAccount})
			if e.Decision == policy.Allowed {
				t.Fatalf("allowed: %+v", e)
			}
			d := authz.AccessDenied(caller, action, resource, e)
			want := "User: " + userARN + " is not authorized to perform: " + action + " on resource: " + resource + tc.why
			if d.AWS.Code != "AccessDenied" || d.AWS.Status != 403 || d.AWS.Message != want {
				t.Errorf("got %s %d %q\nwant AccessDenied 403 %q", d.AWS.Code, d.AWS.Status, d.AWS.Message, want)
			}
			if d.Decision != e.Decision {
				t.Errorf("decision %v, want %v", d.Decision, e.Decision)
			}
		})
	}
}

// The decider's own cross-account refusals carry the reason too.
func TestAuthorizeCrossAccountMessage(t *testing.T) {
	f := newFixture(t)
	reader := f.user("reader", allow("s3:GetObject", "*"))
	err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: reader, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: other})
	want := "User: " + reader.ARN + " is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no resource-based policy allows the s3:GetObject action"
	if code, msg := awsCode(err); code != "AccessDenied" || msg != want {
		t.Fatalf("got %s %q\nwant %q", code, msg, want)
	}
}

// TestAuthorizationMessageRoundTrip: an encoded failure decodes, for a
// caller of its account allowed sts:DecodeAuthorizationMessage, into AWS's
// shape; other callers, other accounts and altered messages are refused.
func TestAuthorizationMessageRoundTrip(t *testing.T) {
	f := newFixture(t)
	guard := iam.NewGuard(f.svc, f.decider, f.decider)
	msgs := authz.NewMessages(guard, f.sealer)

	alice := f.user("alice", allow("s3:*", "*"), `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	in, req, err := f.decider.Input(context.Background(), &iam.AuthzRequest{Caller: alice, Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::b", ResourceAccount: account}, nil)
	f.must(err)
	e := policy.Explain(in, req)
	encoded := msgs.Encode(alice, "s3:DeleteBucket", "arn:aws:s3:::b", e, map[string][]string{"s3:x-amz-acl": {"private"}, "aws:SourceIp": {"10.0.0.1"}})
	if strings.Contains(encoded, "DeleteBucket") || strings.Contains(encoded, "alice") {
		t.Fatalf("the encoded message is readable: %s", encoded)
	}

	decoder := f.user("decoder", allow("sts:DecodeAuthorizationMessage", "*"))
	out, err := msgs.DecodeAuthorizationMessage(iam.WithCaller(context.Background(), decoder), &stsapi.DecodeAuthorizationMessageInput{EncodedMessage: " " + encoded + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Allowed           bool `json:"allowed"`
		ExplicitDeny      bool `json:"explicitDeny"`
		MatchedStatements struct {
			Items []struct {
				StatementID string `json:"statementId"`
				Effect      string `json:"effect"`
				SourceID    string `json:"sourcePolicyId"`
				SourceType  string `json:"sourcePolicyType"`
			} `json:"items"`
		} `json:"matchedStatements"`
		Failures struct {
			Items []string `json:"items"`
		} `json:"failures"`
		Context struct {
			Principal  struct{ ID, ARN string } `json:"principal"`
			Action     string                   `json:"action"`
			Resource   string                   `json:"resource"`
			Conditions struct {
				Items []struct {
					Key    string `json:"key"`
					Values struct {
						Items []struct {
							Value string `json:"value"`
						} `json:"items"`
					} `json:"values"`
				} `json:"items"`
			} `json:"conditions"`
		} `json:"context"`
	}
	if err := json.Unmarshal([]byte(*out.DecodedMessage), &got); err != nil {
		t.Fatalf("%v: %s", err, *out.DecodedMessage)
	}
	if got.Allowed || !got.ExplicitDeny || got.Context.Action != "s3:DeleteBucket" || got.Context.Resource != "arn:aws:s3:::b" ||
		got.Context.Principal.ARN != alice.ARN || got.Context.Principal.ID != alice.UserID {
		t.Errorf("decoded %s", *out.DecodedMessage)
	}
	if len(got.MatchedStatements.Items) != 1 || got.MatchedStatements.Items[0].StatementID != "NoDelete" || got.MatchedStatements.Items[0].Effect != "Deny" ||
		got.MatchedStatements.Items[0].SourceID != "alice-b" || got.MatchedStatements.Items[0].SourceType != "user" {
		t.Errorf("matched %+v", got.MatchedStatements.Items)
	}
	// Keys in name order, each with its values; failures an empty list.
	if c := got.Context.Conditions.Items; len(c) != 2 || c[0].Key != "aws:SourceIp" || c[1].Key != "s3:x-amz-acl" || c[1].Values.Items[0].Value != "private" {
		t.Errorf("conditions %+v", c)
	}
	if got.Failures.Items == nil || !strings.Contains(*out.DecodedMessage, `"failures":{"items":[]}`) {
		t.Errorf("failures: %s", *out.DecodedMessage)
	}

	// Refusals.
	invalid := "The error message is invalid or was not produced for this account."
	other := f.userIn(other, "decoder", allow("sts:DecodeAuthorizationMessage", "*"))
	nobody := f.user("nobody")
	tampered := []byte(encoded)
	tampered[len(tampered)/2] ^= 1
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		message string
		code    string
		msg     string
	}{
		{"no caller", context.Background(), encoded, "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"not allowed", iam.WithCaller(context.Background(), nobody), encoded, "AccessDenied",
			"User: " + nobody.ARN + " is not authorized to perform: sts:DecodeAuthorizationMessage on resource: * because no identity-based policy allows the sts:DecodeAuthorizationMessage action"},
		{"other account", iam.WithCaller(context.Background(), other), encoded, "InvalidAuthorizationMessageException", invalid},
		{"tampered", iam.WithCaller(context.Background(), decoder), string(tampered), "InvalidAuthorizationMessageException", invalid},
		{"garbage", iam.WithCaller(context.Background(), decoder), "not a message", "InvalidAuthorizationMessageException", invalid},
	} {
		_, err := msgs.DecodeAuthorizationMessage(tc.ctx, &stsapi.DecodeAuthorizationMessageInput{EncodedMessage: tc.message})
		if code, msg := awsCode(err); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %s %q, want %s %q", tc.name, code, msg, tc.code, tc.msg)
		}
	}
	// The root user needs no permission.
	if _, err := msgs.DecodeAuthorizationMessage(f.root, &stsapi.DecodeAuthorizationMessageInput{EncodedMessage: encoded}); err != nil {
		t.Errorf("root: %v", err)
	}
}
