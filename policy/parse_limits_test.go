package policy

import (
	"strings"
	"testing"
)

// TestParseBounds: text nested or sized beyond any policy is refused as
// AWS refuses malformed JSON, before it is decoded; policies within the
// bounds parse as before.
func TestParseBounds(t *testing.T) {
	nested := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"k":` +
			strings.Repeat("[", n) + `"true"` + strings.Repeat("]", n) + `}}}]}`
	}
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"values one level deep", nested(1), true},
		{"deep within the bound: only a syntax error", nested(MaxDocumentDepth - 5), false},
		{"depth past the bound", nested(MaxDocumentDepth), false},
		{"a million brackets", strings.Repeat("[", 1<<20), false},
		{"larger than any policy", `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":"s3:*","Resource":"*"},`, 6000) + `{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, false},
	} {
		_, err := Parse([]byte(tc.text))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err != nil {
			pe, ok := err.(*Error)
			if !ok || pe.Code != CodeMalformed || pe.Message != MsgSyntax {
				t.Errorf("%s: %#v, want MalformedPolicyDocument %q", tc.name, err, MsgSyntax)
			}
		}
	}
	// The bound and the decoder disagree on nothing a policy can contain:
	// a real document at the size bound's edge still parses.
	big := `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":"s3:*","Resource":"*"},`, 2000) + `{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	if _, err := Parse([]byte(big)); err != nil {
		t.Errorf("a %d-byte policy: %v", len(big), err)
	}
}

// TestParseBoundMemory: the deeply nested document of issue 11 costs next
// to nothing now (it cost about 425 MB).
func TestParseBoundMemory(t *testing.T) {
	text := []byte(strings.Repeat("[", 1<<20))
	allocs := testing.AllocsPerRun(5, func() { _, _ = Parse(text) })
	if allocs > 20 {
		t.Fatalf("refusing a nested document allocates %v times", allocs)
	}
}
