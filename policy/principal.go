package policy

import (
	"strings"

	"github.com/iamd/iamd/arn"
)

// PrincipalType is the kind of caller, as aws:PrincipalType names it.
type PrincipalType string

const (
	TypeUser          PrincipalType = "User"
	TypeAssumedRole   PrincipalType = "AssumedRole"
	TypeFederatedUser PrincipalType = "FederatedUser"
	TypeAccount       PrincipalType = "Account" // the account's root user
	TypeService       PrincipalType = "Service"
	TypeWebIdentity   PrincipalType = "WebIdentity"
	TypeSAML          PrincipalType = "SAML"
	TypeAnonymous     PrincipalType = "Anonymous"
)

// Principal is the caller of a request.
type Principal struct {
	Type    PrincipalType
	ARN     string // user, session, federated-user or root ARN; service or provider name otherwise
	Account string // "" for services and web identities: no identity side is evaluated
	// ID is the unique id: AIDA... for users, ROLEID:SESSION for role
	// sessions. Policies that stored a principal's id match on it.
	ID string
	// RoleARN is the role behind an AssumedRole session (with its path,
	// which session ARNs omit).
	RoleARN string
	// FederatingUserARN is the IAM user that called GetFederationToken.
	FederatingUserARN string
	// Service and Federated are matched against Principal.Service and
	// Principal.Federated.
	Service   string
	Federated string
}

// awsPrincipal reports whether the caller is an IAM principal (matched by
// Principal.AWS) rather than a service, a federation or anonymous.
func (p *Principal) awsPrincipal() bool {
	switch p.Type {
	case TypeUser, TypeAssumedRole, TypeFederatedUser, TypeAccount:
		return true
	}
	return false
}

// roleID is the role's unique id part of a session id (ROLEID:SESSION).
func (p *Principal) roleID() string {
	id, _, _ := strings.Cut(p.ID, ":")
	return id
}

// grant is how a resource-policy statement names the caller, which decides
// whether the grant stands alone (section 7.3, step 4).
type grant uint8

const (
	grantNone    grant = iota
	grantAccount       // the account: delegation to its identity policies
	grantRole          // the role behind a session, or a federated user's IAM user
	grantDirect        // the caller itself, or everyone
)

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	everyone  bool // "*": every caller, anonymous included
	anyAWS    bool // {"AWS": "*"}
	accounts  []string
	arns      []string
	ids       []string
	services  []string
	federated []string
}

func compilePrincipal(p *PrincipalElement) *principalSet {
	ps := &principalSet{everyone: p.Wildcard}
	for _, e := range p.Entries {
		for _, v := range e.Values.List {
			switch e.Type {
			case "AWS":
				switch {
				case v == "*":
					ps.anyAWS = true
				case accountIDPattern.MatchString(v):
					ps.accounts = append(ps.accounts, v)
				case strings.HasPrefix(v, "arn:"):
					if a, err := arn.Parse(v); err == nil && a.Service == "iam" && a.Resource == "root" {
						ps.accounts = append(ps.accounts, a.AccountID)
					} else {
						ps.arns = append(ps.arns, v)
					}
				default:
					ps.ids = append(ps.ids, v)
				}
			case "Service":
				ps.services = append(ps.services, v)
			case "Federated":
				ps.federated = append(ps.federated, v)
			}
		}
	}
	return ps
}

// grantFor returns the strongest way the set names p.
func (ps *principalSet) grantFor(p *Principal) grant {
	if ps.everyone || ps.anyAWS && p.awsPrincipal() {
		return grantDirect
	}
	best := grantNone
	if p.awsPrincipal() {
		for _, a := range ps.arns {
			switch a {
			case p.ARN:
				return grantDirect
			case p.RoleARN, p.FederatingUserARN:
				if a != "" {
					best = grantRole
				}
			}
		}
		for _, id := range ps.ids {
			switch {
			case p.Type == TypeUser && id == p.ID:
				return grantDirect
			case p.Type == TypeAssumedRole && id == p.roleID():
				best = grantRole
			}
		}
		if best == grantNone && contains(ps.accounts, p.Account) {
			best = grantAccount
		}
	}
	if p.Type == TypeService && contains(ps.services, p.Service) {
		return grantDirect
	}
	if (p.Type == TypeWebIdentity || p.Type == TypeSAML) && contains(ps.federated, p.Federated) {
		return grantDirect
	}
	return best
}

// exempts reports whether a NotPrincipal element lists p, sparing it from
// the statement. Following AWS's advice (section 1.4), an IAM principal is
// spared only when both its account and the principal itself (for a
// session: the session or its role) are listed; the account alone spares
// only the root user (section 12.2-12.3: iamd's strict reading).
func (ps *principalSet) exempts(p *Principal) bool {
	if ps.everyone || ps.anyAWS && p.awsPrincipal() {
		return true
	}
	if !p.awsPrincipal() {
		return p.Type == TypeService && contains(ps.services, p.Service) ||
			(p.Type == TypeWebIdentity || p.Type == TypeSAML) && contains(ps.federated, p.Federated)
	}
	if !contains(ps.accounts, p.Account) {
		return false
	}
	if p.Type == TypeAccount {
		return true
	}
	return ps.grantFor(p) > grantAccount
}

func contains(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
