package server_test

// TestParitySnapshots' scenarios for LocalStack's recording of IAM's
// signing certificates (testdata/snapshots/iam_signing_certificates.json).

import (
	"strings"
	"testing"
)

const signingFile = "iam_signing_certificates.json"

// missingCert is the certificate id the recorded test asks for.
const missingCert = "NONEXISTENTCERTID12345678901"

// uploadSigning is UploadSigningCertificate of a certificate made at the
// call (each call a new one).
func uploadSigning(key, user string) snapStep {
	return snapStep{key: key, action: "UploadSigningCertificate", params: []string{"UserName", user}, dyn: func(r *snapRun) []string {
		cert, _ := validCert(r.t, "signing.example.com")
		return []string{"CertificateBody", cert}
	}}
}

func init() {
	// The recording writes every certificate body as <certificate-body>.
	freePlaceholders["<certificate-body>"] = true
	const u, none = "user-sc", "nonexistent-user"
	certParam := "${cert.Certificate.CertificateId}"
	snapScenarios = append(snapScenarios, []snapScenario{
		{signingFile, "TestSigningCertificate::test_signing_certificate_lifecycle", []snapStep{
			createUser("create-user", u),
			uploadSigning("upload-certificate", u).withSave("cert"),
			step("list-certificates", "ListSigningCertificates", "UserName", u),
			step("update-certificate-inactive", "UpdateSigningCertificate", "UserName", u, "CertificateId", certParam, "Status", "Inactive"),
			step("list-certificates-after-inactive", "ListSigningCertificates", "UserName", u),
			step("update-certificate-active", "UpdateSigningCertificate", "UserName", u, "CertificateId", certParam, "Status", "Active"),
			step("list-certificates-after-active", "ListSigningCertificates", "UserName", u),
			step("delete-certificate", "DeleteSigningCertificate", "UserName", u, "CertificateId", certParam),
			step("list-certificates-after-delete", "ListSigningCertificates", "UserName", u),
		}},
		{signingFile, "TestSigningCertificate::test_signing_certificate_errors", []snapStep{
			createUser("create-user", u),
			uploadSigning("upload-nonexistent-user-error", none),
			step("list-certificates-nonexistent-user-error", "ListSigningCertificates", "UserName", none),
			step("delete-certificate-nonexistent-user-error", "DeleteSigningCertificate", "UserName", none, "CertificateId", missingCert),
			step("update-certificate-nonexistent-user-error", "UpdateSigningCertificate", "UserName", none, "CertificateId", missingCert, "Status", "Inactive"),
			step("upload-invalid-certificate-error", "UploadSigningCertificate", "UserName", u, "CertificateBody", "invalid-certificate-body"),
			step("update-nonexistent-certificate-error", "UpdateSigningCertificate", "UserName", u, "CertificateId", missingCert, "Status", "Inactive"),
			step("delete-nonexistent-certificate-error", "DeleteSigningCertificate", "UserName", u, "CertificateId", missingCert),
			uploadSigning("upload-certificate-1", u),
			uploadSigning("upload-certificate-2", u),
			uploadSigning("upload-exceeds-limit-error", u),
		}},
	}...)
}

// A signing certificate iamd cannot read is refused naming the body, as
// AWS's recording words it; nothing is stored, and a good one still goes.
func TestParitySigningCertificateMalformed(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "dev")
	notCert := "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
	badDER := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	for _, tc := range []errorCase{
		{"not PEM", "UploadSigningCertificate", []string{"UserName", "dev", "CertificateBody", "invalid-certificate-body"}, 400, "MalformedCertificate",
			"Certificate invalid-certificate-body is malformed."},
		{"a PEM block of another type", "UploadSigningCertificate", []string{"UserName", "dev", "CertificateBody", notCert}, 400, "MalformedCertificate",
			"Certificate " + notCert + " is malformed."},
		{"a certificate block that is no certificate", "UploadSigningCertificate", []string{"UserName", "dev", "CertificateBody", badDER}, 400, "MalformedCertificate",
			"Certificate " + badDER + " is malformed."},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	if list := mustQuery(t, s, "ListSigningCertificates", "UserName", "dev"); strings.Contains(list, "<CertificateId>") {
		t.Fatalf("a refused certificate was stored: %s", list)
	}
	cert, _ := validCert(t, "good")
	mustQuery(t, s, "UploadSigningCertificate", "UserName", "dev", "CertificateBody", cert)
	if list := mustQuery(t, s, "ListSigningCertificates", "UserName", "dev"); strings.Count(list, "<CertificateId>") != 1 {
		t.Fatalf("the good certificate is not listed: %s", list)
	}
}
