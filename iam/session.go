package iam

import "time"

// Session types: what kind of STS call made the temporary credentials.
const (
	SessionAssumedRole   = "AssumedRole"   // AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML
	SessionFederatedUser = "FederatedUser" // GetFederationToken
	SessionToken         = "SessionToken"  // GetSessionToken: the user's (or root's) own permissions
)

// Session is what temporary credentials carry: who they act for, what
// limits them, and when they expire. STS seals it into the session token,
// so verifying a request needs no store.
type Session struct {
	Type        string    `json:"t"`
	Account     string    `json:"a"`
	AccessKeyID string    `json:"k"`
	Secret      string    `json:"s"`
	IssuedAt    time.Time `json:"i"`
	Expires     time.Time `json:"e"`

	// Role sessions.
	RoleName    string `json:"rn,omitempty"`
	RoleID      string `json:"ri,omitempty"`
	RolePath    string `json:"rp,omitempty"`
	SessionName string `json:"sn,omitempty"`
	// Chained is set when a role session assumed this role (role chaining).
	Chained bool `json:"ch,omitempty"`

	// Federated users and session tokens: the IAM user behind them ("" for
	// the root user), by name and by id: the credentials are the user's
	// only while a user of that id exists, not one re-created with its name.
	UserName      string `json:"un,omitempty"`
	UserID        string `json:"ui,omitempty"`
	FederatedName string `json:"fn,omitempty"`

	// Limits and attributes.
	Policy            string            `json:"p,omitempty"`  // inline session policy
	PolicyARNs        []string          `json:"pa,omitempty"` // managed session policies
	Tags              map[string]string `json:"tg,omitempty"` // session tags
	TransitiveTagKeys []string          `json:"tt,omitempty"`
	SourceIdentity    string            `json:"si,omitempty"`
	MFA               bool              `json:"m,omitempty"`
	MFAAuthTime       time.Time         `json:"mt,omitempty"`
	WebIdentity       map[string]string `json:"wi,omitempty"` // provider claims (PROVIDER:aud, ...)
}
