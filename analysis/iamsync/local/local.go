// Package local is the target of an offline import (iamsync.Target): the
// IAM operations of an iam.Service called in this process instead of over
// HTTP. Each call goes the way the API's dispatcher takes it, without the
// wire: the input is checked against AWS's model (the checks the
// dispatcher's decoding makes), the Guard authorizes it for the caller,
// and then the same operation of the Service runs, in the store's
// transactions. What the wire costs (the SDK's encoding, SigV4, HTTP,
// XML) is all that is left out; with hundreds of callers the store's
// group commit carries hundreds of calls in each durable commit.
package local

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// Target makes an import's calls on a Service as one caller.
type Target struct {
	svc    *iam.Service
	guard  *iam.Guard
	caller iam.Caller
}

// New returns the target that calls svc's operations as caller, each
// authorized by guard as the API's dispatcher has it authorized.
func New(svc *iam.Service, guard *iam.Guard, caller iam.Caller) *Target {
	return &Target{svc: svc, guard: guard, caller: caller}
}

// input is an operation's input as the dispatcher sees it, with the
// model's checks of a value already decoded.
type input interface {
	iamapi.Input
	Validate() error
}

// prepare checks and authorizes one call, returning the context the
// operation runs in (the caller's, a copy per call as a request has).
func (t *Target) prepare(ctx context.Context, action string, in input) (context.Context, error) {
	if err := in.Validate(); err != nil {
		return ctx, err
	}
	c := t.caller
	c.Time = time.Now()
	ctx = iam.WithCaller(ctx, &c)
	return ctx, t.guard.Authorize(ctx, action, in)
}

// do runs an operation without output.
func do[In input](ctx context.Context, t *Target, action string, in In, op func(context.Context, In) error) error {
	ctx, err := t.prepare(ctx, action, in)
	if err != nil {
		return err
	}
	return op(ctx, in)
}

// run runs an operation with an output, which the import does not read
// (but for CreatePolicy's ARN).
func run[In input, Out any](ctx context.Context, t *Target, action string, in In, op func(context.Context, In) (Out, error)) (Out, error) {
	ctx, err := t.prepare(ctx, action, in)
	if err != nil {
		var zero Out
		return zero, err
	}
	return op(ctx, in)
}

func tags(in []types.Tag) []iamapi.Tag {
	if in == nil {
		return nil
	}
	out := make([]iamapi.Tag, len(in))
	for i, tg := range in {
		out[i] = iamapi.Tag{Key: aws.ToString(tg.Key), Value: aws.ToString(tg.Value)}
	}
	return out
}

// flag is how the SDK sends a boolean member: only when true.
func flag(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

// CreatePolicy implements iamsync.Target.
func (t *Target) CreatePolicy(ctx context.Context, in *sdk.CreatePolicyInput, _ ...func(*sdk.Options)) (*sdk.CreatePolicyOutput, error) {
	out, err := run(ctx, t, "CreatePolicy", &iamapi.CreatePolicyInput{PolicyName: aws.ToString(in.PolicyName), Path: in.Path,
		PolicyDocument: aws.ToString(in.PolicyDocument), Description: in.Description, Tags: tags(in.Tags)}, t.svc.CreatePolicy)
	if err != nil {
		return nil, err
	}
	return &sdk.CreatePolicyOutput{Policy: &types.Policy{Arn: out.Policy.Arn, PolicyName: out.Policy.PolicyName}}, nil
}

// CreatePolicyVersion implements iamsync.Target.
func (t *Target) CreatePolicyVersion(ctx context.Context, in *sdk.CreatePolicyVersionInput, _ ...func(*sdk.Options)) (*sdk.CreatePolicyVersionOutput, error) {
	_, err := run(ctx, t, "CreatePolicyVersion", &iamapi.CreatePolicyVersionInput{PolicyArn: aws.ToString(in.PolicyArn),
		PolicyDocument: aws.ToString(in.PolicyDocument), SetAsDefault: flag(in.SetAsDefault)}, t.svc.CreatePolicyVersion)
	return &sdk.CreatePolicyVersionOutput{}, err
}

// SetDefaultPolicyVersion implements iamsync.Target.
func (t *Target) SetDefaultPolicyVersion(ctx context.Context, in *sdk.SetDefaultPolicyVersionInput, _ ...func(*sdk.Options)) (*sdk.SetDefaultPolicyVersionOutput, error) {
	err := do(ctx, t, "SetDefaultPolicyVersion", &iamapi.SetDefaultPolicyVersionInput{PolicyArn: aws.ToString(in.PolicyArn), VersionId: aws.ToString(in.VersionId)},
		t.svc.SetDefaultPolicyVersion)
	return &sdk.SetDefaultPolicyVersionOutput{}, err
}

// CreateGroup implements iamsync.Target.
func (t *Target) CreateGroup(ctx context.Context, in *sdk.CreateGroupInput, _ ...func(*sdk.Options)) (*sdk.CreateGroupOutput, error) {
	_, err := run(ctx, t, "CreateGroup", &iamapi.CreateGroupInput{GroupName: aws.ToString(in.GroupName), Path: in.Path}, t.svc.CreateGroup)
	return &sdk.CreateGroupOutput{}, err
}

// PutGroupPolicy implements iamsync.Target.
func (t *Target) PutGroupPolicy(ctx context.Context, in *sdk.PutGroupPolicyInput, _ ...func(*sdk.Options)) (*sdk.PutGroupPolicyOutput, error) {
	err := do(ctx, t, "PutGroupPolicy", &iamapi.PutGroupPolicyInput{GroupName: aws.ToString(in.GroupName), PolicyName: aws.ToString(in.PolicyName),
		PolicyDocument: aws.ToString(in.PolicyDocument)}, t.svc.PutGroupPolicy)
	return &sdk.PutGroupPolicyOutput{}, err
}

// AttachGroupPolicy implements iamsync.Target.
func (t *Target) AttachGroupPolicy(ctx context.Context, in *sdk.AttachGroupPolicyInput, _ ...func(*sdk.Options)) (*sdk.AttachGroupPolicyOutput, error) {
	err := do(ctx, t, "AttachGroupPolicy", &iamapi.AttachGroupPolicyInput{GroupName: aws.ToString(in.GroupName), PolicyArn: aws.ToString(in.PolicyArn)},
		t.svc.AttachGroupPolicy)
	return &sdk.AttachGroupPolicyOutput{}, err
}

// CreateUser implements iamsync.Target.
func (t *Target) CreateUser(ctx context.Context, in *sdk.CreateUserInput, _ ...func(*sdk.Options)) (*sdk.CreateUserOutput, error) {
	_, err := run(ctx, t, "CreateUser", &iamapi.CreateUserInput{UserName: aws.ToString(in.UserName), Path: in.Path,
		PermissionsBoundary: in.PermissionsBoundary, Tags: tags(in.Tags)}, t.svc.CreateUser)
	return &sdk.CreateUserOutput{}, err
}

// AddUserToGroup implements iamsync.Target.
func (t *Target) AddUserToGroup(ctx context.Context, in *sdk.AddUserToGroupInput, _ ...func(*sdk.Options)) (*sdk.AddUserToGroupOutput, error) {
	err := do(ctx, t, "AddUserToGroup", &iamapi.AddUserToGroupInput{GroupName: aws.ToString(in.GroupName), UserName: aws.ToString(in.UserName)},
		t.svc.AddUserToGroup)
	return &sdk.AddUserToGroupOutput{}, err
}

// PutUserPolicy implements iamsync.Target.
func (t *Target) PutUserPolicy(ctx context.Context, in *sdk.PutUserPolicyInput, _ ...func(*sdk.Options)) (*sdk.PutUserPolicyOutput, error) {
	err := do(ctx, t, "PutUserPolicy", &iamapi.PutUserPolicyInput{UserName: aws.ToString(in.UserName), PolicyName: aws.ToString(in.PolicyName),
		PolicyDocument: aws.ToString(in.PolicyDocument)}, t.svc.PutUserPolicy)
	return &sdk.PutUserPolicyOutput{}, err
}

// AttachUserPolicy implements iamsync.Target.
func (t *Target) AttachUserPolicy(ctx context.Context, in *sdk.AttachUserPolicyInput, _ ...func(*sdk.Options)) (*sdk.AttachUserPolicyOutput, error) {
	err := do(ctx, t, "AttachUserPolicy", &iamapi.AttachUserPolicyInput{UserName: aws.ToString(in.UserName), PolicyArn: aws.ToString(in.PolicyArn)},
		t.svc.AttachUserPolicy)
	return &sdk.AttachUserPolicyOutput{}, err
}

// CreateRole implements iamsync.Target.
func (t *Target) CreateRole(ctx context.Context, in *sdk.CreateRoleInput, _ ...func(*sdk.Options)) (*sdk.CreateRoleOutput, error) {
	_, err := run(ctx, t, "CreateRole", &iamapi.CreateRoleInput{RoleName: aws.ToString(in.RoleName), Path: in.Path,
		AssumeRolePolicyDocument: aws.ToString(in.AssumeRolePolicyDocument), Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
		PermissionsBoundary: in.PermissionsBoundary, Tags: tags(in.Tags)}, t.svc.CreateRole)
	return &sdk.CreateRoleOutput{}, err
}

// PutRolePolicy implements iamsync.Target.
func (t *Target) PutRolePolicy(ctx context.Context, in *sdk.PutRolePolicyInput, _ ...func(*sdk.Options)) (*sdk.PutRolePolicyOutput, error) {
	err := do(ctx, t, "PutRolePolicy", &iamapi.PutRolePolicyInput{RoleName: aws.ToString(in.RoleName), PolicyName: aws.ToString(in.PolicyName),
		PolicyDocument: aws.ToString(in.PolicyDocument)}, t.svc.PutRolePolicy)
	return &sdk.PutRolePolicyOutput{}, err
}

// AttachRolePolicy implements iamsync.Target.
func (t *Target) AttachRolePolicy(ctx context.Context, in *sdk.AttachRolePolicyInput, _ ...func(*sdk.Options)) (*sdk.AttachRolePolicyOutput, error) {
	err := do(ctx, t, "AttachRolePolicy", &iamapi.AttachRolePolicyInput{RoleName: aws.ToString(in.RoleName), PolicyArn: aws.ToString(in.PolicyArn)},
		t.svc.AttachRolePolicy)
	return &sdk.AttachRolePolicyOutput{}, err
}

// CreateInstanceProfile implements iamsync.Target.
func (t *Target) CreateInstanceProfile(ctx context.Context, in *sdk.CreateInstanceProfileInput, _ ...func(*sdk.Options)) (*sdk.CreateInstanceProfileOutput, error) {
	_, err := run(ctx, t, "CreateInstanceProfile", &iamapi.CreateInstanceProfileInput{InstanceProfileName: aws.ToString(in.InstanceProfileName), Path: in.Path,
		Tags: tags(in.Tags)}, t.svc.CreateInstanceProfile)
	return &sdk.CreateInstanceProfileOutput{}, err
}

// AddRoleToInstanceProfile implements iamsync.Target.
func (t *Target) AddRoleToInstanceProfile(ctx context.Context, in *sdk.AddRoleToInstanceProfileInput, _ ...func(*sdk.Options)) (*sdk.AddRoleToInstanceProfileOutput, error) {
	err := do(ctx, t, "AddRoleToInstanceProfile", &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: aws.ToString(in.InstanceProfileName),
		RoleName: aws.ToString(in.RoleName)}, t.svc.AddRoleToInstanceProfile)
	return &sdk.AddRoleToInstanceProfileOutput{}, err
}

var _ iamsync.Target = (*Target)(nil)
