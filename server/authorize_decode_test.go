package server

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// decodeCases are bodies the fast decoding must take, and bodies it must
// leave to the reference: unknown, differently cased or escaped names,
// trailing data, nulls, wrong types, duplicates.
var decodeCases = []string{
	`{"principal":"arn:aws:iam::123456789012:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::reports/q1.csv"}`,
	` {"principal":"p","action":"a:b","resource":"*","context":{"aws:SourceIp":["10.0.0.1"],"k":[],"x":null}} `,
	`{"request":{"method":"GET","url":"https://h/x","headers":{"A":["1","2"]},"body":"b\"}"},"action":"s3:GetObject","resource":"*"}`,
	`{"request":null,"principal":"p"}`,
	`{"request":{"method":"GET","bogus":1},"action":"a"}`,
	`{"request":{"Method":"GET"},"action":"a"}`,
	`{"Principal":"p","action":"a","resource":"*"}`,
	`{"principal":"p","unknown":{"a":[1,2,{"b":"}"}]},"action":"a"}`,
	`{"princip\u0061l":"p"}`,
	`{"principal":"p"} trailing`,
	`{"principal":"p"}]`,
	`{"principal":"p"}}`,
	`{"principal":"p"} {"principal":"q"}`,
	`{"principal":"p","principal":"q"}`,
	`{"context":{"a":["1"]},"context":{"b":["2"]}}`,
	`{"principal":1}`,
	`{"principal":"p","resourcePolicy":"{\"Version\":\"2012-10-17\"}","resourceAccount":"123","action":"a","resource":"r"}`,
	`{"action":true,"resource":null}`,
	`{"context":{"k":[1]}}`,
	`{"principal":"\ud800"}`,
	"{\"principal\":\"\xff\"}",
	`null`, `[]`, `"x"`, `1`, ``, ` `, `{`, `{"principal":`, `{}`, `{ }`, `{"a":1}`, `{"principal":"p",}`,
	`{"request":{"headers":{"X":["y"]},"url":"u","method":"m","body":""},"principal":""}`,
}

// TestDecodeAuthorizeInput: the decoding gives what the reference gives,
// value and error, for each case.
func TestDecodeAuthorizeInput(t *testing.T) {
	for _, body := range decodeCases {
		checkDecodeSame(t, []byte(body))
	}
}

// FuzzDecodeAuthorizeInput compares the decoding with the reference on
// any body, starting from the cases and FuzzAuthorize's seeds.
func FuzzDecodeAuthorizeInput(f *testing.F) {
	for _, body := range decodeCases {
		f.Add([]byte(body))
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzAuthorize/*")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			if s, ok := corpusBytes(string(b)); ok {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<14 {
			return
		}
		checkDecodeSame(t, body)
	})
}

func checkDecodeSame(t *testing.T, body []byte) {
	t.Helper()
	got, gotErr := decodeAuthorizeInput(body)
	want, wantErr := decodeAuthorizeInputStrict(body)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%q: error %v, the reference's %v", body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v, the reference %+v", body, got, want)
	}
}

// corpusBytes reads a "go test fuzz v1" file of one []byte value.
func corpusBytes(file string) ([]byte, bool) {
	_, v, ok := strings.Cut(file, "[]byte(")
	if !ok {
		return nil, false
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(v), ")"))
	return []byte(s), err == nil
}

// TestKnownFieldsOnly: the fast decoding is taken for bodies spelled as
// the tags are, and refused for any other name.
func TestDecodePlain(t *testing.T) {
	for body, want := range map[string]bool{
		decodeCases[0]: true, decodeCases[2]: false, decodeCases[3]: false, `{}`: true, ` { } `: true,
		`{"principal":"p","context":{"a":["1"],"b":[]},"request":{"method":"GET","headers":{"H":["v","w"]}}}`: true,
		`{"principal":"p","principal":"p"}`: false, `{"context":{"a":["1"],"a":["2"]}}`: false, `{"principal":"\u0070"}`: false,
		`{"principal":"é"}`: false, `{"principal":"p"} x`: false, `{"principal":"p",}`: false, `null`: false,
	} {
		if _, got := decodePlain([]byte(body)); got != want {
			t.Errorf("decodePlain(%s) ok = %v, want %v", body, got, want)
		}
	}
}
