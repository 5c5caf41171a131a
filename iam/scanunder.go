package iam

import (
	"slices"
	"strings"
)

// scanUnder reads the records of a kind under each of the prefixes with
// a few scans over the key range they span, instead of one query per
// prefix: a page of GetAccountAuthorizationDetails reads its entries'
// versions, attachments and inline policies this way. Each prefix ends
// in '|' and has as many '|' as the others (an entity's or a policy's
// part of a key, which holds none), so no prefix is the start of
// another and the key ranges under them do not overlap. Records between
// them are skipped, and a long run of those ends the scan and starts
// the next at the next prefix: the page's entries are neighbours in
// name order, but a name's keys sort after those of the longer names it
// starts ("p|" after "p1|"), so the range can hold many other entries'.
// fn gets each wanted record, in key order, with its prefix.
func scanUnder(tx Tx, account, kind string, prefixes []string, fn func(prefix, k string, data []byte) error) error {
	if len(prefixes) == 0 {
		return nil
	}
	prefixes = slices.Clone(prefixes)
	slices.Sort(prefixes)
	prefixes = slices.Compact(prefixes)
	ends := make([]string, len(prefixes))
	for i, p := range prefixes {
		ends[i], _ = PrefixEnd(p)
	}
	i := 0
	after := justBefore(prefixes[0])
	for {
		seek, gap := false, 0
		err := tx.Scan(account, kind, "", after, 0, func(k string, data []byte) error {
			for i < len(prefixes) && k >= ends[i] {
				i++
			}
			if i == len(prefixes) {
				return ErrStop
			}
			if k < prefixes[i] {
				// Between two prefixes: past a few such records, seeking
				// costs less than reading on.
				if gap++; gap > scanUnderGap {
					seek, after = true, max(k, justBefore(prefixes[i]))
					return ErrStop
				}
				return nil
			}
			gap = 0
			return fn(prefixes[i], k, data)
		})
		if err != nil || !seek {
			return err
		}
	}
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

// justBefore is a key just below prefix p (which ends in '|'): its last
// byte one less ('{', in no name or ARN), then a 0xff byte. A scan after
// it starts at p's records, not at those of the longer names that p
// without its '|' starts.
func justBefore(p string) string {
	return p[:len(p)-1] + "{\xff"
}

// scanUnderGap is how many unwanted records scanUnder reads before it
// seeks: about what one more query costs.
const scanUnderGap = 32

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
