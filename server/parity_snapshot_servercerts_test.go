package server_test

// TestParitySnapshots' scenarios for LocalStack's recording of IAM's
// server certificates (testdata/snapshots/iam_server_certificates.json).

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

const serverCertFile = "iam_server_certificates.json"

// leafWithRoot is a CA certificate and a leaf it signed, with the leaf's
// key: an upload with a chain AWS can verify.
func leafWithRoot(r *snapRun) (root, leaf, leafKey string) {
	t := r.t
	rootKey, k := ecKey(t), ecKey(t)
	now := time.Now()
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "iamd test root"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootCert, _ := x509.ParseCertificate(rootDER)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf.example.com"}, DNSNames: []string{"leaf.example.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(3, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, rootCert, k.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return enc(rootDER), enc(leafDER), keyPEM(t, k)
}

// uploadServerCert is UploadServerCertificate of a certificate made at the
// call (with a chain when chained); what was sent is kept as answer
// "sent", for the steps after it and for hiding the body as the
// recording does.
func uploadServerCert(key, name string, chained bool, extra ...string) snapStep {
	return snapStep{key: key, action: "UploadServerCertificate", params: append([]string{"ServerCertificateName", name}, extra...), dyn: func(r *snapRun) []string {
		sent := map[string]any{}
		if chained {
			root, leaf, k := leafWithRoot(r)
			sent["Body"], sent["Key"], sent["Chain"] = leaf, k, root
		} else {
			cert, k := validCert(r.t, "server.example.com")
			sent["Body"], sent["Key"] = cert, k
		}
		r.answers["sent"] = sent
		p := []string{"CertificateBody", sent["Body"].(string), "PrivateKey", sent["Key"].(string)}
		if chained {
			p = append(p, "CertificateChain", sent["Chain"].(string))
		}
		return p
	}}
}

// hideBodies is GetServerCertificate's answer with the body and chain
// written as the recording writes them (certificate-body,
// certificate-chain) when they are what was sent; a changed one shows.
func hideBodies(r *snapRun, a map[string]any) any {
	sc, ok := a["ServerCertificate"].(map[string]any)
	if !ok {
		return a
	}
	out := map[string]any{}
	for k, v := range sc {
		out[k] = v
	}
	sent := r.answers["sent"]
	for field, as := range map[string][2]string{"CertificateBody": {"Body", "certificate-body"}, "CertificateChain": {"Chain", "certificate-chain"}} {
		got, present := out[field].(string)
		if want, _ := sent[as[0]].(string); present && strings.TrimSpace(got) == strings.TrimSpace(want) {
			out[field] = as[1]
		}
	}
	return map[string]any{"ServerCertificate": out, "ResponseMetadata": a["ResponseMetadata"]}
}

func init() {
	var sc []snapScenario
	for _, c := range []struct{ param, path string }{{"None", ""}, {"/", "/"}, {"/test-path/", "/test-path/"}} {
		name := "cert-lc"
		var extra []string
		if c.path != "" {
			extra = []string{"Path", c.path}
		}
		steps := []snapStep{
			uploadServerCert("upload-certificate", name, false, extra...),
			// The recording kept only this certificate's entry: in a
			// fresh iamd it is the only one.
			step("list-certificates", "ListServerCertificates"),
		}
		if c.path != "" && c.path != "/" {
			steps = append(steps, step("list-certificates-with-path", "ListServerCertificates", "PathPrefix", c.path))
		}
		steps = append(steps,
			snapStep{key: "get-certificate", action: "GetServerCertificate", params: []string{"ServerCertificateName", name}, pick: hideBodies},
			step("delete-certificate", "DeleteServerCertificate", "ServerCertificateName", name),
			step("get-deleted-certificate-error", "GetServerCertificate", "ServerCertificateName", name),
		)
		sc = append(sc, snapScenario{serverCertFile, "TestServerCertificate::test_server_certificate_lifecycle[" + c.param + "]", steps})
	}
	const none = "nonexistent-certificate"
	sc = append(sc,
		snapScenario{serverCertFile, "TestServerCertificate::test_server_certificate_with_chain", []snapStep{
			uploadServerCert("upload-certificate-with-chain", "cert-chain", true),
			{key: "get-certificate-with-chain", action: "GetServerCertificate", params: []string{"ServerCertificateName", "cert-chain"}, pick: hideBodies},
		}},
		snapScenario{serverCertFile, "TestServerCertificate::test_server_certificate_errors", []snapStep{
			step("get-nonexistent-certificate-error", "GetServerCertificate", "ServerCertificateName", none),
			step("delete-nonexistent-certificate-error", "DeleteServerCertificate", "ServerCertificateName", none),
			uploadServerCert("upload-certificate", "cert-e", false),
			step("upload-duplicate-certificate-error", "UploadServerCertificate", "ServerCertificateName", "cert-e",
				"CertificateBody", "${sent.Body}", "PrivateKey", "${sent.Key}"),
		}},
	)
	snapScenarios = append(snapScenarios, sc...)
}

// A server certificate name in use is refused in AWS's words, on upload
// and on rename; neither refusal changes a certificate, and a free name
// still goes.
func TestParityServerCertificateNameInUse(t *testing.T) {
	s := testServer(t)
	c1, k1 := validCert(t, "one.example.com")
	c2, k2 := validCert(t, "two.example.com")
	mustQuery(t, s, "UploadServerCertificate", "ServerCertificateName", "one", "CertificateBody", c1, "PrivateKey", k1)
	mustQuery(t, s, "UploadServerCertificate", "ServerCertificateName", "two", "CertificateBody", c2, "PrivateKey", k2, "Path", "/two/")
	for _, tc := range []errorCase{
		{"upload under a taken name", "UploadServerCertificate", []string{"ServerCertificateName", "one", "CertificateBody", c2, "PrivateKey", k2}, 409, "EntityAlreadyExists",
			"The Server Certificate with name one already exists."},
		{"rename to a taken name", "UpdateServerCertificate", []string{"ServerCertificateName", "two", "NewServerCertificateName", "one", "NewPath", "/moved/"}, 409, "EntityAlreadyExists",
			"The Server Certificate with name one already exists."},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	one := mustQuery(t, s, "GetServerCertificate", "ServerCertificateName", "one")
	if body, _ := element(one, "ServerCertificate", "CertificateBody"); strings.TrimSpace(body) != strings.TrimSpace(c1) {
		t.Fatalf("certificate one changed by a refused upload: %s", one)
	}
	if two := mustQuery(t, s, "GetServerCertificate", "ServerCertificateName", "two"); !strings.Contains(two, "<Path>/two/</Path>") {
		t.Fatalf("certificate two changed by a refused rename: %s", two)
	}
	mustQuery(t, s, "UpdateServerCertificate", "ServerCertificateName", "two", "NewServerCertificateName", "three")
	mustQuery(t, s, "GetServerCertificate", "ServerCertificateName", "three")
}
