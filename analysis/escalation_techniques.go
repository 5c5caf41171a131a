package analysis

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
)

// The escalation techniques, after the public catalogues: DataDog's
// pathfinding.cloud (data/paths/aws/*/*.yaml; the ids below are its path
// ids) and Rhino Security Labs' list of AWS privilege-escalation methods.
// The paths an account dump can show are here: self-escalation,
// principal access and passing a role to a new resource that runs code.
// The catalogue's existing-passrole paths (updating a function, a stack, a
// notebook ... that already runs with a role) need the inventory of those
// resources, which get-account-authorization-details does not hold: they
// are in existing.go, and read Account.Runners.

// Technique categories, as the catalogue names them.
const (
	CategorySelf      = "self-escalation"
	CategoryPrincipal = "principal-access"
	CategoryPassRole  = "new-passrole"
)

// Technique is one escalation path iamd looks for.
type Technique struct {
	// ID is the pathfinding.cloud path id, or iamd-... for a path the
	// catalogue does not list.
	ID       string `json:"id"`
	Category string `json:"category"`
	// Name lists the permissions, as the catalogue does.
	Name string `json:"name"`
	// Services are the principals a passed role must trust (new-passrole).
	Services []string `json:"services,omitempty"`
	// Note says what else must hold.
	Note string `json:"note,omitempty"`
}

// Techniques lists every technique, in catalogue order.
func Techniques() []Technique {
	out := append([]Technique{}, iamTechniques...)
	for _, t := range passRoleTechniques {
		tt := t.Technique
		tt.Category = CategoryPassRole
		tt.Name = "iam:PassRole"
		for _, a := range t.actions {
			tt.Name += " + " + a.action
		}
		for _, s := range t.targets {
			tt.Services = append(tt.Services, s.service)
		}
		if tt.Note == "" && len(t.targets) > 0 && t.targets[0].profile {
			tt.Note = "the role must be in an instance profile"
		}
		out = append(out, tt)
	}
	for _, t := range existingTechniques {
		tt := t.Technique
		tt.Category = CategoryExisting
		tt.Name = t.actionList()
		tt.Name = strings.ReplaceAll(tt.Name, ", ", " + ")
		note := "an existing " + t.kind() + " running as a role (from the inventory)"
		if tt.Note != "" {
			note += "; " + tt.Note
		}
		tt.Note = note
		out = append(out, tt)
	}
	sort.SliceStable(out, func(i, j int) bool { return catOrder(out[i].Category) < catOrder(out[j].Category) })
	return out
}

func catOrder(c string) int {
	switch c {
	case CategorySelf:
		return 0
	case CategoryPrincipal:
		return 1
	case CategoryPassRole:
		return 2
	}
	return 3
}

// iamTechniques are the IAM and STS paths; EscalationEdges implements each.
var iamTechniques = []Technique{
	{ID: "iam-001", Category: CategorySelf, Name: "iam:CreatePolicyVersion", Note: "on a customer managed policy the principal (or its group) has"},
	{ID: "iam-005", Category: CategorySelf, Name: "iam:PutRolePolicy", Note: "on the role itself"},
	{ID: "iam-007", Category: CategorySelf, Name: "iam:PutUserPolicy", Note: "on the user itself"},
	{ID: "iam-008", Category: CategorySelf, Name: "iam:AttachUserPolicy", Note: "on the user itself"},
	{ID: "iam-009", Category: CategorySelf, Name: "iam:AttachRolePolicy", Note: "on the role itself"},
	{ID: "iam-010", Category: CategorySelf, Name: "iam:AttachGroupPolicy", Note: "on a group the user is in"},
	{ID: "iam-011", Category: CategorySelf, Name: "iam:PutGroupPolicy", Note: "on a group the user is in"},
	{ID: "iam-013", Category: CategorySelf, Name: "iam:AddUserToGroup", Note: "to an administrators' group"},
	{ID: "iamd-setdefault", Category: CategorySelf, Name: "iam:SetDefaultPolicyVersion", Note: "Rhino Security Labs method 2: a non-default administrator version of its policy exists"},
	{ID: "iam-002", Category: CategoryPrincipal, Name: "iam:CreateAccessKey", Note: "on another user"},
	{ID: "iam-003", Category: CategoryPrincipal, Name: "iam:CreateAccessKey + iam:DeleteAccessKey", Note: "on another user (already holding two keys)"},
	{ID: "iam-004", Category: CategoryPrincipal, Name: "iam:CreateLoginProfile", Note: "on another user"},
	{ID: "iam-006", Category: CategoryPrincipal, Name: "iam:UpdateLoginProfile", Note: "on another user"},
	{ID: "iam-012", Category: CategoryPrincipal, Name: "iam:UpdateAssumeRolePolicy", Note: "on a role, then assume it"},
	{ID: "iam-014", Category: CategoryPrincipal, Name: "iam:AttachRolePolicy + sts:AssumeRole", Note: "on a role it can assume"},
	{ID: "iam-015", Category: CategoryPrincipal, Name: "iam:AttachUserPolicy + iam:CreateAccessKey", Note: "on another user (or a console password instead of a key)"},
	{ID: "iam-016", Category: CategoryPrincipal, Name: "iam:CreatePolicyVersion + sts:AssumeRole", Note: "on a customer managed policy of a role it can assume"},
	{ID: "iam-017", Category: CategoryPrincipal, Name: "iam:PutRolePolicy + sts:AssumeRole", Note: "on a role it can assume"},
	{ID: "iam-018", Category: CategoryPrincipal, Name: "iam:PutUserPolicy + iam:CreateAccessKey", Note: "on another user (or a console password instead of a key)"},
	{ID: "iam-019", Category: CategoryPrincipal, Name: "iam:AttachRolePolicy + iam:UpdateAssumeRolePolicy", Note: "on the same role"},
	{ID: "iam-020", Category: CategoryPrincipal, Name: "iam:CreatePolicyVersion + iam:UpdateAssumeRolePolicy", Note: "a customer managed policy of the role, and the role"},
	{ID: "iam-021", Category: CategoryPrincipal, Name: "iam:PutRolePolicy + iam:UpdateAssumeRolePolicy", Note: "on the same role"},
	{ID: "sts-001", Category: CategoryPrincipal, Name: "sts:AssumeRole", Note: "a role whose trust policy lets it in"},
}

// svcTarget is a principal a passed role must trust.
type svcTarget struct {
	service string
	profile bool // the role must be in an instance profile (EC2)
}

// resAction is an action a technique needs besides iam:PassRole, and the
// resource it is asked on. In the template, ${P}, ${R} and ${A} are the
// partition, a region and the attacker's account; each * is a name the
// attacker picks. "*" is an action that takes no resource.
type resAction struct {
	action   string
	template string
}

type passRoleTechnique struct {
	Technique
	actions []resAction
	targets []svcTarget
	// companion is a second role the call passes (EMR's service role): one
	// that trusts this service must be passable too.
	companion string
	// federated: the service assumes the role with web identity (Cognito),
	// a trust that always carries conditions on the identity pool.
	federated bool
}

func ra(action, template string) resAction { return resAction{action, template} }

func svc(names ...string) []svcTarget {
	var out []svcTarget
	for _, n := range names {
		out = append(out, svcTarget{service: n})
	}
	return out
}

var ec2Profile = []svcTarget{{service: "ec2.amazonaws.com", profile: true}}

const (
	lambdaFn   = "arn:${P}:lambda:${R}:${A}:function:*"
	cfnStack   = "arn:${P}:cloudformation:${R}:${A}:stack/*/*"
	cfnSet     = "arn:${P}:cloudformation:${R}:${A}:stackset/*:*"
	glueJob    = "arn:${P}:glue:${R}:${A}:job/*"
	cbProject  = "arn:${P}:codebuild:${R}:${A}:project/*"
	ecsCluster = "arn:${P}:ecs:${R}:${A}:cluster/*"
	ecsTaskDef = "arn:${P}:ecs:${R}:${A}:task-definition/*:*"
	agentCore  = "arn:${P}:bedrock-agentcore:${R}:${A}:*"
)

// passRoleTechniques are the catalogue's new-passrole paths: pass a role
// to a service, which runs code of the attacker's with it.
var passRoleTechniques = []passRoleTechnique{
	{Technique: Technique{ID: "apprunner-001"}, actions: []resAction{ra("apprunner:CreateService", "arn:${P}:apprunner:${R}:${A}:service/*/*")}, targets: svc("tasks.apprunner.amazonaws.com")},
	{Technique: Technique{ID: "batch-001", Note: "an existing job queue"}, actions: []resAction{ra("batch:RegisterJobDefinition", "arn:${P}:batch:${R}:${A}:job-definition/*"), ra("batch:SubmitJob", "arn:${P}:batch:${R}:${A}:job-definition/*")}, targets: svc("ecs-tasks.amazonaws.com", "batch.amazonaws.com")},
	{Technique: Technique{ID: "batch-003"}, actions: []resAction{ra("batch:CreateComputeEnvironment", "arn:${P}:batch:${R}:${A}:compute-environment/*"), ra("batch:CreateJobQueue", "arn:${P}:batch:${R}:${A}:job-queue/*"), ra("batch:RegisterJobDefinition", "arn:${P}:batch:${R}:${A}:job-definition/*"), ra("batch:SubmitJob", "arn:${P}:batch:${R}:${A}:job-definition/*")}, targets: svc("ecs-tasks.amazonaws.com", "batch.amazonaws.com")},
	{Technique: Technique{ID: "bedrock-001"}, actions: []resAction{ra("bedrock-agentcore:CreateCodeInterpreter", agentCore), ra("bedrock-agentcore:StartCodeInterpreterSession", agentCore), ra("bedrock-agentcore:InvokeCodeInterpreter", agentCore)}, targets: svc("bedrock-agentcore.amazonaws.com")},
	{Technique: Technique{ID: "bedrock-003"}, actions: []resAction{ra("bedrock-agentcore:CreateAgentRuntime", agentCore), ra("bedrock-agentcore:CreateAgentRuntimeEndpoint", agentCore), ra("bedrock-agentcore:CreateWorkloadIdentity", agentCore), ra("bedrock-agentcore:InvokeAgentRuntimeCommand", agentCore)}, targets: svc("bedrock-agentcore.amazonaws.com")},
	{Technique: Technique{ID: "bedrock-005"}, actions: []resAction{ra("bedrock-agentcore:CreateHarness", agentCore), ra("bedrock-agentcore:CreateAgentRuntime", agentCore), ra("bedrock-agentcore:CreateAgentRuntimeEndpoint", agentCore), ra("bedrock-agentcore:CreateWorkloadIdentity", agentCore), ra("bedrock-agentcore:GetAgentRuntime", agentCore), ra("bedrock-agentcore:GetHarness", agentCore), ra("bedrock-agentcore:InvokeAgentRuntimeCommand", agentCore)}, targets: svc("bedrock-agentcore.amazonaws.com")},
	{Technique: Technique{ID: "bedrock-006"}, actions: []resAction{ra("bedrock-agentcore:CreateBrowser", agentCore), ra("bedrock-agentcore:StartBrowserSession", agentCore), ra("bedrock-agentcore:ConnectBrowserAutomationStream", agentCore)}, targets: svc("bedrock-agentcore.amazonaws.com")},
	{Technique: Technique{ID: "braket-001"}, actions: []resAction{ra("braket:CreateJob", "arn:${P}:braket:${R}:${A}:job/*")}, targets: svc("braket.amazonaws.com")},
	{Technique: Technique{ID: "cloudformation-001"}, actions: []resAction{ra("cloudformation:CreateStack", cfnStack)}, targets: svc("cloudformation.amazonaws.com")},
	{Technique: Technique{ID: "cloudformation-003"}, actions: []resAction{ra("cloudformation:CreateStackSet", cfnSet), ra("cloudformation:CreateStackInstances", cfnSet)}, targets: svc("cloudformation.amazonaws.com")},
	{Technique: Technique{ID: "cloudformation-004", Note: "an existing stack set"}, actions: []resAction{ra("cloudformation:UpdateStackSet", cfnSet)}, targets: svc("cloudformation.amazonaws.com")},
	{Technique: Technique{ID: "codebuild-001"}, actions: []resAction{ra("codebuild:CreateProject", cbProject), ra("codebuild:StartBuild", cbProject)}, targets: svc("codebuild.amazonaws.com")},
	{Technique: Technique{ID: "codebuild-004"}, actions: []resAction{ra("codebuild:CreateProject", cbProject), ra("codebuild:StartBuildBatch", cbProject)}, targets: svc("codebuild.amazonaws.com")},
	{Technique: Technique{ID: "cognitoidentity-001", Note: "an identity pool with unauthenticated access; the trust's conditions name the pool"}, actions: []resAction{ra("cognito-identity:SetIdentityPoolRoles", "arn:${P}:cognito-identity:${R}:${A}:identitypool/*")}, targets: svc("cognito-identity.amazonaws.com"), federated: true},
	{Technique: Technique{ID: "datapipeline-001"}, actions: []resAction{ra("datapipeline:CreatePipeline", "*"), ra("datapipeline:PutPipelineDefinition", "*"), ra("datapipeline:ActivatePipeline", "*")}, targets: []svcTarget{{service: "datapipeline.amazonaws.com"}, {service: "ec2.amazonaws.com", profile: true}}},
	{Technique: Technique{ID: "ec2-001"}, actions: []resAction{ra("ec2:RunInstances", "arn:${P}:ec2:${R}:${A}:instance/*")}, targets: ec2Profile},
	{Technique: Technique{ID: "ec2-004"}, actions: []resAction{ra("ec2:RequestSpotInstances", "arn:${P}:ec2:${R}:${A}:spot-instances-request/*")}, targets: ec2Profile},
	{Technique: Technique{ID: "ecs-001"}, actions: []resAction{ra("ecs:CreateCluster", ecsCluster), ra("ecs:RegisterTaskDefinition", "*"), ra("ecs:CreateService", "arn:${P}:ecs:${R}:${A}:service/*/*")}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-002"}, actions: []resAction{ra("ecs:CreateCluster", ecsCluster), ra("ecs:RegisterTaskDefinition", "*"), ra("ecs:RunTask", ecsTaskDef)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-003", Note: "an existing cluster"}, actions: []resAction{ra("ecs:RegisterTaskDefinition", "*"), ra("ecs:CreateService", "arn:${P}:ecs:${R}:${A}:service/*/*")}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-004", Note: "an existing cluster"}, actions: []resAction{ra("ecs:RegisterTaskDefinition", "*"), ra("ecs:RunTask", ecsTaskDef)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-005", Note: "an existing container instance"}, actions: []resAction{ra("ecs:RegisterTaskDefinition", "*"), ra("ecs:StartTask", ecsTaskDef)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-007", Note: "an unregistered EC2 instance to register"}, actions: []resAction{ra("ecs:RegisterContainerInstance", ecsCluster), ra("ecs:StartTask", ecsTaskDef), ra("ecs:DeregisterContainerInstance", ecsCluster)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-008", Note: "an existing task definition, its role overridden"}, actions: []resAction{ra("ecs:RunTask", ecsTaskDef)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "ecs-009", Note: "an existing task definition and container instance"}, actions: []resAction{ra("ecs:StartTask", ecsTaskDef)}, targets: svc("ecs-tasks.amazonaws.com")},
	{Technique: Technique{ID: "emr-001", Note: "the role must be in an instance profile; an EMR service role must be passable too"}, actions: []resAction{ra("elasticmapreduce:RunJobFlow", "*")}, targets: ec2Profile, companion: "elasticmapreduce.amazonaws.com"},
	{Technique: Technique{ID: "emrserverless-001"}, actions: []resAction{ra("emr-serverless:CreateApplication", "arn:${P}:emr-serverless:${R}:${A}:/applications/*"), ra("emr-serverless:StartJobRun", "arn:${P}:emr-serverless:${R}:${A}:/applications/*")}, targets: svc("emr-serverless.amazonaws.com")},
	{Technique: Technique{ID: "gamelift-001"}, actions: []resAction{ra("gamelift:CreateBuild", "*"), ra("gamelift:CreateFleet", "*"), ra("gamelift:RequestUploadCredentials", "arn:${P}:gamelift:${R}:${A}:build/*")}, targets: svc("gamelift.amazonaws.com", "ec2.amazonaws.com")},
	{Technique: Technique{ID: "glue-001"}, actions: []resAction{ra("glue:CreateDevEndpoint", "arn:${P}:glue:${R}:${A}:devEndpoint/*")}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "glue-003"}, actions: []resAction{ra("glue:CreateJob", glueJob), ra("glue:StartJobRun", glueJob)}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "glue-004"}, actions: []resAction{ra("glue:CreateJob", glueJob), ra("glue:CreateTrigger", "arn:${P}:glue:${R}:${A}:trigger/*")}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "glue-005", Note: "an existing job"}, actions: []resAction{ra("glue:UpdateJob", glueJob), ra("glue:StartJobRun", glueJob)}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "glue-006", Note: "an existing job"}, actions: []resAction{ra("glue:UpdateJob", glueJob), ra("glue:CreateTrigger", "arn:${P}:glue:${R}:${A}:trigger/*")}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "glue-007"}, actions: []resAction{ra("glue:CreateSession", "arn:${P}:glue:${R}:${A}:session/*"), ra("glue:RunStatement", "arn:${P}:glue:${R}:${A}:session/*")}, targets: svc("glue.amazonaws.com")},
	{Technique: Technique{ID: "imagebuilder-001"}, actions: []resAction{ra("imagebuilder:CreateComponent", "arn:${P}:imagebuilder:${R}:${A}:component/*/*/*"), ra("imagebuilder:CreateImageRecipe", "arn:${P}:imagebuilder:${R}:${A}:image-recipe/*/*"), ra("imagebuilder:CreateInfrastructureConfiguration", "arn:${P}:imagebuilder:${R}:${A}:infrastructure-configuration/*"), ra("imagebuilder:CreateImage", "arn:${P}:imagebuilder:${R}:${A}:image/*/*")}, targets: ec2Profile},
	{Technique: Technique{ID: "kinesisanalytics-001"}, actions: []resAction{ra("kinesisanalytics:CreateApplication", "arn:${P}:kinesisanalytics:${R}:${A}:application/*"), ra("kinesisanalytics:StartApplication", "arn:${P}:kinesisanalytics:${R}:${A}:application/*")}, targets: svc("kinesisanalytics.amazonaws.com")},
	{Technique: Technique{ID: "lambda-001"}, actions: []resAction{ra("lambda:CreateFunction", lambdaFn), ra("lambda:InvokeFunction", lambdaFn)}, targets: svc("lambda.amazonaws.com")},
	{Technique: Technique{ID: "lambda-002"}, actions: []resAction{ra("lambda:CreateFunction", lambdaFn), ra("lambda:CreateEventSourceMapping", "*")}, targets: svc("lambda.amazonaws.com")},
	{Technique: Technique{ID: "lambda-006"}, actions: []resAction{ra("lambda:CreateFunction", lambdaFn), ra("lambda:AddPermission", lambdaFn)}, targets: svc("lambda.amazonaws.com")},
	{Technique: Technique{ID: "omics-001"}, actions: []resAction{ra("omics:CreateWorkflow", "arn:${P}:omics:${R}:${A}:workflow/*"), ra("omics:StartRun", "arn:${P}:omics:${R}:${A}:run/*")}, targets: svc("omics.amazonaws.com")},
	{Technique: Technique{ID: "sagemaker-001"}, actions: []resAction{ra("sagemaker:CreateNotebookInstance", "arn:${P}:sagemaker:${R}:${A}:notebook-instance/*")}, targets: svc("sagemaker.amazonaws.com")},
	{Technique: Technique{ID: "sagemaker-002"}, actions: []resAction{ra("sagemaker:CreateTrainingJob", "arn:${P}:sagemaker:${R}:${A}:training-job/*")}, targets: svc("sagemaker.amazonaws.com")},
	{Technique: Technique{ID: "sagemaker-004"}, actions: []resAction{ra("sagemaker:CreateProcessingJob", "arn:${P}:sagemaker:${R}:${A}:processing-job/*")}, targets: svc("sagemaker.amazonaws.com")},
	{Technique: Technique{ID: "ssm-003", Note: "an Automation document whose script runs as the role"}, actions: []resAction{ra("ssm:CreateDocument", "arn:${P}:ssm:${R}:${A}:document/*"), ra("ssm:StartAutomationExecution", "arn:${P}:ssm:${R}:${A}:document/*")}, targets: svc("ssm.amazonaws.com")},
	{Technique: Technique{ID: "iamd-stepfunctions", Note: "not in the catalogue: a state machine calls any AWS API with its role"}, actions: []resAction{ra("states:CreateStateMachine", "arn:${P}:states:${R}:${A}:stateMachine:*"), ra("states:StartExecution", "arn:${P}:states:${R}:${A}:stateMachine:*")}, targets: svc("states.amazonaws.com")},
}

// witnessRegion is the region of the resources a witness names.
const witnessRegion = "us-east-1"

// fillTemplate turns a template into a concrete resource of the account.
func (g *Graph) fillTemplate(template string) string {
	if template == "*" {
		return "*"
	}
	r := strings.NewReplacer("${P}", g.Account.Partition, "${R}", witnessRegion, "${A}", g.Account.ID, "*", "iamd-probe")
	return r.Replace(template)
}

// fillWildcards names something a pattern matches: each wildcard becomes x.
func fillWildcards(s string) string {
	return strings.NewReplacer("*", "x", "?", "x").Replace(s)
}

// witness derives, from a resource pattern of an Allow statement, a
// concrete resource of the template's type that the attacker can name and
// the pattern matches: in the attacker's partition and account, in a
// region. ok is false when the pattern names no such resource (another
// account, another service, another resource type).
func (g *Graph) witness(template, pattern string) (string, bool) {
	if pattern == "*" || template == "*" {
		// "*" is the default witness; an action that takes no resource is
		// asked about "*", which only a "*" pattern allows.
		return "", false
	}
	pp, ok := arn.Split(pattern)
	if !ok {
		return "", false
	}
	a := g.Account
	if !arn.Glob(pp[1], a.Partition) {
		return "", false
	}
	pp[1] = a.Partition
	tp, ok := arn.Split(strings.NewReplacer("${P}", "*", "${R}", "*", "${A}", "*").Replace(template))
	if !ok || !arn.Glob(pp[2], tp[2]) {
		return "", false
	}
	pp[2] = tp[2]
	switch {
	case tp[3] == "":
		pp[3] = ""
	case arn.Glob(pp[3], witnessRegion):
		pp[3] = witnessRegion
	default:
		pp[3] = fillWildcards(pp[3])
	}
	switch {
	case tp[4] == "":
		pp[4] = ""
	case arn.Glob(pp[4], a.ID):
		pp[4] = a.ID
	default:
		return "", false
	}
	def, _ := arn.Split(g.fillTemplate(template))
	res, found := "", false
	// A * of the pattern may stand for several parts of the name
	// (stackset/shared-* names stackset/shared-x:id).
	for _, filler := range []string{"x", "x:x", "x/x", "x/x/x"} {
		if r := strings.NewReplacer("*", filler, "?", "x").Replace(pp[5]); arn.Glob(tp[5], r) {
			res, found = r, true
			break
		}
	}
	if !found && arn.Glob(pp[5], def[5]) {
		res, found = def[5], true
	}
	if !found {
		return "", false
	}
	pp[5] = res
	return strings.Join(pp[:], ":"), true
}

// canonical spells each relevant action as the techniques do.
var canonical = map[string]string{}

// relevantActions are the actions some technique needs, by service
// prefix (lower case), so that statements of other services are skipped
// without matching.
var relevantActions = func() map[string][]string {
	set := map[string]bool{"iam:passrole": true, "sts:assumerole": true}
	for _, a := range escalationActions {
		set[strings.ToLower(a)] = true
	}
	for _, t := range passRoleTechniques {
		for _, a := range t.actions {
			set[strings.ToLower(a.action)] = true
		}
	}
	for _, t := range existingTechniques {
		for _, a := range t.actions {
			set[strings.ToLower(a.action)] = true
			canonical[strings.ToLower(a.action)] = a.action
		}
	}
	for _, a := range escalationActions {
		canonical[strings.ToLower(a)] = a
	}
	canonical["iam:passrole"], canonical["sts:assumerole"] = "iam:PassRole", "sts:AssumeRole"
	for _, t := range passRoleTechniques {
		for _, a := range t.actions {
			canonical[strings.ToLower(a.action)] = a.action
		}
	}
	out := map[string][]string{}
	for a := range set {
		prefix, _, _ := strings.Cut(a, ":")
		out[prefix] = append(out[prefix], a)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}()

// mayAllow lists, for one policy, the resource patterns of its Allow
// statements that may name each relevant action (lower-cased; "*" for
// NotResource and policy variables), as allowedResources does; the keys
// are spelled as the techniques spell them.
func mayAllow(p *PolicyRef) map[string][]string {
	if p.Doc == nil {
		return nil
	}
	var out map[string][]string
	add := func(act string, st []string, notRes bool) {
		if out == nil {
			out = map[string][]string{}
		}
		act = canonical[act]
		if notRes {
			out[act] = append(out[act], "*")
			return
		}
		for _, r := range st {
			if strings.Contains(r, "${") {
				r = "*"
			}
			out[act] = append(out[act], r)
		}
	}
	for _, st := range p.Doc.Statements {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		var cands []string
		if st.NotAction.Present {
			for _, acts := range relevantActions {
				for _, a := range acts {
					if !matchesAny(st.NotAction.List, a) {
						cands = append(cands, a)
					}
				}
			}
		} else {
			seen := map[string]bool{}
			for _, pat := range st.Action.List {
				prefix, _, _ := strings.Cut(strings.ToLower(pat), ":")
				var acts []string
				if strings.ContainsAny(prefix, "*?") {
					for pfx, as := range relevantActions {
						if arn.GlobFold(prefix, pfx) {
							acts = append(acts, as...)
						}
					}
				} else {
					acts = relevantActions[prefix]
				}
				for _, a := range acts {
					if !seen[a] && arn.GlobFold(pat, a) {
						seen[a] = true
						cands = append(cands, a)
					}
				}
			}
		}
		for _, a := range cands {
			add(a, st.Resource.List, st.NotResource.Present)
		}
	}
	return out
}

// actionList names the actions besides iam:PassRole, for step details.
func (t *passRoleTechnique) actionList() string {
	acts := make([]string, len(t.actions))
	for i, a := range t.actions {
		acts[i] = a.action
	}
	return strings.Join(acts, ", ")
}
