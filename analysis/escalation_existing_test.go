package analysis

import (
	"strings"
	"testing"
)

// The existing-passrole paths: a resource of the inventory runs as an
// administrator role (and a twin resource as a harmless one); the
// attacker holds exactly the path's permissions on the first, and a twin
// per permission with that one removed.

func catRes(service, resource string) string {
	return "arn:aws:" + service + ":us-east-1:" + catAcct + ":" + resource
}

// existingRunnersOf are the inventory: one resource of each type as the
// administrator role svc-lambda, one as the harmless role hop.
var existingRunnersOf = []Runner{
	{catRes("lambda", "function:deploy"), catARN("role", "svc-lambda")},
	{catRes("lambda", "function:weak"), catARN("role", "hop")},
	{catRes("ec2", "instance/i-0123456789abcdef0"), catARN("role", "svc-ec2")},
	{catRes("ec2", "instance/i-0000000000000weak"), catARN("role", "hop")},
	{catRes("ec2", "launch-template/lt-0123456789abcdef0"), catARN("role", "svc-ec2")},
	{catRes("ec2", "launch-template/lt-000000000000weak"), catARN("role", "hop")},
	{catRes("apprunner", "service/web/8fe1e10304f84fd2b0df550fe98a71fa"), catARN("role", "svc-apprunner")},
	{catRes("ecs", "task/prod/0123456789abcdef"), catARN("role", "svc-ecs")},
	{catRes("ecs", "task/weak/0123456789abcdef"), catARN("role", "hop")},
	{catRes("bedrock-agentcore", "code-interpreter/ci-0123456789"), catARN("role", "svc-agentcore")},
	{catRes("bedrock-agentcore", "code-interpreter/weak-0123456789"), catARN("role", "hop")},
	{catRes("apprunner", "service/weak/8fe1e10304f84fd2b0df550fe98a71fa"), catARN("role", "hop")},
	{catRes("codebuild", "project/release"), catARN("role", "svc-codebuild")},
	{catRes("codebuild", "project/weak"), catARN("role", "hop")},
	{catRes("cloudformation", "stack/infra/0a1b2c3d"), catARN("role", "svc-cfn")},
	{catRes("cloudformation", "stack/weak/0a1b2c3d"), catARN("role", "hop")},
	{catRes("sagemaker", "notebook-instance/lab"), catARN("role", "svc-sagemaker")},
	{catRes("sagemaker", "notebook-instance/weak"), catARN("role", "hop")},
	{catRes("glue", "devEndpoint/etl"), catARN("role", "svc-glue")},
	{catRes("glue", "devEndpoint/weak"), catARN("role", "hop")},
}

var existingCatalogue = []catPath{
	{id: "lambda-003", perms: []catPerm{perm("lambda:UpdateFunctionCode", catRes("lambda", "function:deploy"))}},
	{id: "lambda-004", perms: []catPerm{perm("lambda:UpdateFunctionCode", catRes("lambda", "function:deploy")), perm("lambda:InvokeFunction", catRes("lambda", "function:deploy"))},
		subsumed: []string{"lambda:InvokeFunction"}},
	{id: "lambda-005", perms: []catPerm{perm("lambda:UpdateFunctionCode", catRes("lambda", "function:deploy")), perm("lambda:AddPermission", catRes("lambda", "function:deploy"))},
		subsumed: []string{"lambda:AddPermission"}},
	{id: "apprunner-002", perms: []catPerm{perm("apprunner:UpdateService", catRes("apprunner", "service/web/*"))}},
	{id: "ec2-005", perms: []catPerm{perm("ec2:CreateLaunchTemplateVersion", catRes("ec2", "launch-template/lt-0123456789abcdef0")),
		perm("ec2:ModifyLaunchTemplate", catRes("ec2", "launch-template/lt-0123456789abcdef0"))}},
	{id: "cloudformation-005", perms: []catPerm{perm("cloudformation:CreateChangeSet", catRes("cloudformation", "stack/infra/*")),
		perm("cloudformation:ExecuteChangeSet", catRes("cloudformation", "stack/infra/*"))}},
	{id: "ecs-006", perms: []catPerm{perm("ecs:ExecuteCommand", catRes("ecs", "task/prod/*")), perm("ecs:DescribeTasks", catRes("ecs", "task/prod/*"))}},
	{id: "bedrock-002", perms: []catPerm{perm("bedrock-agentcore:StartCodeInterpreterSession", catRes("bedrock-agentcore", "code-interpreter/ci-*")),
		perm("bedrock-agentcore:InvokeCodeInterpreter", catRes("bedrock-agentcore", "code-interpreter/ci-*"))}},
	{id: "ssm-001", perms: []catPerm{perm("ssm:StartSession", catRes("ec2", "instance/i-0123456789abcdef0"))}},
	{id: "ssm-002", perms: []catPerm{perm("ssm:SendCommand", catRes("ec2", "instance/i-0123456789abcdef0"), "arn:aws:ssm:us-east-1::document/AWS-RunShellScript")}},
	{id: "ec2-002", perms: []catPerm{perm("ec2:ModifyInstanceAttribute", catRes("ec2", "instance/*")), perm("ec2:StopInstances", catRes("ec2", "instance/*")),
		perm("ec2:StartInstances", catRes("ec2", "instance/*"))}},
	{id: "codebuild-002", perms: []catPerm{perm("codebuild:StartBuild", catRes("codebuild", "project/release"))}},
	{id: "codebuild-003", perms: []catPerm{perm("codebuild:StartBuildBatch", catRes("codebuild", "project/rel*"))}},
	{id: "cloudformation-002", perms: []catPerm{perm("cloudformation:UpdateStack", catRes("cloudformation", "stack/infra/*"))}},
	{id: "sagemaker-005", perms: []catPerm{perm("sagemaker:CreateNotebookInstanceLifecycleConfig", catRes("sagemaker", "notebook-instance-lifecycle-config/*")),
		perm("sagemaker:StopNotebookInstance", catRes("sagemaker", "notebook-instance/lab")), perm("sagemaker:UpdateNotebookInstance", catRes("sagemaker", "notebook-instance/lab")),
		perm("sagemaker:StartNotebookInstance", catRes("sagemaker", "notebook-instance/lab"))}},
	{id: "iamd-glue-devendpoint", perms: []catPerm{perm("glue:UpdateDevEndpoint", catRes("glue", "devEndpoint/etl"))}},
}

// existingEscalation runs escalation on a catalogue account with the
// inventory: the attacker's escalation (nil: none) and whether the
// decoys that must not (bounded to S3, or acting on another account's
// resources) do.
func existingEscalation(t *testing.T, perms []catPerm, runners []Runner) (*Escalation, []string) {
	t.Helper()
	a, err := NewAccount(catAccount(perms, false))
	if err != nil {
		t.Fatal(err)
	}
	a.Runners = runners
	var mine *Escalation
	var wrong []string
	for _, e := range BuildGraph(a).Escalations() {
		switch e.Principal {
		case catARN("user", "attacker"):
			e := e
			mine = &e
		case catARN("user", "decoy-bounded"), catARN("user", "decoy-elsewhere"):
			wrong = append(wrong, e.Principal)
		}
	}
	return mine, wrong
}

func TestEscalationExistingPassRole(t *testing.T) {
	for _, path := range existingCatalogue {
		t.Run(path.id, func(t *testing.T) {
			mine, wrong := existingEscalation(t, path.perms, existingRunnersOf)
			if mine == nil || mine.Steps[0].Technique != path.id {
				t.Fatalf("not found as %s: %+v", path.id, mine)
			}
			if len(wrong) > 0 {
				t.Errorf("decoys escalate: %v", wrong)
			}
			// Only through the administrator's resource: the weak ones
			// alone lead nowhere.
			var weak []Runner
			for _, r := range existingRunnersOf {
				if strings.HasSuffix(r.Role, "/hop") {
					weak = append(weak, r)
				}
			}
			if mine, _ := existingEscalation(t, path.perms, weak); mine != nil {
				t.Errorf("escalates through harmless resources: %+v", mine)
			}
			// Without the inventory, nothing.
			if mine, _ := existingEscalation(t, path.perms, nil); mine != nil {
				t.Errorf("escalates without the inventory: %+v", mine)
			}
			for _, p := range path.perms {
				want := false
				for _, s := range path.subsumed {
					want = want || s == p.action
				}
				mine, _ := existingEscalation(t, without(path.perms, p.action), existingRunnersOf)
				if (mine != nil) != want {
					t.Errorf("without %s: escalates %v, want %v (%+v)", p.action, mine != nil, want, mine)
				}
			}
		})
	}
	// Every technique of the category has its path here.
	ids := map[string]bool{}
	for _, p := range existingCatalogue {
		ids[p.id] = true
	}
	for _, tq := range Techniques() {
		if tq.Category == CategoryExisting && !ids[tq.ID] {
			t.Errorf("technique %s has no test path", tq.ID)
		}
	}
}

// ssm:SendCommand on the instance alone is not enough: the command's
// document must be allowed too.
func TestEscalationSendCommandNeedsDocument(t *testing.T) {
	perms := []catPerm{perm("ssm:SendCommand", catRes("ec2", "instance/i-0123456789abcdef0"))}
	if mine, _ := existingEscalation(t, perms, existingRunnersOf); mine != nil {
		t.Errorf("escalates without the document: %+v", mine)
	}
}

// Lines with a role and no policy are the inventory.
func TestResourcePoliciesRoleLines(t *testing.T) {
	lines, err := ReadResourcePolicies(strings.NewReader(`{"arn":"` + catRes("lambda", "function:deploy") + `","role":"` + catARN("role", "svc-lambda") + `"}` + "\n"))
	if err != nil || len(lines) != 1 {
		t.Fatalf("%v %v", lines, err)
	}
	a, err := NewAccount(catAccount([]catPerm{perm("lambda:UpdateFunctionCode", "*")}, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddResourcePolicies(lines); err != nil || len(a.Runners) != 1 || len(a.Resources) != 0 {
		t.Fatalf("runners %v resources %v: %v", a.Runners, a.Resources, err)
	}
	for _, bad := range []string{`{"arn":"` + catRes("lambda", "function:x") + `","role":"arn:aws:iam::` + catAcct + `:user/u"}`, `{"arn":"` + catRes("lambda", "function:x") + `"}`} {
		if _, err := ReadResourcePolicies(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// ssm-003: pass a role trusting Systems Manager to an Automation document
// of the attacker's; each of the three permissions is needed, and who-can
// lists the attacker through ssm.amazonaws.com (the derived table).
func TestEscalationSSMAutomation(t *testing.T) {
	perms := passPath("ssm-003", "iam:PassRole + ssm:CreateDocument + ssm:StartAutomationExecution", []string{"svc-ssm"},
		map[string]string{"ssm:CreateDocument": "arn:aws:ssm:*:" + catAcct + ":document/run-*", "ssm:StartAutomationExecution": "arn:aws:ssm:*:" + catAcct + ":document/run-*"}).perms
	run := func(perms []catPerm) (*Escalation, string) {
		d := catAccount(perms, false)
		d.RoleDetailList = append(d.RoleDetailList, RoleDetail{RoleName: "svc-ssm", Arn: catARN("role", "svc-ssm"),
			AssumeRolePolicyDocument: catDoc(`{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}`),
			AttachedManagedPolicies:  []AttachedPolicy{{PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}}})
		a, err := NewAccount(d)
		if err != nil {
			t.Fatal(err)
		}
		g := BuildGraph(a)
		through := ""
		for _, r := range g.WhoCan("iam:CreateUser", catARN("user", "new"), nil) {
			if r.Principal == catARN("user", "attacker") {
				through = r.Through
			}
		}
		for _, e := range g.Escalations() {
			if e.Principal == catARN("user", "attacker") {
				return &e, through
			}
		}
		return nil, through
	}
	mine, through := run(perms)
	if mine == nil || mine.Steps[0].Technique != "ssm-003" || through != "ssm.amazonaws.com" {
		t.Fatalf("ssm-003: %+v, through %q", mine, through)
	}
	for _, p := range perms {
		if mine, through := run(without(perms, p.action)); mine != nil || through != "" {
			t.Errorf("without %s: %+v, through %q", p.action, mine, through)
		}
	}
}
