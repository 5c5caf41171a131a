package analysis

import (
	"testing"

	"github.com/iamd/iamd/policy"
)

// NewAccountReusing keeps the earlier model's compiled policies only where
// nothing changed: a changed document, a new inline policy and a changed
// trust policy are compiled again, and the model answers as one built from
// scratch; the earlier model still answers as before.
func TestNewAccountReusing(t *testing.T) {
	const userARN = "arn:aws:iam::210987654321:user/user-0"
	pol0, pol1 := "arn:aws:iam::210987654321:policy/policy-0", "arn:aws:iam::210987654321:policy/policy-1"
	dump := func(changed bool) *Dump {
		d := Generated(40, 15, 60)
		d.UserDetailList[0].AttachedManagedPolicies = []AttachedPolicy{{PolicyName: "policy-0", PolicyArn: pol0}}
		if changed {
			d.Policies[0].PolicyVersionList[0].Document = Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}]}`)
			d.UserDetailList[0].UserPolicyList = []PolicyDetail{{PolicyName: "new", PolicyDocument: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}}
			d.RoleDetailList[0].AssumeRolePolicyDocument = Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":"sts:AssumeRole"}]}`)
		}
		return d
	}
	before, err := NewAccount(dump(false))
	if err != nil {
		t.Fatal(err)
	}
	reused, err := NewAccountReusing(dump(true), before)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewAccount(dump(true))
	if err != nil {
		t.Fatal(err)
	}
	if reused.Managed[pol1] != before.Managed[pol1] {
		t.Errorf("unchanged policy-1 compiled again")
	}
	if reused.Managed[pol0] == before.Managed[pol0] {
		t.Errorf("changed policy-0 kept from the earlier model")
	}
	role := "arn:aws:iam::210987654321:role/role-0"
	rb, _ := before.Entity(role)
	rr, _ := reused.Entity(role)
	if rr.Trust == rb.Trust {
		t.Errorf("changed trust policy kept from the earlier model")
	}
	// An unchanged principal's policy sets serve again; a changed one's
	// and a changed trust policy's are made anew.
	ub, _ := before.Entity(userARN)
	ur, _ := reused.Entity(userARN)
	other := "arn:aws:iam::210987654321:user/user-5"
	ob, _ := before.Entity(other)
	or, _ := reused.Entity(other)
	if ur.identity == ub.identity || or.identity != ob.identity {
		t.Errorf("sets: changed user-0 reused %v, unchanged user-5 reused %v", ur.identity == ub.identity, or.identity == ob.identity)
	}
	if rr.trust == rb.trust {
		t.Errorf("changed trust policy's set kept from the earlier model")
	}
	r1b, _ := before.Entity("arn:aws:iam::210987654321:role/role-1")
	r1r, _ := reused.Entity("arn:aws:iam::210987654321:role/role-1")
	if r1r.trust != r1b.trust {
		t.Errorf("unchanged role-1's trust set made anew")
	}
	gBefore, gReused, gFresh := BuildGraph(before), BuildGraph(reused), BuildGraph(fresh)
	for _, q := range []struct {
		action, resource string
		before, after    policy.Decision
	}{
		{"iam:CreateUser", "*", policy.ImplicitDeny, policy.Allowed},
		{"s3:ListBucket", "arn:aws:s3:::b", policy.ImplicitDeny, policy.Allowed},
		{"sts:AssumeRole", role, policy.ImplicitDeny, policy.Allowed},
	} {
		for name, c := range map[string]struct {
			g    *Graph
			want policy.Decision
		}{"before": {gBefore, q.before}, "reused": {gReused, q.after}, "fresh": {gFresh, q.after}} {
			e, _ := c.g.Account.Entity(userARN)
			if got := c.g.Decide(e, q.action, q.resource, nil).Decision; got != c.want {
				t.Errorf("%s: %s on %s: %v, want %v", name, q.action, q.resource, got, c.want)
			}
		}
	}
	// Every principal decides the same in the reused and the fresh model.
	for _, e := range fresh.Principals() {
		r, _ := reused.Entity(e.ARN)
		for _, a := range []string{"s3:GetObject", "iam:PassRole", "sts:AssumeRole", "iam:CreateAccessKey"} {
			if x, y := gFresh.Decide(e, a, "*", nil).Decision, gReused.Decide(r, a, "*", nil).Decision; x != y {
				t.Errorf("%s %s: fresh %v, reused %v", e.Name, a, x, y)
			}
		}
	}
}

// The policies compiled ahead, side by side, are each the compilation of
// their own text, and a policy listed twice (a dump may) is compiled once
// per copy, the last copy being the model's, as when compiled one by one.
func TestNewAccountPrecompiled(t *testing.T) {
	d := Generated(200, 80, 400)
	dup := d.Policies[3]
	dup.PolicyVersionList = []PolicyVersion{{VersionId: "v1", IsDefaultVersion: true,
		Document: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}}
	d.Policies = append(d.Policies, dup)
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	if a.pre != nil {
		t.Errorf("the precompiled policies are kept after the build")
	}
	got := a.Managed[dup.Arn]
	if string(got.Text) != string(dup.DefaultDocument()) || got.Doc == nil || len(got.Doc.Statements) != 2 {
		t.Fatalf("the policy listed twice: %s", got.Text)
	}
	check := func(p *PolicyRef) {
		t.Helper()
		doc, err := policy.Parse(p.Text)
		if err != nil || p.Err != nil || p.Doc == nil || p.Policy == nil || len(p.Doc.Statements) != len(doc.Statements) {
			t.Errorf("%s: compiled %v from %s (parse: %v)", p.ID(), p.Doc, p.Text, err)
		}
	}
	for _, p := range a.Managed {
		check(p)
	}
	for _, e := range append(a.Principals(), a.Groups...) {
		for _, p := range e.Policies() {
			check(p)
		}
		if e.Trust != nil {
			check(e.Trust)
		}
	}
	// It decides as the same model compiled policy by policy.
	defer func(n int) { parallelMin = n }(parallelMin)
	parallelMin = 1 << 30
	seq, _ := NewAccount(d)
	if got := seq.Managed[dup.Arn]; got == a.Managed[dup.Arn] || string(got.Text) != string(dup.DefaultDocument()) {
		t.Fatalf("the model compiled one by one: %s", got.Text)
	}
	g, gs := BuildGraph(a), BuildGraph(seq)
	for _, e := range seq.Principals() {
		o, _ := a.Entity(e.ARN)
		for _, act := range []string{"s3:GetObject", "iam:PassRole", "sts:AssumeRole", "iam:CreateAccessKey"} {
			if x, y := gs.Decide(e, act, "*", nil).Decision, g.Decide(o, act, "*", nil).Decision; x != y {
				t.Errorf("%s %s: %v, precompiled %v", e.Name, act, x, y)
			}
		}
	}
}
