package analysis

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// One generated account per path of the public catalogue (DataDog's
// pathfinding.cloud, data/paths/aws/*/*.yaml, the 65 paths an account dump
// can show), with the attacker holding exactly the path's permissions,
// and a twin per permission with that one removed. Decoys hold near
// misses. Only the public API (Escalations) is used, so the same test
// measures any version of the engine.

const catAcct = "123456789012"

func catARN(kind, name string) string { return "arn:aws:iam::" + catAcct + ":" + kind + "/" + name }

// catPerm is one permission of the attacker: an action on resources.
type catPerm struct {
	action    string
	resources []string
}

type catPath struct {
	id    string
	perms []catPerm
	role  bool // the attacker is a role (paths on "the role itself")
	// subsumed are the permissions whose removal leaves another catalogue
	// path whole: their twin still escalates.
	subsumed []string
}

func perm(action string, resources ...string) catPerm {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	return catPerm{action, resources}
}

// passPath builds a new-passrole path from the catalogue's name ("iam:PassRole
// + svc:A + svc:B"), passing the given roles; scoped overrides resources.
func passPath(id, name string, roles []string, scoped map[string]string, subsumed ...string) catPath {
	var perms []catPerm
	for _, act := range strings.Split(name, " + ") {
		switch {
		case act == "iam:PassRole":
			var res []string
			for _, r := range roles {
				res = append(res, catARN("role", r))
			}
			perms = append(perms, perm(act, res...))
		case scoped[act] != "":
			perms = append(perms, perm(act, scoped[act]))
		default:
			perms = append(perms, perm(act))
		}
	}
	return catPath{id: id, perms: perms, subsumed: subsumed}
}

func one(r string) []string { return []string{r} }

var catalogue = []catPath{
	// self-escalation
	{id: "iam-001", perms: []catPerm{perm("iam:CreatePolicyVersion", catARN("policy", "team-policy"))}},
	{id: "iam-005", role: true, perms: []catPerm{perm("iam:PutRolePolicy", catARN("role", "attacker"))}},
	{id: "iam-007", perms: []catPerm{perm("iam:PutUserPolicy", catARN("user", "attacker"))}},
	{id: "iam-008", perms: []catPerm{perm("iam:AttachUserPolicy", catARN("user", "attacker"))}},
	{id: "iam-009", role: true, perms: []catPerm{perm("iam:AttachRolePolicy", catARN("role", "attacker"))}},
	{id: "iam-010", perms: []catPerm{perm("iam:AttachGroupPolicy", catARN("group", "team"))}},
	{id: "iam-011", perms: []catPerm{perm("iam:PutGroupPolicy", catARN("group", "team"))}},
	{id: "iam-013", perms: []catPerm{perm("iam:AddUserToGroup", catARN("group", "admins"))}},
	// principal access
	{id: "iam-002", perms: []catPerm{perm("iam:CreateAccessKey", catARN("user", "boss"))}},
	{id: "iam-003", perms: []catPerm{perm("iam:CreateAccessKey", catARN("user", "boss")), perm("iam:DeleteAccessKey", catARN("user", "boss"))}, subsumed: []string{"iam:DeleteAccessKey"}},
	{id: "iam-004", perms: []catPerm{perm("iam:CreateLoginProfile", catARN("user", "boss"))}},
	{id: "iam-006", perms: []catPerm{perm("iam:UpdateLoginProfile", catARN("user", "boss"))}},
	{id: "iam-012", perms: []catPerm{perm("iam:UpdateAssumeRolePolicy", catARN("role", "vault"))}},
	{id: "iam-014", perms: []catPerm{perm("iam:AttachRolePolicy", catARN("role", "hop")), perm("sts:AssumeRole", catARN("role", "hop"))}},
	{id: "iam-015", perms: []catPerm{perm("iam:AttachUserPolicy", catARN("user", "victim")), perm("iam:CreateAccessKey", catARN("user", "victim"))}},
	{id: "iam-016", perms: []catPerm{perm("iam:CreatePolicyVersion", catARN("policy", "hop-policy")), perm("sts:AssumeRole", catARN("role", "hop"))}},
	{id: "iam-017", perms: []catPerm{perm("iam:PutRolePolicy", catARN("role", "hop")), perm("sts:AssumeRole", catARN("role", "hop"))}},
	{id: "iam-018", perms: []catPerm{perm("iam:PutUserPolicy", catARN("user", "victim")), perm("iam:CreateAccessKey", catARN("user", "victim"))}},
	{id: "iam-019", perms: []catPerm{perm("iam:AttachRolePolicy", catARN("role", "locked")), perm("iam:UpdateAssumeRolePolicy", catARN("role", "locked"))}},
	{id: "iam-020", perms: []catPerm{perm("iam:CreatePolicyVersion", catARN("policy", "locked-policy")), perm("iam:UpdateAssumeRolePolicy", catARN("role", "locked"))}},
	{id: "iam-021", perms: []catPerm{perm("iam:PutRolePolicy", catARN("role", "locked")), perm("iam:UpdateAssumeRolePolicy", catARN("role", "locked"))}},
	{id: "sts-001", perms: []catPerm{perm("sts:AssumeRole", catARN("role", "ops-admin"))}},
	// new-passrole, named as the catalogue names them
	passPath("apprunner-001", "iam:PassRole + apprunner:CreateService", one("svc-apprunner"), nil),
	passPath("batch-001", "iam:PassRole + batch:RegisterJobDefinition + batch:SubmitJob", one("svc-ecs"), nil),
	passPath("batch-003", "iam:PassRole + batch:CreateComputeEnvironment + batch:CreateJobQueue + batch:RegisterJobDefinition + batch:SubmitJob", one("svc-ecs"), nil,
		"batch:CreateComputeEnvironment", "batch:CreateJobQueue"),
	passPath("bedrock-001", "iam:PassRole + bedrock-agentcore:CreateCodeInterpreter + bedrock-agentcore:StartCodeInterpreterSession + bedrock-agentcore:InvokeCodeInterpreter", one("svc-agentcore"), nil),
	passPath("bedrock-003", "iam:PassRole + bedrock-agentcore:CreateAgentRuntime + bedrock-agentcore:CreateAgentRuntimeEndpoint + bedrock-agentcore:CreateWorkloadIdentity + bedrock-agentcore:InvokeAgentRuntimeCommand", one("svc-agentcore"), nil),
	passPath("bedrock-005", "iam:PassRole + bedrock-agentcore:CreateHarness + bedrock-agentcore:CreateAgentRuntime + bedrock-agentcore:CreateAgentRuntimeEndpoint + bedrock-agentcore:CreateWorkloadIdentity + bedrock-agentcore:GetAgentRuntime + bedrock-agentcore:GetHarness + bedrock-agentcore:InvokeAgentRuntimeCommand", one("svc-agentcore"), nil,
		"bedrock-agentcore:CreateHarness", "bedrock-agentcore:GetAgentRuntime", "bedrock-agentcore:GetHarness"),
	passPath("bedrock-006", "iam:PassRole + bedrock-agentcore:CreateBrowser + bedrock-agentcore:StartBrowserSession + bedrock-agentcore:ConnectBrowserAutomationStream", one("svc-agentcore"), nil),
	passPath("braket-001", "iam:PassRole + braket:CreateJob", one("svc-braket"), nil),
	// The case: CreateStack only on stack/app-*/*.
	passPath("cloudformation-001", "iam:PassRole + cloudformation:CreateStack", one("svc-cfn"), map[string]string{"cloudformation:CreateStack": "arn:aws:cloudformation:us-east-1:" + catAcct + ":stack/app-*/*"}),
	passPath("cloudformation-003", "iam:PassRole + cloudformation:CreateStackSet + cloudformation:CreateStackInstances", one("svc-cfn"), nil),
	passPath("cloudformation-004", "iam:PassRole + cloudformation:UpdateStackSet", one("svc-cfn"), map[string]string{"cloudformation:UpdateStackSet": "arn:aws:cloudformation:*:*:stackset/shared-*"}),
	passPath("codebuild-001", "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild", one("svc-codebuild"), map[string]string{"codebuild:CreateProject": "arn:aws:codebuild:*:" + catAcct + ":project/ci-*", "codebuild:StartBuild": "arn:aws:codebuild:*:" + catAcct + ":project/ci-*"}),
	passPath("codebuild-004", "iam:PassRole + codebuild:CreateProject + codebuild:StartBuildBatch", one("svc-codebuild"), nil),
	passPath("cognitoidentity-001", "iam:PassRole + cognito-identity:SetIdentityPoolRoles", one("svc-cognito"), nil),
	passPath("datapipeline-001", "iam:PassRole + datapipeline:CreatePipeline + datapipeline:PutPipelineDefinition + datapipeline:ActivatePipeline", one("svc-datapipeline"), nil),
	passPath("ec2-001", "iam:PassRole + ec2:RunInstances", one("svc-ec2"), map[string]string{"ec2:RunInstances": "arn:aws:ec2:*:*:instance/*"}),
	passPath("ec2-004", "iam:PassRole + ec2:RequestSpotInstances", one("svc-ec2"), nil),
	passPath("ecs-001", "iam:PassRole + ecs:CreateCluster + ecs:RegisterTaskDefinition + ecs:CreateService", one("svc-ecs"), nil, "ecs:CreateCluster"),
	passPath("ecs-002", "iam:PassRole + ecs:CreateCluster + ecs:RegisterTaskDefinition + ecs:RunTask", one("svc-ecs"), nil, "ecs:CreateCluster", "ecs:RegisterTaskDefinition"),
	passPath("ecs-003", "iam:PassRole + ecs:RegisterTaskDefinition + ecs:CreateService", one("svc-ecs"), nil),
	passPath("ecs-004", "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask", one("svc-ecs"), nil, "ecs:RegisterTaskDefinition"),
	passPath("ecs-005", "iam:PassRole + ecs:RegisterTaskDefinition + ecs:StartTask", one("svc-ecs"), nil, "ecs:RegisterTaskDefinition"),
	passPath("ecs-007", "iam:PassRole + ecs:RegisterContainerInstance + ecs:StartTask + ecs:DeregisterContainerInstance", one("svc-ecs"), nil, "ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance"),
	passPath("ecs-008", "iam:PassRole + ecs:RunTask", one("svc-ecs"), nil),
	passPath("ecs-009", "iam:PassRole + ecs:StartTask", one("svc-ecs"), nil),
	passPath("emr-001", "iam:PassRole + elasticmapreduce:RunJobFlow", []string{"svc-ec2", "emr-service"}, nil),
	passPath("emrserverless-001", "iam:PassRole + emr-serverless:CreateApplication + emr-serverless:StartJobRun", one("svc-emrserverless"), nil),
	passPath("gamelift-001", "iam:PassRole + gamelift:CreateBuild + gamelift:CreateFleet + gamelift:RequestUploadCredentials", one("svc-gamelift"), nil),
	passPath("glue-001", "iam:PassRole + glue:CreateDevEndpoint", one("svc-glue"), nil),
	passPath("glue-003", "iam:PassRole + glue:CreateJob + glue:StartJobRun", one("svc-glue"), map[string]string{"glue:CreateJob": "arn:aws:glue:us-east-1:" + catAcct + ":job/etl-*", "glue:StartJobRun": "arn:aws:glue:us-east-1:" + catAcct + ":job/etl-*"}),
	passPath("glue-004", "iam:PassRole + glue:CreateJob + glue:CreateTrigger", one("svc-glue"), nil),
	passPath("glue-005", "iam:PassRole + glue:UpdateJob + glue:StartJobRun", one("svc-glue"), nil),
	passPath("glue-006", "iam:PassRole + glue:UpdateJob + glue:CreateTrigger", one("svc-glue"), nil),
	passPath("glue-007", "iam:PassRole + glue:CreateSession + glue:RunStatement", one("svc-glue"), nil),
	passPath("imagebuilder-001", "iam:PassRole + imagebuilder:CreateComponent + imagebuilder:CreateImageRecipe + imagebuilder:CreateInfrastructureConfiguration + imagebuilder:CreateImage", one("svc-ec2"), nil),
	passPath("kinesisanalytics-001", "iam:PassRole + kinesisanalytics:CreateApplication + kinesisanalytics:StartApplication", one("svc-kinesis"), nil),
	passPath("lambda-001", "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction", one("svc-lambda"), map[string]string{"lambda:CreateFunction": "arn:aws:lambda:*:" + catAcct + ":function:fn-*", "lambda:InvokeFunction": "arn:aws:lambda:*:" + catAcct + ":function:fn-*"}),
	passPath("lambda-002", "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping", one("svc-lambda"), nil),
	passPath("lambda-006", "iam:PassRole + lambda:CreateFunction + lambda:AddPermission", one("svc-lambda"), nil),
	passPath("omics-001", "iam:PassRole + omics:CreateWorkflow + omics:StartRun", one("svc-omics"), nil),
	passPath("sagemaker-001", "iam:PassRole + sagemaker:CreateNotebookInstance", one("svc-sagemaker"), nil),
	passPath("sagemaker-002", "iam:PassRole + sagemaker:CreateTrainingJob", one("svc-sagemaker"), nil),
	passPath("sagemaker-004", "iam:PassRole + sagemaker:CreateProcessingJob", one("svc-sagemaker"), nil),
}

// catDoc is a policy document from statements.
func catDoc(stmts ...string) Document {
	return Document(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)
}

func catStmt(effect string, actions, resources []string, cond string) string {
	a, _ := json.Marshal(actions)
	r, _ := json.Marshal(resources)
	s := `{"Effect":"` + effect + `","Action":` + string(a) + `,"Resource":` + string(r)
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return s + "}"
}

// catServiceRoles are the administrator roles each service may be passed.
var catServiceRoles = map[string]string{
	"svc-apprunner": "tasks.apprunner.amazonaws.com", "svc-ecs": "ecs-tasks.amazonaws.com",
	"svc-agentcore": "bedrock-agentcore.amazonaws.com", "svc-braket": "braket.amazonaws.com",
	"svc-cfn": "cloudformation.amazonaws.com", "svc-codebuild": "codebuild.amazonaws.com",
	"svc-datapipeline": "datapipeline.amazonaws.com", "svc-ec2": "ec2.amazonaws.com",
	"svc-emrserverless": "emr-serverless.amazonaws.com", "svc-gamelift": "gamelift.amazonaws.com",
	"svc-glue": "glue.amazonaws.com", "svc-kinesis": "kinesisanalytics.amazonaws.com",
	"svc-lambda": "lambda.amazonaws.com", "svc-omics": "omics.amazonaws.com",
	"svc-sagemaker": "sagemaker.amazonaws.com", "svc-states": "states.amazonaws.com",
}

// catAccount builds the account of one path: the attacker with perms,
// targets for every path, and decoys that must never escalate.
func catAccount(perms []catPerm, attackerIsRole bool) *Dump {
	admin := AttachedPolicy{PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}
	harmless := catDoc(catStmt("Allow", []string{"s3:ListAllMyBuckets"}, []string{"*"}, ""))
	managed := func(name string, doc Document) ManagedPolicyDetail {
		return ManagedPolicyDetail{PolicyName: name, Arn: catARN("policy", name), DefaultVersionId: "v1",
			PolicyVersionList: []PolicyVersion{{VersionId: "v1", IsDefaultVersion: true, Document: doc}}}
	}
	attached := func(name string) AttachedPolicy {
		return AttachedPolicy{PolicyName: name, PolicyArn: catARN("policy", name)}
	}
	trust := func(principal string) Document {
		return catDoc(`{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}`)
	}
	var stmts []string
	for _, p := range perms {
		stmts = append(stmts, catStmt("Allow", []string{p.action}, p.resources, ""))
	}
	attackPolicy := []PolicyDetail{{PolicyName: "attack", PolicyDocument: catDoc(append(stmts, catStmt("Allow", []string{"s3:GetObject"}, []string{"*"}, ""))...)}}

	// Every action a technique uses, for decoys that hold all but one thing.
	everything := []string{"lambda:*", "ec2:*", "cloudformation:*", "glue:*", "codebuild:*", "ecs:*", "sagemaker:*",
		"datapipeline:*", "apprunner:*", "batch:*", "bedrock-agentcore:*", "braket:*", "cognito-identity:*",
		"elasticmapreduce:*", "emr-serverless:*", "gamelift:*", "imagebuilder:*", "kinesisanalytics:*", "omics:*", "states:*"}
	d := &Dump{
		Policies: []ManagedPolicyDetail{managed("team-policy", harmless), managed("hop-policy", harmless), managed("locked-policy", harmless),
			managed("s3-only", catDoc(catStmt("Allow", []string{"s3:*"}, []string{"*"}, "")))},
		GroupDetailList: []GroupDetail{
			{GroupName: "team", Arn: catARN("group", "team"), AttachedManagedPolicies: []AttachedPolicy{attached("team-policy")}},
			{GroupName: "admins", Arn: catARN("group", "admins"), AttachedManagedPolicies: []AttachedPolicy{admin}},
		},
		UserDetailList: []UserDetail{
			{UserName: "boss", Arn: catARN("user", "boss"), AttachedManagedPolicies: []AttachedPolicy{admin}},
			{UserName: "victim", Arn: catARN("user", "victim")},
			// Every service action, but PassRole only to a service no role trusts.
			{UserName: "decoy-passedto", Arn: catARN("user", "decoy-passedto"), UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: catDoc(
				catStmt("Allow", everything, []string{"*"}, ""),
				catStmt("Allow", []string{"iam:PassRole"}, []string{"*"}, `{"StringEquals":{"iam:PassedToService":"logs.amazonaws.com"}}`))}}},
			// Every service action, PassRole only on roles that trust no service.
			{UserName: "decoy-wrongrole", Arn: catARN("user", "decoy-wrongrole"), UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: catDoc(
				catStmt("Allow", everything, []string{"*"}, ""),
				catStmt("Allow", []string{"iam:PassRole"}, []string{catARN("role", "hop"), catARN("role", "vault"), catARN("role", "emr-service")}, ""))}}},
			// Everything on everything, capped by a boundary of S3 only.
			{UserName: "decoy-bounded", Arn: catARN("user", "decoy-bounded"), PermissionsBoundary: &PermissionsBound{PermissionsBoundaryArn: catARN("policy", "s3-only")},
				UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: catDoc(catStmt("Allow", []string{"*"}, []string{"*"}, ""))}}},
			// Everything but IAM and STS.
			{UserName: "decoy-denied", Arn: catARN("user", "decoy-denied"), UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: catDoc(
				catStmt("Allow", []string{"*"}, []string{"*"}, ""), catStmt("Deny", []string{"iam:*", "sts:*"}, []string{"*"}, ""))}}},
			// Service actions on resources of another account, or of another
			// type, with PassRole on everything.
			{UserName: "decoy-elsewhere", Arn: catARN("user", "decoy-elsewhere"), UserPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: catDoc(
				catStmt("Allow", []string{"iam:PassRole"}, []string{"*"}, ""),
				catStmt("Allow", []string{"lambda:*", "glue:*", "codebuild:*", "sagemaker:*", "states:*"}, []string{"arn:aws:*:*:999999999999:*"}, ""),
				catStmt("Allow", []string{"cloudformation:CreateStack"}, []string{"arn:aws:cloudformation:*:*:stackset/*"}, ""),
				catStmt("Allow", []string{"ec2:RunInstances"}, []string{"arn:aws:ec2:*:*:volume/*"}, ""))}}},
		},
		RoleDetailList: []RoleDetail{
			{RoleName: "hop", Arn: catARN("role", "hop"), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + catAcct + `:root"}`), AttachedManagedPolicies: []AttachedPolicy{attached("hop-policy")}},
			{RoleName: "locked", Arn: catARN("role", "locked"), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::999999999999:root"}`), AttachedManagedPolicies: []AttachedPolicy{attached("locked-policy")}},
			{RoleName: "vault", Arn: catARN("role", "vault"), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::999999999999:root"}`), AttachedManagedPolicies: []AttachedPolicy{admin}},
			{RoleName: "ops-admin", Arn: catARN("role", "ops-admin"), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + catAcct + `:root"}`), AttachedManagedPolicies: []AttachedPolicy{admin}},
			{RoleName: "emr-service", Arn: catARN("role", "emr-service"), AssumeRolePolicyDocument: trust(`{"Service":"elasticmapreduce.amazonaws.com"}`)},
			{RoleName: "svc-cognito", Arn: catARN("role", "svc-cognito"), AttachedManagedPolicies: []AttachedPolicy{admin},
				AssumeRolePolicyDocument: catDoc(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",` +
					`"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:00000000-0000-0000-0000-000000000000"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}`)},
		},
	}
	names := make([]string, 0, len(catServiceRoles))
	for n := range catServiceRoles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := RoleDetail{RoleName: n, Arn: catARN("role", n), AssumeRolePolicyDocument: trust(`{"Service":"` + catServiceRoles[n] + `"}`), AttachedManagedPolicies: []AttachedPolicy{admin}}
		if n == "svc-ec2" {
			r.InstanceProfileList = []InstanceProfile{{InstanceProfileName: "svc-ec2"}}
		}
		d.RoleDetailList = append(d.RoleDetailList, r)
	}
	if attackerIsRole {
		d.RoleDetailList = append(d.RoleDetailList, RoleDetail{RoleName: "attacker", Arn: catARN("role", "attacker"),
			AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::999999999999:root"}`), RolePolicyList: attackPolicy})
	} else {
		d.UserDetailList = append(d.UserDetailList, UserDetail{UserName: "attacker", Arn: catARN("user", "attacker"), GroupList: []string{"team"}, UserPolicyList: attackPolicy})
	}
	return d
}

func catAttacker(role bool) string {
	if role {
		return catARN("role", "attacker")
	}
	return catARN("user", "attacker")
}

// catEscalations runs escalation on one account: whether the attacker
// escalates (its escalation, if so), and who else does (false positives).
func catEscalations(t *testing.T, perms []catPerm, role bool) (*Escalation, []string) {
	t.Helper()
	a, err := NewAccount(catAccount(perms, role))
	if err != nil {
		t.Fatal(err)
	}
	var mine *Escalation
	var others []string
	for _, e := range BuildGraph(a).Escalations() {
		if e.Principal == catAttacker(role) {
			e := e
			mine = &e
		} else {
			others = append(others, e.Principal)
		}
	}
	return mine, others
}

func without(perms []catPerm, action string) []catPerm {
	var out []catPerm
	for _, p := range perms {
		if p.action != action {
			out = append(out, p)
		}
	}
	return out
}

func TestEscalationCatalogue(t *testing.T) {
	found, twins, twinsOK, falsePos := 0, 0, 0, 0
	byCat := map[string][2]int{}
	category := func(id string) string {
		switch id {
		case "iam-001", "iam-005", "iam-007", "iam-008", "iam-009", "iam-010", "iam-011", "iam-013":
			return "self-escalation"
		}
		if strings.HasPrefix(id, "iam-") || strings.HasPrefix(id, "sts-") {
			return "principal-access"
		}
		return "new-passrole"
	}
	for _, path := range catalogue {
		mine, others := catEscalations(t, path.perms, path.role)
		c := byCat[category(path.id)]
		c[1]++
		if mine != nil {
			found++
			c[0]++
		} else {
			t.Errorf("%s: not found", path.id)
		}
		byCat[category(path.id)] = c
		if len(others) > 0 {
			falsePos += len(others)
			t.Errorf("%s: others escalate: %v", path.id, others)
		}
		for _, p := range path.perms {
			twins++
			mine, others := catEscalations(t, without(path.perms, p.action), path.role)
			falsePos += len(others)
			want := false
			for _, s := range path.subsumed {
				want = want || s == p.action
			}
			switch {
			case len(others) > 0:
				t.Errorf("%s without %s: others escalate: %v", path.id, p.action, others)
			case (mine != nil) != want:
				falsePos += boolInt(mine != nil)
				t.Errorf("%s without %s: escalates %v, want %v (%+v)", path.id, p.action, mine != nil, want, mine)
			default:
				twinsOK++
			}
		}
	}
	t.Logf("catalogue paths found: %d of %d (self-escalation %d/%d, principal access %d/%d, new-passrole %d/%d); twins right: %d of %d; false positives: %d",
		found, len(catalogue), byCat["self-escalation"][0], byCat["self-escalation"][1], byCat["principal-access"][0], byCat["principal-access"][1],
		byCat["new-passrole"][0], byCat["new-passrole"][1], twinsOK, twins, falsePos)
	if len(catalogue) != 65 {
		t.Errorf("%d paths, want the catalogue's 65", len(catalogue))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
