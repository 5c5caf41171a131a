package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/totp"
)

var ctx = context.Background()

func TestUsers(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	out := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String("Alice"), Path: aws.String("/eng/"), Tags: []types.Tag{{Key: aws.String("Team"), Value: aws.String("red")}}}))
	if *out.User.Arn != "arn:aws:iam::123456789012:user/eng/Alice" || !strings.HasPrefix(*out.User.UserId, "AIDA") || len(*out.User.UserId) != 21 {
		t.Fatalf("CreateUser: %+v", out.User)
	}
	// Names are unique regardless of case, and keep their case.
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "EntityAlreadyExists")
	if apiMessage(err) != "User with name alice already exists." {
		t.Errorf("message %q", apiMessage(err))
	}
	got := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ALICE")}))
	if *got.User.UserName != "Alice" || len(got.User.Tags) != 1 {
		t.Fatalf("GetUser: %+v", got.User)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad/name")})
	wantCode(t, err, "ValidationError")

	// Tag keys of users are case-insensitive and case-preserving.
	must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("Alice"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}, {Key: aws.String("env"), Value: aws.String("dev")}}}))
	tags := must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("Alice")}))
	// Listed in key order, as AWS lists them.
	if len(tags.Tags) != 2 || *tags.Tags[1].Key != "team" || *tags.Tags[1].Value != "blue" || *tags.Tags[0].Key != "env" {
		t.Fatalf("tags: %+v", tags.Tags)
	}
	_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("Alice"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	wantCode(t, err, "InvalidInput")
	must[*iam.UntagUserOutput](t)(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("Alice"), TagKeys: []string{"ENV"}}))
	tags = must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("Alice")}))
	if len(tags.Tags) != 1 {
		t.Fatalf("after untag: %+v", tags.Tags)
	}

	// Rename carries the user's relations.
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("Alice")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("Alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/*/${aws:username}"}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("Alice")}))
	must[*iam.UpdateUserOutput](t)(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("Alice"), NewUserName: aws.String("Alicia"), NewPath: aws.String("/ops/")}))
	groups := must[*iam.ListGroupsForUserOutput](t)(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("Alicia")}))
	keys := must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("Alicia")}))
	pols := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("Alicia")}))
	if len(groups.Groups) != 1 || len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].UserName != "Alicia" || len(pols.PolicyNames) != 1 {
		t.Fatalf("after rename: groups %+v keys %+v policies %+v", groups.Groups, keys.AccessKeyMetadata, pols.PolicyNames)
	}
	// The renamed user's key still authenticates, as the new name.
	self := iam.NewFromConfig(awsConfig(*c.Options().BaseEndpoint, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
	if who := must[*iam.GetUserOutput](t)(self.GetUser(ctx, &iam.GetUserInput{})); *who.User.UserName != "Alicia" {
		t.Fatalf("GetUser as the renamed user: %+v", who.User)
	}

	// DeleteUser refuses while things hang on the user.
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alicia")})
	wantCode(t, err, "DeleteConflict")
	must[*iam.DeleteAccessKeyOutput](t)(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("Alicia"), AccessKeyId: key.AccessKey.AccessKeyId}))
	must[*iam.DeleteUserPolicyOutput](t)(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("Alicia"), PolicyName: aws.String("p")}))
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alicia")})
	wantCode(t, err, "DeleteConflict") // still in a group
	must[*iam.RemoveUserFromGroupOutput](t)(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("Alicia")}))
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alicia")}))
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alicia")})
	wantCode(t, err, "NoSuchEntity")
}

const allowS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

func TestListPagination(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	for i := range 7 {
		path := "/a/"
		if i%2 == 1 {
			path = "/b/"
		}
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%d", i)), Path: aws.String(path)}))
	}
	var names []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page := must[*iam.ListUsersOutput](t)(p.NextPage(ctx))
		pages++
		for _, u := range page.Users {
			names = append(names, *u.UserName)
		}
	}
	if pages != 4 || strings.Join(names, ",") != "user0,user1,user2,user3,user4,user5,user6" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	names = nil
	p = iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(1), PathPrefix: aws.String("/b/")})
	for p.HasMorePages() {
		for _, u := range must[*iam.ListUsersOutput](t)(p.NextPage(ctx)).Users {
			names = append(names, *u.UserName)
		}
	}
	if strings.Join(names, ",") != "user1,user3,user5" {
		t.Fatalf("path prefix: %v", names)
	}
	_, err := c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("!!not-a-marker!!")})
	wantCode(t, err, "ValidationError")
}

func TestGroups(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("admins"), Path: aws.String("/x/")}))
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ADMINS")})
	wantCode(t, err, "EntityAlreadyExists")
	for i := range 3 {
		name := fmt.Sprintf("u%d", i)
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
		must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("admins"), UserName: aws.String(name)}))
	}
	g := must[*iam.GetGroupOutput](t)(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("admins"), MaxItems: aws.Int32(2)}))
	if len(g.Users) != 2 || !g.IsTruncated || *g.Group.Arn != "arn:aws:iam::123456789012:group/x/admins" {
		t.Fatalf("GetGroup: %+v", g)
	}
	g = must[*iam.GetGroupOutput](t)(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("admins"), Marker: g.Marker}))
	if len(g.Users) != 1 || g.IsTruncated {
		t.Fatalf("GetGroup page 2: %+v", g)
	}
	// A user belongs to at most 10 groups.
	for i := range 9 {
		n := fmt.Sprintf("g%d", i)
		must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(n)}))
		must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(n), UserName: aws.String("u0")}))
	}
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("eleventh")}))
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("eleventh"), UserName: aws.String("u0")})
	wantCode(t, err, "LimitExceeded")
	// Renaming a group keeps its members.
	must[*iam.UpdateGroupOutput](t)(c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("admins"), NewGroupName: aws.String("operators")}))
	g = must[*iam.GetGroupOutput](t)(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("operators")}))
	if len(g.Users) != 3 {
		t.Fatalf("members after rename: %d", len(g.Users))
	}
	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("operators")})
	wantCode(t, err, "DeleteConflict")
	// A user that is no member is removed without complaint, as on AWS
	// (LocalStack's recording, remove-nonmember-user-from-group).
	must[*iam.RemoveUserFromGroupOutput](t)(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("eleventh"), UserName: aws.String("u1")}))
}

func TestManagedPolicies(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`)})
	wantCode(t, err, "MalformedPolicyDocument")
	if apiMessage(err) != "Policy statement must contain resources." {
		t.Errorf("message %q", apiMessage(err))
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("old"), PolicyDocument: aws.String(`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)})
	wantCode(t, err, "MalformedPolicyDocument")

	doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/a b+c/*"}]}`
	p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("reader"), Path: aws.String("/app/"),
		PolicyDocument: aws.String(doc), Description: aws.String("reads b"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	parn := p.Policy.Arn
	if *parn != "arn:aws:iam::123456789012:policy/app/reader" || *p.Policy.DefaultVersionId != "v1" || !strings.HasPrefix(*p.Policy.PolicyId, "ANPA") {
		t.Fatalf("CreatePolicy: %+v", p.Policy)
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("READER"), PolicyDocument: aws.String(doc)})
	wantCode(t, err, "EntityAlreadyExists")

	// Documents come back URL-encoded, exactly as written.
	v := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: parn, VersionId: aws.String("v1")}))
	if decoded, _ := url.PathUnescape(*v.PolicyVersion.Document); decoded != doc {
		t.Fatalf("document %q", *v.PolicyVersion.Document)
	}
	if decoded, _ := url.QueryUnescape(*v.PolicyVersion.Document); decoded != doc {
		t.Fatalf("document does not survive QueryUnescape (Terraform's decoding): %q", decoded)
	}

	// Five versions at most; the default cannot be deleted.
	for i := 2; i <= 5; i++ {
		must[*iam.CreatePolicyVersionOutput](t)(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: parn, PolicyDocument: aws.String(doc), SetAsDefault: i == 3}))
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: parn, PolicyDocument: aws.String(doc)})
	wantCode(t, err, "LimitExceeded")
	versions := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: parn}))
	if len(versions.Versions) != 5 || *versions.Versions[0].VersionId != "v5" || !versions.Versions[2].IsDefaultVersion {
		t.Fatalf("versions: %+v", versions.Versions)
	}
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: parn, VersionId: aws.String("v3")})
	wantCode(t, err, "DeleteConflict")
	must[*iam.DeletePolicyVersionOutput](t)(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: parn, VersionId: aws.String("v1")}))
	must[*iam.SetDefaultPolicyVersionOutput](t)(c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: parn, VersionId: aws.String("v5")}))
	v6 := must[*iam.CreatePolicyVersionOutput](t)(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: parn, PolicyDocument: aws.String(doc)}))
	if *v6.PolicyVersion.VersionId != "v6" {
		t.Fatalf("version ids are not reused: got %s", *v6.PolicyVersion.VersionId)
	}

	// Attachments, counts and who holds a policy.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: parn}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: parn}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: parn}))
	managed := aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: managed}))
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantCode(t, err, "NoSuchEntity")
	gp := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: parn}))
	if *gp.Policy.AttachmentCount != 3 || *gp.Policy.Description != "reads b" || len(gp.Policy.Tags) != 1 {
		t.Fatalf("GetPolicy: %+v", gp.Policy)
	}
	aws1 := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: managed}))
	if *aws1.Policy.AttachmentCount != 1 || *aws1.Policy.Path != "/service-role/" {
		t.Fatalf("AWS managed policy: %+v", aws1.Policy)
	}
	ents := must[*iam.ListEntitiesForPolicyOutput](t)(c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: parn}))
	if len(ents.PolicyUsers) != 1 || len(ents.PolicyGroups) != 1 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("entities: %+v", ents)
	}
	attached := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")}))
	if len(attached.AttachedPolicies) != 2 {
		t.Fatalf("attached: %+v", attached.AttachedPolicies)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: parn})
	wantCode(t, err, "DeleteConflict")
	local := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))
	if len(local.Policies) != 1 {
		t.Fatalf("local policies: %d", len(local.Policies))
	}
	awsPolicies := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(50)}))
	if len(awsPolicies.Policies) != 50 || !awsPolicies.IsTruncated {
		t.Fatalf("AWS policies page: %d, truncated %v", len(awsPolicies.Policies), awsPolicies.IsTruncated)
	}
	onlyAttached := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{OnlyAttached: true}))
	if len(onlyAttached.Policies) != 2 {
		t.Fatalf("only attached: %d", len(onlyAttached.Policies))
	}
	for _, f := range []func() error{
		func() error {
			_, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: parn})
			return err
		},
		func() error {
			_, err := c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: parn})
			return err
		},
		func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: parn})
			return err
		},
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: parn})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: parn})
	wantCode(t, err, "DeleteConflict") // versions remain
	for _, id := range []string{"v2", "v3", "v4", "v6"} {
		must[*iam.DeletePolicyVersionOutput](t)(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: parn, VersionId: aws.String(id)}))
	}
	must[*iam.DeletePolicyOutput](t)(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: parn}))
}

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestInlinePolicies(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("a"), PolicyDocument: aws.String(allowS3)}))
	got := must[*iam.GetUserPolicyOutput](t)(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("U"), PolicyName: aws.String("a")}))
	if d, _ := url.QueryUnescape(*got.PolicyDocument); d != allowS3 || *got.UserName != "u" {
		t.Fatalf("GetUserPolicy: %+v", got)
	}
	// The user quota (2048 characters) is on the sum of the inline policies.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 1900) + `"}]}`
	_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("b"), PolicyDocument: aws.String(big)})
	wantCode(t, err, "LimitExceeded")
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("a"), PolicyDocument: aws.String(big)}))
	_, err = c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("zzz")})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`)})
	wantCode(t, err, "MalformedPolicyDocument")

	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("x"), PolicyDocument: aws.String(allowS3)}))
	names := must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r")}))
	if len(names.PolicyNames) != 1 {
		t.Fatal(names.PolicyNames)
	}
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("x"), PolicyDocument: aws.String(allowS3)}))
	must[*iam.GetGroupPolicyOutput](t)(c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("x")}))
}

func TestRolesAndInstanceProfiles(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ghost"},"Action":"sts:AssumeRole"}]}`)})
	wantCode(t, err, "MalformedPolicyDocument")
	if apiMessage(err) != `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost"` {
		t.Errorf("message %q", apiMessage(err))
	}
	r := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), Path: aws.String("/svc/"),
		AssumeRolePolicyDocument: aws.String(ec2Trust), Description: aws.String("web servers"), MaxSessionDuration: aws.Int32(7200)}))
	if *r.Role.Arn != "arn:aws:iam::123456789012:role/svc/web" || !strings.HasPrefix(*r.Role.RoleId, "AROA") {
		t.Fatalf("CreateRole: %+v", r.Role)
	}
	// UpdateRole leaves out what it is not given.
	must[*iam.UpdateRoleOutput](t)(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("web"), MaxSessionDuration: aws.Int32(3600)}))
	got := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("web")}))
	if *got.Role.Description != "web servers" || *got.Role.MaxSessionDuration != 3600 {
		t.Fatalf("after UpdateRole: %+v", got.Role)
	}
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("web"), MaxSessionDuration: aws.Int32(60)})
	wantCode(t, err, "ValidationError")
	must[*iam.UpdateAssumeRolePolicyOutput](t)(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("web"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("web"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`)})
	wantCode(t, err, "MalformedPolicyDocument")

	must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("other")})
	wantCode(t, err, "LimitExceeded")
	ip := must[*iam.GetInstanceProfileOutput](t)(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")}))
	if len(ip.InstanceProfile.Roles) != 1 || *ip.InstanceProfile.Roles[0].RoleName != "web" {
		t.Fatalf("profile: %+v", ip.InstanceProfile)
	}
	for_ := must[*iam.ListInstanceProfilesForRoleOutput](t)(c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")}))
	if len(for_.InstanceProfiles) != 1 {
		t.Fatal(for_.InstanceProfiles)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantCode(t, err, "DeleteConflict")
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")})
	wantCode(t, err, "DeleteConflict")
	must[*iam.RemoveRoleFromInstanceProfileOutput](t)(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}))
	must[*iam.DeleteInstanceProfileOutput](t)(c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}))

	sl := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com")}))
	if *sl.Role.RoleName != "AWSServiceRoleForElasticBeanstalk" || *sl.Role.Path != "/aws-service-role/elasticbeanstalk.amazonaws.com/" {
		t.Fatalf("service-linked role: %+v", sl.Role)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: sl.Role.RoleName})
	wantCode(t, err, "UnmodifiableEntity")
	del := must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: sl.Role.RoleName}))
	st := must[*iam.GetServiceLinkedRoleDeletionStatusOutput](t)(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: del.DeletionTaskId}))
	if st.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Fatal(st.Status)
	}
}

func TestAccessKeysAndAuthentication(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	k1 := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")}))
	must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")}))
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	wantCode(t, err, "LimitExceeded")
	if apiMessage(err) != "Cannot exceed quota for AccessKeysPerUser: 2" {
		t.Errorf("message %q", apiMessage(err))
	}
	id, secret := *k1.AccessKey.AccessKeyId, *k1.AccessKey.SecretAccessKey
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(secret) != 40 {
		t.Fatalf("key %s / %d chars", id, len(secret))
	}
	// The key identifies bob.
	who := must[*sts.GetCallerIdentityOutput](t)(stsClient(s, id, secret, "").GetCallerIdentity(ctx, nil))
	if *who.Arn != "arn:aws:iam::123456789012:user/bob" || *who.Account != testAccount {
		t.Fatalf("caller %+v", who)
	}
	root := must[*sts.GetCallerIdentityOutput](t)(stsClient(s, rootKey, rootSecret, "").GetCallerIdentity(ctx, nil))
	if *root.Arn != "arn:aws:iam::123456789012:root" || *root.UserId != testAccount {
		t.Fatalf("root caller %+v", root)
	}
	// Last use is recorded.
	deadline := time.Now().Add(3 * time.Second)
	for {
		lu := must[*iam.GetAccessKeyLastUsedOutput](t)(c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)}))
		if lu.AccessKeyLastUsed.LastUsedDate != nil {
			if *lu.AccessKeyLastUsed.ServiceName != "sts" || *lu.AccessKeyLastUsed.Region != "us-east-1" {
				t.Fatalf("last used %+v", lu.AccessKeyLastUsed)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("last use never recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Inactive keys and wrong secrets are refused.
	_, err = stsClient(s, id, "wrong-secret", "").GetCallerIdentity(ctx, nil)
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = stsClient(s, "AKIANOSUCHKEY0000000", secret, "").GetCallerIdentity(ctx, nil)
	wantCode(t, err, "InvalidClientTokenId")
	must[*iam.UpdateAccessKeyOutput](t)(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(id), Status: types.StatusTypeInactive}))
	_, err = stsClient(s, id, secret, "").GetCallerIdentity(ctx, nil)
	wantCode(t, err, "InvalidClientTokenId")
	// An unsigned request.
	resp, err := http.PostForm(s.URL, url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, body)
	}
}

func TestCredentials(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}))
	_, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("short")})
	wantCode(t, err, "PasswordPolicyViolation")
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Correct-Horse-9"), PasswordResetRequired: true}))
	lp := must[*iam.GetLoginProfileOutput](t)(c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("carol")}))
	if !lp.LoginProfile.PasswordResetRequired {
		t.Fatal("reset flag lost")
	}
	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Correct-Horse-9")})
	wantCode(t, err, "EntityAlreadyExists")

	must[*iam.UpdateAccountPasswordPolicyOutput](t)(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(20), RequireSymbols: true}))
	pp := must[*iam.GetAccountPasswordPolicyOutput](t)(c.GetAccountPasswordPolicy(ctx, nil))
	if *pp.PasswordPolicy.MinimumPasswordLength != 20 || !pp.PasswordPolicy.RequireSymbols {
		t.Fatalf("password policy %+v", pp.PasswordPolicy)
	}
	_, err = c.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Correct-Horse-9")})
	wantCode(t, err, "PasswordPolicyViolation")
	must[*iam.DeleteAccountPasswordPolicyOutput](t)(c.DeleteAccountPasswordPolicy(ctx, nil))
	_, err = c.GetAccountPasswordPolicy(ctx, nil)
	wantCode(t, err, "NoSuchEntity")

	// A virtual MFA device, enabled with two consecutive codes.
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("carol-phone")}))
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	if len(seed) != 40 || len(dev.VirtualMFADevice.QRCodePNG) < 100 || string(dev.VirtualMFADevice.QRCodePNG[1:4]) != "PNG" {
		t.Fatalf("device: seed %q, QR %d bytes", seed, len(dev.VirtualMFADevice.QRCodePNG))
	}
	now := totpCounter(t)
	code1, _ := totp.Code(seed, now-1)
	code2, _ := totp.Code(seed, now)
	_, err = c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("carol"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(code2), AuthenticationCode2: aws.String(code1)})
	wantCode(t, err, "InvalidAuthenticationCode")
	must[*iam.EnableMFADeviceOutput](t)(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("carol"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)}))
	devs := must[*iam.ListMFADevicesOutput](t)(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("carol")}))
	if len(devs.MFADevices) != 1 || *devs.MFADevices[0].SerialNumber != "arn:aws:iam::123456789012:mfa/carol-phone" {
		t.Fatalf("devices %+v", devs.MFADevices)
	}
	virt := must[*iam.ListVirtualMFADevicesOutput](t)(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeAssigned}))
	if len(virt.VirtualMFADevices) != 1 || *virt.VirtualMFADevices[0].User.UserName != "carol" || virt.VirtualMFADevices[0].Base32StringSeed != nil {
		t.Fatalf("virtual devices %+v", virt.VirtualMFADevices)
	}
	_, err = c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: dev.VirtualMFADevice.SerialNumber})
	wantCode(t, err, "DeleteConflict")
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
	wantCode(t, err, "DeleteConflict")
	must[*iam.DeactivateMFADeviceOutput](t)(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("carol"), SerialNumber: dev.VirtualMFADevice.SerialNumber}))
	must[*iam.DeleteVirtualMFADeviceOutput](t)(c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: dev.VirtualMFADevice.SerialNumber}))

	// SSH keys and service-specific credentials.
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("carol"), SSHPublicKeyBody: aws.String("ssh-rsa not-base64")})
	wantCode(t, err, "InvalidPublicKey")
	ssh := must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("carol"), SSHPublicKeyBody: aws.String(testSSHKey)}))
	if !strings.HasPrefix(*ssh.SSHPublicKey.SSHPublicKeyId, "APKA") || strings.Count(*ssh.SSHPublicKey.Fingerprint, ":") != 15 {
		t.Fatalf("ssh key %+v", ssh.SSHPublicKey)
	}
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("carol"), SSHPublicKeyBody: aws.String(testSSHKey)})
	wantCode(t, err, "DuplicateSSHPublicKey")
	cred := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("carol"), ServiceName: aws.String("codecommit.amazonaws.com")}))
	if *cred.ServiceSpecificCredential.ServiceUserName != "carol-at-123456789012" || cred.ServiceSpecificCredential.ServicePassword == nil {
		t.Fatalf("service credential %+v", cred.ServiceSpecificCredential)
	}
	creds := must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("carol")}))
	if len(creds.ServiceSpecificCredentials) != 1 {
		t.Fatal(creds)
	}
}

const testSSHKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl carol@laptop"

func TestAccountOperations(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateAccountAliasOutput](t)(c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("acme-prod")}))
	_, err := c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("Bad--Alias")})
	wantCode(t, err, "ValidationError")
	aliases := must[*iam.ListAccountAliasesOutput](t)(c.ListAccountAliases(ctx, nil))
	if len(aliases.AccountAliases) != 1 || aliases.AccountAliases[0] != "acme-prod" {
		t.Fatal(aliases.AccountAliases)
	}
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u1")}))
	must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u1")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g1")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g1"), UserName: aws.String("u1")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	sum := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(ctx, nil))
	if sum.SummaryMap["Users"] != 1 || sum.SummaryMap["Groups"] != 1 || sum.SummaryMap["Roles"] != 1 || sum.SummaryMap["UsersQuota"] != 5000 || sum.SummaryMap["AccountAccessKeysPresent"] != 1 {
		t.Fatalf("summary %v", sum.SummaryMap)
	}
	details := must[*iam.GetAccountAuthorizationDetailsOutput](t)(c.GetAccountAuthorizationDetails(ctx, nil))
	if len(details.UserDetailList) != 1 || details.UserDetailList[0].GroupList[0] != "g1" || len(details.RoleDetailList) != 1 ||
		len(details.Policies) != 1 || *details.Policies[0].PolicyName != "ReadOnlyAccess" || len(details.Policies[0].PolicyVersionList) < 150 || !details.Policies[0].PolicyVersionList[0].IsDefaultVersion { // every version, as AWS lists them
		t.Fatalf("authorization details: users %+v roles %+v policies %d", details.UserDetailList, details.RoleDetailList, len(details.Policies))
	}
	_, err = c.GetCredentialReport(ctx, nil)
	wantCode(t, err, "ReportNotPresent")
	gen := must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, nil))
	if gen.State != types.ReportStateTypeStarted {
		t.Fatal(gen.State)
	}
	if gen = must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, nil)); gen.State != types.ReportStateTypeComplete {
		t.Fatal(gen.State)
	}
	rep := must[*iam.GetCredentialReportOutput](t)(c.GetCredentialReport(ctx, nil))
	lines := strings.Split(strings.TrimSpace(string(rep.Content)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "user,arn,user_creation_time,password_enabled") || !strings.HasPrefix(lines[1], "<root_account>,arn:aws:iam::123456789012:root,") ||
		!strings.Contains(lines[2], "u1,arn:aws:iam::123456789012:user/u1,") {
		t.Fatalf("report:\n%s", rep.Content)
	}
}

func TestProviders(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	o := must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://token.actions.example.com/"), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)}}))
	if *o.OpenIDConnectProviderArn != "arn:aws:iam::123456789012:oidc-provider/token.actions.example.com" {
		t.Fatal(*o.OpenIDConnectProviderArn)
	}
	_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.example.com"), ThumbprintList: []string{strings.Repeat("a", 40)}})
	wantCode(t, err, "EntityAlreadyExists")
	must[*iam.AddClientIDToOpenIDConnectProviderOutput](t)(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: o.OpenIDConnectProviderArn, ClientID: aws.String("other")}))
	g := must[*iam.GetOpenIDConnectProviderOutput](t)(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: o.OpenIDConnectProviderArn}))
	if *g.Url != "token.actions.example.com" || len(g.ClientIDList) != 2 {
		t.Fatalf("provider %+v", g)
	}
	saml := `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com" validUntil="2030-01-01T00:00:00Z"></EntityDescriptor>`
	sp := must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(saml + strings.Repeat(" ", 1000))}))
	gs := must[*iam.GetSAMLProviderOutput](t)(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: sp.SAMLProviderArn}))
	if gs.ValidUntil.Year() != 2030 {
		t.Fatal(gs.ValidUntil)
	}
	_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("bad"), SAMLMetadataDocument: aws.String(strings.Repeat("x", 1000))})
	wantCode(t, err, "InvalidInput")
}

func TestProtocolErrors(t *testing.T) {
	s := testServer(t)
	post := func(form url.Values) (int, string) {
		resp, err := http.PostForm(s.URL, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(url.Values{"Version": {"2010-05-08"}}); code != 400 || !strings.Contains(body, "MissingAction") {
		t.Fatalf("%d %s", code, body)
	}
	big := url.Values{"Action": {"CreateUser"}, "UserName": {strings.Repeat("x", 2<<20)}}
	if code, _ := post(big); code != 413 {
		t.Fatalf("oversized body: %d", code)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "iamd_requests_total"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, b)
		}
	}
	c := iamClient(s, rootKey, rootSecret)
	// An operation iamd does not implement answers a quick 4xx, never a
	// 5xx that clients would retry.
	_, err := c.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})
	wantCode(t, err, "NotImplemented")
}
