package server_test

// Issue 18, item 6: policy variables are substituted in the ARN condition
// operators as in the string ones (the IAM User Guide, "Where you can use
// policy variables"), here through real requests; the policy engine's own
// cases are testdata/eval-vectors-extra/arn-variables.json.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestParityARNOperatorVariables(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	acct := "arn:aws:iam::" + testAccount + ":user/"
	// ArnLike with a tag variable allows only a user whose name starts with
	// its own team; ArnEquals with ${aws:username} only the caller's own
	// user; a Deny on ArnNotEquals with ${aws:username} would deny everyone
	// if the variable were read literally.
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"` + acct + `${aws:PrincipalTag/team}-*"}}},
		{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"` + acct + `${aws:username}"}}},
		{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*"},
		{"Effect":"Deny","Action":"iam:ListGroups","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"` + acct + `${aws:username}"}}},
		{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"},
		{"Effect":"Deny","Action":"iam:ListRoles","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"` + acct + `${aws:PrincipalTag/team}-*"}}}]}`
	users := map[string]*iam.Client{}
	for _, name := range []string{"dev-alice", "ops-bob"} {
		c, _, _ := newUser(t, s, root, name)
		users[name] = c
		must[*iam.TagUserOutput](t)(root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(name), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("dev")}}}))
		must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))
	}
	call := map[string]func(*iam.Client) error{
		"ListUsers":  func(c *iam.Client) error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{}); return err },
		"GetUser":    func(c *iam.Client) error { _, err := c.GetUser(ctx, &iam.GetUserInput{}); return err },
		"ListGroups": func(c *iam.Client) error { _, err := c.ListGroups(ctx, &iam.ListGroupsInput{}); return err },
		"ListRoles":  func(c *iam.Client) error { _, err := c.ListRoles(ctx, &iam.ListRolesInput{}); return err },
	}
	for _, tc := range []struct {
		user, action string
		allowed      bool
	}{
		{"dev-alice", "ListUsers", true}, // arn …user/dev-alice is like …user/dev-*
		{"ops-bob", "ListUsers", false},  // …user/ops-bob is not like …user/dev-*
		{"dev-alice", "GetUser", true},
		{"ops-bob", "GetUser", true},
		{"dev-alice", "ListGroups", true}, // the Deny's ARN is the caller's own
		{"ops-bob", "ListGroups", true},
		{"dev-alice", "ListRoles", true},
		{"ops-bob", "ListRoles", false}, // denied: not like …user/dev-*
	} {
		err := call[tc.action](users[tc.user])
		switch {
		case tc.allowed && err != nil:
			t.Errorf("%s %s: %v", tc.user, tc.action, err)
		case !tc.allowed && apiCode(err) != "AccessDenied":
			t.Errorf("%s %s: %v, want AccessDenied", tc.user, tc.action, err)
		}
	}
}
