package iam

import (
	"errors"
	"math"
	"strconv"
)

// Quotas are the account limits IAM enforces (section 9.3 of the spec).
// Defaults are AWS's; a server may raise them (a test of 100,000 users
// needs more than AWS's 5,000).
type Quotas struct {
	Users               int
	Groups              int
	Roles               int
	Policies            int
	InstanceProfiles    int
	GroupsPerUser       int
	AttachedPerUser     int
	AttachedPerRole     int
	AttachedPerGroup    int
	AccessKeysPerUser   int
	MFADevicesPerUser   int
	SSHKeysPerUser      int
	SigningCertsPerUser int
	VersionsPerPolicy   int
	ServerCertificates  int
	OIDCProviders       int
	SAMLProviders       int
	TrustPolicySize     int
}

// DefaultQuotas are AWS's default quotas.
func DefaultQuotas() Quotas {
	return Quotas{
		Users: 5000, Groups: 300, Roles: 1000, Policies: 1500, InstanceProfiles: 1000,
		GroupsPerUser: 10, AttachedPerUser: 10, AttachedPerRole: 10, AttachedPerGroup: 10,
		AccessKeysPerUser: 2, MFADevicesPerUser: 8, SSHKeysPerUser: 5, SigningCertsPerUser: 2,
		VersionsPerPolicy: 5, ServerCertificates: 20, OIDCProviders: 100, SAMLProviders: 100,
		TrustPolicySize: 2048,
	}
}

// Per-account counters, kept beside the records so a quota check does not
// count thousands of rows.
const kindCount = "count"

func counter(tx Tx, account, name string) (int, error) {
	v, err := tx.Get(account, kindCount, name)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

// CounterAdder is a Tx that can change a counter in one statement. A
// counter is a record of kind "count" whose value is its decimal; creating
// and deleting a user moved its counter in two statements each (Get and
// Put), a sixth of the pair's statements in the single writer.
type CounterAdder interface {
	// AddCounter adds delta to the counter at (account, kind, key), which
	// reads as 0 when absent, unless the sum would pass limit: then it
	// changes nothing and reports false. Callers pass delta <= limit.
	AddCounter(account, kind, key string, delta, limit int) (bool, error)
}

// addCounterUpTo adds delta to a counter unless the sum would pass limit,
// through CounterAdder when the store has it.
func addCounterUpTo(tx Tx, account, name string, delta, limit int) (bool, error) {
	if a, ok := tx.(CounterAdder); ok && delta <= limit {
		return a.AddCounter(account, kindCount, name, delta, limit)
	}
	n, err := counter(tx, account, name)
	if err != nil {
		return false, err
	}
	if n+delta > limit {
		return false, nil
	}
	return true, tx.Put(account, kindCount, name, []byte(strconv.Itoa(n+delta)))
}

// reserve increments a counter, failing with LimitExceeded past the quota.
// quotaName is how AWS names the quota in its message.
func reserve(tx Tx, account, name, quotaName string, quota int) error {
	ok, err := addCounterUpTo(tx, account, name, 1, quota)
	if err != nil {
		return err
	}
	if !ok {
		return limitExceeded("Cannot exceed quota for %s: %d", quotaName, quota)
	}
	return nil
}

// release decrements a counter.
func release(tx Tx, account, name string) error {
	_, err := addCounterUpTo(tx, account, name, -1, math.MaxInt)
	return err
}

// checkCount fails with LimitExceeded when adding one more of something
// counted by prefix would pass the quota (for per-entity quotas, which are
// small enough to count).
func checkCount(tx Tx, account, kind, prefix, quotaName string, quota int) error {
	n, err := tx.Count(account, kind, prefix)
	if err != nil {
		return err
	}
	if n+1 > quota {
		return limitExceeded("Cannot exceed quota for %s: %d", quotaName, quota)
	}
	return nil
}
