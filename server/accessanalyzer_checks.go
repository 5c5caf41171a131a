package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/iamd/iamd/policycheck"
)

// The custom policy checks (CheckNoNewAccess, CheckAccessNotGranted,
// CheckNoPublicAccess), decided by package policycheck. The answers are
// AWS's shapes; a FAIL also carries iamd's confirmed counterexample in a
// "counterexample" member, which AWS's SDKs ignore.

type checkReason struct {
	Description    string `json:"description"`
	StatementIndex int    `json:"statementIndex"`
	StatementID    string `json:"statementId,omitempty"`
}

type checkOutput struct {
	Result         string                      `json:"result"`
	Message        string                      `json:"message"`
	Reasons        []checkReason               `json:"reasons"`
	Counterexample *policycheck.Counterexample `json:"counterexample,omitempty"`
}

func checkAnswer(r *policycheck.Result, err error) (any, error) {
	if err != nil {
		var v *policycheck.ValidationError
		if errors.As(err, &v) {
			return nil, analyzerValidation("fieldValidationFailed", v.Message, []analyzerErrorField{{Name: v.Field, Message: v.Message}})
		}
		return nil, err
	}
	out := &checkOutput{Result: r.Result, Message: r.Message, Reasons: []checkReason{}, Counterexample: r.Counterexample}
	for _, re := range r.Reasons {
		out.Reasons = append(out.Reasons, checkReason{Description: re.Description, StatementIndex: re.StatementIndex, StatementID: re.StatementID})
	}
	return out, nil
}

// decodeCheck reads a check's body; required names the members that must
// be present (AWS answers their absence before it looks at the policies).
func decodeCheck(body []byte, op string, in any, present func() []string) error {
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, in); err != nil {
			return analyzerValidation("cannotParse", "The request body is not valid JSON for "+op+": "+err.Error(), nil)
		}
	}
	var fields []analyzerErrorField
	for _, name := range present() {
		fields = append(fields, analyzerErrorField{Name: name, Message: "Value is required."})
	}
	if len(fields) > 0 {
		return analyzerValidation("fieldValidationFailed", "Invalid request: "+fields[0].Name+": "+fields[0].Message, fields)
	}
	return nil
}

func missing(pairs ...any) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if v, ok := pairs[i+1].(*string); ok && v == nil {
			out = append(out, pairs[i].(string))
		}
	}
	return out
}

func checkNoNewAccess(_ context.Context, body []byte, _ url.Values) (any, error) {
	var in struct {
		NewPolicyDocument      *string `json:"newPolicyDocument"`
		ExistingPolicyDocument *string `json:"existingPolicyDocument"`
		PolicyType             *string `json:"policyType"`
	}
	if err := decodeCheck(body, "CheckNoNewAccess", &in, func() []string {
		return missing("newPolicyDocument", in.NewPolicyDocument, "existingPolicyDocument", in.ExistingPolicyDocument, "policyType", in.PolicyType)
	}); err != nil {
		return nil, err
	}
	return checkAnswer(policycheck.CheckNoNewAccess(*in.ExistingPolicyDocument, *in.NewPolicyDocument, *in.PolicyType))
}

func checkAccessNotGranted(_ context.Context, body []byte, _ url.Values) (any, error) {
	var in struct {
		PolicyDocument *string `json:"policyDocument"`
		PolicyType     *string `json:"policyType"`
		Access         []struct {
			Actions   []string `json:"actions"`
			Resources []string `json:"resources"`
		} `json:"access"`
	}
	if err := decodeCheck(body, "CheckAccessNotGranted", &in, func() []string {
		out := missing("policyDocument", in.PolicyDocument, "policyType", in.PolicyType)
		if in.Access == nil {
			out = append(out, "access")
		}
		return out
	}); err != nil {
		return nil, err
	}
	access := make([]policycheck.Access, len(in.Access))
	for i, a := range in.Access {
		access[i] = policycheck.Access{Actions: a.Actions, Resources: a.Resources}
	}
	return checkAnswer(policycheck.CheckAccessNotGranted(*in.PolicyDocument, *in.PolicyType, access))
}

func checkNoPublicAccess(_ context.Context, body []byte, _ url.Values) (any, error) {
	var in struct {
		PolicyDocument *string `json:"policyDocument"`
		ResourceType   *string `json:"resourceType"`
	}
	if err := decodeCheck(body, "CheckNoPublicAccess", &in, func() []string {
		return missing("policyDocument", in.PolicyDocument, "resourceType", in.ResourceType)
	}); err != nil {
		return nil, err
	}
	return checkAnswer(policycheck.CheckNoPublicAccess(*in.PolicyDocument, *in.ResourceType))
}
