package server_test

// Issue 18, item 4: error codes and messages as AWS's recorded answers
// give them. Each refusal is checked with what it must not have changed.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// querySession is query signed with temporary credentials.
func querySession(t *testing.T, s *server.Instance, key, secret, token, action string, kv ...string) (int, string) {
	t.Helper()
	v := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	form := v.Encode()
	r, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}, r,
		hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return do(t, r)
}

// wantError checks an error answer's status, code and message.
func wantError(t *testing.T, name string, code int, body string, wantStatus int, wantCode, wantMessage string) {
	t.Helper()
	gotCode, _ := element(body, "Error", "Code")
	gotMsg, _ := element(body, "Error", "Message")
	gotMsg = strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(gotMsg)
	if code != wantStatus || gotCode != wantCode || wantMessage != "" && gotMsg != wantMessage {
		t.Errorf("%s: got %d %s %q, want %d %s %q", name, code, gotCode, gotMsg, wantStatus, wantCode, wantMessage)
	}
}

type errorCase struct {
	name    string
	action  string
	params  []string
	status  int
	code    string
	message string
}

func TestParityErrorMessages(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	thumb := func(c string) string { return strings.Repeat(c, 40) }
	oidc := "arn:aws:iam::" + testAccount + ":oidc-provider/"
	for _, tc := range []errorCase{
		// IAM's validation messages quote no value (STS's do, below).
		{"tag key pattern", "CreateRole", []string{"RoleName", "r2", "AssumeRolePolicyDocument", ec2TrustDoc, "Tags.member.1.Key", "a!b", "Tags.member.1.Value", "v"}, 400, "ValidationError",
			`1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"tag value length", "TagRole", []string{"RoleName", "r", "Tags.member.1.Key", "k", "Tags.member.1.Value", strings.Repeat("v", 257)}, 400, "ValidationError",
			"1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"version id pattern", "GetPolicyVersion", []string{"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "VersionId", "1"}, 400, "ValidationError",
			`1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`},
		// Not-found wording of each kind.
		{"instance profile", "GetInstanceProfile", []string{"InstanceProfileName", "nope"}, 404, "NoSuchEntity", "Instance Profile nope cannot be found."},
		{"instance profile delete", "DeleteInstanceProfile", []string{"InstanceProfileName", "nope"}, 404, "NoSuchEntity", "Instance Profile nope cannot be found."},
		{"role", "GetRole", []string{"RoleName", "nope"}, 404, "NoSuchEntity", "The role with name nope cannot be found."},
		{"oidc get", "GetOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", oidc + "none.example.com"}, 404, "NoSuchEntity",
			"OpenIDConnect Provider not found for arn " + oidc + "none.example.com"},
		{"oidc delete", "DeleteOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", oidc + "none.example.com"}, 404, "NoSuchEntity",
			"OpenId connect Provider " + oidc + "none.example.com cannot be found."},
		// A malformed policy ARN is a ValidationError.
		{"malformed policy arn", "AttachRolePolicy", []string{"RoleName", "r", "PolicyArn", "longpolicynamebutnoarn"}, 400, "ValidationError", "ARN longpolicynamebutnoarn is not valid."},
		{"policy name for arn", "GetPolicy", []string{"PolicyArn", "longpolicynamebutnoarn"}, 400, "ValidationError", "ARN longpolicynamebutnoarn is not valid."},
		// OIDC provider limits and URL.
		{"six thumbprints", "CreateOpenIDConnectProvider", []string{"Url", "https://six.example.com", "ThumbprintList.member.1", thumb("a"), "ThumbprintList.member.2", thumb("b"),
			"ThumbprintList.member.3", thumb("c"), "ThumbprintList.member.4", thumb("d"), "ThumbprintList.member.5", thumb("e"), "ThumbprintList.member.6", thumb("f")},
			400, "InvalidInput", "Thumbprint list must contain fewer than 5 entries."},
		{"oidc url", "CreateOpenIDConnectProvider", []string{"Url", "example.org", "ThumbprintList.member.1", thumb("a")}, 400, "ValidationError", "Invalid Open ID Connect Provider URL"},
		// A trust policy that is not JSON.
		{"trust policy not json", "UpdateAssumeRolePolicy", []string{"RoleName", "r", "PolicyDocument", "not valid json"}, 400, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"trust policy not json on create", "CreateRole", []string{"RoleName", "r3", "AssumeRolePolicyDocument", "some policy"}, 400, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"trust policy with s3 action", "UpdateAssumeRolePolicy", []string{"RoleName", "r", "PolicyDocument",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:InvalidAction"}]}`}, 400, "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions."},
		// Service-specific credentials of a service without them.
		{"service-specific credential", "CreateServiceSpecificCredential", []string{"UserName", "u", "ServiceName", "s3.amazonaws.com"}, 404, "NoSuchEntity", ""},
		// The ARN is in the region refusal.
		{"iam resource with region", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "p", "PolicyDocument",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam:us-east-1:123456789012:user/u"}]}`},
			400, "MalformedPolicyDocument", "IAM resource arn:aws:iam:us-east-1:123456789012:user/u cannot contain region information."},
		{"empty resource", "PutUserPolicy", []string{"UserName", "u", "PolicyName", "p", "PolicyDocument",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}]}`},
			400, "MalformedPolicyDocument", `Resource  must be in ARN format or "*".`},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	// Nothing was created by the refused calls.
	if body := mustQuery(t, s, "ListOpenIDConnectProviders"); strings.Contains(body, "<Arn>") {
		t.Errorf("a refused provider exists: %s", body)
	}
	if body := mustQuery(t, s, "ListServiceSpecificCredentials", "UserName", "u"); strings.Contains(body, "<member>") {
		t.Errorf("a refused credential exists: %s", body)
	}
	if body := mustQuery(t, s, "ListUserPolicies", "UserName", "u"); strings.Contains(body, "<member>") {
		t.Errorf("a refused policy exists: %s", body)
	}
	// The legitimate calls still work: an access point ARN may name its region.
	mustQuery(t, s, "PutUserPolicy", "UserName", "u", "PolicyName", "ap", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/*"}]}`)
	mustQuery(t, s, "CreateOpenIDConnectProvider", "Url", "https://five.example.com", "ThumbprintList.member.1", thumb("a"), "ThumbprintList.member.2", thumb("b"),
		"ThumbprintList.member.3", thumb("c"), "ThumbprintList.member.4", thumb("d"), "ThumbprintList.member.5", thumb("e"))
	mustQuery(t, s, "CreateServiceSpecificCredential", "UserName", "u", "ServiceName", "codecommit.amazonaws.com")

	// STS quotes the value, as recorded.
	_, body := query(t, s, "AssumeRole", "Version", "2011-06-15", "RoleArn", acctARN+"role/r", "RoleSessionName", "Session1:2")
	wantError(t, "sts session name", 400, body, 400, "ValidationError",
		`1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`)
}

// Changing an AWS managed policy is AccessDenied (403), as AWS answers it,
// and the policy is unchanged.
func TestParityAWSManagedPolicyChangesAreDenied(t *testing.T) {
	s := testServer(t)
	ro := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	before := mustQuery(t, s, "ListPolicyVersions", "PolicyArn", ro)
	for _, tc := range []errorCase{
		{"delete", "DeletePolicy", []string{"PolicyArn", ro}, 403, "AccessDenied",
			"User: arn:aws:iam::" + testAccount + ":root is not authorized to perform: iam:DeletePolicy on resource: " + ro + " because no resource-based policy allows the iam:DeletePolicy action"},
		{"new version", "CreatePolicyVersion", []string{"PolicyArn", ro, "PolicyDocument", listBucket}, 403, "AccessDenied", ""},
		{"set default", "SetDefaultPolicyVersion", []string{"PolicyArn", ro, "VersionId", "v1"}, 403, "AccessDenied", ""},
		{"delete version", "DeletePolicyVersion", []string{"PolicyArn", ro, "VersionId", "v1"}, 403, "AccessDenied", ""},
		{"tag", "TagPolicy", []string{"PolicyArn", ro, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, 403, "AccessDenied", ""},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	after := mustQuery(t, s, "ListPolicyVersions", "PolicyArn", ro)
	strip := func(b string) string { return b[:strings.Index(b, "<ResponseMetadata>")] }
	if strip(before) != strip(after) {
		t.Errorf("versions changed:\n%s\n%s", before, after)
	}
	// A customer managed policy is still deletable.
	mustQuery(t, s, "CreatePolicy", "PolicyName", "mine", "PolicyDocument", listBucket)
	mustQuery(t, s, "DeletePolicy", "PolicyArn", "arn:aws:iam::"+testAccount+":policy/mine")
}

// A role session calling an operation whose UserName defaults to the
// caller must name the user; GetFederationToken credentials reach no IAM
// operation at all.
func TestParitySessionsMustNameTheUser(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	cr := adminRoleSession(t, s, root)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	keyID, _ := element(mustQuery(t, s, "CreateAccessKey", "UserName", "u"), "AccessKey", "AccessKeyId")
	const msg = "Must specify userName when calling with non-User credentials"
	for action, params := range map[string][]string{
		"CreateAccessKey":                 nil,
		"ListAccessKeys":                  nil,
		"UpdateAccessKey":                 {"AccessKeyId", keyID, "Status", "Inactive"},
		"DeleteAccessKey":                 {"AccessKeyId", keyID},
		"GetUser":                         nil,
		"ListSigningCertificates":         nil,
		"UpdateSigningCertificate":        {"CertificateId", strings.Repeat("A", 24), "Status", "Inactive"},
		"DeleteSigningCertificate":        {"CertificateId", strings.Repeat("A", 24)},
		"ListSSHPublicKeys":               nil,
		"ListMFADevices":                  nil,
		"ListServiceSpecificCredentials":  nil,
		"DeleteServiceSpecificCredential": {"ServiceSpecificCredentialId", "ACCA" + strings.Repeat("A", 16)},
		"GetLoginProfile":                 nil,
		"DeleteLoginProfile":              nil,
	} {
		code, body := querySession(t, s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken, action, params...)
		wantError(t, action, code, body, 400, "ValidationError", msg)
	}
	// The key is untouched; naming the user works.
	if st, _ := element(mustQuery(t, s, "ListAccessKeys", "UserName", "u"), "AccessKeyMetadata", "Status"); st != "Active" {
		t.Errorf("key status %q after refused calls", st)
	}
	if code, body := querySession(t, s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken, "ListAccessKeys", "UserName", "u"); code != 200 {
		t.Errorf("ListAccessKeys naming the user: %d %s", code, body)
	}

	// Federation tokens: refused for IAM, allowed for STS.
	_, key, secret := newUser(t, s, root, "fed")
	mustQuery(t, s, "PutUserPolicy", "UserName", "fed", "PolicyName", "all", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	fed := must[*sts.GetFederationTokenOutput](t)(stsClient(s, key, secret, "").GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}))
	fc := fed.Credentials
	code, body := querySession(t, s, *fc.AccessKeyId, *fc.SecretAccessKey, *fc.SessionToken, "ListUsers")
	wantError(t, "federated ListUsers", code, body, 403, "InvalidClientTokenId", "")
	code, body = querySession(t, s, *fc.AccessKeyId, *fc.SecretAccessKey, *fc.SessionToken, "CreateUser", "UserName", "mallory")
	wantError(t, "federated CreateUser", code, body, 403, "InvalidClientTokenId", "")
	if code, _ := query(t, s, "GetUser", "UserName", "mallory"); code != 404 {
		t.Errorf("a federated session created a user")
	}
	if _, err := stsClient(s, *fc.AccessKeyId, *fc.SecretAccessKey, *fc.SessionToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("federated GetCallerIdentity: %v", err)
	}
}
