package oidc

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestParseBoundsNesting: a token whose claims nest deeper than any claim
// set is malformed before its JSON is decoded; a flat one still parses.
func TestParseBoundsNesting(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"RS256","kid":"k"}`))
	deep := enc([]byte(`{"sub":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`))
	if _, err := Parse(header + "." + deep + ".c2ln"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("nested claims: %v", err)
	}
	if _, err := Parse(enc([]byte(strings.Repeat("[", 40)+strings.Repeat("]", 40))) + "." + enc([]byte(`{"sub":"x"}`)) + ".c2ln"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("nested header: %v", err)
	}
	tok, err := Parse(header + "." + enc([]byte(`{"sub":"x","aud":["a","b"],"https://aws.amazon.com/tags":{"principal_tags":{"k":["v"]}}}`)) + ".c2ln")
	if err != nil || tok.Claims["sub"] != "x" {
		t.Fatalf("flat claims: %v %v", tok, err)
	}
	if _, err := parseKeySet([]byte(`{"keys":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`)); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Fatalf("nested JWKS: %v", err)
	}
}
