package console

import (
	"net/url"
	"reflect"
	"testing"
)

func TestMarkSpan(t *testing.T) {
	lines := []string{`{"Statement":[`, `  {"Effect":"Allow"},`, `  {"Effect":"Deny"}`, `]}`}
	got := markSpan(lines, 2, 3, 2, 20)
	if got[1].Pre != "  " || got[1].Hit != `{"Effect":"Allow"}` || got[1].Post != "," || got[0].Hit != "" || got[2].Hit != "" {
		t.Fatalf("%+v", got)
	}
	// A span over lines, and positions past the end, are clamped.
	got = markSpan(lines, 2, 3, 3, 99)
	if got[1].Hit != `{"Effect":"Allow"},` || got[2].Hit != `  {"Effect":"Deny"}` || got[2].Post != "" {
		t.Fatalf("%+v", got)
	}
	if got := markSpan(lines, 0, 0, 0, 0); got[0].Hit != "" || got[0].Pre != lines[0] {
		t.Fatalf("no span: %+v", got)
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff([]string{"a", "b", "c"}, []string{"a", "x", "c", "d"})
	want := []diffRow{{"=", "a", "a"}, {"+", "", "x"}, {"-", "b", ""}, {"=", "c", "c"}, {"+", "", "d"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
}

func TestContextEntries(t *testing.T) {
	p := url.Values{}
	contextEntries("aws:SourceIp=203.0.113.7\naws:MultiFactorAuthPresent:boolean=true\n\nbad line\ns3:prefix=a, b", p)
	want := url.Values{
		"ContextEntries.member.1.ContextKeyName": {"aws:SourceIp"}, "ContextEntries.member.1.ContextKeyType": {"string"},
		"ContextEntries.member.1.ContextKeyValues.member.1": {"203.0.113.7"},
		"ContextEntries.member.2.ContextKeyName":            {"aws:MultiFactorAuthPresent"}, "ContextEntries.member.2.ContextKeyType": {"boolean"},
		"ContextEntries.member.2.ContextKeyValues.member.1": {"true"},
		"ContextEntries.member.3.ContextKeyName":            {"s3:prefix"}, "ContextEntries.member.3.ContextKeyType": {"string"},
		"ContextEntries.member.3.ContextKeyValues.member.1": {"a"}, "ContextEntries.member.3.ContextKeyValues.member.2": {"b"},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("%v", p)
	}
}

func TestPrincipalOf(t *testing.T) {
	for in, want := range map[string][2]string{
		"arn:aws:iam::123456789012:user/a/b/alice": {"user", "alice"},
		"arn:aws:iam::123456789012:role/app":       {"role", "app"},
		"nonsense":                                 {"", ""},
	} {
		if k, n := principalOf(in); k != want[0] || n != want[1] {
			t.Errorf("%s: %s %s", in, k, n)
		}
	}
}
