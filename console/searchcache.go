package console

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"sync"
)

// A list's search reads every page of the list (up to searchPages of
// 1000 items): at 20,000 policies, twenty ListPolicies calls and most of a
// second. So the items read are kept, as the graph is, until the store's
// change log says the account changed in a way a list shows (graphKind:
// not credentials, last use or counters). A search of the kept items is
// still made only for a caller whose own call of the list, one item long,
// succeeds: the same call, the same decision, the same audit record; and
// the items are the account's list, the same whoever may make the call.

// keptListsMax bounds the lists kept (one per account, kind and scope).
const keptListsMax = 8

type keptList struct {
	mu      sync.Mutex
	account string
	seq     int64 // every change up to seq is in items
	items   any   // []T; nil until read
}

// keptItems is every item of the list (read, the first time or after a
// change, by read), once the caller's own call is allowed.
func keptItems[T any](h *Handler, r *http.Request, q *req, action string, params url.Values, read func() ([]T, error)) ([]T, error) {
	probe := maps.Clone(params)
	if probe == nil {
		probe = url.Values{}
	}
	probe.Set("MaxItems", "1")
	if _, err := h.call(r, q, action, probe); err != nil {
		return nil, err
	}
	key := q.id.account + "|" + action + "?" + params.Encode()
	kl := h.lists.Update(key, func(old *keptList, found bool) *keptList {
		if found {
			return old
		}
		return &keptList{account: q.id.account}
	})
	kl.mu.Lock()
	defer kl.mu.Unlock()
	if items, ok := kl.items.([]T); ok {
		if fresh, err := h.listUnchanged(r.Context(), kl); err == nil && fresh {
			return items, nil
		}
	}
	seq, err := h.headSeq(r.Context(), kl.seq)
	if err != nil {
		return nil, err
	}
	items, err := read()
	if err != nil {
		kl.items = nil
		return nil, err
	}
	kl.items, kl.seq = items, seq
	return items, nil
}

// listUnchanged reads the changes since the list was read (or last
// checked): false when one may have changed it.
func (h *Handler) listUnchanged(ctx context.Context, kl *keptList) (bool, error) {
	store := h.b.Domain().Store()
	for {
		cs, err := store.Changes(ctx, kl.seq, 10000)
		if err != nil {
			return false, err
		}
		if len(cs) == 0 {
			return true, nil
		}
		for _, ch := range cs {
			if ch.Kind == "*" || (ch.Account == kl.account && graphKind(ch.Kind)) {
				return false, nil
			}
		}
		kl.seq = cs[len(cs)-1].Seq
	}
}
