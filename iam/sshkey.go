package iam

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

// SSH public keys arrive in OpenSSH's form ("ssh-rsa AAAA... comment") or
// as a PEM SubjectPublicKeyInfo, and GetSSHPublicKey returns either form.
// Both are read into the key and its OpenSSH wire blob, so that one key
// has one fingerprint (the MD5 of the blob) whichever form it came in.

// minRSABits is AWS's minimum for RSA keys.
const minRSABits = 2048

var sshCurves = map[string]elliptic.Curve{"nistp256": elliptic.P256(), "nistp384": elliptic.P384(), "nistp521": elliptic.P521()}

func badKey() error { return iamapi.InvalidPublicKey("The specified public key is not valid.") }

func unrecognizedKey() error {
	return iamapi.UnrecognizedPublicKeyEncoding("The public key encoding is not recognized.")
}

// parseSSHKey reads a public key in either form and returns its OpenSSH
// blob and fingerprint.
func parseSSHKey(body string) (blob []byte, fingerprint string, err error) {
	body = strings.TrimSpace(body)
	var pub crypto.PublicKey
	if block, _ := pem.Decode([]byte(body)); block != nil {
		if pub, err = x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			return nil, "", badKey()
		}
		if blob, err = sshBlob(pub); err != nil {
			return nil, "", err
		}
	} else {
		fields := strings.Fields(body)
		if len(fields) < 2 {
			return nil, "", unrecognizedKey()
		}
		if blob, err = base64.StdEncoding.DecodeString(fields[1]); err != nil {
			return nil, "", badKey()
		}
		if pub, err = sshPublicKey(fields[0], blob); err != nil {
			return nil, "", err
		}
	}
	if k, ok := pub.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return nil, "", iamapi.InvalidPublicKey("The specified public key is not valid: an RSA key must have at least %d bits.", minRSABits)
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = hex.EncodeToString([]byte{c})
	}
	return blob, strings.Join(parts, ":"), nil
}

// sshPublicKey reads an OpenSSH wire blob of the named type.
func sshPublicKey(typ string, blob []byte) (crypto.PublicKey, error) {
	r := sshReader{blob}
	if got, ok := r.next(); !ok || string(got) != typ {
		return nil, badKey()
	}
	var pub crypto.PublicKey
	switch {
	case typ == "ssh-rsa":
		e, ok1 := r.next()
		n, ok2 := r.next()
		if !ok1 || !ok2 || len(e) == 0 || len(e) > 4 || len(n) == 0 {
			return nil, badKey()
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	case typ == "ssh-ed25519":
		k, ok := r.next()
		if !ok || len(k) != ed25519.PublicKeySize {
			return nil, badKey()
		}
		pub = ed25519.PublicKey(k)
	case strings.HasPrefix(typ, "ecdsa-sha2-"):
		curve := sshCurves[strings.TrimPrefix(typ, "ecdsa-sha2-")]
		name, ok1 := r.next()
		q, ok2 := r.next()
		if curve == nil || !ok1 || !ok2 || "ecdsa-sha2-"+string(name) != typ {
			return nil, badKey()
		}
		k, err := ecdsa.ParseUncompressedPublicKey(curve, q)
		if err != nil {
			return nil, badKey()
		}
		pub = k
	default:
		return nil, unrecognizedKey()
	}
	if len(r.b) != 0 {
		return nil, badKey()
	}
	return pub, nil
}

// sshBlob is a public key's OpenSSH wire blob.
func sshBlob(pub crypto.PublicKey) ([]byte, error) {
	put := func(b, s []byte) []byte { return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...) }
	mpint := func(n *big.Int) []byte {
		b := n.Bytes()
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return put(put(put(nil, []byte("ssh-rsa")), mpint(big.NewInt(int64(k.E)))), mpint(k.N)), nil
	case ed25519.PublicKey:
		return put(put(nil, []byte("ssh-ed25519")), k), nil
	case *ecdsa.PublicKey:
		for name, c := range sshCurves {
			if c == k.Curve {
				q, err := k.Bytes()
				if err != nil {
					return nil, badKey()
				}
				return put(put(put(nil, []byte("ecdsa-sha2-"+name)), []byte(name)), q), nil
			}
		}
	}
	return nil, unrecognizedKey()
}

// encodeSSHKey writes a stored key body in the encoding GetSSHPublicKey
// asks for: "SSH" (OpenSSH form) or "PEM" (SubjectPublicKeyInfo).
func encodeSSHKey(body, encoding string) string {
	pemForm := strings.HasPrefix(strings.TrimSpace(body), "-----BEGIN")
	if pemForm == (encoding == "PEM") {
		return body
	}
	blob, _, err := parseSSHKey(body)
	if err != nil {
		return body // stored keys were parsed on upload
	}
	r := sshReader{blob}
	typ, _ := r.next()
	if encoding != "PEM" {
		return string(typ) + " " + base64.StdEncoding.EncodeToString(blob)
	}
	pub, err := sshPublicKey(string(typ), blob)
	if err != nil {
		return body
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return body
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// sshReader reads the length-prefixed strings of an OpenSSH blob.
type sshReader struct{ b []byte }

func (r *sshReader) next() ([]byte, bool) {
	if len(r.b) < 4 {
		return nil, false
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		return nil, false
	}
	s := r.b[4 : 4+n]
	r.b = r.b[4+n:]
	return s, true
}
