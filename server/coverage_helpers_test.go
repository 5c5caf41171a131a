package server_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// Helpers for the coverage tests: real certificates, keys and OpenSSH
// public keys made in the test, and error assertions with AWS's status.

// wantErr asserts the AWS error code and HTTP status of err (httpStatus
// is cluster_test.go's).
func wantErr(t testing.TB, err error, code string, status int) {
	t.Helper()
	if apiCode(err) != code || httpStatus(err) != status {
		t.Fatalf("got %v (status %d), want %s (%d)", err, httpStatus(err), code, status)
	}
}

// ecKey is a fresh P-256 key.
func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyPEM encodes a private key as PKCS#8 PEM.
func keyPEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// certPEM is a self-signed certificate for k valid from notBefore to
// notAfter.
func certPEM(t testing.TB, k crypto.Signer, cn string, notBefore, notAfter time.Time) string {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter,
		DNSNames: []string{cn}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// validCert is a certificate valid now, for a year, with its key.
func validCert(t testing.TB, cn string) (cert, key string) {
	k := ecKey(t)
	now := time.Now()
	return certPEM(t, k, cn, now.Add(-time.Hour), now.AddDate(1, 0, 0)), keyPEM(t, k)
}

// sshString appends an OpenSSH wire-format string (uint32 length, bytes).
func sshString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// sshRSA is an RSA public key in OpenSSH's form: "ssh-rsa", e and n as
// mpints (big-endian, a leading zero when the top bit is set).
func sshRSA(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	mpint := func(n *big.Int) []byte {
		b := n.Bytes()
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	blob := sshString(nil, []byte("ssh-rsa"))
	blob = sshString(blob, mpint(big.NewInt(int64(k.E))))
	blob = sshString(blob, mpint(k.N))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " rsa@test"
}
