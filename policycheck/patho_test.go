package policycheck

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCutShortWalk uses patterns whose product automaton is too large to
// walk: the check must still never PASS wrongly, finds a counterexample
// among each pattern's own instances, and proves the common cases (a
// policy against itself, a subset) without the walk.
func TestCutShortWalk(t *testing.T) {
	var rs []string
	for i := 0; i < 40; i++ {
		rs = append(rs, fmt.Sprintf(`"arn:aws:s3:::*%c*%c*%c*%c/*"`, 'a'+i%26, 'b'+i%25, 'c'+i%23, 'd'+i%21))
	}
	old := doc(allow(q("s3:*"), "["+strings.Join(rs[:20], ",")+"]"))
	wider := doc(allow(q("s3:*"), "["+strings.Join(rs[10:], ",")+"]"))
	subset := doc(allow(q("s3:Get*"), "["+strings.Join(rs[:10], ",")+"]"), allow(q("s3:*"), "["+strings.Join(rs[12:20], ",")+"]"))
	start := time.Now()
	r, err := CheckNoNewAccess(old, wider, IdentityPolicy)
	if err != nil || r.Result != Fail || r.Counterexample == nil {
		t.Fatalf("%+v %v", r, err)
	}
	confirm(t, IdentityPolicy, wider, old, r.Counterexample)
	t.Logf("cut-short walk: %v", time.Since(start))
	for _, c := range [][2]string{{old, old}, {old, subset}, {wider, wider}} {
		start := time.Now()
		r, err := CheckNoNewAccess(c[0], c[1], IdentityPolicy)
		if err != nil || r.Result != Pass {
			t.Fatalf("%+v %v", r, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	}
}
