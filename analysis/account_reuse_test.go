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
