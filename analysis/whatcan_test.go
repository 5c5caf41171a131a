package analysis

import (
	"strings"
	"testing"
)

func oneUser(t *testing.T, identity, boundary string) (*Graph, *Entity) {
	t.Helper()
	d := &Dump{UserDetailList: []UserDetail{{UserName: "u", Arn: "arn:aws:iam::123456789012:user/u",
		UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: Document(`{"Version":"2012-10-17","Statement":[` + identity + `]}`)}}}}}
	if boundary != "" {
		d.UserDetailList[0].PermissionsBoundary = &PermissionsBound{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/b"}
		d.Policies = []ManagedPolicyDetail{{PolicyName: "b", Arn: "arn:aws:iam::123456789012:policy/b", DefaultVersionId: "v1",
			PolicyVersionList: []PolicyVersion{{VersionId: "v1", IsDefaultVersion: true, Document: Document(`{"Version":"2012-10-17","Statement":[` + boundary + `]}`)}}}}
	}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	g := BuildGraph(a)
	u, _ := a.Entity("arn:aws:iam::123456789012:user/u")
	return g, u
}

// A boundary scoped to resources: what-can lists the actions where the
// boundary lets them act, as the simulator and who-can agree.
func TestWhatCanResourceScopedBoundary(t *testing.T) {
	g, u := oneUser(t, `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`, `{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::dev-*"}`)
	c := g.WhatCan(u, "")
	if len(c.Actions) == 0 {
		t.Fatal("0 actions")
	}
	found := false
	for _, p := range c.Actions {
		if p.Resource != "arn:aws:s3:::dev-*" {
			t.Errorf("outside the boundary: %+v", p)
		}
		found = found || p.Action == "s3:ListBucket"
	}
	if !found {
		t.Errorf("no s3:ListBucket on dev-*: %+v", c.Actions)
	}
	if !g.allowed(u, "s3:ListBucket", "arn:aws:s3:::dev-x", nil) {
		t.Errorf("engine disagrees")
	}
	// who-can agrees.
	if res := g.WhoCan("s3:ListBucket", "arn:aws:s3:::dev-x", nil); len(res) != 1 {
		t.Errorf("who-can: %+v", res)
	}
}

// Action "*" on resources of several services pairs each action only with
// the resource types the catalogue says it takes.
func TestWhatCanActionStarPairsByResourceType(t *testing.T) {
	g, u := oneUser(t, `{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::b/*","arn:aws:dynamodb:us-east-1:123456789012:table/t"]}`, "")
	c := g.WhatCan(u, "")
	saw := map[string]bool{}
	for _, p := range c.Actions {
		svc, _, _ := strings.Cut(p.Action, ":")
		// (A few catalogue types fit any service: backup's recovery
		// points are arn:${Partition}:${Vendor}:...)
		switch {
		case strings.HasPrefix(p.Resource, "arn:aws:s3:") && (svc == "dynamodb" || svc == "ec2" || svc == "iam"),
			strings.HasPrefix(p.Resource, "arn:aws:dynamodb:") && (svc == "s3" || svc == "ec2" || svc == "iam"):
			t.Fatalf("%s paired with %s", p.Action, p.Resource)
		}
		saw[p.Action] = true
	}
	if !saw["s3:GetObject"] || !saw["dynamodb:GetItem"] {
		t.Errorf("pairs: %d actions, GetObject %v GetItem %v", len(c.Actions), saw["s3:GetObject"], saw["dynamodb:GetItem"])
	}
	if len(c.Actions) > 200 {
		t.Errorf("%d actions for one object path and one table", len(c.Actions))
	}
	groups := Group(c.Actions)
	if len(groups) == 0 || len(groups) > 20 {
		t.Errorf("%d groups", len(groups))
	}
	all, _ := oneUser(t, `{"Effect":"Allow","Action":"*","Resource":"*"}`, "")
	ua, _ := all.Account.Entity("arn:aws:iam::123456789012:user/u")
	for _, grp := range Group(all.WhatCan(ua, "sqs").Actions) {
		if !grp.All {
			t.Errorf("sqs under Action *: %+v not all", grp)
		}
	}
}
