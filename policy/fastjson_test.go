package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// scanTree and encoding/json build the same tree, offsets included, for
// every document scanTree accepts, and scanTree accepts nothing the
// standard decoder rejects.
func FuzzScanTree(f *testing.F) {
	seedDocuments(f)
	for _, s := range []string{
		`{"a":1,"b":[true,false,null,-0.5e+3,"x\u00e9\n\"\\\/"],"c":{}}`, ` [ 1 , 2 ] `, `{"a":1,"a":2}`,
		`"\ud83d\ude00"`, `"\ud800"`, `01`, `1.`, `-`, `1e`, `[1,]`, `{"a":1,}`, `tru`, `truex`, "\"a\x01\"", `{"a" 1}`,
		`[1 2]`, `"\x"`, "\"\xff\"", `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		fast, ok := scanTree(text)
		slow, err := decodeTree(text)
		if !ok {
			return // the standard decoder answers: nothing to compare
		}
		if err != nil {
			t.Fatalf("scanTree accepted %q, encoding/json: %v", text, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("trees differ for %q", text)
		}
	})
}

// The documents of the bulk load and the workload take the fast path (a
// fallback for all of them would hide a slow parser behind green tests).
func TestScanTreeTakesRealDocuments(t *testing.T) {
	n := 0
	for _, c := range loadValidationCases(t) {
		if fast, ok := scanTree([]byte(c.Policy)); ok {
			n++
			slow, err := decodeTree([]byte(c.Policy))
			if err != nil || !reflect.DeepEqual(fast, slow) {
				t.Errorf("%q: trees differ (%v)", c.Policy, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no validation vector took the fast path")
	}
	raw, err := os.ReadFile(filepath.Join("..", "bench", "inline-policies.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := scanTree(raw); !ok {
		t.Fatal("bench/inline-policies.json does not take the fast path")
	}
}

// BenchmarkCheckInline is what PutUserPolicy asks of the policy package
// for each document of the bulk load (bench/inline-policies.json), and
// the tree alone by either path.
func BenchmarkCheckInline(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "bench", "inline-policies.json"))
	if err != nil {
		b.Fatal(err)
	}
	var docs []struct{ PolicyDocument json.RawMessage }
	if err := json.Unmarshal(raw, &docs); err != nil {
		b.Fatal(err)
	}
	texts := make([][]byte, len(docs))
	for i, d := range docs {
		texts[i] = d.PolicyDocument
	}
	b.Run("Check", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := Check(texts[i%len(texts)], KindInlineUser, Options{}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, tc := range []struct {
		name string
		tree func([]byte) (*node, error)
	}{{"tree/scan", parseJSON}, {"tree/decode", decodeTree}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := tc.tree(texts[i%len(texts)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
