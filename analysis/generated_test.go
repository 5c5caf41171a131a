package analysis

import (
	"testing"
	"time"

	"github.com/iamd/iamd/policy"
)

// generated is Generated, for the tests here.
func generated(users, roles, policies int) *Dump { return Generated(users, roles, policies) }

func TestGeneratedAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("large account")
	}
	d := generated(3500, 1500, 20000)
	start := time.Now()
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	g := BuildGraph(a)
	t.Logf("5,000 principals, 20,000 policies: graph built in %v, %d edges", time.Since(start), len(g.Edges))
	if n := len(a.Principals()); n != 5000 {
		t.Fatalf("%d principals", n)
	}
	res := g.WhoCan("iam:DeleteRole", "arn:aws:iam::210987654321:role/role-3", nil)
	admins := 0
	for _, r := range res {
		if r.Kind == KindRole && len(r.Via) == 1 {
			admins++
		}
	}
	if admins != 15 { // every hundredth role has AdministratorAccess
		t.Errorf("%d roles allowed directly, want 15", admins)
	}
	if len(res) <= admins {
		t.Errorf("nobody reaches the admin roles: %d", len(res))
	}
	start = time.Now()
	esc := g.Escalations()
	t.Logf("escalation: %d principals in %v", len(esc), time.Since(start))
	if len(esc) == 0 {
		t.Errorf("no escalation in the generated account")
	}
	res = g.WhoCan("s3:GetObject", "arn:aws:s3:us-east-1:210987654321:thing-10/x", nil)
	if len(res) == 0 {
		t.Errorf("no one can read thing-10")
	}
}

func BenchmarkBuildGraph(b *testing.B) {
	d := generated(3500, 1500, 20000)
	loadActions()
	b.ResetTimer()
	for b.Loop() {
		a, err := NewAccount(d)
		if err != nil {
			b.Fatal(err)
		}
		BuildGraph(a)
	}
}

func BenchmarkWhoCan(b *testing.B) {
	a, _ := NewAccount(generated(3500, 1500, 20000))
	g := BuildGraph(a)
	b.ResetTimer()
	for b.Loop() {
		g.WhoCan("iam:DeleteRole", "arn:aws:iam::210987654321:role/role-3", nil)
	}
}

// BenchmarkWhoCanFixture is the baseline: the same query on the fixture
// account of tens of principals.
func BenchmarkWhoCanFixture(b *testing.B) {
	g := fixture(b)
	b.ResetTimer()
	for b.Loop() {
		g.WhoCan("iam:DeleteRole", "arn:aws:iam::111122223333:role/admin-role", nil)
	}
}

// BenchmarkWhoCanCold is one who-can on a graph that has answered none
// (no iam:PassedToService context built yet): what one iamd who-can run
// costs after the graph is built.
func BenchmarkWhoCanCold(b *testing.B) {
	a, _ := NewAccount(generated(3500, 1500, 20000))
	g := BuildGraph(a)
	b.ResetTimer()
	for b.Loop() {
		g.cache().passCtx = map[runKey]policy.Context{}
		g.WhoCan("iam:DeleteRole", "arn:aws:iam::210987654321:role/role-3", nil)
	}
}
