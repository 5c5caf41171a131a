#!/usr/bin/env bash
# Makes the SAML fixtures: an IdP key and certificate, its metadata, and
# responses signed by xmlsec1 (an implementation independent of iamd's),
# so that the tests check iamd's canonicalization and signature
# verification against another's. Needs openssl and xmlsec1; the outputs
# are committed, so the tests need neither.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gen() { # gen NAME: a key and a self-signed certificate
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/$1.key" -out "$work/$1.crt" -days 36500 -subj "/CN=$1" 2>/dev/null
}
gen idp
gen other
metadata() { # metadata CERT
	cat <<XML
<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>$(grep -v CERTIFICATE "$1" | tr -d '\n')</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
XML
}
metadata "$work/idp.crt" > metadata.xml
metadata "$work/other.crt" > metadata-other.xml

signature() { # signature ID DIGEST SIGMETHOD INCLUSIVE
	local inc=""
	[ -n "$4" ] && inc="<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"$4\"/>"
	cat <<XML
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        <ds:SignatureMethod Algorithm="$3"/>
        <ds:Reference URI="#$1">
          <ds:Transforms>
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">$inc</ds:Transform>
          </ds:Transforms>
          <ds:DigestMethod Algorithm="$2"/>
          <ds:DigestValue></ds:DigestValue>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue></ds:SignatureValue>
      <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
    </ds:Signature>
XML
}
sha256=http://www.w3.org/2001/04/xmlenc#sha256
rsa256=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
sha1=http://www.w3.org/2000/09/xmldsig#sha1
rsa1=http://www.w3.org/2000/09/xmldsig#rsa-sha1

response() { # response WHERE(assertion|response) EXPIRY ROLE DIGEST SIGMETHOD INCLUSIVE
	local rsig="" asig=""
	if [ "$1" = response ]; then rsig=$(signature _r1 "$4" "$5" "$6"); else asig=$(signature _a1 "$4" "$5" "$6"); fi
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example.com/saml</saml:Issuer>
  $rsig
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example.com/saml</saml:Issuer>
    $asig
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice-7f3a</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="$2" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="2020-01-01T00:00:00Z" NotOnOrAfter="$2">
      <saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="2024-01-01T00:00:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue xsi:type="xs:string">arn:aws:iam::123456789012:saml-provider/corp,$3</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue xsi:type="xs:string">alice@example.com</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:team">
        <saml:AttributeValue xsi:type="xs:string">red &amp; blue</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
XML
}
sign() { # sign WHERE TEMPLATE OUT
	local id=urn:oasis:names:tc:SAML:2.0:assertion:Assertion
	[ "$1" = response ] && id=urn:oasis:names:tc:SAML:2.0:protocol:Response
	xmlsec1 --sign --privkey-pem "$work/idp.key,$work/idp.crt" --id-attr:ID "$id" --output "$3" "$2"
}
dev=arn:aws:iam::123456789012:role/saml-dev
ops=arn:aws:iam::123456789012:role/saml-ops
response assertion 2099-01-01T00:00:00Z $dev $sha256 $rsa256 "" > "$work/t1.xml"; sign assertion "$work/t1.xml" assertion-signed.xml
response response 2099-01-01T00:00:00Z $dev $sha256 $rsa256 "xs" > "$work/t2.xml"; sign response "$work/t2.xml" response-signed.xml
response assertion 2099-01-01T00:00:00Z $dev $sha1 $rsa1 "" > "$work/t3.xml"; sign assertion "$work/t3.xml" sha1-signed.xml
response assertion 2021-01-01T00:00:00Z $dev $sha256 $rsa256 "" > "$work/t4.xml"; sign assertion "$work/t4.xml" expired.xml
response assertion 2099-01-01T00:00:00Z $ops $sha256 $rsa256 "" > "$work/t5.xml"; sign assertion "$work/t5.xml" other-role.xml
response assertion 2099-01-01T00:00:00Z $dev $sha256 $rsa256 "" > unsigned.xml
sed -i '/<ds:Signature/,/<\/ds:Signature>/d' unsigned.xml
