package oidc_test

import (
	"context"
	"testing"

	"github.com/iamd/iamd/oidc"
	"github.com/iamd/iamd/oidc/oidctest"
)

func TestClaims(t *testing.T) {
	tok, err := oidc.Parse(oidctest.Sign(t, "k", oidctest.NewECKey(t), map[string]any{
		"aud": []string{"a", "b"}, "amr": "mfa", "exp": 1700000000, "iat": 1.7e9, "sub": 7}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"aud list", len(tok.Claims.Strings("aud")), 2},
		{"amr string", tok.Claims.Strings("amr")[0], "mfa"},
		{"sub not a string", tok.Claims.String("sub"), ""},
		{"missing", tok.Claims.Strings("nope") == nil, true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if exp, ok := tok.Claims.Time("exp"); !ok || exp != 1700000000 {
		t.Errorf("exp %d %v", exp, ok)
	}
	if iat, ok := tok.Claims.Time("iat"); !ok || iat != 1700000000 {
		t.Errorf("iat (a float) %d %v", iat, ok)
	}
}

// FuzzParse: any input parses or fails cleanly, and Verify never panics.
func FuzzParse(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.e30.")
	f.Add("..")
	f.Add("a.b.c.d")
	key := oidctest.NewECKey(f)
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := oidc.Parse(raw)
		if err != nil {
			return
		}
		_ = tok.Verify(key.Public())
		_ = tok.Claims.Strings("aud")
		_, _ = tok.Claims.Time("exp")
	})
}

// BenchmarkVerify measures a verification with the issuer's keys cached:
// what each AssumeRoleWithWebIdentity costs beyond the trust policy.
func BenchmarkVerify(b *testing.B) {
	is := oidctest.Start(b, false)
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	for _, kid := range []string{"rsa1", "ec1"} {
		raw := is.Token(b, kid, is.Claims("s", "a"))
		b.Run(kid, func(b *testing.B) {
			for b.Loop() {
				tok, err := oidc.Parse(raw)
				if err != nil {
					b.Fatal(err)
				}
				u, _ := v.IssuerURL(tok.Claims.String("iss"))
				if err := v.Verify(context.Background(), tok, u, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
