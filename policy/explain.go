package policy

import "slices"

// Role is the part a policy plays in a decision.
type Role uint8

const (
	RoleIdentity Role = iota
	RoleBoundary
	RoleSession
	RoleSCP
	RoleRCP
	RoleResource
)

var roleNames = [...]string{"identity", "boundary", "session", "scp", "rcp", "resource"}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

type roleMask uint8

const (
	maskIdentity roleMask = 1 << RoleIdentity
	maskBoundary roleMask = 1 << RoleBoundary
	maskSession  roleMask = 1 << RoleSession
	maskResource roleMask = 1 << RoleResource
)

// Match is a statement that applied to the request.
type Match struct {
	Role   Role     `json:"role"`
	Source Source   `json:"source"`
	Index  int      `json:"statement_index"` // in its document
	Sid    string   `json:"sid,omitempty"`
	Effect string   `json:"effect"`
	Start  Position `json:"start"`
	End    Position `json:"end"`

	seq int // document order within its set
}

// Explanation is a decision with its reasons: what AWS's policy simulator
// reports for one action and resource.
type Explanation struct {
	Decision Decision `json:"decision"`
	// Matched are the statements that determine the result: the Deny
	// statements for an explicit deny, the Allow statements of the
	// policies that granted access when allowed, none for an implicit deny.
	Matched []Match `json:"matched_statements"`
	// MissingContextKeys are keys (lower-cased) that the evaluated
	// statements used but the request context lacked.
	MissingContextKeys []string `json:"missing_context_keys"`
	// AllowedByBoundary is set when the principal has a boundary.
	AllowedByBoundary *bool `json:"allowed_by_permissions_boundary,omitempty"`
	// AllowedByOrganizations is set when SCPs apply.
	AllowedByOrganizations *bool `json:"allowed_by_organizations,omitempty"`
	// AllowedByIdentity says whether an identity-based policy allows (the
	// root user's implicit permission counts); unset without an identity
	// side (services, web identities).
	AllowedByIdentity *bool `json:"allowed_by_identity,omitempty"`
	// AllowedBySession is set when session policies apply (or a federated
	// user has none, which allows nothing).
	AllowedBySession *bool `json:"allowed_by_session_policy,omitempty"`
	// AllowedByResource says whether the resource-based policy grants the
	// request (unset when there is none).
	AllowedByResource *bool `json:"allowed_by_resource_policy,omitempty"`
	// AllowedByRCPs is set when RCPs apply.
	AllowedByRCPs *bool `json:"allowed_by_rcps,omitempty"`
}

// trace collects what an evaluation saw. Its methods accept a nil receiver
// so the fast path can call them unconditionally.
type trace struct {
	denies, allows []Match
	missingKeys    []string
	deciding       roleMask
	boundary, orgs *bool
	identity       *bool
	session        *bool
	resource       *bool
	rcps           *bool
}

func (t *trace) missing(key string) {
	if t != nil && !slices.Contains(t.missingKeys, key) {
		t.missingKeys = append(t.missingKeys, key)
	}
}

func (t *trace) match(st *stmt, role Role) {
	m := Match{Role: role, Source: st.policy.Source, Index: st.src.Index, Sid: st.src.Sid,
		Effect: st.src.Effect, Start: st.src.Start, End: st.src.End, seq: st.seq}
	if st.deny {
		t.denies = append(t.denies, m)
	} else {
		t.allows = append(t.allows, m)
	}
}

func (t *trace) decidingAllows(roles roleMask) {
	if t != nil {
		t.deciding = roles
	}
}

func (t *trace) setBoundary(has, ok bool) {
	if has {
		t.boundary = &ok
	}
}

func (t *trace) setOrgs(has, ok bool) {
	if has {
		t.orgs = &ok
	}
}

func (t *trace) finish(e *Explanation) {
	switch e.Decision {
	case ExplicitDeny:
		e.Matched = t.denies
	case Allowed:
		for _, m := range t.allows {
			if t.deciding&(1<<m.Role) != 0 {
				e.Matched = append(e.Matched, m)
			}
		}
	}
	// Report in a stable order: by kind of policy, then as written.
	slices.SortStableFunc(e.Matched, func(a, b Match) int {
		if a.Role != b.Role {
			return int(a.Role) - int(b.Role)
		}
		return a.seq - b.seq
	})
	e.MissingContextKeys = t.missingKeys
	if e.MissingContextKeys == nil {
		e.MissingContextKeys = []string{}
	}
	if e.Matched == nil {
		e.Matched = []Match{}
	}
	e.AllowedByBoundary = t.boundary
	e.AllowedByOrganizations = t.orgs
	e.AllowedByIdentity, e.AllowedBySession, e.AllowedByResource, e.AllowedByRCPs = t.identity, t.session, t.resource, t.rcps
}
