package server_test

// Issue 18: the behaviours TestParitySnapshots found, held beyond the one
// recorded call: attach order across pages, detach and re-attach, and a
// non-member's removal that changes nothing.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestParityAttachOrderPaging(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2TrustDoc)}))
	// Attached in an order that is neither by name nor by ARN.
	order := []string{"arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy", "arn:aws:iam::aws:policy/AdministratorAccess"}
	for _, a := range order {
		must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(a)}))
	}
	// Attaching again keeps the policy's place.
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(order[0])}))
	list := func(max int32, marker *string) ([]string, *string) {
		t.Helper()
		out := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(max), Marker: marker}))
		var arns []string
		for _, p := range out.AttachedPolicies {
			arns = append(arns, *p.PolicyArn)
		}
		if out.IsTruncated != (out.Marker != nil) {
			t.Fatalf("IsTruncated %v with marker %v", out.IsTruncated, out.Marker)
		}
		return arns, out.Marker
	}
	first, m := list(2, nil)
	rest, end := list(2, m)
	if got := strings.Join(append(first, rest...), " "); got != strings.Join(order, " ") || end != nil {
		t.Fatalf("pages %q then %v, want %q", got, end, order)
	}
	// The policy the marker stands after is detached: the next page is
	// still the rest, in order.
	must[*iam.DetachRolePolicyOutput](t)(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(order[1])}))
	rest, _ = list(2, m)
	if strings.Join(rest, " ") != strings.Join(order[2:], " ") {
		t.Fatalf("after the marker's policy left: %q", rest)
	}
	// Re-attached, it comes last.
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(order[1])}))
	all, _ := list(10, nil)
	want := []string{order[0], order[2], order[3], order[1]}
	if strings.Join(all, " ") != strings.Join(want, " ") {
		t.Fatalf("after re-attaching: %q, want %q", all, want)
	}
	// GetAccountAuthorizationDetails lists them in the same order.
	gaad := must[*iam.GetAccountAuthorizationDetailsOutput](t)(c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{}))
	var got []string
	for _, p := range gaad.RoleDetailList[0].AttachedManagedPolicies {
		got = append(got, *p.PolicyArn)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("GAAD order %q, want %q", got, want)
	}
	// A marker iamd never issued is still refused.
	_, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), Marker: aws.String("bm90LWEtbWFya2Vy")})
	wantErr(t, err, "ValidationError", 400)
}

func TestParityRemoveNonMember(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, u := range []string{"in", "out"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("in")}))
	// Removing a user that is no member succeeds and changes nothing.
	must[*iam.RemoveUserFromGroupOutput](t)(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("g"), UserName: aws.String("out")}))
	g := must[*iam.GetGroupOutput](t)(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("g")}))
	if len(g.Users) != 1 || *g.Users[0].UserName != "in" {
		t.Fatalf("members %+v", g.Users)
	}
	// Neither exists: the user is named; a missing group with a real user
	// names the group.
	_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("none"), UserName: aws.String("nobody")})
	if apiCode(err) != "NoSuchEntity" || apiMessage(err) != "The user with name nobody cannot be found." {
		t.Fatalf("got %v", err)
	}
	_, err = c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("none"), UserName: aws.String("in")})
	if apiCode(err) != "NoSuchEntity" || apiMessage(err) != "The group with name none cannot be found." {
		t.Fatalf("got %v", err)
	}
	// The member is removed for real.
	must[*iam.RemoveUserFromGroupOutput](t)(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("g"), UserName: aws.String("in")}))
	gs := must[*iam.ListGroupsForUserOutput](t)(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("in")}))
	if len(gs.Groups) != 0 {
		t.Fatalf("still in %+v", gs.Groups)
	}
}
