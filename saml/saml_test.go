package saml

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// The fixtures in testdata were signed by xmlsec1 (testdata/make.sh): an
// implementation independent of this package's canonicalization.

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerify(t *testing.T) {
	md, err := ParseMetadata(read(t, "metadata.xml"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := ParseMetadata(read(t, "metadata-other.xml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	signed := string(read(t, "assertion-signed.xml"))
	wrapped := strings.Replace(signed, "<samlp:Status>", `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"/><samlp:Status>`, 1)
	for _, tc := range []struct {
		name string
		doc  string
		md   *Metadata
		now  time.Time
		want error
	}{
		{"assertion signed, SHA-256", signed, md, now, nil},
		{"response signed, InclusiveNamespaces", string(read(t, "response-signed.xml")), md, now, nil},
		{"assertion signed, SHA-1", string(read(t, "sha1-signed.xml")), md, now, nil},
		{"another IdP's certificate", signed, other, now, ErrSignature},
		{"unsigned", string(read(t, "unsigned.xml")), md, now, ErrSignature},
		{"tampered subject", strings.Replace(signed, "alice-7f3a", "admin", 1), md, now, ErrSignature},
		{"tampered attribute", strings.Replace(signed, "role/saml-dev", "role/admin", 1), md, now, ErrSignature},
		{"tampered response signature", strings.Replace(string(read(t, "response-signed.xml")), "alice-7f3a", "bob", 1), md, now, ErrSignature},
		{"a second element with the signed ID", wrapped, md, now, ErrSignature},
		{"expired", string(read(t, "expired.xml")), md, now, ErrExpired},
		{"not yet valid", signed, md, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), ErrInvalid},
		{"a DTD", `<!DOCTYPE x [<!ENTITY a "b">]>` + signed[strings.Index(signed, "<samlp"):], md, now, ErrInvalid},
		{"not XML", "nope", md, now, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Verify([]byte(tc.doc), tc.md, tc.now)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Issuer != "https://idp.example.com/saml" || a.NameID != "alice-7f3a" || a.Recipient != "https://signin.aws.amazon.com/saml" ||
				a.Attributes["https://aws.amazon.com/SAML/Attributes/RoleSessionName"][0] != "alice@example.com" ||
				a.Attributes["https://aws.amazon.com/SAML/Attributes/PrincipalTag:team"][0] != "red & blue" {
				t.Errorf("assertion %+v", a)
			}
		})
	}
}

func TestCanonicalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		inclusive      []string
	}{
		{"attributes sorted, empty element expanded", `<a xmlns="urn:x" z="1" b="2"><b/></a>`, `<a xmlns="urn:x" b="2" z="1"><b></b></a>`, nil},
		{"unused namespace dropped", `<p:a xmlns:p="urn:p" xmlns:q="urn:q"><p:b/></p:a>`, `<p:a xmlns:p="urn:p"><p:b></p:b></p:a>`, nil},
		{"inclusive prefix kept", `<p:a xmlns:p="urn:p" xmlns:q="urn:q"/>`, `<p:a xmlns:p="urn:p" xmlns:q="urn:q"></p:a>`, []string{"q"}},
		{"namespaced attributes after plain ones", `<a xmlns:q="urn:q" q:x="1" y="2"/>`, `<a xmlns:q="urn:q" y="2" q:x="1"></a>`, nil},
		{"escapes", "<a t=\"&lt;&amp;&quot;\">&lt;&amp;&gt;\"</a>", `<a t="&lt;&amp;&quot;">&lt;&amp;&gt;"</a>`, nil},
		{"declaration not repeated", `<p:a xmlns:p="urn:p"><p:b xmlns:p="urn:p"/></p:a>`, `<p:a xmlns:p="urn:p"><p:b></p:b></p:a>`, nil},
		{"default namespace undone", `<a xmlns="urn:x"><b xmlns=""/></a>`, `<a xmlns="urn:x"><b xmlns=""></b></a>`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(canonicalize(n, tc.inclusive, nil)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// FuzzVerify: any document is refused or accepted without a panic.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"assertion-signed.xml", "response-signed.xml", "unsigned.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	b, err := os.ReadFile("testdata/metadata.xml")
	if err != nil {
		f.Fatal(err)
	}
	md, err := ParseMetadata(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, _ = Verify(doc, md, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	})
}
