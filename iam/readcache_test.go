package iam

import "testing"

// A fill whose read began before a change is thrown away: the value read
// may predate the write the change announces.
func TestReadCacheFillAfterForgetIsDropped(t *testing.T) {
	s := &Service{reads: newReadCache()}
	k := recKey{"123456789012", kindUser, "alice"}
	_, gen, ok := s.reads.get(k)
	if ok {
		t.Fatal("empty cache hit")
	}
	s.Forget([]Change{{Account: "123456789012", Kind: kindUser, Key: "bob"}}) // any change, even another record's
	s.reads.put(k, &User{Name: "alice"}, gen)
	if _, _, ok := s.reads.get(k); ok {
		t.Fatal("a fill begun before a change was kept")
	}
	_, gen, _ = s.reads.get(k)
	s.reads.put(k, &User{Name: "alice"}, gen)
	if v, _, ok := s.reads.get(k); !ok || v.(*User).Name != "alice" {
		t.Fatal("a fill with no change since was not kept")
	}
}

// A change drops the record it names and its kind's listing; a reset
// ("*", feed.KindReset) drops everything.
func TestReadCacheForget(t *testing.T) {
	s := &Service{reads: newReadCache()}
	alice, bob := recKey{"1", kindUser, "alice"}, recKey{"1", kindUser, "bob"}
	role := recKey{"1", kindRole, "app"}
	fill := func() {
		for _, k := range []recKey{alice, bob, role} {
			_, gen, _ := s.reads.get(k)
			s.reads.put(k, &User{}, gen)
		}
		_, gen := s.reads.list(listKey{"1", kindUser})
		s.reads.putList(listKey{"1", kindUser}, &cachedList{}, gen)
	}
	has := func(k recKey) bool { _, _, ok := s.reads.get(k); return ok }
	fill()
	s.Forget([]Change{{Account: "1", Kind: kindUser, Key: "alice"}})
	if has(alice) || !has(bob) || !has(role) {
		t.Fatalf("after a change to alice: alice %v bob %v role %v", has(alice), has(bob), has(role))
	}
	if l, _ := s.reads.list(listKey{"1", kindUser}); l != nil {
		t.Fatal("the users' listing survived a change to a user")
	}
	fill()
	s.Forget([]Change{{Kind: "*"}})
	if has(alice) || has(bob) || has(role) {
		t.Fatal("a reset left records")
	}
}

// The cache is bounded: past readCacheMax records it starts over.
func TestReadCacheBounded(t *testing.T) {
	rc := newReadCache()
	for i := range readCacheMax + 10 {
		rc.put(recKey{"1", kindUser, string(rune(i))}, &User{}, 0)
	}
	if n := len(rc.recs); n > readCacheMax {
		t.Fatalf("%d records kept, bound %d", n, readCacheMax)
	}
}
