package server_test

// Security tests for issue 11: authorize on what the operation touches,
// never on the caller's spelling of it.
//
//   TestSecurityCallingUserRoleSessionNoRootCredentials  item 1: role and federated sessions get no root keys (nor touch anyone's MFA) through a missing UserName
//   TestSecurityCallingUserLegitimate                    item 1: IAM users, their MFA session tokens and root still act on their own credentials
//   TestSecurityAssumeRoleCanonicalRoleARN               item 2: AssumeRole authorizes the role it finds, not the ARN as typed
//   TestSecurityPolicyARNSpellings                       item 4: policy ARNs in odd spellings neither pass a Deny nor change a protected policy
//   TestSecuritySAMLProviderARNSpellings                 item 4: a protected SAML provider's metadata is not replaced through an odd ARN
//   TestSecurityGetAccessKeyLastUsedOnOwner              GetAccessKeyLastUsed is authorized on the key's owner
//   TestSecurityAddRoleToInstanceProfileNeedsPassRole    AddRoleToInstanceProfile needs iam:PassRole on the role
//   TestSecurityCanonicalSpellingProperty                every ARN- or name-taking operation, fuzzed spellings of protected entities: never changed

import (
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

const acctARN = "arn:aws:iam::" + testAccount + ":"

const trustAccountOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// userWithPolicy creates a user with a key and an inline policy.
func userWithPolicy(t *testing.T, s *server.Instance, root *iam.Client, name, doc string) (*iam.Client, *sts.Client) {
	t.Helper()
	c, key, secret := newUser(t, s, root, name)
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	return c, stsClient(s, key, secret, "")
}

// roleSession creates a role with an inline policy and returns an IAM
// client for a session of it.
func roleSession(t *testing.T, s *server.Instance, root *iam.Client, as *sts.Client, role, doc string) *iam.Client {
	t.Helper()
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trustAccountOnly)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	out := must[*sts.AssumeRoleOutput](t)(as.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(acctARN + "role/" + role), RoleSessionName: aws.String("s1")}))
	cr := out.Credentials
	return iamClient2(s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
}

// enableMFA gives a user a virtual MFA device and returns its serial and
// seed.
func enableMFA(t *testing.T, root *iam.Client, user string) (string, string) {
	t.Helper()
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)}))
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	n := totpCounter(t)
	c1, _ := totp.Code(seed, n-3)
	c2, _ := totp.Code(seed, n-2)
	must[*iam.EnableMFADeviceOutput](t)(root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}))
	return *dev.VirtualMFADevice.SerialNumber, seed
}

// accessKeys lists a user's key ids ("" for the root user's).
func accessKeys(t *testing.T, root *iam.Client, user string) []string {
	t.Helper()
	in := &iam.ListAccessKeysInput{}
	if user != "" {
		in.UserName = aws.String(user)
	}
	var ids []string
	for _, k := range must[*iam.ListAccessKeysOutput](t)(root.ListAccessKeys(ctx, in)).AccessKeyMetadata {
		ids = append(ids, *k.AccessKeyId+"/"+string(k.Status))
	}
	sort.Strings(ids)
	return ids
}

func mfaDevices(t *testing.T, root *iam.Client, user string) string {
	t.Helper()
	var out []string
	for _, d := range must[*iam.ListMFADevicesOutput](t)(root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(user)})).MFADevices {
		out = append(out, *d.SerialNumber)
	}
	return strings.Join(out, ",")
}

const nonUser = "Must specify userName when calling with non-User credentials"

func TestSecurityCallingUserRoleSessionNoRootCredentials(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, runner := userWithPolicy(t, s, root, "runner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetFederationToken"],"Resource":"*"}]}`)
	// The worst case: a session allowed every IAM action, on every resource.
	sess := roleSession(t, s, root, runner, "minter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("guarded")}))
	serial, _ := enableMFA(t, root, "guarded")
	rk := *must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})).AccessKey.AccessKeyId
	rootKeys, guardedMFA := accessKeys(t, root, ""), mfaDevices(t, root, "guarded")
	cert, _ := validCert(t, "x")

	attacks := map[string]func() error{
		"CreateAccessKey": func() error { _, err := sess.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}); return err },
		"ListAccessKeys":  func() error { _, err := sess.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}); return err },
		"UpdateAccessKey": func() error {
			_, err := sess.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(rk), Status: types.StatusTypeInactive})
			return err
		},
		"DeleteAccessKey": func() error {
			_, err := sess.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(rk)})
			return err
		},
		"DeactivateMFADevice": func() error {
			_, err := sess.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
			return err
		},
		"ListMFADevices": func() error { _, err := sess.ListMFADevices(ctx, &iam.ListMFADevicesInput{}); return err },
		"GetMFADevice": func() error {
			_, err := sess.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: aws.String(serial)})
			return err
		},
		"UploadSigningCertificate": func() error {
			_, err := sess.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(cert)})
			return err
		},
		"ListSigningCertificates": func() error {
			_, err := sess.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
			return err
		},
		"UpdateSigningCertificate": func() error {
			_, err := sess.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: aws.String(strings.Repeat("A", 24)), Status: types.StatusTypeInactive})
			return err
		},
		"DeleteSigningCertificate": func() error {
			_, err := sess.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: aws.String(strings.Repeat("A", 24))})
			return err
		},
		"ListSSHPublicKeys": func() error { _, err := sess.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{}); return err },
		"ListServiceSpecificCredentials": func() error {
			_, err := sess.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{})
			return err
		},
		"GetUser":         func() error { _, err := sess.GetUser(ctx, &iam.GetUserInput{}); return err },
		"GetLoginProfile": func() error { _, err := sess.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}); return err },
		"CreateLoginProfile": func() error {
			_, err := sess.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{Password: aws.String("Str0ng-enough-Passw0rd!")})
			return err
		},
		"DeleteLoginProfile": func() error { _, err := sess.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{}); return err },
	}
	for name, attack := range attacks {
		t.Run(name, func(t *testing.T) {
			err := attack()
			wantCode(t, err, "ValidationError")
			if apiMessage(err) != nonUser {
				t.Fatalf("message %q", apiMessage(err))
			}
		})
	}
	// Nothing changed: no root key made, none deactivated or deleted, the
	// protected user keeps its device.
	if got := accessKeys(t, root, ""); fmt.Sprint(got) != fmt.Sprint(rootKeys) {
		t.Fatalf("root keys %v, were %v", got, rootKeys)
	}
	if got := mfaDevices(t, root, "guarded"); got != guardedMFA || got == "" {
		t.Fatalf("guarded's MFA devices %q, were %q", got, guardedMFA)
	}
	must[*iam.ListUsersOutput](t)(root.ListUsers(ctx, &iam.ListUsersInput{}))

	// An empty UserName is no name either.
	_, err := sess.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("")})
	if err == nil {
		t.Fatal("CreateAccessKey with UserName \"\" from a role session succeeded")
	}

	// A federated user has no IAM user either.
	fed := must[*sts.GetFederationTokenOutput](t)(runner.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)}))
	fc := iamClient2(s, *fed.Credentials.AccessKeyId, *fed.Credentials.SecretAccessKey, *fed.Credentials.SessionToken)
	if _, err := fc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}); err == nil {
		t.Fatal("a federated user created a key with no UserName")
	}
	if got := accessKeys(t, root, ""); fmt.Sprint(got) != fmt.Sprint(rootKeys) {
		t.Fatalf("root keys %v after the federated attempt, were %v", got, rootKeys)
	}
}

func TestSecurityCallingUserLegitimate(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	self, selfSTS := userWithPolicy(t, s, root, "self", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:DeleteAccessKey","iam:GetUser","iam:ListMFADevices"],"Resource":"arn:aws:iam::123456789012:user/self"}]}`)

	// An IAM user without UserName acts on itself.
	k := must[*iam.CreateAccessKeyOutput](t)(self.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}))
	if aws.ToString(k.AccessKey.UserName) != "self" {
		t.Fatalf("key for %q", aws.ToString(k.AccessKey.UserName))
	}
	if n := len(accessKeys(t, root, "self")); n != 2 {
		t.Fatalf("self has %d keys", n)
	}
	if u := must[*iam.GetUserOutput](t)(self.GetUser(ctx, &iam.GetUserInput{})); *u.User.UserName != "self" {
		t.Fatal(*u.User.UserName)
	}
	must[*iam.ListMFADevicesOutput](t)(self.ListMFADevices(ctx, &iam.ListMFADevicesInput{}))
	must[*iam.DeleteAccessKeyOutput](t)(self.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k.AccessKey.AccessKeyId}))
	// Another user's keys stay out of reach.
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("other")}))
	_, err := self.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("other")})
	wantCode(t, err, "AccessDenied")
	if n := len(accessKeys(t, root, "other")); n != 0 {
		t.Fatalf("other has %d keys", n)
	}

	// GetSessionToken credentials of a user (with MFA) are that user.
	serial, seed := enableMFA(t, root, "self")
	code, _ := totp.Code(seed, totpCounter(t))
	tok := must[*sts.GetSessionTokenOutput](t)(selfSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)}))
	st := iamClient2(s, *tok.Credentials.AccessKeyId, *tok.Credentials.SecretAccessKey, *tok.Credentials.SessionToken)
	keys := must[*iam.ListAccessKeysOutput](t)(st.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}))
	if len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].UserName) != "self" {
		t.Fatalf("session token keys %+v", keys.AccessKeyMetadata)
	}

	// Root without UserName manages root's own keys, as on AWS.
	before := accessKeys(t, root, "")
	rk := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}))
	if rk.AccessKey.UserName != nil && *rk.AccessKey.UserName != "" {
		t.Fatalf("root key for %q", *rk.AccessKey.UserName)
	}
	if n := len(accessKeys(t, root, "")); n != len(before)+1 {
		t.Fatalf("root keys %d, were %d", n, len(before))
	}
	must[*iam.DeleteAccessKeyOutput](t)(root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: rk.AccessKey.AccessKeyId}))
	if got := must[*iam.GetUserOutput](t)(root.GetUser(ctx, &iam.GetUserInput{})); *got.User.Arn != acctARN+"root" {
		t.Fatal(*got.User.Arn)
	}
}

func TestSecurityAssumeRoleCanonicalRoleARN(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	for _, r := range []struct{ name, path string }{{"admin-role", "/"}, {"dev-role", "/dev/"}} {
		must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), Path: aws.String(r.path), AssumeRolePolicyDocument: aws.String(trustAccountOnly)}))
	}
	assume := func(c *sts.Client, roleARN string) error {
		_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x1")})
		return err
	}

	// Allowed only role/dev/*: admin-role spelled under /dev/ is not it.
	_, devOnly := userWithPolicy(t, s, root, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/dev/*"}]}`)
	if err := assume(devOnly, acctARN+"role/dev/dev-role"); err != nil {
		t.Fatalf("legitimate AssumeRole: %v", err)
	}
	for _, a := range []string{acctARN + "role/dev/admin-role", acctARN + "role/dev/ADMIN-ROLE", acctARN + "role/dev/x/admin-role"} {
		err := assume(devOnly, a)
		wantCode(t, err, "AccessDenied")
	}

	// Allowed everything but admin-role.
	_, denied := userWithPolicy(t, s, root, "ops", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
		{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/admin-role"}]}`)
	if err := assume(denied, acctARN+"role/dev/dev-role"); err != nil {
		t.Fatalf("legitimate AssumeRole: %v", err)
	}
	for _, a := range []string{
		acctARN + "role/admin-role", acctARN + "role/ADMIN-ROLE", acctARN + "role/Admin-Role",
		"arn:aws:iam:us-east-1:" + testAccount + ":role/admin-role", "arn:aws-cn:iam::" + testAccount + ":role/admin-role",
		"arn:aws-us-gov:iam::" + testAccount + ":role/admin-role", acctARN + "role/dev/admin-role", acctARN + "role//admin-role",
	} {
		err := assume(denied, a)
		wantCode(t, err, "AccessDenied")
	}
	// The refusal names the role as typed (no telling whether it exists).
	err := assume(denied, acctARN+"role/ADMIN-ROLE")
	if !strings.Contains(apiMessage(err), "role/ADMIN-ROLE") {
		t.Fatalf("message %q", apiMessage(err))
	}
}

func TestSecurityPolicyARNSpellings(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	p := must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Protected"), Path: aws.String("/team/"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)}))
	protected := *p.Policy.Arn
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("victim")}))
	attacker, _ := userWithPolicy(t, s, root, "mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"`+admin+`"}}},
		{"Effect":"Deny","Action":"iam:*","Resource":"`+protected+`"}]}`)

	attached := func() string {
		var out []string
		for _, a := range must[*iam.ListAttachedUserPoliciesOutput](t)(root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("victim")})).AttachedPolicies {
			out = append(out, *a.PolicyArn)
		}
		return strings.Join(out, ",")
	}
	versions := func() int {
		return len(must[*iam.ListPolicyVersionsOutput](t)(root.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(protected)})).Versions)
	}
	for _, a := range []string{admin, "arn:aws:iam::aws:policy/administratoraccess", "arn:aws:iam::aws:policy/ADMINISTRATORACCESS",
		"arn:aws-cn:iam::aws:policy/AdministratorAccess", "arn:aws:iam:us-east-1:aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/x/AdministratorAccess"} {
		_, err := attacker.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: aws.String(a)})
		if err == nil {
			t.Fatalf("attached %s", a)
		}
		if a != admin && !strings.Contains("NoSuchEntity ValidationError", apiCode(err)) {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if got := attached(); got != "" {
		t.Fatalf("victim has %s", got)
	}
	// A region or another partition is refused before anything runs.
	_, err := attacker.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: aws.String("arn:aws:iam:us-east-1:aws:policy/AdministratorAccess")})
	wantCode(t, err, "ValidationError") // a malformed policy ARN, as AWS answers it

	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	lowerName := strings.Replace(protected, "Protected", "protected", 1)
	for _, a := range []string{protected, lowerName, strings.Replace(protected, "/team/", "/", 1), strings.Replace(protected, "arn:aws:", "arn:aws-us-gov:", 1),
		strings.Replace(protected, "iam::", "iam:eu-west-1:", 1)} {
		_, err := attacker.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(a), PolicyDocument: doc, SetAsDefault: true})
		if err == nil {
			t.Fatalf("new version through %s", a)
		}
	}
	if n := versions(); n != 1 {
		t.Fatalf("protected policy has %d versions", n)
	}

	// The legitimate calls still work.
	must[*iam.AttachUserPolicyOutput](t)(attacker.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	if got := attached(); got != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Fatalf("victim has %q", got)
	}
	must[*iam.AttachUserPolicyOutput](t)(root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: aws.String(admin)}))
	must[*iam.CreatePolicyVersionOutput](t)(root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(protected), PolicyDocument: doc}))
}

func TestSecuritySAMLProviderARNSpellings(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	md, err := os.ReadFile("../saml/testdata/metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile("../saml/testdata/metadata-other.xml")
	if err != nil {
		t.Fatal(err)
	}
	prov := must[*iam.CreateSAMLProviderOutput](t)(root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Corp"), SAMLMetadataDocument: aws.String(string(md))}))
	canonical := *prov.SAMLProviderArn
	attacker, _ := userWithPolicy(t, s, root, "mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"`+canonical+`"}]}`)
	metadata := func() string {
		return *must[*iam.GetSAMLProviderOutput](t)(root.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(canonical)})).SAMLMetadataDocument
	}
	before := metadata()
	for _, a := range []string{canonical, acctARN + "saml-provider/corp", acctARN + "saml-provider/CORP", "arn:aws-cn:iam::" + testAccount + ":saml-provider/Corp",
		"arn:aws:iam:us-east-1:" + testAccount + ":saml-provider/Corp"} {
		_, err := attacker.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(a), SAMLMetadataDocument: aws.String(string(other))})
		if err == nil {
			t.Fatalf("metadata replaced through %s", a)
		}
		_, err = attacker.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(a)})
		if err == nil {
			t.Fatalf("deleted through %s", a)
		}
	}
	if metadata() != before {
		t.Fatal("the protected provider's metadata changed")
	}
	// An unprotected provider is still updated by its ARN.
	p2 := must[*iam.CreateSAMLProviderOutput](t)(root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("other"), SAMLMetadataDocument: aws.String(string(md))}))
	must[*iam.UpdateSAMLProviderOutput](t)(attacker.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: p2.SAMLProviderArn, SAMLMetadataDocument: aws.String(string(other))}))
}

func TestSecurityGetAccessKeyLastUsedOnOwner(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	alice, _ := userWithPolicy(t, s, root, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetAccessKeyLastUsed","iam:ListAccessKeys"],"Resource":"arn:aws:iam::123456789012:user/alice"}]}`)
	_, bobKey, _ := newUser(t, s, root, "bob")
	own := must[*iam.ListAccessKeysOutput](t)(alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})).AccessKeyMetadata[0].AccessKeyId
	out := must[*iam.GetAccessKeyLastUsedOutput](t)(alice.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: own}))
	if aws.ToString(out.UserName) != "alice" {
		t.Fatal(aws.ToString(out.UserName))
	}
	_, err := alice.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(bobKey)})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(apiMessage(err), "on resource: arn:aws:iam::123456789012:user/bob") {
		t.Fatalf("message %q", apiMessage(err))
	}
	rk := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}))
	_, err = alice.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: rk.AccessKey.AccessKeyId})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(apiMessage(err), "on resource: arn:aws:iam::123456789012:root") {
		t.Fatalf("message %q", apiMessage(err))
	}
}

func TestSecurityAddRoleToInstanceProfileNeedsPassRole(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	for _, r := range []string{"admin", "web"} {
		must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: aws.String(trustAccountOnly)}))
	}
	must[*iam.CreateInstanceProfileOutput](t)(root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")}))
	ops, _ := userWithPolicy(t, s, root, "ops", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:AddRoleToInstanceProfile","iam:RemoveRoleFromInstanceProfile"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/web","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`)
	roles := func() int {
		return len(must[*iam.GetInstanceProfileOutput](t)(root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")})).InstanceProfile.Roles)
	}
	for _, name := range []string{"admin", "ADMIN"} {
		_, err := ops.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String(name)})
		wantCode(t, err, "AccessDenied")
		if !strings.Contains(apiMessage(err), "iam:PassRole on resource: arn:aws:iam::123456789012:role/admin") {
			t.Fatalf("message %q", apiMessage(err))
		}
	}
	if n := roles(); n != 0 {
		t.Fatalf("profile has %d roles", n)
	}
	must[*iam.AddRoleToInstanceProfileOutput](t)(ops.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("web")}))
	if n := roles(); n != 1 {
		t.Fatalf("profile has %d roles", n)
	}
}

// spellings are odd spellings of an ARN: case changes, other partitions, a
// region, another service case, extra or missing path, trailing and
// leading characters, and random pairs of these.
func spellings(canonical string, rng *rand.Rand) []string {
	name := canonical[strings.LastIndexByte(canonical, '/')+1:]
	prefix := canonical[:len(canonical)-len(name)]
	swap := func(s string) string {
		b := []rune(s)
		for i, r := range b {
			if r >= 'a' && r <= 'z' {
				b[i] = r - 32
			} else if r >= 'A' && r <= 'Z' {
				b[i] = r + 32
			}
		}
		return string(b)
	}
	muts := []func(string) string{
		strings.ToUpper, strings.ToLower, swap,
		func(s string) string { return strings.Replace(s, name, strings.ToUpper(name), 1) },
		func(s string) string { return strings.Replace(s, name, strings.ToLower(name), 1) },
		func(s string) string { return strings.Replace(s, name, swap(name), 1) },
		func(s string) string { return strings.Replace(s, "arn:aws:", "arn:aws-cn:", 1) },
		func(s string) string { return strings.Replace(s, "arn:aws:", "arn:aws-us-gov:", 1) },
		func(s string) string { return strings.Replace(s, "arn:aws:", "arn:AWS:", 1) },
		func(s string) string { return strings.Replace(s, ":iam::", ":iam:us-east-1:", 1) },
		func(s string) string { return strings.Replace(s, ":iam::", ":iam:cn-north-1:", 1) },
		func(s string) string { return strings.Replace(s, ":iam:", ":IAM:", 1) },
		func(s string) string { return strings.Replace(s, prefix, prefix+"x/", 1) },
		func(s string) string { return strings.Replace(s, prefix, prefix+"/", 1) },
		func(s string) string { return strings.Replace(s, "/"+name, "//"+name, 1) },
		func(s string) string { return s + "/" },
		func(s string) string { return s + " " },
		func(s string) string { return s + "x" },
		func(s string) string { return s + "*" },
		func(s string) string { return " " + s },
	}
	seen := map[string]bool{canonical: true}
	out := []string{canonical} // denied explicitly: the control
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, m := range muts {
		add(m(canonical))
	}
	for i := 0; i < 12; i++ {
		add(muts[rng.Intn(len(muts))](muts[rng.Intn(len(muts))](canonical)))
	}
	return out
}

// nameSpellings are odd spellings of an entity name.
func nameSpellings(name string) []string {
	return []string{name, strings.ToUpper(name), strings.ToLower(name), strings.ToUpper(name[:1]) + strings.ToLower(name[1:]), name + " ", name + "*", "/" + name}
}

func TestSecurityCanonicalSpellingProperty(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	md, err := os.ReadFile("../saml/testdata/metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile("../saml/testdata/metadata-other.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`

	// The protected entities, in mixed case and under paths.
	pol := *must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Guard-Policy"), Path: aws.String("/sec/"), PolicyDocument: aws.String(doc)})).Policy.Arn
	saml := *must[*iam.CreateSAMLProviderOutput](t)(root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Corp-IdP"), SAMLMetadataDocument: aws.String(string(md))})).SAMLProviderArn
	oidc := *must[*iam.CreateOpenIDConnectProviderOutput](t)(root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com/Tenant"),
		ClientIDList: []string{"app"}, ThumbprintList: []string{thumbprint('a')}})).OpenIDConnectProviderArn
	role := *must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Admin-Role"), Path: aws.String("/ops/"), AssumeRolePolicyDocument: aws.String(trustAccountOnly)})).Role.Arn
	user := *must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Guarded"), Path: aws.String("/vip/")})).User.Arn
	serial, _ := enableMFA(t, root, "Guarded")
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("victim")}))

	deny := func(arns ...string) string { return `"` + strings.Join(arns, `","`) + `"` }
	attacker, attackerSTS := userWithPolicy(t, s, root, "mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"},
		{"Effect":"Deny","Action":["iam:*","sts:*"],"Resource":[`+deny(pol, saml, oidc, role, user, serial)+`]},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":[`+deny(admin, pol)+`]}}},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"ArnEquals":{"iam:PermissionsBoundary":[`+deny(admin, pol)+`]}}}]}`)

	// snapshot is everything the attacks could change.
	snapshot := func() string {
		var b strings.Builder
		pv := must[*iam.ListPolicyVersionsOutput](t)(root.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(pol)}))
		fmt.Fprintf(&b, "versions=%d ", len(pv.Versions))
		pt := must[*iam.ListPolicyTagsOutput](t)(root.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(pol)}))
		fmt.Fprintf(&b, "ptags=%d ", len(pt.Tags))
		sp := must[*iam.GetSAMLProviderOutput](t)(root.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(saml)}))
		fmt.Fprintf(&b, "saml=%d/%d ", len(*sp.SAMLMetadataDocument), len(sp.Tags))
		op := must[*iam.GetOpenIDConnectProviderOutput](t)(root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidc)}))
		fmt.Fprintf(&b, "oidc=%v/%v/%d ", op.ClientIDList, op.ThumbprintList, len(op.Tags))
		r := must[*iam.GetRoleOutput](t)(root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Admin-Role")}))
		fmt.Fprintf(&b, "role=%s/%d/%v ", aws.ToString(r.Role.Description), len(r.Role.Tags), r.Role.PermissionsBoundary != nil)
		u := must[*iam.GetUserOutput](t)(root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Guarded")}))
		fmt.Fprintf(&b, "user=%d/%v keys=%v mfa=%s ", len(u.User.Tags), u.User.PermissionsBoundary != nil, accessKeys(t, root, "Guarded"), mfaDevices(t, root, "Guarded"))
		mt := must[*iam.ListMFADeviceTagsOutput](t)(root.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: aws.String(serial)}))
		fmt.Fprintf(&b, "mfatags=%d ", len(mt.Tags))
		v := must[*iam.GetUserOutput](t)(root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("victim")}))
		att := must[*iam.ListAttachedUserPoliciesOutput](t)(root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("victim")}))
		fmt.Fprintf(&b, "victim=%v/%d", v.User.PermissionsBoundary != nil, len(att.AttachedPolicies))
		return b.String()
	}
	tag := []types.Tag{{Key: aws.String("owned"), Value: aws.String("yes")}}
	newDoc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

	type attack struct {
		op        string
		canonical string
		names     bool // the input is a name, not an ARN
		call      func(v string) error
	}
	attacks := []attack{
		{"CreatePolicyVersion", pol, false, func(v string) error {
			_, err := attacker.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &v, PolicyDocument: newDoc, SetAsDefault: true})
			return err
		}},
		{"TagPolicy", pol, false, func(v string) error {
			_, err := attacker.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: &v, Tags: tag})
			return err
		}},
		{"DeletePolicy", pol, false, func(v string) error {
			_, err := attacker.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: &v})
			return err
		}},
		{"AttachUserPolicy/customer", pol, false, func(v string) error {
			_, err := attacker.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: &v})
			return err
		}},
		{"AttachUserPolicy/aws", admin, false, func(v string) error {
			_, err := attacker.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("victim"), PolicyArn: &v})
			return err
		}},
		{"PutUserPermissionsBoundary", pol, false, func(v string) error {
			_, err := attacker.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("victim"), PermissionsBoundary: &v})
			return err
		}},
		{"UpdateSAMLProvider", saml, false, func(v string) error {
			_, err := attacker.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: &v, SAMLMetadataDocument: aws.String(string(other))})
			return err
		}},
		{"TagSAMLProvider", saml, false, func(v string) error {
			_, err := attacker.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: &v, Tags: tag})
			return err
		}},
		{"DeleteSAMLProvider", saml, false, func(v string) error {
			_, err := attacker.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: &v})
			return err
		}},
		{"AddClientIDToOpenIDConnectProvider", oidc, false, func(v string) error {
			_, err := attacker.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: &v, ClientID: aws.String("evil")})
			return err
		}},
		{"UpdateOpenIDConnectProviderThumbprint", oidc, false, func(v string) error {
			_, err := attacker.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: &v, ThumbprintList: []string{thumbprint('b')}})
			return err
		}},
		{"DeleteOpenIDConnectProvider", oidc, false, func(v string) error {
			_, err := attacker.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: &v})
			return err
		}},
		{"AssumeRole", role, false, func(v string) error {
			_, err := attackerSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &v, RoleSessionName: aws.String("x1")})
			return err
		}},
		{"TagMFADevice", serial, false, func(v string) error {
			_, err := attacker.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: &v, Tags: tag})
			return err
		}},
		{"DeactivateMFADevice", serial, false, func(v string) error {
			_, err := attacker.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("Guarded"), SerialNumber: &v})
			return err
		}},
		{"UpdateRole", "Admin-Role", true, func(v string) error {
			_, err := attacker.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: &v, Description: aws.String("owned")})
			return err
		}},
		{"TagRole", "Admin-Role", true, func(v string) error {
			_, err := attacker.TagRole(ctx, &iam.TagRoleInput{RoleName: &v, Tags: tag})
			return err
		}},
		{"PutRolePermissionsBoundary", "Admin-Role", true, func(v string) error {
			_, err := attacker.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &v, PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}},
		{"TagUser", "Guarded", true, func(v string) error {
			_, err := attacker.TagUser(ctx, &iam.TagUserInput{UserName: &v, Tags: tag})
			return err
		}},
		{"CreateAccessKey", "Guarded", true, func(v string) error {
			_, err := attacker.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &v})
			return err
		}},
		{"DeactivateMFADevice/user", "Guarded", true, func(v string) error {
			_, err := attacker.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: &v, SerialNumber: &serial})
			return err
		}},
	}
	rng := rand.New(rand.NewSource(11))
	before := snapshot()
	for _, a := range attacks {
		vs := nameSpellings(a.canonical)
		if !a.names {
			vs = spellings(a.canonical, rng)
		}
		for _, v := range vs {
			err := a.call(v)
			if err == nil {
				t.Errorf("%s(%q) was allowed", a.op, v)
				continue
			}
			switch apiCode(err) {
			case "AccessDenied", "NoSuchEntity", "InvalidInput", "ValidationError", "InvalidParameterValue":
			default:
				t.Errorf("%s(%q): %v", a.op, v, err) // a refusal, not a failure
			}
		}
		if got := snapshot(); got != before {
			t.Fatalf("after %s: %s\nwas %s", a.op, got, before)
		}
	}
	// Control: the same attacker changes an unprotected policy by its ARN.
	free := must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Free"), Path: aws.String("/sec/"), PolicyDocument: aws.String(doc)}))
	must[*iam.CreatePolicyVersionOutput](t)(attacker.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: free.Policy.Arn, PolicyDocument: newDoc}))
	must[*iam.TagRoleOutput](t)(root.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("admin-role"), Tags: tag})) // names are case-insensitive for root
}
