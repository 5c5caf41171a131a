package analysis

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Runner is an existing resource that runs code as a role: a Lambda
// function, an EC2 instance or launch template (its instance profile's
// role), an ECS task, an App Runner service, a Bedrock AgentCore code
// interpreter, a CodeBuild project, a CloudFormation stack, a SageMaker
// notebook, a Glue dev endpoint. Whoever can change what it runs, or reach inside it, acts
// with the role (the catalogue's existing-passrole paths). A dump does
// not show them; the resource policies lines do ("role"), and a live
// server's gateway lists its functions'.
type Runner struct {
	ARN  string
	Role string
}

// CategoryExisting is the catalogue's category of paths through an
// existing resource that runs as a role.
const CategoryExisting = "existing-passrole"

// existingTechnique is an existing-passrole path: actions on a resource
// of one type (service, and the prefix of its resource part) that make it
// run the attacker's code with its role. An action's template "" is the
// resource itself; another template is a resource the attacker names (as
// in passRoleTechniques).
type existingTechnique struct {
	Technique
	service, prefix string
	actions         []resAction
}

// onIt is an action on the existing resource itself.
func onIt(action string) resAction { return resAction{action, ""} }

// existingTechniques, after pathfinding.cloud's existing-passrole paths
// whose resource an inventory names (and Rhino Security Labs' Glue dev
// endpoint method, which the catalogue does not list).
var existingTechniques = []existingTechnique{
	{Technique: Technique{ID: "lambda-003"}, service: "lambda", prefix: "function:", actions: []resAction{onIt("lambda:UpdateFunctionCode")}},
	{Technique: Technique{ID: "lambda-004"}, service: "lambda", prefix: "function:", actions: []resAction{onIt("lambda:UpdateFunctionCode"), onIt("lambda:InvokeFunction")}},
	{Technique: Technique{ID: "lambda-005", Note: "a permission of its own to invoke the function"}, service: "lambda", prefix: "function:", actions: []resAction{onIt("lambda:UpdateFunctionCode"), onIt("lambda:AddPermission")}},
	{Technique: Technique{ID: "apprunner-002", Note: "the service redeployed with a start command or image of the attacker's"}, service: "apprunner", prefix: "service/", actions: []resAction{onIt("apprunner:UpdateService")}},
	{Technique: Technique{ID: "ecs-006", Note: "a running task whose service enables ECS Exec"}, service: "ecs", prefix: "task/", actions: []resAction{onIt("ecs:ExecuteCommand"), onIt("ecs:DescribeTasks")}},
	{Technique: Technique{ID: "bedrock-002"}, service: "bedrock-agentcore", prefix: "code-interpreter/",
		actions: []resAction{onIt("bedrock-agentcore:StartCodeInterpreterSession"), onIt("bedrock-agentcore:InvokeCodeInterpreter")}},
	{Technique: Technique{ID: "ssm-001", Note: "an instance with the SSM agent"}, service: "ec2", prefix: "instance/", actions: []resAction{onIt("ssm:StartSession")}},
	{Technique: Technique{ID: "ssm-002", Note: "an instance with the SSM agent; the command document AWS-RunShellScript"}, service: "ec2", prefix: "instance/",
		actions: []resAction{onIt("ssm:SendCommand"), ra("ssm:SendCommand", "arn:${P}:ssm:${R}::document/AWS-RunShellScript")}},
	{Technique: Technique{ID: "ec2-002", Note: "its user data rewritten, run at the next start"}, service: "ec2", prefix: "instance/",
		actions: []resAction{onIt("ec2:ModifyInstanceAttribute"), onIt("ec2:StopInstances"), onIt("ec2:StartInstances")}},
	{Technique: Technique{ID: "ec2-005", Note: "an instance launched from the template next (an Auto Scaling group, a fleet, RunInstances)"}, service: "ec2", prefix: "launch-template/",
		actions: []resAction{onIt("ec2:CreateLaunchTemplateVersion"), onIt("ec2:ModifyLaunchTemplate")}},
	{Technique: Technique{ID: "codebuild-002", Note: "a build with its buildspec overridden"}, service: "codebuild", prefix: "project/", actions: []resAction{onIt("codebuild:StartBuild")}},
	{Technique: Technique{ID: "codebuild-003", Note: "a batch build with its buildspec overridden"}, service: "codebuild", prefix: "project/", actions: []resAction{onIt("codebuild:StartBuildBatch")}},
	{Technique: Technique{ID: "cloudformation-002", Note: "a stack with a service role, its template rewritten"}, service: "cloudformation", prefix: "stack/", actions: []resAction{onIt("cloudformation:UpdateStack")}},
	{Technique: Technique{ID: "cloudformation-005", Note: "a stack with a service role, changed through a change set"}, service: "cloudformation", prefix: "stack/",
		actions: []resAction{onIt("cloudformation:CreateChangeSet"), onIt("cloudformation:ExecuteChangeSet")}},
	{Technique: Technique{ID: "sagemaker-005", Note: "a notebook restarted with a lifecycle configuration of the attacker's"}, service: "sagemaker", prefix: "notebook-instance/",
		actions: []resAction{ra("sagemaker:CreateNotebookInstanceLifecycleConfig", "arn:${P}:sagemaker:${R}:${A}:notebook-instance-lifecycle-config/*"),
			onIt("sagemaker:StopNotebookInstance"), onIt("sagemaker:UpdateNotebookInstance"), onIt("sagemaker:StartNotebookInstance")}},
	{Technique: Technique{ID: "iamd-glue-devendpoint", Note: "Rhino Security Labs' glue:UpdateDevEndpoint method, not in the catalogue: an SSH key of the attacker's on the endpoint"}, service: "glue", prefix: "devEndpoint/",
		actions: []resAction{onIt("glue:UpdateDevEndpoint")}},
}

// kind names a technique's resource type, for notes.
func (t *existingTechnique) kind() string {
	return t.service + " " + strings.TrimRight(t.prefix, ":/")
}

// fits: the runner is a resource of the technique's type.
func (t *existingTechnique) fits(r *arn.ARN) bool {
	return strings.EqualFold(r.Service, t.service) && strings.HasPrefix(r.Resource, t.prefix)
}

// actionList names the technique's actions once each, for step details.
func (t *existingTechnique) actionList() string {
	var acts []string
	for _, a := range t.actions {
		if len(acts) == 0 || acts[len(acts)-1] != a.action {
			acts = append(acts, a.action)
		}
	}
	return strings.Join(acts, ", ")
}

// existingTechniquesSorted are the techniques, the most specific first:
// the id of a finding names everything the attacker holds.
var existingTechniquesSorted = func() []*existingTechnique {
	out := make([]*existingTechnique, len(existingTechniques))
	for i := range existingTechniques {
		out[i] = &existingTechniques[i]
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].actions) > len(out[j].actions) })
	return out
}()

// existingRunners: roles of the account that existing resources run as,
// which the attacker makes run its code (one edge per role).
func (g *Graph) existingRunners(at *attacker, add func(from, to, technique, id, detail string, cond bool)) {
	a := g.Account
	if n := g.Nodes[at.p.ARN]; len(a.Runners) == 0 || n != nil && n.Admin {
		return // an administrator gains nothing
	}
	done := map[string]bool{}
	for _, rn := range a.Runners {
		role, ok := a.Entity(rn.Role)
		if !ok || role.Kind != KindRole || role == at.p || done[role.ARN] {
			continue
		}
		res, err := arn.Parse(rn.ARN)
		if err != nil {
			continue
		}
		for _, t := range existingTechniquesSorted {
			if !t.fits(&res) || !at.runsOn(t, rn.ARN) {
				continue
			}
			done[role.ARN] = true
			add(at.p.ARN, role.ARN, t.actions[0].action, t.ID, "run code as "+role.Name+" in "+rn.ARN+" with "+t.actionList(), false)
			break
		}
	}
}

// runsOn: every action of the technique allowed, on the resource or (for
// a template) on a resource the attacker can name.
func (at *attacker) runsOn(t *existingTechnique, resource string) bool {
	for _, a := range t.actions {
		if !at.mayDo(a.action) {
			return false
		}
		if a.template == "" {
			if !at.can(a.action, resource) {
				return false
			}
			continue
		}
		ok := at.g.allowed(at.p, a.action, at.g.fillTemplate(a.template), nil)
		for _, pat := range at.may[a.action] {
			if ok {
				break
			}
			if w, found := at.g.witness(a.template, pat); found {
				ok = at.g.allowed(at.p, a.action, w, nil)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
