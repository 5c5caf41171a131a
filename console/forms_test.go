package console

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// A form's description turns its fields into the call's parameters.
func TestFormActionParams(t *testing.T) {
	body := url.Values{"min": {" 12 "}, "RequireSymbols": {"1"}, "maxage": {"0"}, "value": {" spaced "}, "key": {" k "}, "path": {""}}
	r := httptest.NewRequest("POST", "/", strings.NewReader(body.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got := accountForms.forms["passwordpolicy"].params(r)
	want := url.Values{"MinimumPasswordLength": {"12"}, "RequireSymbols": {"true"}, "RequireNumbers": {"false"}, "RequireUppercaseCharacters": {"false"},
		"RequireLowercaseCharacters": {"false"}, "AllowUsersToChangePassword": {"false"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("password policy: %v", got)
	}
	// Trimmed fields, values as typed, optional ones left out when empty.
	if got := userForms.forms["tags/tag"].params(r); !reflect.DeepEqual(got, url.Values{"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {" spaced "}}) {
		t.Fatalf("tag: %v", got)
	}
	if got := groupForms.forms["create"].params(r); len(got) != 0 {
		t.Fatalf("create group with no path: %v", got)
	}
}

func TestExpand(t *testing.T) {
	p := url.Values{"GroupName": {"ops"}, "Tags.member.1.Key": {"team"}}
	if got := expand("Group {GroupName} deleted; {Tags.member.1.Key}; {Missing}.", p); got != "Group ops deleted; team; ." {
		t.Fatal(got)
	}
}

// Every form's message names only parameters its call has.
func TestFormMessages(t *testing.T) {
	for _, set := range []*formSet{userForms, groupForms, roleForms, policyForms, accountForms} {
		for op, fa := range set.forms {
			known := map[string]bool{set.param: true}
			for _, m := range []map[string]string{fa.fields, fa.optional, fa.raw, fa.flags} {
				for k := range m {
					known[k] = true
				}
			}
			for _, ref := range paramRef.FindAllString(fa.msg, -1) {
				if !known[ref[1:len(ref)-1]] {
					t.Errorf("%s: %q names %s", op, fa.msg, ref)
				}
			}
			if fa.call == "" {
				t.Errorf("%s: no call", op)
			}
		}
	}
}
