package analysis

import (
	"sort"
	"strings"
	"testing"

	"github.com/iamd/iamd/policy"
)

// Every catalogue path is found by the technique carrying its id, and the
// technique needs exactly the permissions the catalogue names.
func TestCatalogueTechniqueIDs(t *testing.T) {
	byID := map[string]Technique{}
	for _, tq := range Techniques() {
		if _, dup := byID[tq.ID]; dup {
			t.Errorf("technique %s listed twice", tq.ID)
		}
		byID[tq.ID] = tq
	}
	for _, path := range catalogue {
		tq, ok := byID[path.id]
		if !ok {
			t.Errorf("%s: no technique", path.id)
			continue
		}
		var want []string
		for _, p := range path.perms {
			want = append(want, p.action)
		}
		got := strings.Split(tq.Name, " + ")
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: technique needs %v, the catalogue %v", path.id, got, want)
		}
		mine, _ := catEscalations(t, path.perms, path.role)
		if mine == nil {
			t.Errorf("%s: not found", path.id)
			continue
		}
		if mine.Steps[0].Technique != path.id {
			t.Errorf("%s: first step is %s: %+v", path.id, mine.Steps[0].Technique, mine.Steps)
		}
	}
}

// attackWith is a catalogue account whose attacker holds exactly stmts.
func attackWith(t *testing.T, scps []string, stmts ...string) *Escalation {
	t.Helper()
	d := catAccount(nil, false)
	for i := range d.UserDetailList {
		if d.UserDetailList[i].UserName == "attacker" {
			d.UserDetailList[i].UserPolicyList = []PolicyDetail{{PolicyName: "attack", PolicyDocument: catDoc(stmts...)}}
		}
	}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scps {
		a.SCPs = append(a.SCPs, policy.NewSet(policy.MustParse(string(catDoc(s)), policy.Source{ID: "scp", Type: "scp"})))
	}
	for _, e := range BuildGraph(a).Escalations() {
		if e.Principal == catARN("user", "attacker") {
			return &e
		}
	}
	return nil
}

func TestEscalationConditionsBoundariesSCPs(t *testing.T) {
	allow := func(actions []string, resources ...string) string { return catStmt("Allow", actions, resources, "") }
	lambda := []string{"lambda:CreateFunction", "lambda:InvokeFunction"}
	passLambda := allow([]string{"iam:PassRole"}, catARN("role", "svc-lambda"))
	fullAccess := catStmt("Allow", []string{"*"}, []string{"*"}, "")
	tests := []struct {
		name  string
		scps  []string
		stmts []string
		want  string // first technique; "" = none
		cond  bool
	}{
		{"PassRole limited to the service the role is passed to", nil, []string{allow(lambda, "*"),
			catStmt("Allow", []string{"iam:PassRole"}, []string{"*"}, `{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}`)}, "lambda-001", false},
		{"PassRole limited to another service", nil, []string{allow(lambda, "*"),
			catStmt("Allow", []string{"iam:PassRole"}, []string{"*"}, `{"StringEquals":{"iam:PassedToService":"glue.amazonaws.com"}}`)}, "", false},
		{"functions it creates and those it invokes differ", nil, []string{passLambda,
			allow([]string{"lambda:CreateFunction"}, "arn:aws:lambda:*:"+catAcct+":function:a-*"),
			allow([]string{"lambda:InvokeFunction"}, "arn:aws:lambda:*:"+catAcct+":function:b-*")}, "", false},
		{"functions only in another account", nil, []string{passLambda, allow(lambda, "arn:aws:lambda:*:999999999999:function:*")}, "", false},
		{"scoped stack with a deny on its prefix", nil, []string{allow([]string{"iam:PassRole"}, catARN("role", "svc-cfn")),
			allow([]string{"cloudformation:CreateStack"}, "arn:aws:cloudformation:*:*:stack/app-*/*"),
			catStmt("Deny", []string{"cloudformation:CreateStack"}, []string{"arn:aws:cloudformation:*:*:stack/app-*"}, "")}, "", false},
		{"an SCP allowing everything", []string{fullAccess}, []string{passLambda, allow(lambda, "*")}, "lambda-001", false},
		{"an SCP denying PassRole", []string{fullAccess, catStmt("Deny", []string{"iam:PassRole"}, []string{"*"}, "")}, []string{passLambda, allow(lambda, "*")}, "", false},
		{"an SCP allowing only S3", []string{catStmt("Allow", []string{"s3:*"}, []string{"*"}, "")}, []string{allow([]string{"iam:CreateAccessKey"}, catARN("user", "boss"))}, "", false},
		{"AttachUserPolicy but never AdministratorAccess", nil, []string{catStmt("Allow", []string{"iam:AttachUserPolicy"}, []string{catARN("user", "attacker")},
			`{"ArnNotEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}`)}, "", false},
		{"PutUserPolicy on itself under that condition still escalates", nil, []string{catStmt("Allow", []string{"iam:PutUserPolicy"}, []string{catARN("user", "attacker")},
			`{"ArnNotEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}`)}, "iam-007", false},
		{"Cognito: the trust holds if its pool conditions do", nil, []string{allow([]string{"iam:PassRole"}, catARN("role", "svc-cognito")),
			allow([]string{"cognito-identity:SetIdentityPoolRoles"}, "*")}, "cognitoidentity-001", true},
		{"Step Functions (not in the catalogue)", nil, []string{allow([]string{"iam:PassRole"}, catARN("role", "svc-states")),
			allow([]string{"states:CreateStateMachine", "states:StartExecution"}, "*")}, "iamd-stepfunctions", false},
		{"actions that take no resource granted on an ARN only", nil, []string{allow([]string{"iam:PassRole"}, catARN("role", "svc-datapipeline")),
			allow([]string{"datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"}, "arn:aws:datapipeline:*:"+catAcct+":pipeline/*")}, "", false},
		{"EMR without a service role to pass", nil, []string{allow([]string{"iam:PassRole"}, catARN("role", "svc-ec2")),
			allow([]string{"elasticmapreduce:RunJobFlow"}, "*")}, "", false},
		{"NotAction: everything but IAM writes except PassRole", nil, []string{catStmt("Allow", []string{"iam:PassRole"}, []string{"*"}, ""),
			`{"Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}`}, "bedrock-005", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := attackWith(t, tt.scps, tt.stmts...)
			switch {
			case tt.want == "" && e != nil:
				t.Fatalf("escalates: %+v", e.Steps)
			case tt.want == "":
			case e == nil:
				t.Fatalf("no escalation, want %s", tt.want)
			case e.Steps[0].Technique != tt.want || e.Conditional != tt.cond:
				t.Fatalf("steps %+v (conditional %v), want %s (conditional %v)", e.Steps, e.Conditional, tt.want, tt.cond)
			}
		})
	}
}

// Modifying another principal gives its access only when no boundary caps
// what is written, or the attacker can remove the boundary.
func TestEscalationTargetBoundary(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
		want  bool
	}{
		{"bounded victim", nil, false},
		{"boundary removable", []string{"iam:DeleteUserPermissionsBoundary"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := catAccount(nil, false)
			for i := range d.UserDetailList {
				u := &d.UserDetailList[i]
				switch u.UserName {
				case "victim":
					u.PermissionsBoundary = &PermissionsBound{PermissionsBoundaryArn: catARN("policy", "s3-only")}
				case "attacker":
					u.UserPolicyList = []PolicyDetail{{PolicyName: "attack", PolicyDocument: catDoc(catStmt("Allow",
						append([]string{"iam:AttachUserPolicy", "iam:CreateAccessKey"}, tt.extra...), []string{catARN("user", "victim")}, ""))}}
				}
			}
			a, _ := NewAccount(d)
			got := false
			for _, e := range BuildGraph(a).Escalations() {
				got = got || e.Principal == catARN("user", "attacker")
			}
			if got != tt.want {
				t.Fatalf("escalates %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEscalationWitness(t *testing.T) {
	g := tiny(t, `{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}`, "", false)
	const acct = "123456789012"
	tests := []struct {
		template, pattern, want string
	}{
		{cfnStack, "arn:aws:cloudformation:us-east-1:" + acct + ":stack/app-*/*", "arn:aws:cloudformation:us-east-1:" + acct + ":stack/app-x/x"},
		{cfnStack, "arn:aws:cloudformation:*:*:*", "arn:aws:cloudformation:us-east-1:" + acct + ":stack/iamd-probe/iamd-probe"},
		{cfnStack, "arn:aws:cloudformation:eu-*:" + acct + ":stack/app-?/*", "arn:aws:cloudformation:eu-x:" + acct + ":stack/app-x/x"},
		{cfnStack, "arn:aws:cloudformation:*:999999999999:stack/*", ""}, // another account
		{cfnStack, "arn:aws:cloudformation:*:*:stackset/*", ""},         // another type
		{cfnStack, "arn:aws:lambda:*:*:function:*", ""},                 // another service
		{cfnStack, "*", ""}, // the default covers it
		{cfnSet, "arn:aws:cloudformation:*:*:stackset/shared-*", "arn:aws:cloudformation:us-east-1:" + acct + ":stackset/shared-x:x"},
		{lambdaFn, "arn:aws:lambda:*:" + acct + ":function:fn-*", "arn:aws:lambda:us-east-1:" + acct + ":function:fn-x"},
		{lambdaFn, "arn:aws-cn:lambda:*:*:function:*", ""}, // another partition
		{"*", "arn:aws:datapipeline:*:*:pipeline/*", ""},   // the action takes no resource: only "*" allows it
	}
	for _, tt := range tests {
		got, ok := g.witness(tt.template, tt.pattern)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("witness(%s, %s) = %q, want %q", tt.template, tt.pattern, got, tt.want)
		}
	}
}

// A service trust guarded by aws:SourceAccount holds for a function the
// attacker creates in its own account, not when it names another account.
func TestEscalationSourceAccountTrust(t *testing.T) {
	for _, tt := range []struct {
		name, account string
		want          bool
	}{{"own account", catAcct, true}, {"another account", "999999999999", false}} {
		t.Run(tt.name, func(t *testing.T) {
			d := catAccount(nil, false)
			d.RoleDetailList = append(d.RoleDetailList, RoleDetail{RoleName: "guarded", Arn: catARN("role", "guarded"),
				AttachedManagedPolicies: []AttachedPolicy{{PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}},
				AssumeRolePolicyDocument: catDoc(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole",` +
					`"Condition":{"StringEquals":{"aws:SourceAccount":"` + tt.account + `"}}}`)})
			for i := range d.UserDetailList {
				if d.UserDetailList[i].UserName == "attacker" {
					d.UserDetailList[i].UserPolicyList = []PolicyDetail{{PolicyName: "attack", PolicyDocument: catDoc(
						catStmt("Allow", []string{"iam:PassRole"}, []string{catARN("role", "guarded")}, ""),
						catStmt("Allow", []string{"lambda:CreateFunction", "lambda:InvokeFunction"}, []string{"*"}, ""))}}
				}
			}
			a, _ := NewAccount(d)
			var got *Escalation
			for _, e := range BuildGraph(a).Escalations() {
				if e.Principal == catARN("user", "attacker") {
					got = &e
				}
			}
			if (got != nil) != tt.want || got != nil && (got.Steps[0].Technique != "lambda-001" || got.Conditional) {
				t.Fatalf("escalation %+v, want %v", got, tt.want)
			}
		})
	}
}
