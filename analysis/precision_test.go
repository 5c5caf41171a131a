package analysis

import (
	"fmt"
	"testing"
)

// precisionQueries are the who-can questions the precision figures of
// issue 17 are measured on: for each account, the actions an auditor asks
// about first (administration, credentials, data, role assumption).
func precisionQueries(g *Graph) [][2]string {
	id := g.Account.ID
	if id == "111122223333" {
		q := [][2]string{
			{"s3:PutObject", "arn:aws:s3:::artifacts/build.zip"},
			{"s3:DeleteObject", "arn:aws:s3:::website/index.html"},
			{"s3:GetObject", "arn:aws:s3:::partner-exchange/f.csv"},
			{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/app"},
			{"iam:CreateAccessKey", acct + "user/alice"},
			{"iam:DeleteRole", acct + "role/admin-role"},
			{"iam:GetAccountAuthorizationDetails", "*"},
		}
		for _, r := range g.Account.Roles {
			q = append(q, [2]string{"sts:AssumeRole", r.ARN})
		}
		return q
	}
	r := func(n int) string { return fmt.Sprintf("arn:aws:iam::%s:role/role-%d", id, n) }
	return [][2]string{
		{"iam:DeleteRole", r(3)},
		{"iam:CreateAccessKey", fmt.Sprintf("arn:aws:iam::%s:user/user-7", id)},
		{"s3:GetObject", "arn:aws:s3:us-east-1:" + id + ":thing-10/x"},
		{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:" + id + ":function:f"},
		{"sts:AssumeRole", r(0)},
		{"sts:AssumeRole", r(1)},
		{"sts:AssumeRole", r(2)},
		{"sts:AssumeRole", r(100)},
	}
}

// precision counts who-can's answers over the queries and those that are
// wrong by reading: a service principal is not an identity, and a role a
// query's trust policy opens to someone outside the account's principals
// (another account, a provider, a service's users) answered by nobody is
// a miss.
func precision(g *Graph) (answers, services, missed, through int) {
	for _, q := range precisionQueries(g) {
		res := g.WhoCan(q[0], q[1], nil)
		answers += len(res)
		for _, r := range res {
			if r.Kind == KindService {
				services++
			}
			if r.Through != "" {
				through++
			}
		}
		if q[0] == "sts:AssumeRole" && len(res) == 0 && len(g.Assumers(q[1])) > 0 {
			missed++
		}
	}
	return
}

func TestPrecisionReport(t *testing.T) {
	g := fixture(t)
	a, s, m, th := precision(g)
	t.Logf("fixture: %d queries, %d answers (%d through a service), %d service principals answered, %d roles with trusted principals answered by none", len(precisionQueries(g)), a, th, s, m)
	if s != 0 || m != 0 {
		t.Errorf("services answered or trusted identities missed")
	}
	if testing.Short() {
		return
	}
	acc, _ := NewAccount(generated(3500, 1500, 20000))
	big := BuildGraph(acc)
	a, s, m, th = precision(big)
	t.Logf("generated: %d queries, %d answers (%d through a service), %d service principals answered, %d roles with trusted principals answered by none", len(precisionQueries(big)), a, th, s, m)
	if s != 0 || m != 0 {
		t.Errorf("services answered or trusted identities missed")
	}
}
