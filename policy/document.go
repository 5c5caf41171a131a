// Package policy is the IAM policy language: parse, validate, compile,
// evaluate and explain. It is a pure function of (policies, request): no I/O,
// no clock, no globals that change.
//
// The semantics follow AWS IAM as written down in the project's
// spec/policy-language.md; section numbers in comments refer to it.
package policy

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is a parsed policy document. It keeps what the author wrote
// (including which elements were a single string rather than a list) so it
// can be validated with AWS's messages and written back unchanged in meaning.
type Document struct {
	Version    string // "" when absent
	ID         string
	HasID      bool
	Statements []*Statement
	// SingleStatement records that Statement was an object, not an array.
	SingleStatement bool
}

// Statement is one statement of a document.
type Statement struct {
	Index        int // 0-based position in the Statement array
	Sid          string
	HasSid       bool
	Effect       string // as written; Parse guarantees allow/deny in some case
	Principal    *PrincipalElement
	NotPrincipal *PrincipalElement
	Action       Values
	NotAction    Values
	Resource     Values
	NotResource  Values
	Condition    []Condition // in document order
	HasCondition bool
	Start, End   Position // source span of the statement object
}

// Values is an element that may be a string or an array of strings.
type Values struct {
	List    []string
	Present bool
	Single  bool // written as a plain string
}

// PrincipalElement is a Principal or NotPrincipal element: "*" or a map from
// principal type (AWS, Service, Federated, CanonicalUser) to values.
type PrincipalElement struct {
	Wildcard bool // the string "*"
	Entries  []PrincipalEntry
}

// PrincipalEntry is one principal type with its values.
type PrincipalEntry struct {
	Type   string
	Values Values
}

// Condition is one operator with its keys, e.g. "StringEquals": {...}.
type Condition struct {
	Operator string
	Entries  []ConditionEntry
}

// ConditionEntry is one key of a condition operator and its values, each
// kept as text: JSON numbers and booleans become their literal spelling.
type ConditionEntry struct {
	Key    string
	Values Values
}

// Position is a 1-based line and column in the source text, as AWS's
// simulator reports them.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Effect values.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// IsDeny reports whether the statement's effect is Deny (in any case; exact
// case is a validation concern).
func (s *Statement) IsDeny() bool { return len(s.Effect) == 4 }
