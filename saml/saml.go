package saml

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

const (
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	statusOK    = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// Audiences AWS accepts in an assertion's AudienceRestriction.
var Audiences = []string{"https://signin.aws.amazon.com/saml", "urn:amazon:webservices"}

// Errors a response can fail with, beside ErrSignature.
var (
	ErrInvalid = errors.New("saml: invalid response")
	ErrExpired = errors.New("saml: assertion expired")
)

// Metadata is what iamd reads from an IdP's metadata document: its entity
// id and signing certificates.
type Metadata struct {
	EntityID string
	Certs    []*x509.Certificate
}

// ParseMetadata reads an EntityDescriptor (alone or the first in an
// EntitiesDescriptor).
func ParseMetadata(doc []byte) (*Metadata, error) {
	root, err := parse(doc)
	if err != nil {
		return nil, fmt.Errorf("saml metadata: %w", err)
	}
	ed := root
	if root.is(nsMetadata, "EntitiesDescriptor") {
		ed = root.child(nsMetadata, "EntityDescriptor")
	}
	if ed == nil || !ed.is(nsMetadata, "EntityDescriptor") || ed.attr("entityID") == "" {
		return nil, errors.New("saml metadata: no EntityDescriptor with an entityID")
	}
	md := &Metadata{EntityID: ed.attr("entityID")}
	idp := ed.child(nsMetadata, "IDPSSODescriptor")
	if idp == nil {
		return nil, errors.New("saml metadata: no IDPSSODescriptor")
	}
	for _, kd := range idp.all(nsMetadata, "KeyDescriptor") {
		if use := kd.attr("use"); use != "" && use != "signing" {
			continue
		}
		ki := kd.child(nsDSig, "KeyInfo")
		if ki == nil {
			continue
		}
		for _, xd := range ki.all(nsDSig, "X509Data") {
			for _, xc := range xd.all(nsDSig, "X509Certificate") {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.text()), ""))
				if err != nil {
					return nil, errors.New("saml metadata: X509Certificate is not base64")
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("saml metadata: %w", err)
				}
				md.Certs = append(md.Certs, cert)
			}
		}
	}
	if len(md.Certs) == 0 {
		return nil, errors.New("saml metadata: no signing certificate")
	}
	return md, nil
}

// Assertion is what a verified response says.
type Assertion struct {
	Issuer       string
	NameID       string
	NameIDFormat string
	Recipient    string // SubjectConfirmationData Recipient (saml:aud)
	Audiences    []string
	// Expires is the earliest of the conditions' and the subject
	// confirmation's NotOnOrAfter.
	Expires time.Time
	// SessionNotOnOrAfter is the AuthnStatement's bound on the session,
	// zero when absent.
	SessionNotOnOrAfter time.Time
	Attributes          map[string][]string
}

// clockSkew is the allowance for clocks that differ.
const clockSkew = 5 * time.Minute

// Verify checks a SAML response (XML, already base64-decoded) from the
// IdP of md at time now: status success, exactly one assertion, a
// signature by one of the IdP's certificates covering the response or the
// assertion, the issuer, the validity window and the audience.
func Verify(doc []byte, md *Metadata, now time.Time) (*Assertion, error) {
	root, err := parse(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !root.is(nsProtocol, "Response") {
		return nil, fmt.Errorf("%w: not a samlp:Response", ErrInvalid)
	}
	byID, err := ids(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if st := root.child(nsProtocol, "Status"); st == nil || st.child(nsProtocol, "StatusCode") == nil || st.child(nsProtocol, "StatusCode").attr("Value") != statusOK {
		return nil, fmt.Errorf("%w: the response's status is not success", ErrInvalid)
	}
	if root.child(nsAssertion, "EncryptedAssertion") != nil {
		return nil, fmt.Errorf("%w: encrypted assertions are not supported", ErrInvalid)
	}
	as := root.all(nsAssertion, "Assertion")
	if len(as) != 1 {
		return nil, fmt.Errorf("%w: want exactly one Assertion", ErrInvalid)
	}
	a := as[0]
	responseSigned := root.child(nsDSig, "Signature") != nil
	assertionSigned := a.child(nsDSig, "Signature") != nil
	if !responseSigned && !assertionSigned {
		return nil, fmt.Errorf("%w: neither the response nor the assertion is signed", ErrSignature)
	}
	if responseSigned {
		if err := verifySignature(root, byID, md.Certs); err != nil {
			return nil, err
		}
	}
	if assertionSigned {
		if err := verifySignature(a, byID, md.Certs); err != nil {
			return nil, err
		}
	}

	out := &Assertion{Attributes: map[string][]string{}}
	if iss := a.child(nsAssertion, "Issuer"); iss != nil {
		out.Issuer = iss.text()
	}
	if out.Issuer != md.EntityID {
		return nil, fmt.Errorf("%w: issuer %q is not the provider's entity id %q", ErrInvalid, out.Issuer, md.EntityID)
	}
	if ri := root.child(nsAssertion, "Issuer"); ri != nil && ri.text() != md.EntityID {
		return nil, fmt.Errorf("%w: the response's issuer is not the provider's", ErrInvalid)
	}
	sub := a.child(nsAssertion, "Subject")
	if sub == nil || sub.child(nsAssertion, "NameID") == nil {
		return nil, fmt.Errorf("%w: no Subject NameID", ErrInvalid)
	}
	nid := sub.child(nsAssertion, "NameID")
	out.NameID, out.NameIDFormat = nid.text(), nid.attr("Format")
	var expires []time.Time
	bearerOK := false
	for _, sc := range sub.all(nsAssertion, "SubjectConfirmation") {
		if sc.attr("Method") != bearer {
			continue
		}
		bearerOK = true
		if d := sc.child(nsAssertion, "SubjectConfirmationData"); d != nil {
			out.Recipient = d.attr("Recipient")
			if t, ok := parseTime(d.attr("NotOnOrAfter")); ok {
				expires = append(expires, t)
			}
		}
	}
	if !bearerOK {
		return nil, fmt.Errorf("%w: no bearer SubjectConfirmation", ErrInvalid)
	}
	cond := a.child(nsAssertion, "Conditions")
	if cond != nil {
		if t, ok := parseTime(cond.attr("NotBefore")); ok && now.Add(clockSkew).Before(t) {
			return nil, fmt.Errorf("%w: not valid before %s", ErrInvalid, t.Format(time.RFC3339))
		}
		if t, ok := parseTime(cond.attr("NotOnOrAfter")); ok {
			expires = append(expires, t)
		}
		for _, ar := range cond.all(nsAssertion, "AudienceRestriction") {
			for _, au := range ar.all(nsAssertion, "Audience") {
				out.Audiences = append(out.Audiences, au.text())
			}
		}
	}
	if len(expires) == 0 {
		return nil, fmt.Errorf("%w: the assertion has no NotOnOrAfter", ErrInvalid)
	}
	out.Expires = expires[0]
	for _, t := range expires[1:] {
		if t.Before(out.Expires) {
			out.Expires = t
		}
	}
	if !now.Add(-clockSkew).Before(out.Expires) {
		return out, ErrExpired
	}
	audOK := false
	for _, au := range out.Audiences {
		for _, want := range Audiences {
			audOK = audOK || au == want
		}
	}
	if !audOK {
		return nil, fmt.Errorf("%w: the audience must be %s", ErrInvalid, strings.Join(Audiences, " or "))
	}
	if st := a.child(nsAssertion, "AuthnStatement"); st != nil {
		if t, ok := parseTime(st.attr("SessionNotOnOrAfter")); ok {
			out.SessionNotOnOrAfter = t
		}
	}
	for _, stmt := range a.all(nsAssertion, "AttributeStatement") {
		for _, at := range stmt.all(nsAssertion, "Attribute") {
			name := at.attr("Name")
			for _, v := range at.all(nsAssertion, "AttributeValue") {
				out.Attributes[name] = append(out.Attributes[name], v.text())
			}
		}
	}
	return out, nil
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
