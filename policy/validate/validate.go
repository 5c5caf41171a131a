// Package validate is IAM Access Analyzer's ValidatePolicy on iamd's
// catalogue: a policy document in, findings out, each with AWS's finding
// type, issue code and learn-more link, and the JSON path and source span
// of what it is about. It is pure: no I/O, no clock.
//
// The issue codes are those of AWS's policy check reference
// (access-analyzer-reference-policy-checks); the few checks AWS does not
// document under a code of its own are marked in codes.go.
package validate

import (
	"sort"
	"strings"
	"unicode"

	"github.com/iamd/iamd/catalog"
)

// PolicyType is ValidatePolicy's policyType.
type PolicyType string

// The policy types of AWS's model.
const (
	IdentityPolicy        PolicyType = "IDENTITY_POLICY"
	ResourcePolicy        PolicyType = "RESOURCE_POLICY"
	ServiceControlPolicy  PolicyType = "SERVICE_CONTROL_POLICY"
	ResourceControlPolicy PolicyType = "RESOURCE_CONTROL_POLICY"
)

// PolicyTypes are the values ValidatePolicy accepts.
var PolicyTypes = []PolicyType{IdentityPolicy, ResourcePolicy, ServiceControlPolicy, ResourceControlPolicy}

// ResourceTypes are the values of validatePolicyResourceType.
var ResourceTypes = []string{"AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint",
	"AWS::S3ObjectLambda::AccessPoint", "AWS::IAM::AssumeRolePolicyDocument", "AWS::DynamoDB::Table"}

// TrustPolicy is the resource type of a role's trust policy.
const TrustPolicy = "AWS::IAM::AssumeRolePolicyDocument"

// FindingType is how bad a finding is.
type FindingType string

// The finding types, worst first.
const (
	Error           FindingType = "ERROR"
	SecurityWarning FindingType = "SECURITY_WARNING"
	Warning         FindingType = "WARNING"
	Suggestion      FindingType = "SUGGESTION"
)

// Options say what the policy is.
type Options struct {
	Type PolicyType
	// ResourceType narrows a RESOURCE_POLICY (AWS::S3::Bucket,
	// AWS::IAM::AssumeRolePolicyDocument, ...); "" for none.
	ResourceType string
}

// Finding is one ValidatePolicyFinding.
type Finding struct {
	FindingDetails string      `json:"findingDetails"`
	FindingType    FindingType `json:"findingType"`
	IssueCode      string      `json:"issueCode"`
	LearnMoreLink  string      `json:"learnMoreLink"`
	Locations      []Location  `json:"locations"`
}

// Location is where in the document a finding is.
type Location struct {
	Path []PathElement `json:"path"`
	Span Span          `json:"span"`
}

// PathElement is one step of a path through the document's JSON: exactly
// one field is set (a union in AWS's model).
type PathElement struct {
	Index     *int       `json:"index,omitempty"`
	Key       *string    `json:"key,omitempty"`
	Substring *Substring `json:"substring,omitempty"`
	Value     *string    `json:"value,omitempty"`
}

// Substring is a part of a string literal.
type Substring struct {
	Start  int `json:"start"`
	Length int `json:"length"`
}

// Span is a start (inclusive) and end (exclusive) position.
type Span struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Position is a 1-based line, a 0-based column and a 0-based offset.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func (e PathElement) String() string {
	switch {
	case e.Index != nil:
		return "[" + itoa(*e.Index) + "]"
	case e.Key != nil:
		return "{" + *e.Key + "}"
	case e.Value != nil:
		return "." + *e.Value
	case e.Substring != nil:
		return "[" + itoa(e.Substring.Start) + ":+" + itoa(e.Substring.Length) + "]"
	}
	return ""
}

// PathString renders a path for people: .Statement[0].Action[1].
func PathString(p []PathElement) string {
	var b strings.Builder
	for _, e := range p {
		b.WriteString(e.String())
	}
	return b.String()
}

// Policy validates a document and returns its findings in document order.
func Policy(text []byte, opt Options) []Finding {
	c := &checker{text: text, opt: opt, pos: newPositions(text), cat: catalog.MustLoad()}
	c.run()
	sort.SliceStable(c.out, func(i, j int) bool {
		return c.out[i].Locations[0].Span.Start.Offset < c.out[j].Locations[0].Span.Start.Offset
	})
	return c.out
}

// HasErrors reports whether any finding is an ERROR.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.FindingType == Error {
			return true
		}
	}
	return false
}

// nonSpace counts characters other than whitespace (AWS's policy size).
func nonSpace(text []byte) int {
	n := 0
	for _, r := range string(text) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	p := len(b)
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		p--
		b[p] = '-'
	}
	return string(b[p:])
}
