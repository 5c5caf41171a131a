package analysis

import "fmt"

// Generated builds a large synthetic account (account 210987654321): users
// in groups of twenty, roles trusted by the account, by services and by
// users, and many customer managed policies over a range of services, a few
// of them dangerous (assume a role, create a user's key, pass a role to
// Lambda); every hundredth role is an administrator. The benchmarks of the
// analysis and of the console's graph use it.
func Generated(users, roles, policies int) *Dump {
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
