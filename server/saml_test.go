package server_test

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// samlFixture reads a response from ../saml/testdata (signed by xmlsec1,
// see make.sh there), base64-encoded as SAMLAssertion takes it.
func samlFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../saml/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestAssumeRoleWithSAML(t *testing.T) {
	ctx := context.Background()
	inst := testServer(t)
	ic := iamClient(inst, rootKey, rootSecret)
	for name, file := range map[string]string{"corp": "metadata.xml", "corp2": "metadata-other.xml"} {
		md, err := os.ReadFile("../saml/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		must[*iam.CreateSAMLProviderOutput](t)(ic.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String(name), SAMLMetadataDocument: aws.String(string(md))}))
	}
	provider := "arn:aws:iam::" + testAccount + ":saml-provider/corp"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},
		"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],
		"Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml","saml:sub_type":"persistent"}}}]}`
	for _, name := range []string{"saml-dev", "saml-ops"} {
		must[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}))
	}
	must[*iam.PutRolePolicyOutput](t)(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("saml-dev"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
			{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"saml:sub":"alice-7f3a","aws:PrincipalTag/team":"red & blue"}}}]}`)}))
	dev := "arn:aws:iam::" + testAccount + ":role/saml-dev"
	anon := stsClient(inst, "", "", "")
	assume := func(file, principal string) (*sts.AssumeRoleWithSAMLOutput, error) {
		return anon.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(dev), PrincipalArn: aws.String(principal), SAMLAssertion: aws.String(samlFixture(t, file))})
	}

	out, err := assume("assertion-signed.xml", provider)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte("https://idp.example.com/saml" + testAccount + "/corp"))
	for _, c := range []struct{ name, got, want string }{
		{"session", aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::" + testAccount + ":assumed-role/saml-dev/alice@example.com"},
		{"subject", aws.ToString(out.Subject), "alice-7f3a"},
		{"subject type", aws.ToString(out.SubjectType), "persistent"},
		{"issuer", aws.ToString(out.Issuer), "https://idp.example.com/saml"},
		{"audience", aws.ToString(out.Audience), "https://signin.aws.amazon.com/saml"},
		{"name qualifier", aws.ToString(out.NameQualifier), base64.StdEncoding.EncodeToString(sum[:])},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	cr := out.Credentials
	roleIAM := iam.NewFromConfig(awsConfig(inst.URL, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken))
	if _, err := roleIAM.ListUsers(ctx, nil); err != nil {
		t.Errorf("ListUsers: %v", err)
	}
	if _, err := roleIAM.ListRoles(ctx, nil); err != nil {
		t.Errorf("ListRoles on saml:sub and the session tag: %v", err)
	}
	_, err = roleIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
	wantCode(t, err, "AccessDenied")

	for _, tc := range []struct {
		name, file, principal, code string
	}{
		{"response signed", "response-signed.xml", provider, ""},
		{"SHA-1 signature", "sha1-signed.xml", provider, ""},
		{"expired", "expired.xml", provider, "ExpiredTokenException"},
		{"unsigned", "unsigned.xml", provider, "InvalidIdentityToken"},
		{"another provider's certificate", "assertion-signed.xml", "arn:aws:iam::" + testAccount + ":saml-provider/corp2", "InvalidIdentityToken"},
		{"no such provider", "assertion-signed.xml", "arn:aws:iam::" + testAccount + ":saml-provider/nope", "InvalidIdentityToken"},
		{"the assertion names another role", "other-role.xml", provider, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assume(tc.file, tc.principal)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
		})
	}
	t.Run("tampered", func(t *testing.T) {
		b, _ := os.ReadFile("../saml/testdata/assertion-signed.xml")
		forged := strings.Replace(string(b), "alice-7f3a", "root", 1)
		_, err := anon.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(dev), PrincipalArn: aws.String(provider),
			SAMLAssertion: aws.String(base64.StdEncoding.EncodeToString([]byte(forged)))})
		wantCode(t, err, "InvalidIdentityToken")
	})
}
