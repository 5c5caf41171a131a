package query

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestParseParamsIsParseQuery: the values and the error are
// url.ParseQuery's, for well-formed and malformed input alike.
func TestParseParamsIsParseQuery(t *testing.T) {
	long := strings.Repeat("a=1&", maxFastParams) + "b=2"
	for _, s := range []string{
		"", "&", "&&a=1&&", "a", "a=", "=", "=x", "a=1", "a=1&b=2&a=3&a=4&b=5",
		"Action=GetUser&Version=2010-05-08&UserName=user-0042",
		"a=%41%42+c&%62=x%2By", "a=%zz&b=1", "a=1&%zz=2", "a=1;b=2", "a=%zz;b", "a=%zz&c=;",
		"Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.1.Key=k2",
		long,
	} {
		got, gotErr := ParseParams(s)
		want, wantErr := url.ParseQuery(s)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Errorf("%q: error %v, want %v", s, gotErr, wantErr)
		}
	}
}

// TestParseParamsOwnValues: appending to one key's values changes no
// other key's (they share an array).
func TestParseParamsOwnValues(t *testing.T) {
	m, err := ParseParams("a=1&b=2&c=3")
	if err != nil {
		t.Fatal(err)
	}
	m["a"] = append(m["a"], "x")
	m.Add("b", "y")
	if got := m["b"]; !reflect.DeepEqual(got, []string{"2", "y"}) {
		t.Errorf("b = %q", got)
	}
	if got := m["c"]; !reflect.DeepEqual(got, []string{"3"}) {
		t.Errorf("c = %q", got)
	}
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"a=1&b=2&a=3", "a=%zz", "a;b", "x=%41+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := ParseParams(s)
		want, wantErr := url.ParseQuery(s)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("%q: %v %v, want %v %v", s, got, gotErr, want, wantErr)
		}
	})
}
