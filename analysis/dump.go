// Package analysis answers questions about a whole account: lint against
// good practice, the permissions graph (who can do what, and how),
// privilege escalation paths and the change between two snapshots. It works
// on an in-memory model built from the JSON that
// `aws iam get-account-authorization-details` prints (a dump), so it runs
// the same on a real AWS account and on iamd's own store. Every decision is
// policy.Evaluate's, so the answers match the engine.
package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// Dump is the output of GetAccountAuthorizationDetails as the aws CLI
// prints it: the SDK's member names, documents as JSON objects. Dates are
// kept as the text they came as, and optional lists keep their presence
// (omitzero), so reading and writing a dump loses nothing this type knows.
type Dump struct {
	UserDetailList  []UserDetail          `json:"UserDetailList"`
	GroupDetailList []GroupDetail         `json:"GroupDetailList"`
	RoleDetailList  []RoleDetail          `json:"RoleDetailList"`
	Policies        []ManagedPolicyDetail `json:"Policies"`
	IsTruncated     *bool                 `json:"IsTruncated,omitempty"`
	Marker          string                `json:"Marker,omitempty"`
}

// UserDetail is one user of the dump.
type UserDetail struct {
	Path                    string            `json:"Path,omitempty"`
	UserName                string            `json:"UserName"`
	UserId                  string            `json:"UserId,omitempty"`
	Arn                     string            `json:"Arn"`
	CreateDate              string            `json:"CreateDate,omitempty"`
	UserPolicyList          []PolicyDetail    `json:"UserPolicyList,omitzero"`
	GroupList               []string          `json:"GroupList,omitzero"`
	AttachedManagedPolicies []AttachedPolicy  `json:"AttachedManagedPolicies,omitzero"`
	PermissionsBoundary     *PermissionsBound `json:"PermissionsBoundary,omitempty"`
	Tags                    []Tag             `json:"Tags,omitzero"`
}

// GroupDetail is one group of the dump.
type GroupDetail struct {
	Path                    string           `json:"Path,omitempty"`
	GroupName               string           `json:"GroupName"`
	GroupId                 string           `json:"GroupId,omitempty"`
	Arn                     string           `json:"Arn"`
	CreateDate              string           `json:"CreateDate,omitempty"`
	GroupPolicyList         []PolicyDetail   `json:"GroupPolicyList,omitzero"`
	AttachedManagedPolicies []AttachedPolicy `json:"AttachedManagedPolicies,omitzero"`
}

// RoleDetail is one role of the dump.
type RoleDetail struct {
	Path                     string            `json:"Path,omitempty"`
	RoleName                 string            `json:"RoleName"`
	RoleId                   string            `json:"RoleId,omitempty"`
	Arn                      string            `json:"Arn"`
	CreateDate               string            `json:"CreateDate,omitempty"`
	AssumeRolePolicyDocument Document          `json:"AssumeRolePolicyDocument,omitzero"`
	Description              string            `json:"Description,omitempty"`
	MaxSessionDuration       int               `json:"MaxSessionDuration,omitempty"`
	InstanceProfileList      []InstanceProfile `json:"InstanceProfileList,omitzero"`
	RolePolicyList           []PolicyDetail    `json:"RolePolicyList,omitzero"`
	AttachedManagedPolicies  []AttachedPolicy  `json:"AttachedManagedPolicies,omitzero"`
	PermissionsBoundary      *PermissionsBound `json:"PermissionsBoundary,omitempty"`
	Tags                     []Tag             `json:"Tags,omitzero"`
	RoleLastUsed             *RoleLastUsed     `json:"RoleLastUsed,omitempty"`
}

// InstanceProfile is an instance profile a role belongs to.
type InstanceProfile struct {
	Path                string        `json:"Path,omitempty"`
	InstanceProfileName string        `json:"InstanceProfileName"`
	InstanceProfileId   string        `json:"InstanceProfileId,omitempty"`
	Arn                 string        `json:"Arn,omitempty"`
	CreateDate          string        `json:"CreateDate,omitempty"`
	Roles               []ProfileRole `json:"Roles,omitzero"`
	Tags                []Tag         `json:"Tags,omitzero"`
}

// ProfileRole is a role as an instance profile lists it.
type ProfileRole struct {
	Path                     string   `json:"Path,omitempty"`
	RoleName                 string   `json:"RoleName"`
	RoleId                   string   `json:"RoleId,omitempty"`
	Arn                      string   `json:"Arn,omitempty"`
	CreateDate               string   `json:"CreateDate,omitempty"`
	AssumeRolePolicyDocument Document `json:"AssumeRolePolicyDocument,omitzero"`
	Description              string   `json:"Description,omitempty"`
	MaxSessionDuration       int      `json:"MaxSessionDuration,omitempty"`
}

// RoleLastUsed is when and where a role was last used.
type RoleLastUsed struct {
	LastUsedDate string `json:"LastUsedDate,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// ManagedPolicyDetail is one managed policy with its versions.
type ManagedPolicyDetail struct {
	PolicyName                    string          `json:"PolicyName"`
	PolicyId                      string          `json:"PolicyId,omitempty"`
	Arn                           string          `json:"Arn"`
	Path                          string          `json:"Path,omitempty"`
	DefaultVersionId              string          `json:"DefaultVersionId,omitempty"`
	AttachmentCount               *int            `json:"AttachmentCount,omitempty"`
	PermissionsBoundaryUsageCount *int            `json:"PermissionsBoundaryUsageCount,omitempty"`
	IsAttachable                  *bool           `json:"IsAttachable,omitempty"`
	Description                   string          `json:"Description,omitempty"`
	CreateDate                    string          `json:"CreateDate,omitempty"`
	UpdateDate                    string          `json:"UpdateDate,omitempty"`
	PolicyVersionList             []PolicyVersion `json:"PolicyVersionList,omitzero"`
}

// DefaultDocument is the document of the default version.
func (p *ManagedPolicyDetail) DefaultDocument() Document {
	for _, v := range p.PolicyVersionList {
		if v.IsDefaultVersion || v.VersionId == p.DefaultVersionId {
			return v.Document
		}
	}
	return nil
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	Document         Document `json:"Document,omitzero"`
	VersionId        string   `json:"VersionId"`
	IsDefaultVersion bool     `json:"IsDefaultVersion"`
	CreateDate       string   `json:"CreateDate,omitempty"`
}

// PolicyDetail is an inline policy.
type PolicyDetail struct {
	PolicyName     string   `json:"PolicyName"`
	PolicyDocument Document `json:"PolicyDocument"`
}

// AttachedPolicy is a managed policy attached to an entity.
type AttachedPolicy struct {
	PolicyName string `json:"PolicyName,omitempty"`
	PolicyArn  string `json:"PolicyArn"`
}

// PermissionsBound is an entity's permissions boundary.
type PermissionsBound struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType,omitempty"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

// Tag is a key-value tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Document is a policy document as JSON text. It reads both shapes a dump
// can hold: the object the aws CLI prints, and the URL-encoded string the
// Query API returns (and some tools store). It is written as an object.
type Document []byte

// UnmarshalJSON accepts an object or a (URL-encoded) JSON string.
func (d *Document) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if t := strings.TrimSpace(s); !strings.HasPrefix(t, "{") {
			// PathUnescape, not QueryUnescape: IAM encodes '+' as %2B, so a
			// literal '+' is a plus, not a space.
			u, err := url.PathUnescape(s)
			if err != nil {
				return fmt.Errorf("policy document: %w", err)
			}
			s = u
		}
		if !json.Valid([]byte(s)) {
			return fmt.Errorf("policy document is not JSON: %.40q", s)
		}
		*d = Document(s)
		return nil
	}
	if string(b) == "null" {
		*d = nil
		return nil
	}
	*d = append(Document(nil), b...)
	return nil
}

// MarshalJSON writes the document as a JSON object.
func (d Document) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadDump decodes a dump. Unknown members are ignored, as the aws CLI's
// own output grows over time.
func ReadDump(r io.Reader) (*Dump, error) {
	var d Dump
	dec := json.NewDecoder(r)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("account authorization details: %w", err)
	}
	if d.UserDetailList == nil && d.GroupDetailList == nil && d.RoleDetailList == nil && d.Policies == nil {
		return nil, fmt.Errorf("account authorization details: no UserDetailList, GroupDetailList, RoleDetailList or Policies")
	}
	return &d, nil
}

// LoadDump reads a dump file.
func LoadDump(path string) (*Dump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := ReadDump(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Write encodes the dump as the aws CLI prints it (four-space indent).
func (d *Dump) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
