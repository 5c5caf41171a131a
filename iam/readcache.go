package iam

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
)

// readCache keeps decoded records the read-only operations serve most
// (GetUser, GetRole, the root's account, ListUsers, ListRoles), so that
// they need no store transaction and no JSON decoding. It is coherent
// only when every committed write reaches Forget before the Update that
// made it returns (the SQLite store pushes its commits so): a record is
// dropped when the change feed names it, and a fill whose read began
// before a drop is thrown away (the generation), so a read never brings
// back a value older than the last write it could have seen.
//
// Cached values are shared and must not be changed: the read paths only
// copy out of them.
type readCache struct {
	mu    sync.RWMutex
	gen   uint64 // bumped by every Forget
	recs  map[recKey]any
	lists map[listKey]*cachedList
}

type recKey struct{ account, kind, key string }

type listKey struct{ account, kind string }

// cachedList is every record of one kind in one account, in key order.
// tooBig marks a kind with more records than are worth keeping.
type cachedList struct {
	keys   []string
	vals   []any
	tooBig bool
}

const (
	// readCacheMax bounds the records kept; the cache starts over when
	// it is full (a miss costs one store read).
	readCacheMax = 100_000
	// listCacheMax bounds the records of one listing kept; longer ones
	// are read from the store page by page.
	listCacheMax = 20_000
)

func newReadCache() *readCache {
	return &readCache{recs: map[recKey]any{}, lists: map[listKey]*cachedList{}}
}

// Forget drops what a batch of committed changes may have made stale.
// The server subscribes it to the change feed; a change of kind "*" (the
// watcher's reset, feed.KindReset) drops everything.
func (s *Service) Forget(changes []Change) {
	rc := s.reads
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.gen++
	for _, c := range changes {
		if c.Kind == "*" {
			clear(rc.recs)
			clear(rc.lists)
			continue
		}
		delete(rc.recs, recKey{c.Account, c.Kind, c.Key})
		delete(rc.lists, listKey{c.Account, c.Kind})
	}
}

func (rc *readCache) get(k recKey) (any, uint64, bool) {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	v, ok := rc.recs[k]
	return v, rc.gen, ok
}

// put keeps v unless a change arrived since gen was read.
func (rc *readCache) put(k recKey, v any, gen uint64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gen != gen {
		return
	}
	if len(rc.recs) >= readCacheMax {
		clear(rc.recs)
	}
	rc.recs[k] = v
}

func (rc *readCache) list(k listKey) (*cachedList, uint64) {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return rc.lists[k], rc.gen
}

func (rc *readCache) putList(k listKey, l *cachedList, gen uint64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gen == gen {
		rc.lists[k] = l
	}
}

// cachedRecord reads one record through the cache. The value returned
// is shared when the cache is on: callers must not change it.
func cachedRecord[T any](ctx context.Context, s *Service, account, kind, key string) (*T, error) {
	rc := s.reads
	var gen uint64
	if rc != nil {
		v, g, ok := rc.get(recKey{account, kind, key})
		if ok {
			return v.(*T), nil
		}
		gen = g
	}
	var v T
	if err := s.view(ctx, func(tx Tx) error { return getJSON(tx, account, kind, key, &v) }); err != nil {
		return nil, err
	}
	if rc != nil {
		rc.put(recKey{account, kind, key}, &v, gen)
	}
	return &v, nil
}

// cachedPage is listPage over the whole kind (no key prefix) served from
// the cache when the kind is small enough to keep.
func cachedPage[T any](ctx context.Context, s *Service, account, kind string, maxItems *int32, marker *string, keep func(*T) bool) (page[T], error) {
	direct := func() (page[T], error) {
		var p page[T]
		err := s.view(ctx, func(tx Tx) error {
			var err error
			p, err = listPage(tx, account, kind, "", maxItems, marker, keep)
			return err
		})
		return p, err
	}
	rc := s.reads
	if rc == nil {
		return direct()
	}
	lk := listKey{account, kind}
	l, gen := rc.list(lk)
	if l == nil {
		var err error
		if l, err = loadList[T](ctx, s, account, kind); err != nil {
			return page[T]{}, err
		}
		rc.putList(lk, l, gen)
	}
	if l.tooBig {
		return direct()
	}
	var p page[T]
	after, err := decodeMarker(marker)
	if err != nil {
		return p, err
	}
	limit := defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	var lastKey string
	i := sort.SearchStrings(l.keys, after)
	if i < len(l.keys) && after != "" && l.keys[i] == after {
		i++ // the marker's own key: the page starts after it
	}
	for ; i < len(l.keys); i++ {
		v := l.vals[i].(*T)
		if keep != nil && !keep(v) {
			continue
		}
		if len(p.items) == limit {
			p.truncated = true
			p.marker = encodeMarker(lastKey)
			break
		}
		p.items = append(p.items, v)
		lastKey = l.keys[i]
	}
	return p, nil
}

// errTooBig ends a listing's load once it passes listCacheMax.
var errTooBig = errors.New("listing too big to cache")

func loadList[T any](ctx context.Context, s *Service, account, kind string) (*cachedList, error) {
	l := &cachedList{}
	err := s.view(ctx, func(tx Tx) error {
		n, err := tx.Count(account, kind, "")
		if err != nil {
			return err
		}
		if n > listCacheMax {
			return errTooBig
		}
		l.keys, l.vals = make([]string, 0, n), make([]any, 0, n)
		return tx.Scan(account, kind, "", "", 0, func(k string, data []byte) error {
			if len(l.keys) == listCacheMax {
				return errTooBig // grew since the count
			}
			v := new(T)
			if err := json.Unmarshal(data, v); err != nil {
				return err
			}
			l.keys = append(l.keys, k)
			l.vals = append(l.vals, v)
			return nil
		})
	})
	if errors.Is(err, errTooBig) {
		return &cachedList{tooBig: true}, nil
	}
	return l, err
}
