package authz

import (
	"strings"
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
)

// invalidate drops what each kind of change may affect: one principal for
// a change to it, the account's principals for a group, a managed policy
// or a membership, everything for a reset; a read in progress is marked
// stale so that what it read is not kept.
func TestViewInvalidate(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	keys := []string{a + "|user|alice", a + "|user|bob", a + "|role|app", b + "|user|alice"}
	for _, tc := range []struct {
		change iam.Change
		gone   []string
	}{
		{iam.Change{Account: a, Kind: "user", Key: "alice"}, []string{a + "|user|alice"}},
		{iam.Change{Account: a, Kind: "role", Key: "app"}, []string{a + "|role|app"}},
		{iam.Change{Account: a, Kind: "inline", Key: "user|bob|p"}, []string{a + "|user|bob"}},
		{iam.Change{Account: a, Kind: "attached", Key: "role|app|arn:aws:iam::111111111111:policy/p"}, []string{a + "|role|app"}},
		{iam.Change{Account: a, Kind: "inline", Key: "group|g|p"}, keys[:3]},
		{iam.Change{Account: a, Kind: "member", Key: "g|alice"}, keys[:3]},
		{iam.Change{Account: a, Kind: "user-group", Key: "alice|g"}, keys[:3]},
		{iam.Change{Account: a, Kind: "policy", Key: "p"}, keys[:3]},
		{iam.Change{Account: a, Kind: "policy-version", Key: "p|v2"}, keys[:3]},
		{iam.Change{Account: a, Kind: "group", Key: "g"}, keys[:3]},
		{iam.Change{Kind: feed.KindReset}, keys},
		{iam.Change{Account: a, Kind: "access-key", Key: "AKIA"}, nil},
	} {
		v := NewView(nil, nil)
		for _, k := range keys {
			v.principals[pk(k)] = &principal{}
			v.loading[pk(k)] = &loading{readers: 1}
		}
		v.invalidate([]iam.Change{tc.change})
		gone := map[string]bool{}
		for _, k := range tc.gone {
			gone[k] = true
		}
		for _, k := range keys {
			_, kept := v.principals[pk(k)]
			if kept == gone[k] {
				t.Errorf("%s %s: %s kept=%v", tc.change.Kind, tc.change.Key, k, kept)
			}
			if v.loading[pk(k)].stale != gone[k] {
				t.Errorf("%s %s: read of %s stale=%v", tc.change.Kind, tc.change.Key, k, v.loading[pk(k)].stale)
			}
		}
	}
}

// pk is the view's key of "account|kind|name".
func pk(s string) principalKey {
	parts := strings.SplitN(s, "|", 3)
	return principalKey{parts[0], parts[1], parts[2]}
}
