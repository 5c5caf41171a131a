package iam

import "time"

// The records the store keeps, one kind each. They are the domain's own
// shapes (not the API's), encoded as JSON; names keep the case they were
// created with while keys are lower-cased, because IAM names are unique
// regardless of case. ARNs are not stored: their partition follows the
// region of each request.

// Account is an AWS account hosted by this server.
type Account struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// First marks the account the store was created with (iamd serve's
	// default account; see DefaultAccount).
	First          bool            `json:"first,omitempty"`
	Alias          string          `json:"alias,omitempty"`
	PasswordPolicy *PasswordPolicy `json:"password_policy,omitempty"`
	// TokenVersion is the global endpoint token version (1 when unset).
	TokenVersion int `json:"token_version,omitempty"`
	// Outbound is the account's outbound identity federation, once enabled.
	Outbound *OutboundFederation `json:"outbound,omitempty"`
}

// PasswordPolicy is the account's password policy.
type PasswordPolicy struct {
	MinimumPasswordLength      int  `json:"min_length"`
	RequireSymbols             bool `json:"require_symbols"`
	RequireNumbers             bool `json:"require_numbers"`
	RequireUppercaseCharacters bool `json:"require_uppercase"`
	RequireLowercaseCharacters bool `json:"require_lowercase"`
	AllowUsersToChangePassword bool `json:"allow_change"`
	MaxPasswordAge             int  `json:"max_age,omitempty"`
	PasswordReusePrevention    int  `json:"reuse_prevention,omitempty"`
	// HardExpiry is nil when UpdateAccountPasswordPolicy left it out:
	// AWS's GetAccountPasswordPolicy then leaves it out too (recorded).
	HardExpiry *bool `json:"hard_expiry,omitempty"`
}

// Tag is a key-value tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// User is an IAM user.
type User struct {
	Name             string     `json:"name"`
	ID               string     `json:"id"`
	Path             string     `json:"path"`
	Created          time.Time  `json:"created"`
	Boundary         string     `json:"boundary,omitempty"` // managed policy ARN
	Tags             []Tag      `json:"tags,omitempty"`
	PasswordLastUsed *time.Time `json:"password_last_used,omitempty"`
}

// Group is an IAM group.
type Group struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
}

// Role is an IAM role.
type Role struct {
	Name               string     `json:"name"`
	ID                 string     `json:"id"`
	Path               string     `json:"path"`
	Created            time.Time  `json:"created"`
	TrustPolicy        string     `json:"trust_policy"` // the document as written
	Description        string     `json:"description,omitempty"`
	MaxSessionDuration int        `json:"max_session_duration"`
	Boundary           string     `json:"boundary,omitempty"`
	Tags               []Tag      `json:"tags,omitempty"`
	LastUsed           *time.Time `json:"last_used,omitempty"`
	LastUsedRegion     string     `json:"last_used_region,omitempty"`
	// ServiceLinked is the service of a service-linked role (only that
	// service may delete it).
	ServiceLinked string `json:"service_linked,omitempty"`
}

// ManagedPolicy is a customer managed policy. AWS managed policies are not
// stored: they come from the embedded catalogue.
type ManagedPolicy struct {
	Name           string    `json:"name"`
	ID             string    `json:"id"`
	Path           string    `json:"path"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	Description    string    `json:"description,omitempty"`
	DefaultVersion string    `json:"default_version"`
	NextVersion    int       `json:"next_version"` // versions are v1, v2, ... never reused
	Tags           []Tag     `json:"tags,omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	VersionID string    `json:"version"`
	Document  string    `json:"document"`
	Created   time.Time `json:"created"`
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
	// Size is policy.Size of Document, kept so that the quota on an
	// entity's inline policies sums sizes without decoding every
	// document in the single writer. 0 in records written before it.
	Size int `json:"size,omitempty"`
}

// AccessKey is a long-term access key of a user (or of the account root,
// with User empty).
type AccessKey struct {
	ID             string     `json:"id"`
	Account        string     `json:"account"`
	User           string     `json:"user,omitempty"`
	Secret         string     `json:"secret"` // sealed
	Status         string     `json:"status"` // Active | Inactive
	Created        time.Time  `json:"created"`
	LastUsed       *time.Time `json:"last_used,omitempty"`
	LastUsedSvc    string     `json:"last_used_service,omitempty"`
	LastUsedRegion string     `json:"last_used_region,omitempty"`
}

// LoginProfile is a user's console password.
type LoginProfile struct {
	User          string    `json:"user"`
	PasswordHash  string    `json:"password_hash"`
	Created       time.Time `json:"created"`
	ResetRequired bool      `json:"reset_required"`
	// Changed is when the password was last set after its creation (the
	// password policy's MaxPasswordAge counts from it).
	Changed *time.Time `json:"changed,omitempty"`
}

// MFADevice is a virtual MFA device.
type MFADevice struct {
	Serial  string     `json:"serial"` // the device ARN
	Name    string     `json:"name"`
	Path    string     `json:"path"`
	Seed    string     `json:"seed"` // sealed base32 TOTP seed
	User    string     `json:"user,omitempty"`
	Root    bool       `json:"root,omitempty"` // enabled for the account's root user (User is empty)
	Enabled *time.Time `json:"enabled,omitempty"`
	Created time.Time  `json:"created"`
	Tags    []Tag      `json:"tags,omitempty"`
	// LastCodes holds the last accepted TOTP counters, so a code cannot be
	// used twice.
	LastCounter int64 `json:"last_counter,omitempty"`
	// Guard counts wrong codes and the lock they caused (mfaguard.go).
	Guard *attempts `json:"guard,omitempty"`
}

// InstanceProfile binds at most one role to a machine.
type InstanceProfile struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Role    string    `json:"role,omitempty"` // role name
	Tags    []Tag     `json:"tags,omitempty"`
}
