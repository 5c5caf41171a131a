package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// AllowUsersToChangePassword gives every user iam:ChangePassword on
// itself and iam:GetAccountPasswordPolicy, applied at the account level
// as AWS applies it: no policy needed; nothing more is granted; an
// explicit Deny still wins; without the setting the user's
// policies decide.
func TestSecurityPasswordPolicyLetsUsersChangeOwnPassword(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "pat")
	must[*iam.CreateLoginProfileOutput](t)(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("pat"), Password: aws.String("Old-password-1")}))
	pat := iamClient(inst, key, secret)
	change := func(old, new string) error {
		_, err := pat.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(old), NewPassword: aws.String(new)})
		return err
	}
	// No password policy: pat has no policy, so no grant.
	wantErr(t, change("Old-password-1", "New-password-2"), "AccessDenied", 403)

	must[*iam.UpdateAccountPasswordPolicyOutput](t)(root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true}))
	if _, err := pat.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}); err != nil {
		t.Fatalf("GetAccountPasswordPolicy: %v", err)
	}
	if err := change("Old-password-1", "New-password-2"); err != nil {
		t.Fatalf("ChangePassword allowed by the password policy: %v", err)
	}
	// The grant is iam:ChangePassword and no more: UpdateLoginProfile (which
	// sets a password without the old one) stays out of reach.
	_, err := pat.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("pat"), Password: aws.String("Other-password-3")})
	wantErr(t, err, "AccessDenied", 403)

	// An explicit Deny wins over the account-level grant.
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("pat"), PolicyName: aws.String("no"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ChangePassword","Resource":"*"}]}`)}))
	wantErr(t, change("New-password-2", "Newer-password-4"), "AccessDenied", 403)
}
