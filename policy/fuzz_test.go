package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// seedDocuments adds every policy of the validation vectors and the
// evaluation vectors' first files as seeds, besides the corpus in
// testdata/fuzz.
func seedDocuments(f *testing.F) {
	for _, c := range loadValidationCases(f) {
		f.Add([]byte(c.Policy))
	}
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["a*",1,true]}}}}`))
}

// FuzzParse: parsing never panics, and a parsed document survives
// marshal -> parse unchanged (up to positions and value types).
func FuzzParse(f *testing.F) {
	seedDocuments(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		doc, err := Parse(text)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("non-policy error %T: %v", err, err)
			}
			return
		}
		for k := KindManaged; k <= KindRCP; k++ {
			_ = Validate(doc, k, Options{})
		}
		out, err := doc.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal not stable:\n%s\n%s", out, out2)
		}
		if !reflect.DeepEqual(stripPositions(doc), stripPositions(again)) {
			t.Fatalf("round trip changed the document:\n%s", out)
		}
	})
}

func stripPositions(d *Document) *Document {
	c := *d
	c.Statements = nil
	for _, s := range d.Statements {
		sc := *s
		sc.Start, sc.End = Position{}, Position{}
		c.Statements = append(c.Statements, &sc)
	}
	return &c
}

// FuzzEvaluate: any parsable document, used in every role, with a request
// built from fuzzed strings, evaluates without panicking, and the fast
// path agrees with the explaining one.
func FuzzEvaluate(f *testing.F) {
	seedDocuments(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		doc, err := Parse(text)
		if err != nil {
			return
		}
		p := Compile(doc, Source{ID: "fuzz"})
		set := NewSet(p)
		ctx := NewContext(map[string][]string{
			"aws:username": {"alice"}, "aws:SourceIp": {"203.0.113.7"}, "aws:CurrentTime": {"2024-05-01T00:00:00Z"},
			"aws:TagKeys": {"a", "b"}, "s3:max-keys": {"10"}, "aws:MultiFactorAuthPresent": {"true"},
		})
		reqs := []Request{
			{Principal: Principal{Type: TypeUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/x", Context: ctx},
			{Principal: Principal{Type: TypeAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/r/s", RoleARN: "arn:aws:iam::111122223333:role/r", Account: "111122223333"}, Action: "sts:AssumeRole", Resource: "arn:aws:iam::444455556666:role/t", ResourceAccount: "444455556666", Context: ctx},
			{Principal: Principal{Type: TypeService, ARN: "ec2.amazonaws.com", Service: "ec2.amazonaws.com"}, Action: "sts:AssumeRole", Resource: "not an arn", Context: ctx},
		}
		for _, in := range []*Input{
			{Identity: set},
			{Identity: set, Boundary: set, Session: set, Resource: set, SCPs: []*Set{set}, RCPs: []*Set{set}},
			{Resource: set},
		} {
			for i := range reqs {
				if got, want := Evaluate(in, &reqs[i]), Explain(in, &reqs[i]).Decision; got != want {
					t.Fatalf("Evaluate %s, Explain %s for request %d", got, want, i)
				}
			}
		}
	})
}

func TestFuzzCorpusPresent(t *testing.T) {
	for _, name := range []string{"FuzzParse", "FuzzEvaluate"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", name))
		if err != nil || len(entries) == 0 {
			t.Errorf("no seed corpus for %s in testdata/fuzz: %v", name, err)
		}
	}
}
