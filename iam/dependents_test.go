package iam_test

import (
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// DeleteUser refuses while the user has dependents, the first in AWS's
// order (access keys before the login profile), and the login profile is
// the user's own, not another's whose name starts with it; the user
// counter follows creates and deletes up to the quota. Through the SQLite
// store's one-statement probe and counter, and through the generic paths.
func TestDeleteUserDependentsAndCounter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plain bool
	}{{"capabilities", false}, {"generic", true}} {
		t.Run(tc.name, func(t *testing.T) {
			quotas := iam.DefaultQuotas()
			quotas.Users = 2
			s := newSeam(t, &quotas)
			s.st.plain = tc.plain
			ctx := s.root
			s.user("bob")
			s.user("bobby")
			wantErr(t, drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "carol"})), "LimitExceeded", "UsersPerAccount: 2")
			s.ok(s.svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("bobby"), Password: ptr("First-Passw0rd")}))
			key, err := s.svc.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("bobby")})
			if err != nil {
				t.Fatal(err)
			}
			s.ok(nil, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bob"})) // bobby's profile is not bob's
			wantErr(t, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bobby"}), "DeleteConflict", "must delete access keys first.")
			s.ok(nil, s.svc.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: ptr("bobby"), AccessKeyId: key.AccessKey.AccessKeyId}))
			wantErr(t, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bobby"}), "DeleteConflict", "must delete login profile first.")
			s.ok(nil, s.svc.DeleteLoginProfile(ctx, &iamapi.DeleteLoginProfileInput{UserName: ptr("bobby")}))
			s.ok(nil, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bobby"}))
			wantErr(t, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bobby"}), "NoSuchEntity", "bobby")
			s.user("carol") // both deletes released their count
			s.user("dave")
			wantErr(t, drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "erin"})), "LimitExceeded", "UsersPerAccount: 2")
		})
	}
}
