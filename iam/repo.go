package iam

import (
	"encoding/json"
	"strings"
)

// Record kinds and how their keys are built. A key joins lower-cased names
// with '|', which no IAM name or ARN contains; listing by prefix then walks
// one entity's relations (a user's groups, a group's members, ...).
const (
	kindAccount         = "account"
	kindUser            = "user"
	kindGroup           = "group"
	kindRole            = "role"
	kindPolicy          = "policy"         // customer managed policies, by lower name
	kindPolicyVersion   = "policy-version" // lower policy name | version id
	kindInline          = "inline"         // entity kind | lower entity name | policy name
	kindMember          = "member"         // lower group | lower user
	kindUserGroup       = "user-group"     // lower user | lower group
	kindAttached        = "attached"       // entity kind | lower entity name | policy ARN
	kindAttachedTo      = "attached-to"    // policy ARN | entity kind | lower entity name
	kindAccessKey       = "access-key"     // global (account ""): key id
	kindUserKey         = "user-key"       // lower user | key id ("" user: root)
	kindLoginProfile    = "login-profile"
	kindMFA             = "mfa"      // serial (device ARN)
	kindUserMFA         = "user-mfa" // lower user | serial
	kindInstanceProfile = "instance-profile"
	kindRoleProfile     = "role-profile" // lower role | lower profile
	kindByID            = "by-id"        // unique id -> "kind|lower name"
)

// key joins parts with the separator used in every composite key.
func key(parts ...string) string { return strings.Join(parts, "|") }

// lower is the key form of a name: IAM names are unique regardless of case.
func lower(name string) string { return strings.ToLower(name) }

// getJSON reads and decodes one record; ErrNotFound when absent.
func getJSON(tx Tx, account, kind, k string, v any) error {
	data, err := tx.Get(account, kind, k)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// putJSON encodes and stores one record.
func putJSON(tx Tx, account, kind, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(account, kind, k, data)
}

// insertJSON encodes and stores a record under a key that must be free.
func insertJSON(tx Tx, account, kind, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Insert(account, kind, k, data)
}

// scanJSON decodes every record of a kind under a prefix, in key order,
// after the key after, up to limit (<= 0: all). fn returning ErrStop ends
// the scan.
func scanJSON[T any](tx Tx, account, kind, prefix, after string, limit int, fn func(k string, v *T) error) error {
	return tx.Scan(account, kind, prefix, after, limit, func(k string, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		return fn(k, &v)
	})
}

// scanKeys lists the keys under a prefix, with the prefix cut off.
func scanKeys(tx Tx, account, kind, prefix string) ([]string, error) {
	var out []string
	err := tx.Scan(account, kind, prefix, "", 0, func(k string, _ []byte) error {
		out = append(out, strings.TrimPrefix(k, prefix))
		return nil
	})
	return out, err
}

// Kinds of the per-user credentials other than access keys.
const (
	kindUserSSHKey      = "user-ssh-key"      // lower user | key id
	kindUserCert        = "user-cert"         // lower user | certificate id
	kindUserServiceCred = "user-service-cred" // lower user | credential id
)
