package auth

import (
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
)

// A read of a user or role that overlapped a change to any user or role is
// not kept: it may be the principal the change deleted.
func TestPrincipalCacheDropsReadsThatRacedAChange(t *testing.T) {
	var c principalCache
	c.init()
	k := "123456789012|role|deployer"
	gen := c.generation()
	c.invalidate([]iam.Change{{Account: "123456789012", Kind: "role", Key: "deployer"}})
	c.put(k, principalRef{id: "AROAOLD", name: "deployer", path: "/"}, gen)
	if _, ok := c.get(k); ok {
		t.Fatal("a read older than the change was kept")
	}

	c.put(k, principalRef{id: "AROANEW", name: "deployer", path: "/"}, c.generation())
	if p, ok := c.get(k); !ok || p.id != "AROANEW" {
		t.Fatalf("got %+v %v", p, ok)
	}
	for _, ch := range []iam.Change{
		{Account: "123456789012", Kind: "role", Key: "deployer"},
		{Kind: feed.KindReset},
	} {
		c.put(k, principalRef{id: "AROANEW"}, c.generation())
		c.invalidate([]iam.Change{ch})
		if _, ok := c.get(k); ok {
			t.Errorf("%s change: still cached", ch.Kind)
		}
	}
	// Other changes leave it.
	c.put(k, principalRef{id: "AROANEW"}, c.generation())
	c.invalidate([]iam.Change{{Account: "123456789012", Kind: "user", Key: "deployer"}, {Account: "123456789012", Kind: "policy", Key: "x"}})
	if _, ok := c.get(k); !ok {
		t.Error("a user change dropped the role")
	}
}
