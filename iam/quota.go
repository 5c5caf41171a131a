package iam

import (
	"errors"
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

func addCounter(tx Tx, account, name string, delta int) error {
	n, err := counter(tx, account, name)
	if err != nil {
		return err
	}
	return tx.Put(account, kindCount, name, []byte(strconv.Itoa(n+delta)))
}

// reserve increments a counter, failing with LimitExceeded past the quota.
// quotaName is how AWS names the quota in its message.
func reserve(tx Tx, account, name, quotaName string, quota int) error {
	n, err := counter(tx, account, name)
	if err != nil {
		return err
	}
	if n+1 > quota {
		return limitExceeded("Cannot exceed quota for %s: %d", quotaName, quota)
	}
	return tx.Put(account, kindCount, name, []byte(strconv.Itoa(n+1)))
}

// release decrements a counter.
func release(tx Tx, account, name string) error { return addCounter(tx, account, name, -1) }

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
