package analysis

import (
	"strings"
	"testing"
)

// who-can answers identities only: a service a role trusts is replaced by
// the principals who can pass the role to it and run code there.
func TestWhoCanIdentitiesOnly(t *testing.T) {
	g := fixture(t)
	for _, q := range precisionQueries(g) {
		for _, r := range g.WhoCan(q[0], q[1], nil) {
			if r.Kind == KindService || r.Kind == KindGroup || strings.HasSuffix(r.Principal, ".amazonaws.com") {
				t.Errorf("%s %s: %s [%s] is not an identity", q[0], q[1], r.Principal, r.Kind)
			}
		}
	}
	res := g.WhoCan("s3:DeleteObject", "arn:aws:s3:::website/index.html", nil)
	got := map[string]Access{}
	for _, r := range res {
		got[short(r.Principal)] = r
	}
	// dave may pass lambda-* roles to Lambda and create functions:
	// lambda-admin's access is his through Lambda.
	d, ok := got["user/dave"]
	if !ok || d.Through != "lambda.amazonaws.com" || d.Via[0].Kind != "service" || d.Via[0].To != acct+"role/lambda-admin" ||
		!strings.Contains(d.Via[0].String(), "passes role/lambda-admin to lambda.amazonaws.com with lambda:CreateFunction") {
		t.Errorf("dave: %+v", d)
	}
	// Directly allowed principals are not marked.
	if a := got["user/alice"]; a.Through != "" {
		t.Errorf("alice marked through a service: %+v", a)
	}
	// erin reads only: she cannot pass roles, so not listed.
	if _, ok := got["user/erin"]; ok {
		t.Errorf("erin listed")
	}
}

// who-can sts:AssumeRole ROLE lists whoever the trust policy lets in:
// another account, an OIDC provider, anyone, and for a service the
// principals who make it act with the role.
func TestWhoCanAssumeRole(t *testing.T) {
	g := fixture(t)
	tests := []struct {
		role string
		want map[string]Kind // principal -> kind
		not  []string
		cond string // a principal listed conditionally
	}{
		{"role/partner-role", map[string]Kind{"arn:aws:iam::777788889999:root": KindAccount}, nil, ""},
		{"role/cross-account-audit", map[string]Kind{"arn:aws:iam::444455556666:root": KindAccount}, nil, "arn:aws:iam::444455556666:root"},
		{"role/github-deploy", map[string]Kind{"oidc-provider/token.actions.githubusercontent.com": KindFederated}, nil, "oidc-provider/token.actions.githubusercontent.com"},
		{"role/lambda-admin", map[string]Kind{"user/dave": KindUser, "user/mallory": KindUser}, []string{"lambda.amazonaws.com", "user/erin"}, ""},
		{"role/public-role", map[string]Kind{"*": KindAnyone}, nil, ""},
		{"role/ci/ci-role", map[string]Kind{"user/ci-deploy": KindUser}, []string{"user/alice"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			res := g.WhoCan("sts:AssumeRole", acct+tt.role, nil)
			got := map[string]Access{}
			for _, r := range res {
				got[short(r.Principal)] = r
			}
			for p, k := range tt.want {
				r, ok := got[p]
				if !ok || r.Kind != k || len(r.Via) == 0 {
					t.Errorf("%s: %+v (listed %v), want kind %s", p, r, ok, k)
				}
				if r.Conditional != (p == tt.cond) {
					t.Errorf("%s conditional = %v", p, r.Conditional)
				}
			}
			for _, p := range tt.not {
				if _, ok := got[p]; ok {
					t.Errorf("%s listed", p)
				}
			}
		})
	}
}

// what-can lists sts:AssumeRole with the roles, as an effective permission.
func TestWhatCanAssumeRole(t *testing.T) {
	g := fixture(t)
	ci, _ := g.Account.Entity(acct + "user/ci-deploy")
	c := g.WhatCan(ci, "sts")
	found := false
	for _, p := range c.Actions {
		if p.Action == "sts:AssumeRole" && p.Resource == acct+"role/ci/ci-role" {
			found = true
		}
		if p.Action == "sts:AssumeRole" && p.Resource == "*" {
			t.Errorf("sts:AssumeRole on *: %+v", p)
		}
	}
	if !found {
		t.Errorf("ci-deploy: no sts:AssumeRole on ci-role in %+v", c.Actions)
	}
}

// A role that trusts a user by name needs no identity policy: what-can
// lists the assumption all the same.
func TestWhatCanAssumeRoleTrustOnly(t *testing.T) {
	d := &Dump{UserDetailList: []UserDetail{{UserName: "u", Arn: "arn:aws:iam::123456789012:user/u"}},
		RoleDetailList: []RoleDetail{{RoleName: "r", Arn: "arn:aws:iam::123456789012:role/r",
			AssumeRolePolicyDocument: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/u"},"Action":"sts:AssumeRole"}]}`)}}}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	g := BuildGraph(a)
	u, _ := a.Entity("arn:aws:iam::123456789012:user/u")
	c := g.WhatCan(u, "")
	if len(c.Actions) != 1 || c.Actions[0].Action != "sts:AssumeRole" || c.Actions[0].Resource != "arn:aws:iam::123456789012:role/r" ||
		c.Actions[0].Policy != "arn:aws:iam::123456789012:role/r#AssumeRolePolicyDocument" {
		t.Errorf("what-can u: %+v", c.Actions)
	}
	if res := g.WhoCan("sts:AssumeRole", "arn:aws:iam::123456789012:role/r", nil); len(res) != 1 || res[0].Principal != u.ARN {
		t.Errorf("who-can: %+v", res)
	}
}
