package server_test

// Issue 18, item 8: the smaller differences, each as AWS answers.

import (
	"regexp"
	"strings"
	"testing"
)

func TestParitySmallerDifferences(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "dev")
	cert1, _ := validCert(t, "one")
	cert2, _ := validCert(t, "two")
	cert3, _ := validCert(t, "three")
	id1, _ := element(mustQuery(t, s, "UploadSigningCertificate", "UserName", "dev", "CertificateBody", cert1), "Certificate", "CertificateId")
	mustQuery(t, s, "UploadSigningCertificate", "UserName", "dev", "CertificateBody", cert2)
	for _, tc := range []errorCase{
		// The quota's name as AWS words it.
		{"third signing certificate", "UploadSigningCertificate", []string{"UserName", "dev", "CertificateBody", cert3}, 409, "LimitExceeded", "Cannot exceed quota for CertificatesPerUser: 2"},
		// The user is checked before the certificate.
		{"update for a missing user", "UpdateSigningCertificate", []string{"UserName", "nouser", "CertificateId", id1, "Status", "Inactive"}, 404, "NoSuchEntity", "The user with name nouser cannot be found."},
		{"delete for a missing user", "DeleteSigningCertificate", []string{"UserName", "nouser", "CertificateId", id1}, 404, "NoSuchEntity", "The user with name nouser cannot be found."},
		{"update of a missing certificate", "UpdateSigningCertificate", []string{"UserName", "dev", "CertificateId", strings.Repeat("Z", 24), "Status", "Inactive"}, 404, "NoSuchEntity", ""},
		// An invalid path, in IAM's own words.
		{"path without slashes", "CreateUser", []string{"UserName", "p1", "Path", "nopath"}, 400, "ValidationError",
			"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
		{"role path", "CreateRole", []string{"RoleName", "p1", "AssumeRolePolicyDocument", ec2TrustDoc, "Path", "/no-end"}, 400, "ValidationError",
			"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	// Nothing changed: two certificates, the first still active, no user p1.
	list := mustQuery(t, s, "ListSigningCertificates", "UserName", "dev")
	if n := strings.Count(list, "<CertificateId>"); n != 2 || strings.Contains(list, "Inactive") {
		t.Errorf("certificates after refused calls: %s", list)
	}
	if code, _ := query(t, s, "GetUser", "UserName", "p1"); code != 404 {
		t.Errorf("a user with an invalid path was created")
	}
	// The legitimate calls work.
	mustQuery(t, s, "UpdateSigningCertificate", "UserName", "dev", "CertificateId", id1, "Status", "Inactive")
	mustQuery(t, s, "CreateUser", "UserName", "p2", "Path", "/team/a/")

	// SSH public key ids are 20 characters: APKA and 16.
	body := mustQuery(t, s, "UploadSSHPublicKey", "UserName", "dev", "SSHPublicKeyBody", sshRSA(t, rsaKey(t, 2048)))
	id, _ := element(body, "SSHPublicKey", "SSHPublicKeyId")
	if !regexp.MustCompile(`^APKA[A-Z2-7]{16}$`).MatchString(id) {
		t.Errorf("SSH public key id %q", id)
	}
	mustQuery(t, s, "GetSSHPublicKey", "UserName", "dev", "SSHPublicKeyId", id, "Encoding", "SSH")

	// DeleteOpenIDConnectProvider is not idempotent: AWS's recording of
	// February 2026 answers NoSuchEntity for a provider already deleted.
	arn, _ := element(mustQuery(t, s, "CreateOpenIDConnectProvider", "Url", "https://once.example.com", "ThumbprintList.member.1", strings.Repeat("a", 40)), "", "OpenIDConnectProviderArn")
	mustQuery(t, s, "DeleteOpenIDConnectProvider", "OpenIDConnectProviderArn", arn)
	code, body := query(t, s, "DeleteOpenIDConnectProvider", "OpenIDConnectProviderArn", arn)
	wantError(t, "second delete", code, body, 404, "NoSuchEntity", "OpenId connect Provider "+arn+" cannot be found.")
}
