package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

// clock is a settable clock for the server.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) reset()                  { c.offset.Store(0) }

// clockSigner signs at the time of clk, as a client whose clock agrees
// with the server's.
type clockSigner struct{ clk *clock }

func (c clockSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, c.clk.now(), optFns...)
}

func newClockServer(t *testing.T) (*server.Instance, *clock) {
	t.Helper()
	clk := &clock{}
	inst, err := server.Start(context.Background(), server.Options{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(context.Background()) })
	return inst, clk
}

// newUser creates a user with an access key and returns its IAM client.
func newUser(t *testing.T, s *server.Instance, root *iam.Client, name string) (*iam.Client, string, string) {
	t.Helper()
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	k := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return iamClient(s, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey), *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

func TestEnforcement(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	alice, _, _ := newUser(t, s, root, "alice")

	// Nothing is allowed before a policy says so.
	_, err := alice.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"; apiMessage(err) != want {
		t.Fatalf("message %q\nwant    %q", apiMessage(err), want)
	}

	// A group policy allows reading users and creating users tagged team=red.
	must[*iam.CreateGroupOutput](t)(root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}))
	must[*iam.AddUserToGroupOutput](t)(root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("alice")}))
	must[*iam.PutGroupPolicyOutput](t)(root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
			{"Effect":"Allow","Action":["iam:CreateUser","iam:TagUser"],"Resource":"arn:aws:iam::123456789012:user/team/*",
			 "Condition":{"StringEquals":{"aws:RequestTag/team":"red"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
			{"Effect":"Allow","Action":"iam:DeleteUser","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}`)}))
	must[*iam.ListUsersOutput](t)(alice.ListUsers(ctx, &iam.ListUsersInput{}))
	must[*iam.CreateUserOutput](t)(alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("r1"), Path: aws.String("/team/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("red")}}}))
	_, err = alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("b1"), Path: aws.String("/team/"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	wantCode(t, err, "AccessDenied")
	_, err = alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("r2"), Path: aws.String("/other/"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
	wantCode(t, err, "AccessDenied")
	// aws:ResourceTag comes from the user being deleted.
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("blue1"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}))
	_, err = alice.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("blue1")})
	wantCode(t, err, "AccessDenied")
	must[*iam.DeleteUserOutput](t)(alice.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("r1")}))

	// An explicit deny wins, and the message says so.
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}`)}))
	_, err = alice.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.HasSuffix(apiMessage(err), "with an explicit deny in an identity-based policy") {
		t.Fatalf("explicit deny message: %q", apiMessage(err))
	}
	must[*iam.DeleteUserPolicyOutput](t)(root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("deny")}))
	must[*iam.ListUsersOutput](t)(alice.ListUsers(ctx, &iam.ListUsersInput{}))

	// A permissions boundary caps what the group grants.
	b := must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("only-get"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`)}))
	must[*iam.PutUserPermissionsBoundaryOutput](t)(root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("alice"), PermissionsBoundary: b.Policy.Arn}))
	must[*iam.GetUserOutput](t)(alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}))
	_, err = alice.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.HasSuffix(apiMessage(err), "because no permissions boundary allows the iam:ListUsers action") {
		t.Fatalf("boundary message: %q", apiMessage(err))
	}
	// The root user may do everything.
	must[*iam.ListUsersOutput](t)(root.ListUsers(ctx, &iam.ListUsersInput{}))
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

func TestAssumeRole(t *testing.T) {
	s, clk := newClockServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, key, secret := newUser(t, s, root, "dev")
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), Path: aws.String("/ci/"),
		AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(7200)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles","iam:GetRole"],"Resource":"*"}]}`)}))
	roleARN := aws.String("arn:aws:iam::123456789012:role/ci/deployer")
	devSTS := stsClient(s, key, secret, "")

	// The trust policy trusts the account: dev also needs sts:AssumeRole.
	_, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("s1")})
	wantCode(t, err, "AccessDenied")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::123456789012:role/ci/*"}]}`)}))
	out := must[*sts.AssumeRoleOutput](t)(devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("s1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetRole"],"Resource":"*"}]}`),
		Tags:   []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("x")}}}))
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/deployer/s1" || !strings.HasPrefix(*out.AssumedRoleUser.AssumedRoleId, "AROA") ||
		!strings.HasPrefix(*out.Credentials.AccessKeyId, "ASIA") || out.PackedPolicySize == nil {
		t.Fatalf("AssumeRole: %+v %+v", out.AssumedRoleUser, out.Credentials)
	}
	if d := time.Until(*out.Credentials.Expiration); d < 55*time.Minute || d > 61*time.Minute {
		t.Fatalf("default duration: %v", d)
	}
	cr := out.Credentials
	sess := iamClient2(s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	who := must[*sts.GetCallerIdentityOutput](t)(stsClient(s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken).GetCallerIdentity(ctx, nil))
	if *who.Arn != "arn:aws:sts::123456789012:assumed-role/deployer/s1" {
		t.Fatalf("caller %s", *who.Arn)
	}
	// The session acts with the role's policies, narrowed by the session policy.
	must[*iam.ListUsersOutput](t)(sess.ListUsers(ctx, &iam.ListUsersInput{}))
	_, err = sess.ListRoles(ctx, &iam.ListRolesInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.HasSuffix(apiMessage(err), "because no session policy allows the iam:ListRoles action") {
		t.Fatalf("session message %q", apiMessage(err))
	}
	_, err = sess.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
	wantCode(t, err, "AccessDenied")

	// A tampered token, and an expired one, are refused.
	tampered := *cr.SessionToken
	tampered = tampered[:len(tampered)-4] + "AAAA"
	_, err = stsClient(s, *cr.AccessKeyId, *cr.SecretAccessKey, tampered).GetCallerIdentity(ctx, nil)
	wantCode(t, err, "InvalidClientTokenId")
	// An hour later, with the client's clock as right as the server's.
	clk.advance(61 * time.Minute)
	late := sts.NewFromConfig(awsConfig(s.URL, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken),
		func(o *sts.Options) { o.HTTPSignerV4 = clockSigner{clk} })
	_, err = late.GetCallerIdentity(ctx, nil)
	wantCode(t, err, "ExpiredToken")
	clk.reset()

	// Durations: up to the role's maximum, and an hour when chaining.
	_, err = devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(7201)})
	wantCode(t, err, "ValidationError")
	long := must[*sts.AssumeRoleOutput](t)(devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(7200)}))
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("next"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci/deployer"},"Action":"sts:AssumeRole"}]}`)}))
	// s1's session policy does not allow sts:AssumeRole, and the trust
	// policy names the role, not the session: the session policy decides.
	_, err = stsClient(s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/next"), RoleSessionName: aws.String("c1")})
	wantCode(t, err, "AccessDenied")
	lc := long.Credentials
	sessSTS := stsClient(s, *lc.AccessKeyId, *lc.SecretAccessKey, *lc.SessionToken)
	_, err = sessSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/next"), RoleSessionName: aws.String("c1"), DurationSeconds: aws.Int32(3601)})
	wantCode(t, err, "ValidationError")
	chained := must[*sts.AssumeRoleOutput](t)(sessSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/next"), RoleSessionName: aws.String("c1")}))
	if *chained.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/next/c1" {
		t.Fatal(*chained.AssumedRoleUser.Arn)
	}
	// A trust policy that does not name the caller.
	_, err = devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/next"), RoleSessionName: aws.String("x1")})
	wantCode(t, err, "AccessDenied")
	// Roles that do not exist look like roles one may not assume.
	_, err = devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/ci/nope"), RoleSessionName: aws.String("x1")})
	wantCode(t, err, "AccessDenied")
	// The root user cannot assume roles.
	_, err = stsClient(s, rootKey, rootSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("r1")})
	wantCode(t, err, "AccessDenied")
}

func iamClient2(s *server.Instance, key, secret, token string) *iam.Client {
	return iam.NewFromConfig(awsConfig(s.URL, key, secret, token))
}

func TestExternalIDAndMFA(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, key, secret := newUser(t, s, root, "ops")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:ListUsers"],"Resource":"*"}]}`)}))
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("vendor"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-7781"}}}]}`)}))
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("breakglass"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	c := stsClient(s, key, secret, "")
	vendor := aws.String("arn:aws:iam::123456789012:role/vendor")
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: vendor, RoleSessionName: aws.String("v1")})
	wantCode(t, err, "AccessDenied")
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: vendor, RoleSessionName: aws.String("v1"), ExternalId: aws.String("wrong-id")})
	wantCode(t, err, "AccessDenied")
	must[*sts.AssumeRoleOutput](t)(c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: vendor, RoleSessionName: aws.String("v1"), ExternalId: aws.String("x-7781")}))

	// MFA: a device for ops, then AssumeRole with a code.
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ops")}))
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	n := totpCounter(t)
	c1, _ := totp.Code(seed, n-3)
	c2, _ := totp.Code(seed, n-2)
	must[*iam.EnableMFADeviceOutput](t)(root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("ops"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}))
	breakglass := aws.String("arn:aws:iam::123456789012:role/breakglass")
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: breakglass, RoleSessionName: aws.String("b1")})
	wantCode(t, err, "AccessDenied")
	code, _ := totp.Code(seed, n-1)
	must[*sts.AssumeRoleOutput](t)(c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: breakglass, RoleSessionName: aws.String("b1"), SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(code)}))
	// A code works once.
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: breakglass, RoleSessionName: aws.String("b2"), SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(code)})
	wantCode(t, err, "AccessDenied")

	// GetSessionToken: without MFA its credentials cannot call IAM; with MFA they can.
	plain := must[*sts.GetSessionTokenOutput](t)(c.GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	_, err = iamClient2(s, *plain.Credentials.AccessKeyId, *plain.Credentials.SecretAccessKey, *plain.Credentials.SessionToken).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
	next, _ := totp.Code(seed, n)
	withMFA := must[*sts.GetSessionTokenOutput](t)(c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: aws.String(next)}))
	must[*iam.ListUsersOutput](t)(iamClient2(s, *withMFA.Credentials.AccessKeyId, *withMFA.Credentials.SecretAccessKey, *withMFA.Credentials.SessionToken).ListUsers(ctx, &iam.ListUsersInput{}))
	// And then assume the MFA role without a new code.
	must[*sts.AssumeRoleOutput](t)(stsClient(s, *withMFA.Credentials.AccessKeyId, *withMFA.Credentials.SecretAccessKey, *withMFA.Credentials.SessionToken).
		AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: breakglass, RoleSessionName: aws.String("b3")}))
	info := must[*sts.GetAccessKeyInfoOutput](t)(c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: withMFA.Credentials.AccessKeyId}))
	if *info.Account != testAccount {
		t.Fatal(*info.Account)
	}
}

func TestCrossAccountAndFederation(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	if _, err := s.IAM.CreateAccount(ctx, "210987654321", "OTHERROOTKEY", "OTHERROOTSECRET"); err != nil {
		t.Fatal(err)
	}
	other := iamClient(s, "OTHERROOTKEY", "OTHERROOTSECRET")
	// A role in the other account trusts this account.
	must[*iam.CreateRoleOutput](t)(other.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("audit"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.PutRolePolicyOutput](t)(other.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("audit"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)}))
	_, key, secret := newUser(t, s, root, "auditor")
	c := stsClient(s, key, secret, "")
	audit := aws.String("arn:aws:iam::210987654321:role/audit")
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: audit, RoleSessionName: aws.String("a1")})
	wantCode(t, err, "AccessDenied") // no identity permission in this account yet
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetFederationToken","iam:ListUsers"],"Resource":"*"}]}`)}))
	out := must[*sts.AssumeRoleOutput](t)(c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: audit, RoleSessionName: aws.String("a1")}))
	sess := iamClient2(s, *out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken)
	roles := must[*iam.ListRolesOutput](t)(sess.ListRoles(ctx, &iam.ListRolesInput{}))
	if len(roles.Roles) != 1 || *roles.Roles[0].Arn != "arn:aws:iam::210987654321:role/audit" {
		t.Fatalf("the session lists the other account's roles: %+v", roles.Roles)
	}

	// A federated user: IAM refuses its credentials, with a session policy
	// or without (AWS: "You cannot call any IAM operations").
	bare := must[*sts.GetFederationTokenOutput](t)(c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("carol")}))
	if *bare.FederatedUser.Arn != "arn:aws:sts::123456789012:federated-user/carol" {
		t.Fatal(*bare.FederatedUser.Arn)
	}
	_, err = iamClient2(s, *bare.Credentials.AccessKeyId, *bare.Credentials.SecretAccessKey, *bare.Credentials.SessionToken).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
	scoped := must[*sts.GetFederationTokenOutput](t)(c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("carol"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}))
	_, err = iamClient2(s, *scoped.Credentials.AccessKeyId, *scoped.Credentials.SecretAccessKey, *scoped.Credentials.SessionToken).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
}
