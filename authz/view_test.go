package authz_test

import (
	"context"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// TestViewFollowsTheChangeFeed: the view keeps principals compiled, and
// every kind of write that changes a decision reaches the next decision
// through the store's change feed.
func TestViewFollowsTheChangeFeed(t *testing.T) {
	f := newFixture(t)
	ctx := f.root
	u := f.user("dev")
	r := f.role("svc", trustAccount)
	s := session(r, "s", nil)
	decision := func(c *iam.Caller, action string) policy.Decision {
		t.Helper()
		e, err := f.decide(c, action, "*", "", "")
		if err != nil {
			t.Fatal(err)
		}
		return e.Decision
	}
	expect := func(step string, c *iam.Caller, action string, want policy.Decision) {
		t.Helper()
		if got := decision(c, action); got != want {
			t.Fatalf("%s: %s is %v, want %v", step, action, got, want)
		}
	}
	// Each step decides once before (caching the principal) and once after.
	expect("start", u, "s3:GetObject", policy.ImplicitDeny)
	f.must(f.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "dev", PolicyName: "p", PolicyDocument: allow("s3:GetObject", "*")}))
	expect("inline user policy put", u, "s3:GetObject", policy.Allowed)

	f.must(f.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "dev", PolicyName: "p", PolicyDocument: allow("s3:PutObject", "*")}))
	expect("inline user policy replaced", u, "s3:GetObject", policy.ImplicitDeny)
	f.must(f.svc.DeleteUserPolicy(ctx, &iamapi.DeleteUserPolicyInput{UserName: "dev", PolicyName: "p"}))
	expect("inline user policy deleted", u, "s3:PutObject", policy.ImplicitDeny)

	// Groups: membership, the group's policies.
	_, err := f.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g"})
	f.must(err)
	f.must(f.svc.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "g", PolicyName: "gp", PolicyDocument: allow("sqs:*", "*")}))
	expect("group policy, not a member", u, "sqs:SendMessage", policy.ImplicitDeny)
	f.must(f.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "dev"}))
	expect("added to group", u, "sqs:SendMessage", policy.Allowed)
	f.must(f.svc.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "g", PolicyName: "gp2", PolicyDocument: deny("sqs:SendMessage", "*")}))
	expect("group deny added", u, "sqs:SendMessage", policy.ExplicitDeny)
	f.must(f.svc.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "g", UserName: "dev"}))
	expect("removed from group", u, "sqs:ReceiveMessage", policy.ImplicitDeny)

	// Managed policies: attachment, a new default version.
	arn := f.managed("m", allow("sns:Publish", "*"))
	f.must(f.svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "svc", PolicyArn: arn}))
	expect("managed policy attached to role", s, "sns:Publish", policy.Allowed)
	_, err = f.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: allow("sns:Subscribe", "*"), SetAsDefault: ptr(true)})
	f.must(err)
	expect("new default version", s, "sns:Publish", policy.ImplicitDeny)
	expect("new default version allows", s, "sns:Subscribe", policy.Allowed)
	f.must(f.svc.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "svc", PolicyArn: arn}))
	expect("detached", s, "sns:Subscribe", policy.ImplicitDeny)

	// Boundaries and tags.
	f.must(f.svc.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "svc", PolicyName: "all", PolicyDocument: allow("*", "*")}))
	expect("role inline", s, "ec2:RunInstances", policy.Allowed)
	f.must(f.svc.PutRolePermissionsBoundary(ctx, &iamapi.PutRolePermissionsBoundaryInput{RoleName: "svc", PermissionsBoundary: f.managed("b", allow("s3:*", "*"))}))
	expect("boundary put", s, "ec2:RunInstances", policy.ImplicitDeny)
	f.must(f.svc.DeleteRolePermissionsBoundary(ctx, &iamapi.DeleteRolePermissionsBoundaryInput{RoleName: "svc"}))
	expect("boundary deleted", s, "ec2:RunInstances", policy.Allowed)

	tagPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/level":"high"}}}]}`
	f.must(f.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "dev", PolicyName: "tag", PolicyDocument: tagPolicy}))
	expect("untagged", u, "s3:GetObject", policy.ImplicitDeny)
	f.must(f.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "dev", Tags: []iamapi.Tag{{Key: "level", Value: "high"}}}))
	expect("tagged", u, "s3:GetObject", policy.Allowed)
	f.must(f.svc.UntagUser(ctx, &iamapi.UntagUserInput{UserName: "dev", TagKeys: []string{"level"}}))
	expect("untagged again", u, "s3:GetObject", policy.ImplicitDeny)
}

// Without a feed the view reads once and keeps what it read: the server
// always gives it the watcher, and this is why.
func TestViewWithoutWatcherKeepsWhatItRead(t *testing.T) {
	f := newFixture(t)
	u := f.user("dev")
	dec := authz.New(f.svc, authz.NewView(f.svc, nil))
	e, err := dec.Decide(context.Background(), &iam.AuthzRequest{Caller: u, Action: "s3:GetObject", Resource: "*", ResourceAccount: account}, nil)
	if err != nil || e.Decision != policy.ImplicitDeny {
		t.Fatalf("%+v %v", e, err)
	}
	f.must(f.svc.PutUserPolicy(f.root, &iamapi.PutUserPolicyInput{UserName: "dev", PolicyName: "p", PolicyDocument: allow("s3:GetObject", "*")}))
	e, _ = dec.Decide(context.Background(), &iam.AuthzRequest{Caller: u, Action: "s3:GetObject", Resource: "*", ResourceAccount: account}, nil)
	if e.Decision != policy.ImplicitDeny {
		t.Fatalf("a view without feed saw the write: %v", e.Decision)
	}
	// The one with the feed sees it.
	e, _ = f.decide(u, "s3:GetObject", "*", "", "")
	if e.Decision != policy.Allowed {
		t.Fatalf("the view with the feed: %v", e.Decision)
	}
}

func ptr[T any](v T) *T { return &v }
