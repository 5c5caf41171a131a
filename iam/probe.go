package iam

import (
	"errors"

	"github.com/iamd/iamd/api/iamapi"
)

// Range is the records of a kind whose key starts with Prefix, or with
// Exact the one record keyed Prefix (a login profile, keyed by the bare
// user name, which other users' names may start).
type Range struct {
	Kind, Prefix string
	Exact        bool
}

// RangeProber is a Tx that can find, in one statement, the first of
// several ranges that holds a record. Deleting a user checks eight kinds
// of dependents; one statement instead of eight counts was a third of
// DeleteUser's time in the single writer that every write waits for.
type RangeProber interface {
	// FirstNonEmpty returns the index of the first range (in order) that
	// holds a record, or -1 when all are empty.
	FirstNonEmpty(account string, ranges []Range) (int, error)
}

// firstNonEmpty is RangeProber's answer, through Count for stores
// without it.
func firstNonEmpty(tx Tx, account string, ranges []Range) (int, error) {
	if p, ok := tx.(RangeProber); ok {
		return p.FirstNonEmpty(account, ranges)
	}
	for i, r := range ranges {
		found, err := holds(tx, account, r)
		if err != nil {
			return -1, err
		}
		if found {
			return i, nil
		}
	}
	return -1, nil
}

func holds(tx Tx, account string, r Range) (bool, error) {
	if r.Exact {
		_, err := tx.Get(account, r.Kind, r.Prefix)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	n, err := tx.Count(account, r.Kind, r.Prefix)
	return n > 0, err
}

// dependent is a kind of record that blocks deleting its owner.
type dependent struct {
	Range
	what string
}

// dependents are the ranges to probe for an entity's dependents, built
// before the single writer, in the order their conflicts are reported.
type dependents struct {
	ranges []Range
	what   []string
}

// under is the range of a kind's records whose key starts with prefix;
// exactly is the one record of a kind at key.
func under(kind, prefix string) Range { return Range{Kind: kind, Prefix: prefix} }
func exactly(kind, key string) Range  { return Range{Kind: kind, Prefix: key, Exact: true} }

func newDependents(deps []dependent) dependents {
	d := dependents{ranges: make([]Range, len(deps)), what: make([]string, len(deps))}
	for i, dep := range deps {
		d.ranges[i], d.what[i] = dep.Range, dep.what
	}
	return d
}

// checkDependents answers DeleteConflict for the first kind of dependent
// the entity still has.
func checkDependents(tx Tx, account string, deps dependents) error {
	i, err := firstNonEmpty(tx, account, deps.ranges)
	if err != nil {
		return err
	}
	if i >= 0 {
		return iamapi.DeleteConflict("Cannot delete entity, %s", deps.what[i])
	}
	return nil
}
