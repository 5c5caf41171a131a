package iam

import (
	"strings"
)

// scanUnder reads the records of a kind under each of the prefixes with
// one scan over the key range they span, instead of one query per
// prefix: a page of GetAccountAuthorizationDetails reads its entries'
// versions, attachments and inline policies this way. Each prefix ends
// in '|' and has as many '|' as the others (an entity's or a policy's
// part of a key, which holds none), so the prefix of a key in the range
// is the key up to that many '|'. Records under other prefixes in the
// range are skipped; fn gets each wanted record, in key order, with its
// prefix.
func scanUnder(tx Tx, account, kind string, prefixes []string, fn func(prefix, k string, data []byte) error) error {
	if len(prefixes) == 0 {
		return nil
	}
	want := make(map[string]bool, len(prefixes))
	lo, hi := prefixes[0], ""
	for _, p := range prefixes {
		want[p] = true
		lo = min(lo, p)
		if end, ok := PrefixEnd(p); ok && end > hi {
			hi = end
		}
	}
	pipes := strings.Count(lo, "|")
	// Every key under lo sorts after lo without its last '|'; every key
	// under any prefix sorts before that prefix's end.
	return tx.Scan(account, kind, "", strings.TrimSuffix(lo, "|"), 0, func(k string, data []byte) error {
		if k >= hi {
			return ErrStop
		}
		p, ok := cutPipes(k, pipes)
		if !ok || !want[p] {
			return nil
		}
		return fn(p, k, data)
	})
}

// keysUnder is scanUnder for records whose key is their content (group
// memberships, a role's instance profiles): each key after its prefix,
// by prefix.
func keysUnder(tx Tx, account, kind string, prefixes []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := scanUnder(tx, account, kind, prefixes, func(p, k string, _ []byte) error {
		out[p] = append(out[p], strings.TrimPrefix(k, p))
		return nil
	})
	return out, err
}

// cutPipes is k up to and including its n-th '|'.
func cutPipes(k string, n int) (string, bool) {
	end := 0
	for range n {
		i := strings.IndexByte(k[end:], '|')
		if i < 0 {
			return "", false
		}
		end += i + 1
	}
	return k[:end], true
}

// usageOf counts the attachments and boundary uses of the policies whose
// ARN keys (ARN + "|") are given, one scan of each kind.
func usageOf(tx Tx, account string, arnKeys []string) (attachments, boundaries map[string]int, err error) {
	attachments, boundaries = map[string]int{}, map[string]int{}
	count := func(m map[string]int) func(p, _ string, _ []byte) error {
		return func(p, _ string, _ []byte) error { m[p]++; return nil }
	}
	if err = scanUnder(tx, account, kindAttachedTo, arnKeys, count(attachments)); err != nil {
		return
	}
	err = scanUnder(tx, account, kindBoundaryUse, arnKeys, count(boundaries))
	return
}

// awsUsage counts the attachments and boundary uses of every policy whose
// ARN starts with prefix (the AWS managed ones), by ARN key (ARN + "|").
func awsUsage(tx Tx, account, prefix string) (attachments, boundaries map[string]int, err error) {
	attachments, boundaries = map[string]int{}, map[string]int{}
	for _, k := range []struct {
		kind string
		m    map[string]int
	}{{kindAttachedTo, attachments}, {kindBoundaryUse, boundaries}} {
		err = tx.Scan(account, k.kind, prefix, "", 0, func(key string, _ []byte) error {
			if p, ok := cutPipes(key, 1); ok {
				k.m[p]++
			}
			return nil
		})
		if err != nil {
			return
		}
	}
	return
}
