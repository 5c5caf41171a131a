package policytest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iamd/iamd/policy"
)

// Result is the outcome of one case.
type Result struct {
	Case        *Case
	Expected    policy.Decision
	Explanation *policy.Explanation // nil when the case could not run
	Err         error               // a policy that does not parse, an unknown expectation

	// A validation case's outcome: the error code and message IAM answers
	// ("" for none: the document is accepted).
	Validation bool
	Code       string
	Message    string
}

// Valid is a validation case's Expect for a document IAM accepts.
const Valid = "valid"

// Passed reports whether the case ran and decided as expected.
func (r *Result) Passed() bool {
	if r.Err != nil {
		return false
	}
	if r.Validation {
		want := r.Case.Expect
		if want == Valid {
			want = ""
		}
		return r.Code == want && (r.Case.Message == "" || r.Message == r.Case.Message)
	}
	return r.Explanation.Decision == r.Expected
}

// Got says what a case got, for a failure's report.
func (r *Result) Got() string {
	if r.Validation {
		if r.Code == "" {
			return Valid
		}
		return fmt.Sprintf("%s %q", r.Code, r.Message)
	}
	if r.Explanation == nil {
		return "nothing"
	}
	return r.Explanation.Decision.String()
}

// Want says what a case expects.
func (r *Result) Want() string {
	if r.Validation {
		if r.Case.Expect == Valid || r.Case.Message == "" {
			return r.Case.Expect
		}
		return fmt.Sprintf("%s %q", r.Case.Expect, r.Case.Message)
	}
	return r.Expected.String()
}

// runValidation writes a validation case's document as IAM would: parse,
// validate for its kind, size quota.
func runValidation(c *Case) *Result {
	res := &Result{Case: c, Validation: true}
	kind, ok := policy.ParseKind(c.Kind)
	if !ok {
		res.Err = fmt.Errorf("kind must be managed, inline-user, inline-group, inline-role, trust, boundary, session, resource, scp or rcp, not %q", c.Kind)
		return res
	}
	if c.Expect == "" {
		res.Err = errors.New(`expect must be "valid" or the error code the document must get`)
		return res
	}
	text := []byte(c.Policy)
	var s string
	if len(text) > 0 && text[0] == '"' && json.Unmarshal(text, &s) == nil {
		text = []byte(s) // the document's text, as the shared vectors give it
	}
	if _, err := policy.Check(text, kind, policy.Options{}); err != nil {
		pe, ok := errors.AsType[*policy.Error](err)
		if !ok {
			res.Err = err
			return res
		}
		res.Code, res.Message = pe.Code, pe.Message
	}
	return res
}

// Run evaluates a case.
func Run(c *Case) *Result {
	if c.IsValidation() {
		return runValidation(c)
	}
	res := &Result{Case: c}
	want, ok := policy.ParseDecision(c.Expect)
	if !ok {
		res.Err = fmt.Errorf("expect must be allowed, explicitDeny or implicitDeny, not %q", c.Expect)
		return res
	}
	res.Expected = want
	in, req, err := c.Build()
	if err != nil {
		res.Err = err
		return res
	}
	res.Explanation = policy.Explain(in, req)
	return res
}

// Build turns a case into the evaluator's input and request.
func (c *Case) Build() (*policy.Input, *policy.Request, error) {
	b := builder{}
	in := &policy.Input{}
	var identity []*policy.Policy
	for i, raw := range c.IdentityPolicies {
		identity = append(identity, b.compile(raw, fmt.Sprintf("identity_policies[%d]", i), "user"))
	}
	in.Identity = policy.NewSet(identity...)
	if p := b.compile(c.PermissionsBoundary, "permissions_boundary", "user-managed"); p != nil {
		in.Boundary = policy.NewSet(p)
	}
	if p := b.compile(c.SessionPolicy, "session_policy", "session"); p != nil {
		in.Session = policy.NewSet(p)
	}
	for i, raw := range c.SCPs {
		in.SCPs = append(in.SCPs, policy.NewSet(b.compile(raw, fmt.Sprintf("scps[%d]", i), "scp")))
	}
	for i, raw := range c.RCPs {
		in.RCPs = append(in.RCPs, policy.NewSet(b.compile(raw, fmt.Sprintf("rcps[%d]", i), "rcp")))
	}
	if p := b.compile(c.ResourcePolicy, "resource_policy", "resource"); p != nil {
		in.Resource = policy.NewSet(p)
	}
	if b.err != nil {
		return nil, nil, b.err
	}
	p := c.Principal
	req := &policy.Request{
		Principal: policy.Principal{
			Type: policy.PrincipalType(p.Type), ARN: p.ARN, Account: p.Account, ID: p.ID,
			RoleARN: p.RoleARN, FederatingUserARN: p.FederatingUserARN,
			Service: p.Service, Federated: p.Federated,
		},
		Action:          c.Action,
		Resource:        c.Resource,
		ResourceAccount: c.ResourceAccount,
		Context:         policy.NewContext(c.Context),
	}
	if req.Principal.Type == policy.TypeService && req.Principal.Service == "" {
		req.Principal.Service = p.ARN
	}
	if (req.Principal.Type == policy.TypeWebIdentity || req.Principal.Type == policy.TypeSAML) && req.Principal.Federated == "" {
		req.Principal.Federated = p.ARN
	}
	return in, req, nil
}

type builder struct{ err error }

// compile parses one policy of a case; JSON null (or absent) gives nil.
func (b *builder) compile(raw json.RawMessage, id, typ string) *policy.Policy {
	if len(raw) == 0 || string(raw) == "null" || b.err != nil {
		return nil
	}
	doc, err := policy.Parse(raw)
	if err != nil {
		if pe, ok := errors.AsType[*policy.Error](err); ok {
			b.err = fmt.Errorf("%s: %s", id, pe.Describe())
		} else {
			b.err = fmt.Errorf("%s: %w", id, err)
		}
		return nil
	}
	return policy.Compile(doc, policy.Source{ID: id, Type: typ})
}
