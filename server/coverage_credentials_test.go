package server_test

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/totp"
)

func rsaKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// md5Fingerprint is AWS's fingerprint of an OpenSSH key: the MD5 of its
// wire-format blob, as colon-separated hex.
func md5Fingerprint(t testing.TB, body string) string {
	t.Helper()
	blob, err := base64.StdEncoding.DecodeString(strings.Fields(body)[1])
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

func TestSSHPublicKeys(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	for _, u := range []string{"dev", "other"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	first := rsaKey(t, 2048)
	body := sshRSA(t, first)
	up := must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)}))
	id := up.SSHPublicKey.SSHPublicKeyId
	if *up.SSHPublicKey.Fingerprint != md5Fingerprint(t, body) || up.SSHPublicKey.Status != types.StatusTypeActive {
		t.Fatalf("upload: %+v, want fingerprint %s", up.SSHPublicKey, md5Fingerprint(t, body))
	}

	// Get, in both encodings; the PEM one is the key's SubjectPublicKeyInfo.
	got := must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Encoding: types.EncodingTypeSsh}))
	if *got.SSHPublicKey.SSHPublicKeyBody != body || *got.SSHPublicKey.UserName != "dev" || got.SSHPublicKey.UploadDate == nil {
		t.Fatalf("GetSSHPublicKey SSH: %+v", got.SSHPublicKey)
	}
	got = must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Encoding: types.EncodingTypePem}))
	block, _ := pem.Decode([]byte(*got.SSHPublicKey.SSHPublicKeyBody))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("GetSSHPublicKey PEM: %q", *got.SSHPublicKey.SSHPublicKeyBody)
	}
	if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil || !first.PublicKey.Equal(pub) {
		t.Fatalf("the PEM encoding is not the uploaded key: %v", err)
	}
	_, err := c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Encoding: "DER"})
	wantErr(t, err, "ValidationError", 400)

	// The same key uploaded as PEM is the same key.
	pkix, _ := x509.MarshalPKIXPublicKey(&first.PublicKey)
	asPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}))
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(asPEM)})
	wantErr(t, err, "DuplicateSSHPublicKey", 400)

	// Bad keys.
	for _, bad := range []struct {
		body, code string
	}{
		{"hello", "UnrecognizedPublicKeyEncoding"},
		{"ssh-rsa AAAA!!!! x", "InvalidPublicKey"},
		{sshRSA(t, rsaKey(t, 1024)), "InvalidPublicKey"}, // AWS: at least 2048 bits
	} {
		_, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(bad.body)})
		wantErr(t, err, bad.code, 400)
	}
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("nobody"), SSHPublicKeyBody: aws.String(sshRSA(t, rsaKey(t, 2048)))})
	wantErr(t, err, "NoSuchEntity", 404)

	// Five keys per user; the sixth is refused.
	for range 4 {
		must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(sshRSA(t, rsaKey(t, 2048)))}))
	}
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(sshRSA(t, rsaKey(t, 2048)))})
	wantErr(t, err, "LimitExceeded", 409)

	// List, in pages of two.
	var ids []string
	var sizes []int
	p := iam.NewListSSHPublicKeysPaginator(c, &iam.ListSSHPublicKeysInput{UserName: aws.String("dev"), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page := must[*iam.ListSSHPublicKeysOutput](t)(p.NextPage(ctx))
		sizes = append(sizes, len(page.SSHPublicKeys))
		for _, k := range page.SSHPublicKeys {
			ids = append(ids, *k.SSHPublicKeyId)
		}
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || !strings.Contains(strings.Join(ids, ","), *id) {
		t.Fatalf("pages %v, ids %v", sizes, ids)
	}
	if l := must[*iam.ListSSHPublicKeysOutput](t)(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("other")})); len(l.SSHPublicKeys) != 0 || l.IsTruncated {
		t.Fatalf("other's keys: %+v", l.SSHPublicKeys)
	}
	_, err = c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)

	// Update the status, read it back.
	must[*iam.UpdateSSHPublicKeyOutput](t)(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Status: types.StatusTypeInactive}))
	got = must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Encoding: types.EncodingTypeSsh}))
	if got.SSHPublicKey.Status != types.StatusTypeInactive {
		t.Fatalf("status %s", got.SSHPublicKey.Status)
	}
	_, err = c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Status: "Paused"})
	wantErr(t, err, "ValidationError", 400)

	// A key is found only under its own user.
	for _, f := range []func() error{
		func() error {
			_, err := c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("other"), SSHPublicKeyId: id, Encoding: types.EncodingTypeSsh})
			return err
		},
		func() error {
			_, err := c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("other"), SSHPublicKeyId: id, Status: types.StatusTypeActive})
			return err
		},
		func() error {
			_, err := c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("other"), SSHPublicKeyId: id})
			return err
		},
	} {
		wantErr(t, f(), "NoSuchEntity", 404)
	}

	// Delete: gone, and a second delete finds nothing.
	must[*iam.DeleteSSHPublicKeyOutput](t)(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id}))
	_, err = c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id, Encoding: types.EncodingTypeSsh})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: id})
	wantErr(t, err, "NoSuchEntity", 404)
	// Its place is free again.
	must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(body)}))
}

func TestSigningCertificates(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	for _, u := range []string{"dev", "other"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	now := time.Now()
	cert1, _ := validCert(t, "one")
	up := must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert1)}))
	id := up.Certificate.CertificateId
	if *up.Certificate.UserName != "dev" || up.Certificate.Status != types.StatusTypeActive || len(*id) < 24 || *up.Certificate.CertificateBody != cert1 {
		t.Fatalf("upload: %+v", up.Certificate)
	}

	// Errors of upload, each with AWS's status.
	for _, bad := range []struct {
		user, body, code string
		status           int
	}{
		{"dev", "not a certificate", "MalformedCertificate", 400},
		{"dev", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "MalformedCertificate", 400},
		{"dev", certPEM(t, ecKey(t), "old", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0)), "MalformedCertificate", 400}, // expired
		{"dev", cert1, "DuplicateCertificate", 409},
		{"other", cert1, "DuplicateCertificate", 409}, // the same certificate for another user of the account
		{"nobody", certPEM(t, ecKey(t), "x", now, now.AddDate(1, 0, 0)), "NoSuchEntity", 404},
	} {
		_, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String(bad.user), CertificateBody: aws.String(bad.body)})
		wantErr(t, err, bad.code, bad.status)
	}

	// Two per user.
	cert2, _ := validCert(t, "two")
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert2)}))
	cert3, _ := validCert(t, "three")
	_, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert3)})
	wantErr(t, err, "LimitExceeded", 409)

	// List in pages of one; the bodies come back.
	var bodies []string
	p := iam.NewListSigningCertificatesPaginator(c, &iam.ListSigningCertificatesInput{UserName: aws.String("dev"), MaxItems: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		page := must[*iam.ListSigningCertificatesOutput](t)(p.NextPage(ctx))
		pages++
		for _, sc := range page.Certificates {
			bodies = append(bodies, *sc.CertificateBody)
		}
	}
	if pages != 2 || len(bodies) != 2 || !strings.Contains(strings.Join(bodies, ""), cert1) || !strings.Contains(strings.Join(bodies, ""), cert2) {
		t.Fatalf("%d pages, %d certificates", pages, len(bodies))
	}
	_, err = c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)

	// Update the status, read it back; bad status and other users.
	must[*iam.UpdateSigningCertificateOutput](t)(c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("dev"), CertificateId: id, Status: types.StatusTypeInactive}))
	list := must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("dev")}))
	for _, sc := range list.Certificates {
		if want := map[bool]types.StatusType{true: types.StatusTypeInactive, false: types.StatusTypeActive}[*sc.CertificateId == *id]; sc.Status != want {
			t.Fatalf("%s: status %s, want %s", *sc.CertificateId, sc.Status, want)
		}
	}
	_, err = c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("dev"), CertificateId: id, Status: "Off"})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("other"), CertificateId: id, Status: types.StatusTypeActive})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("other"), CertificateId: id})
	wantErr(t, err, "NoSuchEntity", 404)

	// Delete, and the place is free again.
	must[*iam.DeleteSigningCertificateOutput](t)(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: id}))
	_, err = c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: id})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("dev"), CertificateId: id, Status: types.StatusTypeActive})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert3)}))

	// Without a user name, the caller's own (here the root user's).
	rootCert, _ := validCert(t, "root")
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(rootCert)}))
	own := must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}))
	if len(own.Certificates) != 1 || *own.Certificates[0].CertificateBody != rootCert {
		t.Fatalf("root's certificates: %+v", own.Certificates)
	}
}

func TestServiceSpecificCredentialLifecycle(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	for _, u := range []string{"dev", "other"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	svc := aws.String("codecommit.amazonaws.com")
	cr := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: svc})).ServiceSpecificCredential
	id := cr.ServiceSpecificCredentialId
	must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: svc}))
	_, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: svc})
	wantErr(t, err, "LimitExceeded", 409)
	_, err = c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: aws.String("s3.amazonaws.com")})
	wantErr(t, err, "NoSuchEntity", 404) // as AWS answers (not the model's NotSupportedService)

	status := func() types.StatusType {
		t.Helper()
		for _, m := range must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("dev")})).ServiceSpecificCredentials {
			if *m.ServiceSpecificCredentialId == *id {
				return m.Status
			}
		}
		return ""
	}
	must[*iam.UpdateServiceSpecificCredentialOutput](t)(c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: id, Status: types.StatusTypeInactive}))
	if s := status(); s != types.StatusTypeInactive {
		t.Fatalf("status %q", s)
	}
	_, err = c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: id, Status: "Maybe"})
	wantErr(t, err, "ValidationError", 400)

	// Reset: a new password, the same credential.
	reset := must[*iam.ResetServiceSpecificCredentialOutput](t)(c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: id})).ServiceSpecificCredential
	if *reset.ServiceSpecificCredentialId != *id || *reset.ServicePassword == *cr.ServicePassword || len(*reset.ServicePassword) < 20 ||
		*reset.ServiceUserName != *cr.ServiceUserName || reset.Status != types.StatusTypeInactive {
		t.Fatalf("reset: %+v", reset)
	}

	// Another user's credential, and one that does not exist.
	missing := aws.String("ACCA" + strings.Repeat("Z", 17))
	for _, ref := range []struct{ user, id *string }{{aws.String("other"), id}, {aws.String("dev"), missing}} {
		_, err := c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: ref.user, ServiceSpecificCredentialId: ref.id, Status: types.StatusTypeActive})
		wantErr(t, err, "NoSuchEntity", 404)
		_, err = c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: ref.user, ServiceSpecificCredentialId: ref.id})
		wantErr(t, err, "NoSuchEntity", 404)
		_, err = c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: ref.user, ServiceSpecificCredentialId: ref.id})
		wantErr(t, err, "NoSuchEntity", 404)
	}

	must[*iam.DeleteServiceSpecificCredentialOutput](t)(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: id}))
	if s := status(); s != "" {
		t.Fatalf("deleted credential still listed (%s)", s)
	}
	_, err = c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: id})
	wantErr(t, err, "NoSuchEntity", 404)
	// The quota place is free again.
	must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: svc}))
}

func TestDeleteLoginProfile(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("web")}))
	_, err := c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("web")})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("web"), Password: aws.String("Correct-Horse-9")}))
	must[*iam.DeleteLoginProfileOutput](t)(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("WEB")}))
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("web")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)
	// A password can be set again, and the user deleted once it is gone.
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("web"), Password: aws.String("Correct-Horse-9")}))
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("web")})
	wantErr(t, err, "DeleteConflict", 409)
	must[*iam.DeleteLoginProfileOutput](t)(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("web")}))
	// Another user's password, whose name starts with this one's, is not
	// this user's.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("webmaster")}))
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("webmaster"), Password: aws.String("Correct-Horse-9")}))
	_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("web")})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("web")}))
	must[*iam.GetLoginProfileOutput](t)(c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("webmaster")}))
}

func TestMFADeviceGetAndResync(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	for _, u := range []string{"ops", "other"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ops-phone")})).VirtualMFADevice
	serial, seed := dev.SerialNumber, string(dev.Base32StringSeed)
	code := func(n int64) *string {
		s, err := totp.Code(seed, n)
		if err != nil {
			t.Fatal(err)
		}
		return aws.String(s)
	}
	n := totpCounter(t)

	// Resync needs the device assigned to the user.
	_, err := c.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String("ops"), SerialNumber: serial, AuthenticationCode1: code(n - 1), AuthenticationCode2: code(n)})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.EnableMFADeviceOutput](t)(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("ops"), SerialNumber: serial,
		AuthenticationCode1: code(n - 3), AuthenticationCode2: code(n - 2)}))

	g := must[*iam.GetMFADeviceOutput](t)(c.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: serial, UserName: aws.String("ops")}))
	if *g.SerialNumber != *serial || g.UserName == nil || *g.UserName != "ops" || g.EnableDate == nil || time.Since(*g.EnableDate) > time.Minute {
		t.Fatalf("GetMFADevice: %+v", g)
	}
	for _, bad := range []struct {
		serial, user *string
	}{
		{aws.String("arn:aws:iam::123456789012:mfa/none"), aws.String("ops")},
		{serial, aws.String("other")}, // not that user's device
		{serial, aws.String("nobody")},
	} {
		_, err := c.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: bad.serial, UserName: bad.user})
		wantErr(t, err, "NoSuchEntity", 404)
	}

	// Resync with two consecutive codes; wrong, reversed or another user's.
	for _, bad := range []struct {
		user       string
		c1, c2     *string
		code       string
		status     int
		whatsWrong string
	}{
		{"ops", aws.String("000000"), aws.String("111111"), "InvalidAuthenticationCode", 403, "wrong codes"},
		{"ops", code(n), code(n - 1), "InvalidAuthenticationCode", 403, "reversed"},
		{"ops", code(n - 1), code(n + 1), "InvalidAuthenticationCode", 403, "not consecutive"},
		{"other", code(n - 1), code(n), "NoSuchEntity", 404, "another user"},
	} {
		_, err := c.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String(bad.user), SerialNumber: serial, AuthenticationCode1: bad.c1, AuthenticationCode2: bad.c2})
		if apiCode(err) != bad.code || httpStatus(err) != bad.status {
			t.Fatalf("%s: %v", bad.whatsWrong, err)
		}
	}
	_, err = c.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String("ops"), SerialNumber: serial, AuthenticationCode1: aws.String("12345"), AuthenticationCode2: code(n)})
	wantErr(t, err, "ValidationError", 400) // the model wants six digits
	must[*iam.ResyncMFADeviceOutput](t)(c.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String("ops"), SerialNumber: serial, AuthenticationCode1: code(n - 1), AuthenticationCode2: code(n)}))
	// The device still belongs to ops.
	if g := must[*iam.GetMFADeviceOutput](t)(c.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: serial})); *g.UserName != "ops" {
		t.Fatalf("after resync: %+v", g)
	}
}

func TestServerCertificates(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	now := time.Now()
	notAfter := now.AddDate(1, 0, 0).Truncate(time.Second).UTC()

	// An RSA certificate with a PKCS#1 key and a chain.
	rk := rsaKey(t, 2048)
	rsaCert := certPEM(t, rk, "www.example.com", now.Add(-time.Hour), notAfter)
	rsaKeyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
	chain, _ := validCert(t, "ca.example.com")
	up := must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("www"), Path: aws.String("/cloudfront/"),
		CertificateBody: aws.String(rsaCert), PrivateKey: aws.String(rsaKeyPEM), CertificateChain: aws.String(chain), Tags: []types.Tag{tag("env", "prod")}}))
	m := up.ServerCertificateMetadata
	if *m.Arn != "arn:aws:iam::123456789012:server-certificate/cloudfront/www" || !strings.HasPrefix(*m.ServerCertificateId, "ASCA") || !m.Expiration.Equal(notAfter) || len(up.Tags) != 1 {
		t.Fatalf("upload: %+v expiration %v", m, m.Expiration)
	}
	got := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www")})).ServerCertificate
	if *got.CertificateBody != rsaCert || got.CertificateChain == nil || *got.CertificateChain != chain || *got.ServerCertificateMetadata.Path != "/cloudfront/" || len(got.Tags) != 1 {
		t.Fatalf("GetServerCertificate: %+v", got)
	}

	// The errors of upload.
	ecCert, ecKeyText := validCert(t, "api.example.com")
	ek := ecKey(t)
	for _, bad := range []struct {
		name, body, key string
		chain           *string
		code            string
		status          int
	}{
		{"www", ecCert, ecKeyText, nil, "EntityAlreadyExists", 409},
		{"WWW", ecCert, ecKeyText, nil, "EntityAlreadyExists", 409}, // names are unique regardless of case
		{"a", ecCert, rsaKeyPEM, nil, "KeyPairMismatch", 400},
		{"b", "garbage", ecKeyText, nil, "MalformedCertificate", 400},
		{"c", ecCert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", nil, "MalformedCertificate", 400},
		{"d", ecCert, ecKeyText, aws.String("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "MalformedCertificate", 400},
		{"d2", ecCert, ecKeyText, aws.String("not a chain"), "MalformedCertificate", 400},
		{"d3", ecCert, ecKeyText, aws.String(chain + "trailing garbage"), "MalformedCertificate", 400},
		{"e", certPEM(t, ek, "old", now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1)), keyPEM(t, ek), nil, "MalformedCertificate", 400}, // expired
		{"bad/name", ecCert, ecKeyText, nil, "ValidationError", 400},
	} {
		_, err := c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String(bad.name),
			CertificateBody: aws.String(bad.body), PrivateKey: aws.String(bad.key), CertificateChain: bad.chain})
		if apiCode(err) != bad.code || httpStatus(err) != bad.status {
			t.Fatalf("%s: got %v, want %s (%d)", bad.name, err, bad.code, bad.status)
		}
	}

	// Twenty per account, listed in pages and under a path.
	for i := 1; i < 20; i++ {
		cert, key := validCert(t, fmt.Sprintf("h%d.example.com", i))
		must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String(fmt.Sprintf("cert%02d", i)),
			CertificateBody: aws.String(cert), PrivateKey: aws.String(key), Path: aws.String(map[bool]string{true: "/elb/", false: "/"}[i%2 == 0])}))
	}
	_, err := c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("twentyfirst"), CertificateBody: aws.String(ecCert), PrivateKey: aws.String(ecKeyText)})
	wantErr(t, err, "LimitExceeded", 409)
	var names []string
	pages := 0
	p := iam.NewListServerCertificatesPaginator(c, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(7)})
	for p.HasMorePages() {
		page := must[*iam.ListServerCertificatesOutput](t)(p.NextPage(ctx))
		pages++
		for _, sc := range page.ServerCertificateMetadataList {
			names = append(names, *sc.ServerCertificateName)
		}
	}
	if pages != 3 || len(names) != 20 {
		t.Fatalf("%d pages: %v", pages, names)
	}
	elb := must[*iam.ListServerCertificatesOutput](t)(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{PathPrefix: aws.String("/elb/")}))
	if len(elb.ServerCertificateMetadataList) != 9 || elb.IsTruncated {
		t.Fatalf("under /elb/: %d", len(elb.ServerCertificateMetadataList))
	}

	// Rename and move: found under the new name with its tags and body.
	must[*iam.UpdateServerCertificateOutput](t)(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("www"),
		NewServerCertificateName: aws.String("www-2026"), NewPath: aws.String("/elb/")}))
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www")})
	wantErr(t, err, "NoSuchEntity", 404)
	moved := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www-2026")})).ServerCertificate
	if *moved.ServerCertificateMetadata.Arn != "arn:aws:iam::123456789012:server-certificate/elb/www-2026" || *moved.ServerCertificateMetadata.ServerCertificateId != *m.ServerCertificateId ||
		*moved.CertificateBody != rsaCert || len(moved.Tags) != 1 {
		t.Fatalf("after update: %+v", moved)
	}
	// A change of case only.
	must[*iam.UpdateServerCertificateOutput](t)(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("www-2026"), NewServerCertificateName: aws.String("WWW-2026")}))
	if g := must[*iam.GetServerCertificateOutput](t)(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www-2026")})); *g.ServerCertificate.ServerCertificateMetadata.ServerCertificateName != "WWW-2026" {
		t.Fatalf("case rename: %s", *g.ServerCertificate.ServerCertificateMetadata.ServerCertificateName)
	}
	_, err = c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("WWW-2026"), NewServerCertificateName: aws.String("cert01")})
	wantErr(t, err, "EntityAlreadyExists", 409)
	_, err = c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("nope"), NewPath: aws.String("/x/")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("WWW-2026"), NewPath: aws.String("no-slashes")})
	wantErr(t, err, "ValidationError", 400)

	// Delete frees a place under the quota.
	must[*iam.DeleteServerCertificateOutput](t)(c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("www-2026")}))
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www-2026")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("www-2026")})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("twentyfirst"), CertificateBody: aws.String(ecCert), PrivateKey: aws.String(ecKeyText)}))
}

// A user may manage their own credentials when a policy allows it on
// their own ARN, and not another user's.
func TestOwnCredentialsByPolicy(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	alice, _, _ := newUser(t, s, root, "alice")
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*SSHPublicKey*","iam:*SigningCertificate*","iam:*ServiceSpecificCredential*"],
			"Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`)}))

	key := must[*iam.UploadSSHPublicKeyOutput](t)(alice.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyBody: aws.String(sshRSA(t, rsaKey(t, 2048)))})).SSHPublicKey
	if l := must[*iam.ListSSHPublicKeysOutput](t)(alice.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{})); len(l.SSHPublicKeys) != 1 || *l.SSHPublicKeys[0].UserName != "alice" {
		t.Fatalf("own keys without a user name: %+v", l.SSHPublicKeys)
	}
	must[*iam.UpdateSSHPublicKeyOutput](t)(alice.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: key.SSHPublicKeyId, Status: types.StatusTypeInactive}))
	cert, _ := validCert(t, "alice")
	sc := must[*iam.UploadSigningCertificateOutput](t)(alice.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{CertificateBody: aws.String(cert)})).Certificate
	if *sc.UserName != "alice" {
		t.Fatalf("own certificate without a user name: %+v", sc)
	}
	must[*iam.UpdateSigningCertificateOutput](t)(alice.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{CertificateId: sc.CertificateId, Status: types.StatusTypeInactive}))
	must[*iam.DeleteSigningCertificateOutput](t)(alice.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: sc.CertificateId}))
	cr := must[*iam.CreateServiceSpecificCredentialOutput](t)(alice.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceName: aws.String("codecommit.amazonaws.com")})).ServiceSpecificCredential
	must[*iam.ResetServiceSpecificCredentialOutput](t)(alice.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{ServiceSpecificCredentialId: cr.ServiceSpecificCredentialId}))
	must[*iam.DeleteServiceSpecificCredentialOutput](t)(alice.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: cr.ServiceSpecificCredentialId}))
	must[*iam.DeleteSSHPublicKeyOutput](t)(alice.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: key.SSHPublicKeyId}))

	// Bob's are not hers.
	for _, err := range []error{
		second(alice.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyBody: aws.String(sshRSA(t, rsaKey(t, 2048)))})),
		second(alice.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("bob")})),
		second(alice.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("bob")})),
		second(alice.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("bob"), ServiceName: aws.String("codecommit.amazonaws.com")})),
	} {
		wantErr(t, err, "AccessDenied", 403)
	}
}
