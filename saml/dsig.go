package saml

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const (
	nsDSig        = "http://www.w3.org/2000/09/xmldsig#"
	algExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algRSASHA256  = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algRSASHA1    = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algSHA256     = "http://www.w3.org/2001/04/xmlenc#sha256"
	algSHA1       = "http://www.w3.org/2000/09/xmldsig#sha1"
	nsInclusiveNS = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

// ErrSignature is a signature that is absent where required, of a form
// not supported, or that does not verify.
var ErrSignature = errors.New("saml: signature invalid")

// verifySignature checks the enveloped signature that is a child of el:
// its one reference must be el itself (URI="#ID"), digested after the
// enveloped-signature and exclusive canonicalization transforms, and
// SignedInfo must verify with one of the certificates.
func verifySignature(el *node, byID map[string]*node, certs []*x509.Certificate) error {
	sig := el.child(nsDSig, "Signature")
	if sig == nil {
		return fmt.Errorf("%w: not signed", ErrSignature)
	}
	si := sig.child(nsDSig, "SignedInfo")
	if si == nil {
		return fmt.Errorf("%w: no SignedInfo", ErrSignature)
	}
	cm := si.child(nsDSig, "CanonicalizationMethod")
	if cm == nil || cm.attr("Algorithm") != algExcC14N {
		return fmt.Errorf("%w: SignedInfo must use exclusive canonicalization", ErrSignature)
	}
	sm := si.child(nsDSig, "SignatureMethod")
	if sm == nil {
		return fmt.Errorf("%w: no SignatureMethod", ErrSignature)
	}
	refs := si.all(nsDSig, "Reference")
	if len(refs) != 1 {
		return fmt.Errorf("%w: want exactly one Reference", ErrSignature)
	}
	ref := refs[0]
	id := el.attr("ID")
	if id == "" || ref.attr("URI") != "#"+id || byID[id] != el {
		return fmt.Errorf("%w: the signature does not cover its parent element", ErrSignature)
	}
	var inclusive []string
	enveloped, canon := false, false
	if ts := ref.child(nsDSig, "Transforms"); ts != nil {
		for _, t := range ts.all(nsDSig, "Transform") {
			switch t.attr("Algorithm") {
			case algEnveloped:
				enveloped = true
			case algExcC14N:
				canon = true
				if in := t.child(nsInclusiveNS, "InclusiveNamespaces"); in != nil {
					inclusive = strings.Fields(in.attr("PrefixList"))
				}
			default:
				return fmt.Errorf("%w: transform %s not supported", ErrSignature, t.attr("Algorithm"))
			}
		}
	}
	if !enveloped || !canon {
		return fmt.Errorf("%w: the reference must use the enveloped-signature and exclusive canonicalization transforms", ErrSignature)
	}
	dm := ref.child(nsDSig, "DigestMethod")
	dv := ref.child(nsDSig, "DigestValue")
	if dm == nil || dv == nil {
		return fmt.Errorf("%w: no digest", ErrSignature)
	}
	want, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(dv.text()), ""))
	if err != nil {
		return fmt.Errorf("%w: DigestValue is not base64", ErrSignature)
	}
	content := canonicalize(el, inclusive, sig)
	var got []byte
	switch dm.attr("Algorithm") {
	case algSHA256:
		s := sha256.Sum256(content)
		got = s[:]
	case algSHA1:
		s := sha1.Sum(content)
		got = s[:]
	default:
		return fmt.Errorf("%w: digest %s not supported", ErrSignature, dm.attr("Algorithm"))
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: digest mismatch", ErrSignature)
	}

	var siInclusive []string
	if in := cm.child(nsInclusiveNS, "InclusiveNamespaces"); in != nil {
		siInclusive = strings.Fields(in.attr("PrefixList"))
	}
	signed := canonicalize(si, siInclusive, nil)
	sv := sig.child(nsDSig, "SignatureValue")
	if sv == nil {
		return fmt.Errorf("%w: no SignatureValue", ErrSignature)
	}
	sigBytes, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.text()), ""))
	if err != nil {
		return fmt.Errorf("%w: SignatureValue is not base64", ErrSignature)
	}
	var h crypto.Hash
	var sum []byte
	switch sm.attr("Algorithm") {
	case algRSASHA256:
		s := sha256.Sum256(signed)
		h, sum = crypto.SHA256, s[:]
	case algRSASHA1:
		s := sha1.Sum(signed)
		h, sum = crypto.SHA1, s[:]
	default:
		return fmt.Errorf("%w: signature method %s not supported", ErrSignature, sm.attr("Algorithm"))
	}
	for _, c := range certs {
		if k, ok := c.PublicKey.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(k, h, sum, sigBytes) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: no signing certificate of the provider verifies it", ErrSignature)
}
