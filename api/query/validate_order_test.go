package query

import (
	"strconv"
	"strings"
	"testing"
)

// The order AWS lists several members' violations in, from its recorded
// answers (LocalStack's IAM parity snapshots), checked in the model's
// order of the members, as the generated validators find them.
func TestViolationsAWSOrder(t *testing.T) {
	rangeMax := func(vs *Violations, name string, n, max int64) {
		vs.Range(&Path{Name: name}, n, 0, max, false, true)
	}
	for _, tc := range []struct {
		name  string
		check func(vs *Violations)
		want  []string // the members, in AWS's order
	}{
		{"UpdateAccountPasswordPolicy (recorded)", func(vs *Violations) {
			rangeMax(vs, "minimumPasswordLength", 129, 128)
			rangeMax(vs, "maxPasswordAge", 1096, 1095)
			rangeMax(vs, "passwordReusePrevention", 25, 24)
		}, []string{"minimumPasswordLength", "passwordReusePrevention", "maxPasswordAge"}},
		{"CreateOpenIDConnectProvider (recorded)", func(vs *Violations) {
			vs.Length(&Path{Name: "url"}, strings.Repeat("u", 256), 1, 255, false)
			vs.Members(&Path{Name: "clientIDList"}, ShowElided, "Member must have length less than or equal to 255")
			vs.Members(&Path{Name: "thumbprintList"}, ShowElided, "Member must have length less than or equal to 40")
		}, []string{"clientIDList", "thumbprintList", "url"}},
		{"one member's violations keep their order", func(vs *Violations) {
			vs.Length(&Path{Name: "userName"}, strings.Repeat("u", 65), 1, 64, false)
			vs.Length(&Path{Name: "path"}, "x", 1, 0, false)
			vs.Pattern(&Path{Name: "userName"}, "u!", "[a-z]+", false)
		}, []string{"path", "userName", "userName"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var vs Violations
			vs.HideValues()
			tc.check(&vs)
			msg := vs.Err().Error()
			var got []string
			for _, part := range strings.Split(msg, "; ") {
				if i := strings.Index(part, "at '"); i >= 0 {
					got = append(got, part[i+4:i+4+strings.Index(part[i+4:], "'")])
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("members %q, want %q in %s", got, tc.want, msg)
			}
			if !strings.Contains(msg, strconv.Itoa(len(tc.want))+" validation errors detected: ") {
				t.Errorf("count: %s", msg)
			}
		})
	}
}

// Up to 12 members the map has 16 buckets, past them 32: one-letter
// keys hash to their code ('k' is 107, 'p' 112, bucket 0 of 16).
func TestJavaMapOrderResize(t *testing.T) {
	keys := func(last byte) []string {
		var ks []string
		for c := byte('k'); c <= last; c++ {
			ks = append(ks, string(c))
		}
		return ks
	}
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{keys('v'), "pqrstuvklmno"},
		{keys('w'), "klmnopqrstuvw"},
		{append(keys('v'), "k", "p"), "pqrstuvklmno"}, // a key seen again keeps its place
	} {
		if got := strings.Join(javaMapOrder(tc.keys), ""); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.keys, got, tc.want)
		}
	}
}
