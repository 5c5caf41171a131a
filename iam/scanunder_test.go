package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// sortedTx is a Tx over a sorted list of keys, counting its scans.
type sortedTx struct {
	Tx
	keys  []string
	scans int
}

func (t *sortedTx) Scan(_, _, prefix, after string, limit int, fn func(string, []byte) error) error {
	t.scans++
	i := sort.SearchStrings(t.keys, after)
	for ; i < len(t.keys); i++ {
		k := t.keys[i]
		if k <= after || !strings.HasPrefix(k, prefix) {
			continue
		}
		if err := fn(k, nil); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
	}
	return nil
}

// scanUnder finds exactly the records under the prefixes, where a name's
// keys sort after those of many longer names ("p-1|" after "p-1000|"),
// and seeks past long runs of others instead of reading them all.
func TestScanUnder(t *testing.T) {
	var keys []string
	for i := 0; i < 3000; i++ {
		for _, v := range []string{"v1", "v2"} {
			keys = append(keys, fmt.Sprintf("p-%d|%s", i, v))
		}
	}
	keys = append(keys, "p-1", "p-1|", "p-10|x|y") // odd keys: no version part, an empty one, more parts
	slices.Sort(keys)
	// A page in name order: p-0, p-1, p-10, p-100, p-1000, p-1001, ...
	names := make([]string, 3000)
	for i := range names {
		names[i] = fmt.Sprintf("p-%d", i)
	}
	slices.Sort(names)
	page := names[:40]
	var prefixes []string
	for _, n := range page {
		prefixes = append(prefixes, n+"|")
	}
	tx := &sortedTx{keys: keys}
	var got []string
	err := scanUnder(tx, "", "", prefixes, func(p, k string, _ []byte) error {
		if !strings.HasPrefix(k, p) {
			t.Errorf("%s under %s", k, p)
		}
		got = append(got, k)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range keys {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				want = append(want, k)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d keys %v\nwant %d %v", len(got), got, len(want), want)
	}
	t.Logf("%d scans for %d prefixes", tx.scans, len(prefixes))
	if tx.scans < 2 || tx.scans > len(prefixes)/2 {
		t.Errorf("%d scans for %d prefixes", tx.scans, len(prefixes))
	}
	if err := scanUnder(tx, "", "", nil, nil); err != nil {
		t.Error(err)
	}
}
