package iam

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"
)

// One key has one fingerprint in either form, and each encoding converts
// to the other and back.
func TestSSHKeyForms(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
		ok   bool
	}{
		{"rsa-2048", &rk.PublicKey, true},
		{"rsa-1024", &small.PublicKey, false},
		{"ecdsa-p384", &ek.PublicKey, true},
		{"ed25519", edPub, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blob, err := sshBlob(tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			typ, _ := (&sshReader{blob}).next()
			sshForm := string(typ) + " " + base64.StdEncoding.EncodeToString(blob) + " me@host"
			der, _ := x509.MarshalPKIXPublicKey(tc.pub)
			pemForm := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
			_, fp1, err1 := parseSSHKey(sshForm)
			_, fp2, err2 := parseSSHKey(pemForm)
			if !tc.ok {
				if err1 == nil || err2 == nil {
					t.Fatalf("accepted: %v %v", err1, err2)
				}
				return
			}
			if err1 != nil || err2 != nil || fp1 != fp2 {
				t.Fatalf("fingerprints %q %q, errors %v %v", fp1, fp2, err1, err2)
			}
			if got := encodeSSHKey(sshForm, "PEM"); got != pemForm {
				t.Fatalf("SSH to PEM: %q", got)
			}
			if got := encodeSSHKey(pemForm, "SSH"); got != string(typ)+" "+base64.StdEncoding.EncodeToString(blob) {
				t.Fatalf("PEM to SSH: %q", got)
			}
		})
	}
	for _, bad := range []string{"ssh-rsa", "ssh-dss AAAAB3NzaC1kc3M= x", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAQA= x", "ssh-rsa AAAAB3NzaC1yc2E= x"} {
		if _, _, err := parseSSHKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
