package validate

import (
	"os"
	"testing"
)

// BenchmarkPolicy6KB validates a 6 KB identity policy of sixteen
// statements (actions of five services, ARNs, conditions): the validator
// alone, the floor of ValidatePolicy through HTTP.
func BenchmarkPolicy6KB(b *testing.B) {
	doc, err := os.ReadFile("testdata/policy-6k.json")
	if err != nil {
		b.Fatal(err)
	}
	Policy(doc, Options{Type: IdentityPolicy}) // the catalogue, decoded once
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if fs := Policy(doc, Options{Type: IdentityPolicy}); len(fs) != 0 {
			b.Fatalf("findings %+v", fs)
		}
	}
}
