package auth

import (
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
)

// A key read while its key or its user changed, or while the watcher
// reset, is used once but not kept; a reset drops every key.
func TestCredCacheDropsReadsThatRacedAChange(t *testing.T) {
	const acct = "123456789012"
	alice := func(id string) *identity {
		return &identity{cred: &iam.Credential{AccessKeyID: id, Account: acct, User: "Alice", Active: true}}
	}
	for _, ch := range []iam.Change{
		{Account: acct, Kind: "access-key", Key: "AKIA1"},
		{Account: acct, Kind: "user", Key: "alice"},
		{Kind: feed.KindReset},
	} {
		var c credCache
		c.init()
		done := c.load("AKIA1")
		c.invalidate([]iam.Change{ch})
		done(alice("AKIA1"))
		if c.get("AKIA1") != nil {
			t.Errorf("%s change during the read: kept", ch.Kind)
		}
		// Read again with nothing in between: kept; then the change drops it.
		c.load("AKIA1")(alice("AKIA1"))
		if c.get("AKIA1") == nil {
			t.Fatalf("%s: a clean read was not kept", ch.Kind)
		}
		c.invalidate([]iam.Change{ch})
		if c.get("AKIA1") != nil {
			t.Errorf("%s change: still cached", ch.Kind)
		}
	}
	// Another user's change leaves the key; a root key has no user.
	var c credCache
	c.init()
	done := c.load("AKIA1")
	c.invalidate([]iam.Change{{Account: acct, Kind: "user", Key: "bob"}, {Account: acct, Kind: "role", Key: "alice"}})
	done(alice("AKIA1"))
	c.load("AKIAROOT")(&identity{cred: &iam.Credential{AccessKeyID: "AKIAROOT", Account: acct, Active: true}})
	c.invalidate([]iam.Change{{Account: acct, Kind: "user", Key: "alice"}})
	if c.get("AKIA1") != nil || c.get("AKIAROOT") == nil {
		t.Errorf("after alice's change: AKIA1 %v, root %v", c.get("AKIA1"), c.get("AKIAROOT"))
	}
	// Many user changes during one read make it stale rather than grow.
	done = c.load("AKIA2")
	for i := 0; i < 70; i++ {
		c.invalidate([]iam.Change{{Account: acct, Kind: "user", Key: "u" + string(rune('a'+i%26)) + string(rune('a'+i/26))}})
	}
	done(&identity{cred: &iam.Credential{AccessKeyID: "AKIA2", Account: acct, User: "carol", Active: true}})
	if c.get("AKIA2") != nil {
		t.Error("a read that overlapped 70 user changes was kept")
	}
}
