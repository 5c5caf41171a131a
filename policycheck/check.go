// Package policycheck answers IAM Access Analyzer's custom policy checks
// (CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess) exactly:
// a check PASSes only when no request at all — over every action, every
// resource the patterns can name, every caller and every condition context
// — is allowed that should not be. A FAIL names the statements, as AWS
// does, and where it can, a counterexample request that iamd's own
// evaluator has confirmed.
//
// It is pure: no I/O, no clock.
package policycheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Results, as Access Analyzer names them.
const (
	Pass = "PASS"
	Fail = "FAIL"
)

// Policy types, as Access Analyzer's AccessCheckPolicyType names them.
const (
	IdentityPolicy = "IDENTITY_POLICY"
	ResourcePolicy = "RESOURCE_POLICY"
)

// AWS's messages.
const (
	MsgNewAccess   = "The modified permissions grant new access compared to your existing policy."
	MsgNoNewAccess = "The modified permissions do not grant new access compared to your existing policy."
	MsgPublic      = "The resource policy grants public access for the given resource type."
	MsgNotPublic   = "The resource policy does not grant public access for the given resource type."
)

// Limits of CheckAccessNotGranted's access element (the API model's).
const (
	MaxAccessActions   = 100
	MaxAccessResources = 100
	MaxResourceLength  = 2048
)

// Access is what CheckAccessNotGranted must find not granted.
type Access struct{ Actions, Resources []string }

// Reason names a statement that decided the result.
type Reason struct {
	Description    string
	StatementIndex int
	StatementID    string
}

// Counterexample is a request the checked policy allows and must not:
// iamd's evaluator decided it before it was returned. Principal is the
// caller for resource policies ("*" for anonymous), empty for identity
// policies.
type Counterexample struct {
	Action    string              `json:"action"`
	Resource  string              `json:"resource"`
	Context   map[string][]string `json:"context,omitempty"`
	Principal string              `json:"principal,omitempty"`
}

// Result is a check's answer.
type Result struct {
	Result         string // "PASS" | "FAIL"
	Message        string
	Reasons        []Reason
	Counterexample *Counterexample
}

// ValidationError is bad input: the API answers it with
// ValidationException, naming Field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

func enumError(field, value string, allowed []string) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, field, strings.Join(allowed, ", "))}
}

func parseType(policyType string) (mode, error) {
	switch policyType {
	case IdentityPolicy:
		return modeIdentity, nil
	case ResourcePolicy:
		return modeResource, nil
	}
	return 0, enumError("policyType", policyType, []string{IdentityPolicy, ResourcePolicy})
}

func parseDoc(text, field string) (*policy.Document, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &ValidationError{Field: field, Message: fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must not be null", field)}
	}
	doc, err := policy.Parse([]byte(text))
	if err != nil {
		msg := err.Error()
		var pe *policy.Error
		if errors.As(err, &pe) {
			msg = pe.Describe()
		}
		return nil, &ValidationError{Field: field, Message: "Invalid policy document in " + field + ": " + msg}
	}
	return doc, nil
}

// reasonText is AWS's description of a statement: by sid when it has one.
func reasonText(prefix string, st *policy.Statement) Reason {
	r := Reason{StatementIndex: st.Index}
	if st.Sid != "" {
		r.StatementID = st.Sid
		r.Description = prefix + " with sid: " + st.Sid + "."
	} else {
		r.Description = prefix + " with index: " + fmt.Sprint(st.Index) + "."
	}
	return r
}

func result(fs []finding, failMsg, passMsg, reasonPrefix string) *Result {
	if len(fs) == 0 {
		return &Result{Result: Pass, Message: passMsg}
	}
	r := &Result{Result: Fail, Message: failMsg}
	for _, f := range fs {
		r.Reasons = append(r.Reasons, reasonText(reasonPrefix, f.stmt))
		if r.Counterexample == nil {
			r.Counterexample = f.cex
		}
	}
	return r
}

// CheckNoNewAccess reports whether newDoc allows any request existingDoc
// does not.
func CheckNoNewAccess(existingDoc, newDoc, policyType string) (*Result, error) {
	return checkNoNewAccess(existingDoc, newDoc, policyType, false)
}

// checkNoNewAccess is CheckNoNewAccess; walkAll (for tests) decides every
// statement by the walk, without the syntactic shortcut.
func checkNoNewAccess(existingDoc, newDoc, policyType string, walkAll bool) (*Result, error) {
	m, err := parseType(policyType)
	if err != nil {
		return nil, err
	}
	nd, err := parseDoc(newDoc, "newPolicyDocument")
	if err != nil {
		return nil, err
	}
	od, err := parseDoc(existingDoc, "existingPolicyDocument")
	if err != nil {
		return nil, err
	}
	fs := check(m, nd, od, func(e *engine) { e.walkAll = walkAll })
	return result(fs, MsgNewAccess, MsgNoNewAccess, "New access in the statement"), nil
}

// CheckAccessNotGranted reports whether doc allows any of the access: one
// of the actions (on any resource) when only actions are given, any action
// on one of the resources when only resources are, one of the actions on
// one of the resources when both are.
func CheckAccessNotGranted(doc, policyType string, access []Access) (*Result, error) {
	m, err := parseType(policyType)
	if err != nil {
		return nil, err
	}
	d, err := parseDoc(doc, "policyDocument")
	if err != nil {
		return nil, err
	}
	if len(access) != 1 {
		return nil, &ValidationError{Field: "access", Message: fmt.Sprintf("1 validation error detected: Value at 'access' failed to satisfy constraint: Member must have length less than or equal to 1 and greater than or equal to 1 (got %d)", len(access))}
	}
	a := access[0]
	if len(a.Actions) == 0 && len(a.Resources) == 0 {
		return nil, &ValidationError{Field: "access", Message: "The access must contain at least one action or resource."}
	}
	if len(a.Actions) > MaxAccessActions {
		return nil, &ValidationError{Field: "access.actions", Message: fmt.Sprintf("1 validation error detected: Value at 'access.1.member.actions' failed to satisfy constraint: Member must have length less than or equal to %d", MaxAccessActions)}
	}
	if len(a.Resources) > MaxAccessResources {
		return nil, &ValidationError{Field: "access.resources", Message: fmt.Sprintf("1 validation error detected: Value at 'access.1.member.resources' failed to satisfy constraint: Member must have length less than or equal to %d", MaxAccessResources)}
	}
	for _, act := range a.Actions {
		if err := checkAccessAction(act); err != nil {
			return nil, err
		}
	}
	for _, r := range a.Resources {
		if err := checkAccessResource(r); err != nil {
			return nil, err
		}
	}
	// The question "does doc allow something in the access?" is
	// CheckNoNewAccess against a policy that allows everything but it.
	acts, res := a.Actions, a.Resources
	if len(acts) == 0 {
		acts = []string{"*"}
	}
	if len(res) == 0 {
		res = []string{"*"}
	}
	var pr *policy.PrincipalElement
	if m == modeResource {
		pr = &policy.PrincipalElement{Wildcard: true}
	}
	old := &policy.Document{Version: policy.Version2012, Statements: []*policy.Statement{
		{Index: 0, Effect: policy.Allow, Principal: pr, Action: values("*"), Resource: values("*")},
		{Index: 1, Effect: policy.Deny, Principal: pr, Action: values(acts...), Resource: values(res...)},
	}}
	what := "actions"
	switch {
	case len(a.Actions) == 0:
		what = "resources"
	case len(a.Resources) > 0:
		what = "actions or resources"
	}
	fs := check(m, d, old, func(*engine) {})
	return result(fs, "The policy document grants access to perform one or more of the listed "+what+".",
		"The policy document does not grant access to perform one or more of the listed "+what+".",
		"One or more of the listed "+what+" in the statement"), nil
}

func values(v ...string) policy.Values { return policy.Values{List: v, Present: true} }

func checkAccessAction(a string) error {
	if a == "*" {
		return nil
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.Contains(name, ":") {
		return &ValidationError{Field: "access.actions", Message: fmt.Sprintf("Invalid action %q: an action is service:Action, e.g. s3:GetObject.", a)}
	}
	return nil
}

func checkAccessResource(r string) error {
	if len(r) > MaxResourceLength {
		return &ValidationError{Field: "access.resources", Message: fmt.Sprintf("1 validation error detected: Value at 'access.1.member.resources' failed to satisfy constraint: Member must have length less than or equal to %d", MaxResourceLength)}
	}
	if r == "*" {
		return nil
	}
	p, ok := arn.Split(r)
	if !ok || p[0] != "arn" {
		return &ValidationError{Field: "access.resources", Message: fmt.Sprintf("Invalid resource %q: a resource is an ARN.", r)}
	}
	for _, part := range p[:5] {
		if strings.ContainsAny(part, "*?") {
			return &ValidationError{Field: "access.resources", Message: fmt.Sprintf("Invalid resource %q: wildcards are allowed only in the resource ID portion of the ARN.", r)}
		}
	}
	return nil
}

// publicResourceTypes are the types CheckNoPublicAccess takes, with the
// service prefixes whose actions reach them.
var publicResourceTypes = []struct {
	name     string
	services []string
}{
	{"AWS::DynamoDB::Table", []string{"dynamodb"}},
	{"AWS::DynamoDB::Stream", []string{"dynamodb"}},
	{"AWS::EFS::FileSystem", []string{"elasticfilesystem"}},
	{"AWS::OpenSearchService::Domain", []string{"es"}},
	{"AWS::Kinesis::Stream", []string{"kinesis"}},
	{"AWS::Kinesis::StreamConsumer", []string{"kinesis"}},
	{"AWS::KMS::Key", []string{"kms"}},
	{"AWS::Lambda::Function", []string{"lambda"}},
	{"AWS::S3::Bucket", []string{"s3"}},
	{"AWS::S3::AccessPoint", []string{"s3"}},
	{"AWS::S3Express::DirectoryBucket", []string{"s3express"}},
	{"AWS::S3::Glacier", []string{"glacier"}},
	{"AWS::S3Outposts::Bucket", []string{"s3-outposts"}},
	{"AWS::S3Outposts::AccessPoint", []string{"s3-outposts"}},
	{"AWS::SecretsManager::Secret", []string{"secretsmanager"}},
	{"AWS::SNS::Topic", []string{"sns"}},
	{"AWS::SQS::Queue", []string{"sqs"}},
	{"AWS::IAM::AssumeRolePolicyDocument", []string{"sts"}},
	{"AWS::S3Tables::TableBucket", []string{"s3tables"}},
	{"AWS::ApiGateway::RestApi", []string{"execute-api"}},
	{"AWS::CodeArtifact::Domain", []string{"codeartifact"}},
	{"AWS::Backup::BackupVault", []string{"backup"}},
	{"AWS::CloudTrail::Dashboard", []string{"cloudtrail"}},
	{"AWS::CloudTrail::EventDataStore", []string{"cloudtrail"}},
	{"AWS::S3Tables::Table", []string{"s3tables"}},
	{"AWS::S3Express::AccessPoint", []string{"s3express"}},
}

// PublicResourceTypes lists the resource types CheckNoPublicAccess takes.
func PublicResourceTypes() []string {
	out := make([]string, len(publicResourceTypes))
	for i, t := range publicResourceTypes {
		out[i] = t.name
	}
	return out
}

// CheckNoPublicAccess reports whether a resource policy lets a caller
// nobody vouches for (anonymous, or a principal of an account the policy
// does not name, without the organization, account, network or source
// keys that would tie it to someone) perform an action of the resource
// type's service.
func CheckNoPublicAccess(doc, resourceType string) (*Result, error) {
	var services []string
	for _, t := range publicResourceTypes {
		if t.name == resourceType {
			services = t.services
		}
	}
	if services == nil {
		return nil, enumError("resourceType", resourceType, PublicResourceTypes())
	}
	d, err := parseDoc(doc, "policyDocument")
	if err != nil {
		return nil, err
	}
	fs := check(modePublic, d, &policy.Document{Version: policy.Version2012}, func(e *engine) {
		for _, s := range services {
			e.filters = append(e.filters, globOf(s+":*"))
			e.filterText = append(e.filterText, s+":*")
		}
	})
	return result(fs, MsgPublic, MsgNotPublic, "Public access granted in the following statement"), nil
}
