package genpolicy

import (
	"fmt"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Principal is whose calls are read: a user, or a role with all of its
// sessions.
type Principal struct {
	Partition, Account string
	Kind               string // user or role
	Name               string // the user's or role's name (without its path)
	ARN                string // as given
}

// ParsePrincipal reads a user ARN (arn:aws:iam::ACCT:user/[path/]NAME), a
// role ARN (arn:aws:iam::ACCT:role/[path/]NAME) or a role session's
// (arn:aws:sts::ACCT:assumed-role/NAME/SESSION), which stands for its role:
// a policy is attached to the role, so every session of it counts.
func ParsePrincipal(s string) (Principal, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("%q is not an ARN", s)
	}
	p := Principal{Partition: a.Partition, Account: a.AccountID, ARN: s}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "iam" && (kind == "user" || kind == "role") && rest != "":
		p.Kind = kind
		p.Name = rest[strings.LastIndexByte(rest, '/')+1:]
	case a.Service == "sts" && kind == "assumed-role" && strings.Count(rest, "/") == 1:
		p.Kind = "role"
		p.Name, _, _ = strings.Cut(rest, "/")
	default:
		return Principal{}, fmt.Errorf("%s is not a user, a role or a role session", s)
	}
	if p.Name == "" || p.Account == "" {
		return Principal{}, fmt.Errorf("%s is not a user, a role or a role session", s)
	}
	return p, nil
}

// Matches reports whether a record's caller (userIdentity.arn) is the
// principal: the user itself, or the role or any of its sessions. Names
// compare in any case, as IAM's do; paths are not compared (session ARNs
// carry none).
func (p Principal) Matches(caller string) bool {
	a, err := arn.Parse(caller)
	if err != nil || a.Partition != p.Partition || a.AccountID != p.Account {
		return false
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	var name string
	switch {
	case a.Service == "iam" && kind == p.Kind:
		name = rest[strings.LastIndexByte(rest, '/')+1:]
	case a.Service == "sts" && kind == "assumed-role" && p.Kind == "role":
		name, _, _ = strings.Cut(rest, "/")
	default:
		return false
	}
	return strings.EqualFold(name, p.Name)
}
