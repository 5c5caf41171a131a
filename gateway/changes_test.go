package gateway

import (
	"testing"

	"github.com/iamd/iamd/policy"
)

// A change from the feed drops what it concerns and nothing else: an
// owner change (created, deleted) the owner, policy and tags of the
// resource (its objects' tags too); a policy write its policy; a tag
// write its tags. Other resources stay cached; Forget drops everything.
func TestResourcesChanged(t *testing.T) {
	b := NewBackendPolicies(BackendConfig{})
	const bkt, other = "arn:aws:s3:::bkt", "arn:aws:s3:::other"
	fill := func() {
		for _, k := range []string{bkt, other} {
			b.owners.put(k, "123456789012")
			b.policies.put(k, &policy.Set{})
			b.tags.put(k, tagEntry{service: "s3", root: k})
			b.tags.put(k+"/obj", tagEntry{service: "s3", root: k})
		}
	}
	cached := func(k string) (owner, pol, tags, objTags bool) {
		_, owner = b.owners.get(k)
		_, pol = b.policies.get(k)
		_, tags = b.tags.get(k)
		_, objTags = b.tags.get(k + "/obj")
		return
	}
	type state struct{ owner, pol, tags, objTags bool }
	for _, c := range []struct {
		what string
		want state
	}{
		{ChangedOwner, state{}},
		{ChangedPolicy, state{owner: true, tags: true, objTags: true}},
		{ChangedTags, state{owner: true, pol: true}},
	} {
		fill()
		b.ResourcesChanged(c.what, []string{bkt})
		var got state
		got.owner, got.pol, got.tags, got.objTags = cached(bkt)
		if got != c.want {
			t.Errorf("%s: cached %+v, want %+v", c.what, got, c.want)
		}
		if o, p, tg, ot := cached(other); !o || !p || !tg || !ot {
			t.Errorf("%s: another resource was dropped", c.what)
		}
	}
	b.Forget()
	if o, p, tg, ot := cached(other); o || p || tg || ot {
		t.Error("Forget kept entries")
	}
}
