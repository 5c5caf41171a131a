package analysis

import (
	"strings"
	"testing"
)

// tiny builds a small account: the user "me" with inline policy mine
// (and optional boundary, group), an administrator user "boss", a plain
// user "pleb", the groups "admins" (AdministratorAccess) and "mine", a
// customer policy "shared" attached to group mine with an admin v2, and
// the roles "fn-admin" (Lambda trusts it), "vm-admin" (EC2, optionally in
// an instance profile) and "root-admin" (the account trusts it).
func tiny(t *testing.T, mine string, boundary string, profile bool) *Graph {
	t.Helper()
	const a = "arn:aws:iam::123456789012:"
	doc := func(stmts string) Document { return Document(`{"Version":"2012-10-17","Statement":[` + stmts + `]}`) }
	admin := AttachedPolicy{PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}
	trust := func(p string) Document {
		return doc(`{"Effect":"Allow","Principal":` + p + `,"Action":"sts:AssumeRole"}`)
	}
	me := UserDetail{UserName: "me", Arn: a + "user/me", GroupList: []string{"mine"},
		UserPolicyList: []PolicyDetail{{PolicyName: "mine", PolicyDocument: doc(mine)}}}
	if boundary != "" {
		me.PermissionsBoundary = &PermissionsBound{PermissionsBoundaryArn: "arn:aws:iam::aws:policy/" + boundary}
	}
	vm := RoleDetail{RoleName: "vm-admin", Arn: a + "role/vm-admin", AssumeRolePolicyDocument: trust(`{"Service":"ec2.amazonaws.com"}`), AttachedManagedPolicies: []AttachedPolicy{admin}}
	if profile {
		vm.InstanceProfileList = []InstanceProfile{{InstanceProfileName: "vm"}}
	}
	d := &Dump{
		UserDetailList: []UserDetail{me,
			{UserName: "boss", Arn: a + "user/boss", AttachedManagedPolicies: []AttachedPolicy{admin}},
			{UserName: "pleb", Arn: a + "user/pleb"}},
		GroupDetailList: []GroupDetail{{GroupName: "admins", Arn: a + "group/admins", AttachedManagedPolicies: []AttachedPolicy{admin}},
			{GroupName: "mine", Arn: a + "group/mine", AttachedManagedPolicies: []AttachedPolicy{{PolicyName: "shared", PolicyArn: a + "policy/shared"}}}},
		RoleDetailList: []RoleDetail{
			{RoleName: "fn-admin", Arn: a + "role/fn-admin", AssumeRolePolicyDocument: trust(`{"Service":"lambda.amazonaws.com"}`), AttachedManagedPolicies: []AttachedPolicy{admin}},
			vm,
			{RoleName: "root-admin", Arn: a + "role/root-admin", AssumeRolePolicyDocument: trust(`{"AWS":"123456789012"}`), AttachedManagedPolicies: []AttachedPolicy{admin}},
		},
		Policies: []ManagedPolicyDetail{{PolicyName: "shared", Arn: a + "policy/shared", DefaultVersionId: "v1", PolicyVersionList: []PolicyVersion{
			{VersionId: "v1", IsDefaultVersion: true, Document: doc(`{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}`)},
			{VersionId: "v2", Document: doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}}}},
	}
	acc, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	return BuildGraph(acc)
}

func TestEscalationTechniques(t *testing.T) {
	const a = "arn:aws:iam::123456789012:"
	allow := func(actions, resource string) string {
		return `{"Effect":"Allow","Action":[` + actions + `],"Resource":"` + resource + `"}`
	}
	tests := []struct {
		name     string
		mine     string
		boundary string
		profile  bool
		want     string // first step's technique; "" = no escalation
		reaches  string
	}{
		{"access key of an admin", allow(`"iam:CreateAccessKey"`, a+"user/boss"), "", false, "iam:CreateAccessKey", a + "user/boss"},
		{"access key of a nobody", allow(`"iam:CreateAccessKey"`, a+"user/pleb"), "", false, "", ""},
		{"password of an admin", allow(`"iam:CreateLoginProfile"`, a+"user/boss"), "", false, "iam:CreateLoginProfile", a + "user/boss"},
		{"policy on itself", allow(`"iam:PutUserPolicy"`, a+"user/me"), "", false, "iam:PutUserPolicy", Admin},
		{"policy on itself, capped by a boundary", allow(`"iam:PutUserPolicy","iam:AttachUserPolicy"`, a+"user/me"), "ReadOnlyAccess", false, "", ""},
		{"policy on itself, boundary allows it but stays", allow(`"iam:PutUserPolicy"`, a+"user/me"), "IAMFullAccess", false, "", ""},
		{"policy on itself, boundary removable", allow(`"iam:PutUserPolicy","iam:DeleteUserPermissionsBoundary"`, a+"user/me"), "IAMFullAccess", false, "iam:PutUserPolicy", Admin},
		{"policy on its group", allow(`"iam:AttachGroupPolicy"`, a+"group/mine"), "", false, "iam:AttachGroupPolicy", Admin},
		{"policy on another group", allow(`"iam:AttachGroupPolicy"`, a+"group/admins"), "", false, "", ""},
		{"new version of its policy", allow(`"iam:CreatePolicyVersion"`, a+"policy/shared"), "", false, "iam:CreatePolicyVersion", Admin},
		{"old admin version made default", allow(`"iam:SetDefaultPolicyVersion"`, a+"policy/shared"), "", false, "iam:SetDefaultPolicyVersion", Admin},
		{"join the admins", allow(`"iam:AddUserToGroup"`, a+"group/admins"), "", false, "iam:AddUserToGroup", a + "group/admins"},
		{"rewrite a trust policy", allow(`"iam:UpdateAssumeRolePolicy"`, a+"role/fn-admin"), "", false, "iam:UpdateAssumeRolePolicy", a + "role/fn-admin"},
		{"assume a role the account trusts", allow(`"sts:AssumeRole"`, a+"role/root-admin"), "", false, "assume", a + "role/root-admin"},
		{"PassRole to Lambda with code", allow(`"iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"`, "*"), "", false, "iam:PassRole", a + "role/fn-admin"},
		{"PassRole to Lambda without CreateFunction", allow(`"iam:PassRole","lambda:InvokeFunction"`, "*"), "", false, "", ""},
		{"PassRole to EC2 with an instance profile", allow(`"iam:PassRole","ec2:RunInstances"`, "*"), "", true, "iam:PassRole", a + "role/vm-admin"},
		{"PassRole to EC2 without an instance profile", allow(`"iam:PassRole","ec2:RunInstances"`, "*"), "", false, "", ""},
		{"an explicit deny stops every technique", allow(`"iam:*","sts:AssumeRole"`, "*") + `,{"Effect":"Deny","Action":["iam:*","sts:*"],"Resource":"*"}`, "", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tiny(t, tt.mine, tt.boundary, tt.profile)
			var mine *Escalation
			for _, e := range g.Escalations() {
				if e.Principal == a+"user/me" {
					mine = &e
				}
			}
			switch {
			case tt.want == "" && mine != nil:
				t.Fatalf("escalates: %+v", mine)
			case tt.want == "":
			case mine == nil:
				t.Fatalf("no escalation, want %s", tt.want)
			case mine.Steps[0].Kind != tt.want || mine.Reaches != tt.reaches:
				t.Fatalf("steps %+v reaching %s, want %s reaching %s", mine.Steps, mine.Reaches, tt.want, tt.reaches)
			}
			if mine != nil && !strings.Contains(mine.Steps[0].String(), "user/me") {
				t.Errorf("step text %q", mine.Steps[0].String())
			}
		})
	}
}
