package analysis

import (
	"fmt"
	"testing"
	"time"

	"github.com/iamd/iamd/policy"
)

// generated builds a large account: users in groups, roles trusted by the
// account, by services and by users, and many customer managed policies
// over a range of services, a few of them dangerous.
func generated(users, roles, policies int) *Dump {
	const acct = "210987654321"
	arnOf := func(kind, name string) string { return fmt.Sprintf("arn:aws:iam::%s:%s/%s", acct, kind, name) }
	services := []string{"s3", "dynamodb", "sqs", "sns", "lambda", "logs", "ec2", "kms", "secretsmanager", "ssm"}
	docFor := func(i int) Document {
		svc := services[i%len(services)]
		var stmts string
		switch i % 50 {
		case 7:
			stmts = fmt.Sprintf(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"%s"}`, arnOf("role", fmt.Sprintf("role-%d", i%roles)))
		case 13:
			stmts = fmt.Sprintf(`{"Effect":"Allow","Action":["iam:CreateAccessKey"],"Resource":"%s"}`, arnOf("user", fmt.Sprintf("user-%d", (i*7)%users)))
		case 29:
			stmts = `{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}`
		default:
			stmts = fmt.Sprintf(`{"Sid":"Rw","Effect":"Allow","Action":["%s:Get*","%s:List*","%s:Put*"],"Resource":"arn:aws:%s:us-east-1:%s:thing-%d/*"},`+
				`{"Effect":"Deny","Action":"%s:Delete*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`, svc, svc, svc, svc, acct, i, svc)
		}
		return Document(`{"Version":"2012-10-17","Statement":[` + stmts + `]}`)
	}
	d := &Dump{}
	for i := 0; i < policies; i++ {
		name := fmt.Sprintf("policy-%d", i)
		d.Policies = append(d.Policies, ManagedPolicyDetail{PolicyName: name, Arn: arnOf("policy", name), Path: "/", DefaultVersionId: "v1",
			PolicyVersionList: []PolicyVersion{{Document: docFor(i), VersionId: "v1", IsDefaultVersion: true}}})
	}
	attach := func(seed, n int) []AttachedPolicy {
		var out []AttachedPolicy
		for k := 0; k < n; k++ {
			j := (seed*31 + k*977) % policies
			out = append(out, AttachedPolicy{PolicyName: fmt.Sprintf("policy-%d", j), PolicyArn: arnOf("policy", fmt.Sprintf("policy-%d", j))})
		}
		return out
	}
	groups := users / 20
	for i := 0; i < groups; i++ {
		name := fmt.Sprintf("group-%d", i)
		d.GroupDetailList = append(d.GroupDetailList, GroupDetail{GroupName: name, Path: "/", Arn: arnOf("group", name), AttachedManagedPolicies: attach(i+100000, 3)})
	}
	for i := 0; i < users; i++ {
		name := fmt.Sprintf("user-%d", i)
		d.UserDetailList = append(d.UserDetailList, UserDetail{UserName: name, Path: "/", Arn: arnOf("user", name),
			GroupList: []string{fmt.Sprintf("group-%d", i%groups)}, AttachedManagedPolicies: attach(i, 3)})
	}
	for i := 0; i < roles; i++ {
		name := fmt.Sprintf("role-%d", i)
		var trust string
		switch i % 3 {
		case 0:
			trust = `{"AWS":"arn:aws:iam::` + acct + `:root"}`
		case 1:
			trust = `{"Service":"lambda.amazonaws.com"}`
		default:
			trust = `{"AWS":"` + arnOf("user", fmt.Sprintf("user-%d", i%users)) + `"}`
		}
		r := RoleDetail{RoleName: name, Path: "/", Arn: arnOf("role", name), AttachedManagedPolicies: attach(i+50000, 4),
			AssumeRolePolicyDocument: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + trust + `,"Action":"sts:AssumeRole"}]}`)}
		if i%100 == 0 {
			r.AttachedManagedPolicies = append(r.AttachedManagedPolicies, AttachedPolicy{PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"})
		}
		d.RoleDetailList = append(d.RoleDetailList, r)
	}
	return d
}

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
