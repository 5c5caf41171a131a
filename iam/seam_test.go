package iam_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

func ptr[T any](v T) *T { return &v }

// TestSeamNamesAndPaths: what the model rejects (names, paths, lengths)
// never reaches the domain, and the domain's own name rules: names are
// unique without case, and an absent entity is named in AWS's words.
func TestSeamNamesAndPaths(t *testing.T) {
	s := newSeam(t, nil)
	s.user("alice")
	s.user("bob")
	ctx := s.root
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"user name with a space", func() error {
			in := &iamapi.CreateUserInput{UserName: "bad name"}
			return validated(in, func() error { return drop(s.svc.CreateUser(ctx, in)) })
		}, "ValidationError", "failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"user name of 65 characters", func() error {
			in := &iamapi.CreateUserInput{UserName: strings.Repeat("a", 65)}
			return validated(in, func() error { return drop(s.svc.CreateUser(ctx, in)) })
		}, "ValidationError", "Member must have length less than or equal to 64"},
		{"path without its slashes", func() error {
			in := &iamapi.CreateUserInput{UserName: "carol", Path: ptr("engineering")}
			return validated(in, func() error { return drop(s.svc.CreateUser(ctx, in)) })
		}, "ValidationError", "The specified value for path is invalid."},
		{"role name of 65 characters", func() error {
			in := &iamapi.CreateRoleInput{RoleName: strings.Repeat("r", 65), AssumeRolePolicyDocument: trustEC2}
			return validated(in, func() error { return drop(s.svc.CreateRole(ctx, in)) })
		}, "ValidationError", "at 'roleName' failed to satisfy constraint"},
		{"user name taken in another case", func() error {
			return drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "ALICE"}))
		}, "EntityAlreadyExists", "User with name ALICE already exists."},
		{"rename onto another user", func() error {
			return s.svc.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: "alice", NewUserName: ptr("Bob")})
		}, "EntityAlreadyExists", "User with name Bob already exists."},
		{"absent user", func() error {
			return drop(s.svc.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr("nobody")}))
		}, "NoSuchEntity", "The user with name nobody cannot be found."},
		{"group name taken in another case", func() error {
			if _, err := s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "devs"}); err != nil {
				return err
			}
			return drop(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "Devs"}))
		}, "EntityAlreadyExists", "Devs"},
		{"no caller", func() error {
			return drop(s.svc.CreateUser(context.Background(), &iamapi.CreateUserInput{UserName: "dave"}))
		}, "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"access key of another account's caller for no user", func() error {
			role := iam.WithCaller(context.Background(), &iam.Caller{Account: seamAccount, ARN: "arn:aws:sts::" + seamAccount + ":assumed-role/r/s",
				Session: &iam.Session{Type: iam.SessionAssumedRole, RoleName: "r"}})
			return drop(s.svc.CreateAccessKey(role, &iamapi.CreateAccessKeyInput{}))
		}, "ValidationError", "Must specify userName when calling with non-User credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.head()
			wantErr(t, tc.call(), tc.code, tc.msg)
			if tc.name != "group name taken in another case" && s.head() != before {
				t.Fatal("a refused call changed the store")
			}
		})
	}
	// A rename in place (case only) keeps the user and its id.
	u, _ := s.svc.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr("alice")})
	if err := s.svc.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: "alice", NewUserName: ptr("Alice"), NewPath: ptr("/eng/")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.svc.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr("ALICE")})
	if err != nil || got.User.UserName != "Alice" || got.User.Path != "/eng/" || got.User.UserId != u.User.UserId {
		t.Fatalf("after rename: %+v, %v", got, err)
	}
}

// TestSeamQuotas: every account and per-entity quota answers
// LimitExceeded with AWS's quota name, and deleting frees the place.
func TestSeamQuotas(t *testing.T) {
	q := iam.DefaultQuotas()
	q.Users, q.Groups, q.Roles, q.Policies, q.InstanceProfiles = 2, 1, 1, 1, 1
	q.GroupsPerUser, q.AttachedPerUser, q.AttachedPerRole, q.AttachedPerGroup = 1, 1, 1, 1
	s := newSeam(t, &q)
	ctx := s.root
	s.user("u1")
	s.ok(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g1"}))
	s.ok(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r1", AssumeRolePolicyDocument: trustEC2}))
	p1 := s.policy("p1")
	s.ok(s.svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "ip1"}))
	awsPolicy := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	cases := []struct {
		name, quota string
		setup       func() error
		call        func() error
	}{
		{"users", "Cannot exceed quota for UsersPerAccount: 2",
			func() error { return drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u2"})) },
			func() error { return drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u3"})) }},
		{"groups", "Cannot exceed quota for GroupsPerAccount: 1", nil,
			func() error { return drop(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g2"})) }},
		{"roles", "Cannot exceed quota for RolesPerAccount: 1", nil,
			func() error {
				return drop(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r2", AssumeRolePolicyDocument: trustEC2}))
			}},
		{"policies", "Cannot exceed quota for PoliciesPerAccount: 1", nil,
			func() error {
				return drop(s.svc.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p2", PolicyDocument: allowAll}))
			}},
		{"instance profiles", "Cannot exceed quota for InstanceProfilesPerAccount: 1", nil,
			func() error {
				return drop(s.svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "ip2"}))
			}},
		{"policies per user", "Cannot exceed quota for PoliciesPerUser: 1",
			func() error {
				return s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u1", PolicyArn: p1})
			},
			func() error {
				return s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u1", PolicyArn: awsPolicy})
			}},
		{"policies per role", "Cannot exceed quota for PoliciesPerRole: 1",
			func() error {
				return s.svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "r1", PolicyArn: p1})
			},
			func() error {
				return s.svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "r1", PolicyArn: awsPolicy})
			}},
		{"policies per group", "Cannot exceed quota for PoliciesPerGroup: 1",
			func() error {
				return s.svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "g1", PolicyArn: p1})
			},
			func() error {
				return s.svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "g1", PolicyArn: awsPolicy})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				if err := tc.setup(); err != nil {
					t.Fatal(err)
				}
			}
			before := s.head()
			wantErr(t, tc.call(), "LimitExceeded", tc.quota)
			if s.head() != before {
				t.Fatal("a refused call changed the store")
			}
		})
	}
	// Deleting a user frees its place in the account quota.
	s.ok(nil, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "u2"}))
	s.ok(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u3"}))
	sum, err := s.svc.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["Users"] != 2 || sum.SummaryMap["UsersQuota"] != 2 {
		t.Fatalf("summary %v, %v", sum, err)
	}
}

// TestSeamGroupsPerUserQuota: a user in as many groups as the quota allows
// cannot join one more.
func TestSeamGroupsPerUserQuota(t *testing.T) {
	q := iam.DefaultQuotas()
	q.GroupsPerUser = 1
	s := newSeam(t, &q)
	s.user("u")
	for _, g := range []string{"g1", "g2"} {
		s.ok(s.svc.CreateGroup(s.root, &iamapi.CreateGroupInput{GroupName: g}))
	}
	s.ok(nil, s.svc.AddUserToGroup(s.root, &iamapi.AddUserToGroupInput{GroupName: "g1", UserName: "u"}))
	before := s.head()
	wantErr(t, s.svc.AddUserToGroup(s.root, &iamapi.AddUserToGroupInput{GroupName: "g2", UserName: "u"}), "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 1")
	if s.head() != before {
		t.Fatal("a refused call changed the store")
	}
}

// TestSeamAttachments: attaching is idempotent, is listed from both
// sides, and blocks deleting the policy and the entity until detached.
func TestSeamAttachments(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("alice")
	s.ok(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "devs"}))
	s.ok(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "app", AssumeRolePolicyDocument: trustEC2}))
	p := s.policy("deploy")
	for range 2 {
		s.ok(nil, s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: p}))
	}
	s.ok(nil, s.svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "devs", PolicyArn: p}))
	s.ok(nil, s.svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "app", PolicyArn: p}))

	attached, err := s.svc.ListAttachedUserPolicies(ctx, &iamapi.ListAttachedUserPoliciesInput{UserName: "alice"})
	if err != nil || len(attached.AttachedPolicies) != 1 || *attached.AttachedPolicies[0].PolicyArn != p {
		t.Fatalf("attached to alice: %+v, %v", attached, err)
	}
	groupAttached, err := s.svc.ListAttachedGroupPolicies(ctx, &iamapi.ListAttachedGroupPoliciesInput{GroupName: "devs"})
	if err != nil || len(groupAttached.AttachedPolicies) != 1 || *groupAttached.AttachedPolicies[0].PolicyName != "deploy" {
		t.Fatalf("attached to devs: %+v, %v", groupAttached, err)
	}
	ents, err := s.svc.ListEntitiesForPolicy(ctx, &iamapi.ListEntitiesForPolicyInput{PolicyArn: p})
	if err != nil || len(ents.PolicyUsers) != 1 || len(ents.PolicyGroups) != 1 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("entities: %+v, %v", ents, err)
	}
	got, err := s.svc.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: p})
	if err != nil || *got.Policy.AttachmentCount != 3 {
		t.Fatalf("policy %+v, %v", got, err)
	}
	docs, err := s.svc.GroupPolicies(ctx, seamAccount, "devs")
	if err != nil || len(docs) != 1 || docs[0].Text != allowAll {
		t.Fatalf("group policies %+v, %v", docs, err)
	}

	conflicts := []struct {
		name, msg string
		call      func() error
	}{
		{"policy", "Cannot delete a policy attached to entities.", func() error { return s.svc.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: p}) }},
		{"user", "Cannot delete entity, must detach all policies first.", func() error {
			return s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"})
		}},
		{"group", "Cannot delete entity, must detach all policies first.", func() error {
			return s.svc.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"})
		}},
		{"role", "Cannot delete entity, must detach all policies first.", func() error {
			return s.svc.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "app"})
		}},
	}
	for _, tc := range conflicts {
		t.Run("delete attached "+tc.name, func(t *testing.T) {
			before := s.head()
			wantErr(t, tc.call(), "DeleteConflict", tc.msg)
			if s.head() != before {
				t.Fatal("a refused delete changed the store")
			}
		})
	}

	wantErr(t, s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: "arn:aws:iam::" + seamAccount + ":policy/none"}),
		"NoSuchEntity", "policy/none")
	wantErr(t, s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "nobody", PolicyArn: p}), "NoSuchEntity", "nobody")

	s.ok(nil, s.svc.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: "alice", PolicyArn: p}))
	wantErr(t, s.svc.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: "alice", PolicyArn: p}), "NoSuchEntity", "")
	s.ok(nil, s.svc.DetachGroupPolicy(ctx, &iamapi.DetachGroupPolicyInput{GroupName: "devs", PolicyArn: p}))
	s.ok(nil, s.svc.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "app", PolicyArn: p}))
	s.ok(nil, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"}))
	s.ok(nil, s.svc.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"}))
	s.ok(nil, s.svc.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "app"}))
	s.ok(nil, s.svc.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: p}))
}

// TestSeamPolicyVersions: at most five versions; the default version can
// be moved but not deleted; a policy with versions left cannot be deleted.
func TestSeamPolicyVersions(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	p := s.policy("versions")
	doc := func(n int) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b%d/*"}]}`, n)
	}
	for n := 2; n <= 5; n++ {
		out, err := s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: p, PolicyDocument: doc(n), SetAsDefault: ptr(n == 4)})
		if err != nil || *out.PolicyVersion.VersionId != fmt.Sprintf("v%d", n) || *out.PolicyVersion.IsDefaultVersion != (n == 4) {
			t.Fatalf("version %d: %+v, %v", n, out, err)
		}
	}
	defaultIs := func(want string) {
		t.Helper()
		got, err := s.svc.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: p})
		if err != nil || *got.Policy.DefaultVersionId != want {
			t.Fatalf("default %+v, %v; want %s", got, err, want)
		}
	}
	defaultIs("v4")
	cases := []struct {
		name, code, msg string
		call            func() error
	}{
		{"sixth version", "LimitExceeded", "A managed policy can have up to 5 versions.", func() error {
			return drop(s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: p, PolicyDocument: doc(6)}))
		}},
		{"malformed version", "MalformedPolicyDocument", "", func() error {
			return drop(s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: p, PolicyDocument: `{"Statement":`}))
		}},
		{"delete the default version", "DeleteConflict", "Cannot delete the default version of a policy.", func() error {
			return s.svc.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: p, VersionId: "v4"})
		}},
		{"default to an absent version", "NoSuchEntity", "version v9 does not exist", func() error {
			return s.svc.SetDefaultPolicyVersion(ctx, &iamapi.SetDefaultPolicyVersionInput{PolicyArn: p, VersionId: "v9"})
		}},
		{"delete an absent version", "NoSuchEntity", "version v9 does not exist", func() error {
			return s.svc.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: p, VersionId: "v9"})
		}},
		{"read an absent version", "NoSuchEntity", "", func() error {
			return drop(s.svc.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: p, VersionId: "v9"}))
		}},
		{"delete a policy with versions", "DeleteConflict", "This policy has more than one version.", func() error {
			return s.svc.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: p})
		}},
		{"version of an AWS managed policy", "", "", func() error {
			return drop(s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", PolicyDocument: doc(7)}))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.head()
			err := tc.call()
			if tc.code == "" {
				if err == nil {
					t.Fatal("an AWS managed policy took a version")
				}
			} else {
				wantErr(t, err, tc.code, tc.msg)
			}
			if s.head() != before {
				t.Fatal("a refused call changed the store")
			}
		})
	}
	defaultIs("v4")

	v2, err := s.svc.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: p, VersionId: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := url.QueryUnescape(*v2.PolicyVersion.Document); text != doc(2) || *v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v2 %+v", v2.PolicyVersion)
	}
	s.ok(nil, s.svc.SetDefaultPolicyVersion(ctx, &iamapi.SetDefaultPolicyVersionInput{PolicyArn: p, VersionId: "v2"}))
	defaultIs("v2")
	managed, err := s.svc.ManagedPolicyDocument(ctx, seamAccount, p)
	if err != nil || managed.Text != doc(2) {
		t.Fatalf("session policy document %+v, %v", managed, err)
	}
	for _, v := range []string{"v1", "v3", "v4", "v5"} {
		s.ok(nil, s.svc.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: p, VersionId: v}))
	}
	// Version ids are not reused after deletes.
	out, err := s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: p, PolicyDocument: doc(6)})
	if err != nil || *out.PolicyVersion.VersionId != "v6" {
		t.Fatalf("after deletes: %+v, %v", out, err)
	}
	list, err := s.svc.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: p})
	if err != nil || len(list.Versions) != 2 {
		t.Fatalf("versions %+v, %v", list, err)
	}
	s.ok(nil, s.svc.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: p, VersionId: "v6"}))
	s.ok(nil, s.svc.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: p}))
}

// TestSeamAccessKeys: at most two keys per user; the secret is sealed and
// opens to what CreateAccessKey answered; a user with keys cannot be
// deleted.
func TestSeamAccessKeys(t *testing.T) {
	s := newSeam(t, nil)
	s.user("alice")
	alice := s.as("alice")
	var ids []string
	for range 2 {
		out, err := s.svc.CreateAccessKey(alice, &iamapi.CreateAccessKeyInput{}) // her own: no UserName
		if err != nil {
			t.Fatal(err)
		}
		k := out.AccessKey
		if k.UserName != "alice" || k.Status != "Active" || len(k.SecretAccessKey) != 40 || !strings.HasPrefix(k.AccessKeyId, "AKIA") {
			t.Fatalf("key %+v", k)
		}
		cred, err := s.svc.LookupAccessKey(context.Background(), k.AccessKeyId)
		if err != nil || cred.Secret != k.SecretAccessKey || cred.User != "alice" || cred.Account != seamAccount || !cred.Active {
			t.Fatalf("lookup %+v, %v", cred, err)
		}
		ids = append(ids, k.AccessKeyId)
	}
	before := s.head()
	wantErr(t, drop(s.svc.CreateAccessKey(s.root, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})), "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	wantErr(t, s.svc.DeleteUser(s.root, &iamapi.DeleteUserInput{UserName: "alice"}), "DeleteConflict", "must delete access keys first.")
	wantErr(t, s.svc.UpdateAccessKey(s.root, &iamapi.UpdateAccessKeyInput{UserName: ptr("alice"), AccessKeyId: "AKIANOSUCHKEY0000000", Status: "Inactive"}), "NoSuchEntity", "")
	if s.head() != before {
		t.Fatal("a refused call changed the store")
	}
	s.ok(nil, s.svc.UpdateAccessKey(alice, &iamapi.UpdateAccessKeyInput{AccessKeyId: ids[0], Status: "Inactive"}))
	if cred, err := s.svc.LookupAccessKey(context.Background(), ids[0]); err != nil || cred.Active {
		t.Fatalf("deactivated key %+v, %v", cred, err)
	}
	for _, id := range ids {
		s.ok(nil, s.svc.DeleteAccessKey(s.root, &iamapi.DeleteAccessKeyInput{UserName: ptr("alice"), AccessKeyId: id}))
	}
	if _, err := s.svc.LookupAccessKey(context.Background(), ids[0]); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("deleted key looked up: %v", err)
	}
	s.ok(nil, s.svc.DeleteUser(s.root, &iamapi.DeleteUserInput{UserName: "alice"}))
}

// TestSeamLoginProfileAndChangePassword: the password policy applies to
// new passwords; ChangePassword checks the old one, clears
// PasswordResetRequired, and locks out a guesser.
func TestSeamLoginProfileAndChangePassword(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("alice")
	const first, second = "First-Passw0rd", "Second-Passw0rd"
	wantErr(t, drop(s.svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("short")})),
		"PasswordPolicyViolation", "Password does not conform to the account password policy.")
	wantErr(t, drop(s.svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice")})), "InvalidInput", "Password is required")
	s.ok(s.svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr(first), PasswordResetRequired: ptr(true)}))
	wantErr(t, drop(s.svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr(first)})),
		"EntityAlreadyExists", "Login Profile for user alice already exists.")
	wantErr(t, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"}), "DeleteConflict", "must delete login profile first.")

	resetRequired := func() bool {
		t.Helper()
		out, err := s.svc.GetLoginProfile(ctx, &iamapi.GetLoginProfileInput{UserName: ptr("alice")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.LoginProfile.PasswordResetRequired
	}
	alice := s.as("alice")
	cases := []struct {
		name      string
		ctx       context.Context
		in        iamapi.ChangePasswordInput
		code, msg string
	}{
		{"root has no password to change", ctx, iamapi.ChangePasswordInput{OldPassword: first, NewPassword: second}, "InvalidUserType", "Only IAM users"},
		{"wrong old password", alice, iamapi.ChangePasswordInput{OldPassword: "Not-The-Passw0rd", NewPassword: second}, "InvalidInput", "The old password is incorrect."},
		{"new password breaks the default policy", alice, iamapi.ChangePasswordInput{OldPassword: first, NewPassword: "alllowercase"}, "PasswordPolicyViolation", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.head()
			wantErr(t, s.svc.ChangePassword(tc.ctx, &tc.in), tc.code, tc.msg)
			if s.head() != before || !resetRequired() {
				t.Fatal("a refused ChangePassword changed the profile")
			}
		})
	}
	s.ok(nil, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: first, NewPassword: second}))
	if resetRequired() {
		t.Fatal("ChangePassword left PasswordResetRequired set")
	}
	for pw, want := range map[string]bool{first: false, second: true} {
		if ok, err := s.svc.CheckLoginPassword(context.Background(), seamAccount, "alice", pw); err != nil || ok != want {
			t.Fatalf("CheckLoginPassword(%q) = %v, %v", pw, ok, err)
		}
	}

	// An account policy: users may not change passwords unless it says so,
	// and its rules replace the default ones.
	s.ok(nil, s.svc.UpdateAccountPasswordPolicy(ctx, &iamapi.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: ptr(int32(20))}))
	wantErr(t, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: second, NewPassword: "Third-Passw0rd-long-enough"}),
		"InvalidInput", "does not allow users to change their password")
	s.ok(nil, s.svc.UpdateAccountPasswordPolicy(ctx, &iamapi.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: ptr(int32(20)), AllowUsersToChangePassword: ptr(true)}))
	wantErr(t, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: second, NewPassword: "Third-Passw0rd"}), "PasswordPolicyViolation", "")
	s.ok(nil, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: second, NewPassword: "third password, long enough"}))
	wantErr(t, s.svc.UpdateLoginProfile(ctx, &iamapi.UpdateLoginProfileInput{UserName: "alice", Password: ptr("too short")}), "PasswordPolicyViolation", "")

	// Ten wrong old passwords (one above, nine here) lock the user out,
	// even with the right one.
	for range 9 {
		wantErr(t, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: "guess", NewPassword: "a new password, long enough"}), "InvalidInput", "incorrect")
	}
	wantErr(t, s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: "third password, long enough", NewPassword: "a new password, long enough"}),
		"LimitExceeded", "Too many incorrect passwords")

	s.ok(nil, s.svc.DeleteLoginProfile(ctx, &iamapi.DeleteLoginProfileInput{UserName: ptr("alice")}))
	wantErr(t, s.svc.ChangePassword(s.as("alice"), &iamapi.ChangePasswordInput{OldPassword: "x", NewPassword: "y"}), "LimitExceeded", "")
	s.ok(nil, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"}))
}

// TestSeamGroups: membership is listed both ways, blocks deletes, and
// follows a renamed user, as do its attached policies and keys.
func TestSeamGroups(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("alice")
	s.ok(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "devs"}))
	wantErr(t, s.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "nogroup", UserName: "alice"}), "NoSuchEntity", "nogroup")
	wantErr(t, s.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "nobody"}), "NoSuchEntity", "nobody")
	for range 2 { // adding twice is accepted
		s.ok(nil, s.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "alice"}))
	}
	p := s.policy("p")
	s.ok(nil, s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: p}))
	key, err := s.svc.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.svc.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"}), "DeleteConflict", "must remove users from group first.")

	s.ok(nil, s.svc.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: "alice", NewUserName: ptr("alicia")}))
	g, err := s.svc.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: "devs"})
	if err != nil || len(g.Users) != 1 || g.Users[0].UserName != "alicia" {
		t.Fatalf("group after rename %+v, %v", g, err)
	}
	groups, err := s.svc.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: "alicia"})
	if err != nil || len(groups.Groups) != 1 || groups.Groups[0].GroupName != "devs" {
		t.Fatalf("groups of alicia %+v, %v", groups, err)
	}
	attached, err := s.svc.ListAttachedUserPolicies(ctx, &iamapi.ListAttachedUserPoliciesInput{UserName: "alicia"})
	if err != nil || len(attached.AttachedPolicies) != 1 {
		t.Fatalf("policies after rename %+v, %v", attached, err)
	}
	if cred, err := s.svc.LookupAccessKey(context.Background(), key.AccessKey.AccessKeyId); err != nil || cred.User != "alicia" {
		t.Fatalf("key after rename %+v, %v", cred, err)
	}
	if _, err := s.svc.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: "alice"}); err == nil {
		t.Fatal("the old name still has groups")
	}
	wantErr(t, s.svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alicia"}), "DeleteConflict", "")

	s.ok(nil, s.svc.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "devs", UserName: "alicia"}))
	// Removing again succeeds, as on AWS (LocalStack's recording, remove-nonmember-user-from-group).
	s.ok(nil, s.svc.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "devs", UserName: "alicia"}))
	s.ok(nil, s.svc.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"}))
	wantErr(t, drop(s.svc.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: "devs"})), "NoSuchEntity", "The group with name devs cannot be found.")
}

// TestSeamRolesAndTrust: a trust policy must be a valid trust document
// naming principals that exist here; a refused update keeps the old one.
func TestSeamRolesAndTrust(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("alice")
	trustUser := func(name string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + seamAccount + `:user/` + name + `"},"Action":"sts:AssumeRole"}]}`
	}
	cases := []struct {
		name, doc, code, msg string
	}{
		{"not JSON", `{"Version":`, "MalformedPolicyDocument", ""},
		{"no principal", allowAll, "MalformedPolicyDocument", ""},
		{"absent user of this account", trustUser("nobody"), "MalformedPolicyDocument", "Invalid principal in policy"},
		{"too big", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` +
			strings.Repeat("x", 2100) + `"}}}]}`, "LimitExceeded", ""},
	}
	for _, tc := range cases {
		t.Run("create: "+tc.name, func(t *testing.T) {
			before := s.head()
			wantErr(t, drop(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: tc.doc})), tc.code, tc.msg)
			if s.head() != before {
				t.Fatal("a refused CreateRole changed the store")
			}
		})
	}
	s.ok(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustUser("alice"), MaxSessionDuration: ptr(int32(7200))}))
	trustOf := func() string {
		t.Helper()
		r, err := s.svc.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "r"})
		if err != nil {
			t.Fatal(err)
		}
		text, err := url.QueryUnescape(*r.Role.AssumeRolePolicyDocument)
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	for _, tc := range cases {
		t.Run("update: "+tc.name, func(t *testing.T) {
			wantErr(t, s.svc.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: tc.doc}), tc.code, tc.msg)
			if trustOf() != trustUser("alice") {
				t.Fatal("a refused update replaced the trust policy")
			}
		})
	}
	s.ok(nil, s.svc.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: trustEC2}))
	if trustOf() != trustEC2 {
		t.Fatal("trust policy not updated")
	}
	wantErr(t, drop(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "R", AssumeRolePolicyDocument: trustEC2})), "EntityAlreadyExists", "")
	wantErr(t, s.svc.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "none", PolicyDocument: trustEC2}), "NoSuchEntity", "none")
}

// TestSeamInstanceProfiles: one role per profile; a profile with a role,
// and a role in a profile, cannot be deleted.
func TestSeamInstanceProfiles(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	for _, r := range []string{"web", "batch"} {
		s.ok(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: r, AssumeRolePolicyDocument: trustEC2}))
	}
	s.ok(s.svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "ip", Path: ptr("/app/")}))
	wantErr(t, drop(s.svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "IP"})), "EntityAlreadyExists", "")
	wantErr(t, s.svc.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "none"}), "NoSuchEntity", "none")
	s.ok(nil, s.svc.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "web"}))

	before := s.head()
	wantErr(t, s.svc.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "batch"}),
		"LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	wantErr(t, s.svc.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: "ip"}),
		"DeleteConflict", "must remove roles from instance profile first.")
	wantErr(t, s.svc.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "web"}), "DeleteConflict", "")
	if s.head() != before {
		t.Fatal("a refused call changed the store")
	}

	got, err := s.svc.GetInstanceProfile(ctx, &iamapi.GetInstanceProfileInput{InstanceProfileName: "ip"})
	if err != nil || len(got.InstanceProfile.Roles) != 1 || got.InstanceProfile.Roles[0].RoleName != "web" || got.InstanceProfile.Path != "/app/" {
		t.Fatalf("profile %+v, %v", got, err)
	}
	forRole, err := s.svc.ListInstanceProfilesForRole(ctx, &iamapi.ListInstanceProfilesForRoleInput{RoleName: "web"})
	if err != nil || len(forRole.InstanceProfiles) != 1 {
		t.Fatalf("profiles of web %+v, %v", forRole, err)
	}
	byName, err := s.svc.InstanceProfileByName(ctx, seamAccount, "IP")
	if err != nil || byName.Role != "web" {
		t.Fatalf("InstanceProfileByName %+v, %v", byName, err)
	}
	if kind, name, err := s.svc.EntityByID(ctx, seamAccount, got.InstanceProfile.InstanceProfileId); err != nil || name != "ip" || kind == "" {
		t.Fatalf("EntityByID = %q %q %v", kind, name, err)
	}

	wantErr(t, s.svc.RemoveRoleFromInstanceProfile(ctx, &iamapi.RemoveRoleFromInstanceProfileInput{InstanceProfileName: "ip", RoleName: "batch"}), "NoSuchEntity", "")
	s.ok(nil, s.svc.RemoveRoleFromInstanceProfile(ctx, &iamapi.RemoveRoleFromInstanceProfileInput{InstanceProfileName: "ip", RoleName: "web"}))
	s.ok(nil, s.svc.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: "ip"}))
	s.ok(nil, s.svc.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "web"}))
	if _, err := s.svc.InstanceProfileByName(ctx, seamAccount, "ip"); err == nil {
		t.Fatal("deleted profile found")
	}
}

// TestSeamTags: at most 50 tags; no key twice (without case on users and
// roles, with case on policies); no aws: prefix; a new value replaces the
// old one and takes the new key's case.
func TestSeamTags(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("alice")
	p := s.policy("p")
	tags := func(prefix string, n int) []iamapi.Tag {
		out := make([]iamapi.Tag, n)
		for i := range out {
			out[i] = iamapi.Tag{Key: fmt.Sprintf("%s%02d", prefix, i), Value: "v"}
		}
		return out
	}
	s.ok(nil, s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: tags("k", 45)}))
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"51 on create", func() error {
			return drop(s.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "bob", Tags: tags("k", 51)}))
		}, "LimitExceeded", "The number of tags has reached the maximum limit."},
		{"past 50 in total", func() error {
			return s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: tags("new", 6)})
		}, "LimitExceeded", "The number of tags has reached the maximum limit."},
		{"key twice in another case on a user", func() error {
			return s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: []iamapi.Tag{{Key: "Team", Value: "a"}, {Key: "team", Value: "b"}}})
		}, "InvalidInput", "Duplicate tag keys found."},
		{"reserved prefix", func() error {
			return s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: []iamapi.Tag{{Key: "AWS:owner", Value: "x"}}})
		}, "InvalidInput", "can't start with 'aws:'"},
		{"key twice on a role being created", func() error {
			return drop(s.svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustEC2,
				Tags: []iamapi.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}))
		}, "InvalidInput", "Duplicate tag keys found."},
		{"key twice on a policy", func() error {
			return s.svc.TagPolicy(ctx, &iamapi.TagPolicyInput{PolicyArn: p, Tags: []iamapi.Tag{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}})
		}, "InvalidInput", "Duplicate tag keys found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.head()
			wantErr(t, tc.call(), tc.code, tc.msg)
			if s.head() != before {
				t.Fatal("a refused call changed the store")
			}
		})
	}
	// Five more reach 50 exactly; replacing a key in another case keeps 50.
	s.ok(nil, s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: tags("new", 5)}))
	s.ok(nil, s.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: []iamapi.Tag{{Key: "K00", Value: "replaced"}}}))
	list, err := s.svc.ListUserTags(ctx, &iamapi.ListUserTagsInput{UserName: "alice", MaxItems: ptr(int32(100))})
	if err != nil || len(list.Tags) != 50 || list.Tags[0] != (iamapi.Tag{Key: "K00", Value: "replaced"}) {
		t.Fatalf("tags %d %+v, %v", len(list.Tags), list.Tags[:1], err)
	}
	s.ok(nil, s.svc.UntagUser(ctx, &iamapi.UntagUserInput{UserName: "alice", TagKeys: []string{"k00", "k01"}}))
	if list, _ := s.svc.ListUserTags(ctx, &iamapi.ListUserTagsInput{UserName: "alice", MaxItems: ptr(int32(100))}); len(list.Tags) != 48 {
		t.Fatalf("after untag: %d tags", len(list.Tags))
	}
	// Policies compare keys with case: "a" and "A" are two tags.
	s.ok(nil, s.svc.TagPolicy(ctx, &iamapi.TagPolicyInput{PolicyArn: p, Tags: []iamapi.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}))
	if pt, err := s.svc.ListPolicyTags(ctx, &iamapi.ListPolicyTagsInput{PolicyArn: p}); err != nil || len(pt.Tags) != 2 {
		t.Fatalf("policy tags %+v, %v", pt, err)
	}
}

// TestSeamStoreFailures: a store that cannot be reached answers
// ServiceUnavailable, any other store failure ServiceFailure, a cancelled
// request RequestTimeout; a failed write commits nothing (no half-made
// user, no quota counted) and is not reported to the change watcher.
func TestSeamStoreFailures(t *testing.T) {
	q := iam.DefaultQuotas()
	q.Users = 2
	s := newSeam(t, &q)
	s.user("alice")
	s.ok(s.svc.CreateLoginProfile(s.root, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("First-Passw0rd")}))
	p := s.policy("p")
	alice := s.as("alice")
	unavailable := fmt.Errorf("dial tcp 10.0.0.1:5432: %w", iam.ErrUnavailable)
	arbitrary := errors.New("disk I/O error")
	faults := []struct {
		name                  string
		before, commit, write error
		code                  string
		status                int
	}{
		{"store unreachable", unavailable, nil, nil, "ServiceUnavailable", 503},
		{"store fails", arbitrary, nil, nil, "ServiceFailure", 500},
		{"commit fails", nil, arbitrary, nil, "ServiceFailure", 500},
		{"commit unreachable", nil, unavailable, nil, "ServiceUnavailable", 503},
		{"writes fail", nil, nil, arbitrary, "ServiceFailure", 500},
		{"request cancelled", context.Canceled, nil, nil, "RequestTimeout", 408},
		{"deadline passed", nil, fmt.Errorf("commit: %w", context.DeadlineExceeded), nil, "RequestTimeout", 408},
	}
	ops := []struct {
		name string
		call func() error
	}{
		{"CreateUser", func() error { return drop(s.svc.CreateUser(s.root, &iamapi.CreateUserInput{UserName: "bob"})) }},
		{"AttachUserPolicy", func() error {
			return s.svc.AttachUserPolicy(s.root, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: p})
		}},
		{"CreateAccessKey", func() error { return drop(s.svc.CreateAccessKey(alice, &iamapi.CreateAccessKeyInput{})) }},
		{"ChangePassword", func() error {
			return s.svc.ChangePassword(alice, &iamapi.ChangePasswordInput{OldPassword: "First-Passw0rd", NewPassword: "Second-Passw0rd"})
		}},
		{"DeleteLoginProfile", func() error {
			return s.svc.DeleteLoginProfile(s.root, &iamapi.DeleteLoginProfileInput{UserName: ptr("alice")})
		}},
		{"TagUser", func() error {
			return s.svc.TagUser(s.root, &iamapi.TagUserInput{UserName: "alice", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}})
		}},
	}
	for _, f := range faults {
		for _, op := range ops {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				before, marked := s.head(), s.writes.n.Load()
				s.st.fail(f.before, f.commit, f.write)
				err := op.call()
				s.st.fail(nil, nil, nil)
				wantErr(t, err, f.code, "")
				if e, _ := errorStatus(err); e != f.status {
					t.Fatalf("status %d, want %d", e, f.status)
				}
				// The cause stays for the log and is not told to the client.
				cause := f.before
				if cause == nil {
					cause = f.commit
				}
				if cause == nil {
					cause = f.write
				}
				if !errors.Is(err, cause) || strings.Contains(awsMessage(err), "disk I/O") {
					t.Fatalf("error %v: cause lost or sent to the client", err)
				}
				if s.head() != before {
					t.Fatal("a failed call committed changes")
				}
				if s.writes.n.Load() != marked {
					t.Fatal("a failed write was reported to the watcher")
				}
			})
		}
	}
	// Reads fail the same way.
	s.st.fail(unavailable, nil, nil)
	wantErr(t, drop(s.svc.GetUser(s.root, &iamapi.GetUserInput{UserName: ptr("alice")})), "ServiceUnavailable", "the store cannot be reached")
	s.st.fail(arbitrary, nil, nil)
	wantErr(t, drop(s.svc.ListUsers(s.root, &iamapi.ListUsersInput{})), "ServiceFailure", "")
	s.st.fail(nil, nil, nil)

	// Nothing was half made: the quota has room for exactly one more user,
	// alice has no policy, key, tag or new password, and every operation
	// now succeeds once.
	marked := s.writes.n.Load()
	for _, op := range ops[:4] {
		if err := op.call(); err != nil {
			t.Fatalf("%s after the failures: %v", op.name, err)
		}
	}
	if s.writes.n.Load() != marked+4 {
		t.Fatalf("watcher told of %d writes, want 4", s.writes.n.Load()-marked)
	}
	wantErr(t, drop(s.svc.CreateUser(s.root, &iamapi.CreateUserInput{UserName: "carol"})), "LimitExceeded", "UsersPerAccount: 2")
	keys, err := s.svc.ListAccessKeys(s.root, &iamapi.ListAccessKeysInput{UserName: ptr("alice")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("keys %+v, %v", keys, err)
	}
	if tags, err := s.svc.ListUserTags(s.root, &iamapi.ListUserTagsInput{UserName: "alice"}); err != nil || len(tags.Tags) != 0 {
		t.Fatalf("tags %+v, %v", tags, err)
	}
	if _, err := s.svc.GetLoginProfile(s.root, &iamapi.GetLoginProfileInput{UserName: ptr("alice")}); err != nil {
		t.Fatalf("login profile gone: %v", err)
	}
}

func awsMessage(err error) string {
	e, _ := awserr.As(err)
	return e.Message
}

func errorStatus(err error) (int, bool) {
	if e, ok := awserr.As(err); ok {
		return e.Status, true
	}
	return 0, false
}
