package authz

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/policy"
)

// AuthorizationMessage is the decoded form of an encoded authorization
// failure message, in the shape of AWS's (sts:DecodeAuthorizationMessage).
type AuthorizationMessage struct {
	Allowed           bool                 `json:"allowed"`
	ExplicitDeny      bool                 `json:"explicitDeny"`
	MatchedStatements items[messageMatch]  `json:"matchedStatements"`
	Failures          items[string]        `json:"failures"`
	Context           authorizationContext `json:"context"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

type messageMatch struct {
	StatementID string   `json:"statementId,omitempty"`
	Effect      string   `json:"effect"`
	SourceID    string   `json:"sourcePolicyId"`
	SourceType  string   `json:"sourcePolicyType,omitempty"`
	Role        string   `json:"role"`
	Index       int      `json:"statementIndex"`
	Principals  []string `json:"principals,omitempty"`
}

type authorizationContext struct {
	Principal  messagePrincipal        `json:"principal"`
	Action     string                  `json:"action"`
	Resource   string                  `json:"resource"`
	Conditions items[messageCondition] `json:"conditions"`
}

type messagePrincipal struct {
	ID  string `json:"id,omitempty"`
	ARN string `json:"arn"`
}

type messageCondition struct {
	Key    string              `json:"key"`
	Values items[messageValue] `json:"values"`
}

type messageValue struct {
	Value string `json:"value"`
}

// Messages encodes authorization failures so that only a principal allowed
// sts:DecodeAuthorizationMessage can read why it was refused, as AWS does.
// The encoding is sealed with the server's key ring: any node that shares
// the ring decodes it.
type Messages struct {
	guard  *iam.Guard // authorizes sts:DecodeAuthorizationMessage
	sealer *seal.Sealer
}

// NewMessages seals messages with the ring; guard authorizes decoding.
func NewMessages(guard *iam.Guard, sealer *seal.Sealer) *Messages {
	return &Messages{guard: guard, sealer: sealer}
}

const messageContext = "iamd-authorization-message"

// Encode returns the encoded message for a decision.
func (m *Messages) Encode(c *iam.Caller, action, resource string, e *policy.Explanation, keys map[string][]string) string {
	msg := AuthorizationMessage{
		Allowed: e.Decision == policy.Allowed, ExplicitDeny: e.Decision == policy.ExplicitDeny,
		MatchedStatements: items[messageMatch]{Items: []messageMatch{}}, Failures: items[string]{Items: []string{}},
		Context: authorizationContext{Principal: messagePrincipal{ID: c.UserID, ARN: c.ARN}, Action: action, Resource: resource,
			Conditions: items[messageCondition]{Items: []messageCondition{}}},
	}
	for _, s := range e.Matched {
		msg.MatchedStatements.Items = append(msg.MatchedStatements.Items, messageMatch{StatementID: s.Sid, Effect: s.Effect,
			SourceID: s.Source.ID, SourceType: s.Source.Type, Role: s.Role.String(), Index: s.Index})
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		cond := messageCondition{Key: k, Values: items[messageValue]{Items: []messageValue{}}}
		for _, v := range keys[k] {
			cond.Values.Items = append(cond.Values.Items, messageValue{Value: v})
		}
		msg.Context.Conditions.Items = append(msg.Context.Conditions.Items, cond)
	}
	data, _ := json.Marshal(&msg)
	return m.sealer.Seal(string(data), messageContext+":"+c.Account)
}

// DecodeAuthorizationMessage is the STS operation: it needs
// sts:DecodeAuthorizationMessage, and decodes only its own account's
// messages.
func (m *Messages) DecodeAuthorizationMessage(ctx context.Context, in *stsapi.DecodeAuthorizationMessageInput) (*stsapi.DecodeAuthorizationMessageOutput, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
	}
	if err := m.guard.Check(ctx, "sts:DecodeAuthorizationMessage", "*", nil); err != nil {
		return nil, err
	}
	plain, err := m.sealer.Open(strings.TrimSpace(in.EncodedMessage), messageContext+":"+c.Account)
	if err != nil {
		return nil, awserr.New("InvalidAuthorizationMessageException", http.StatusBadRequest, "The error message is invalid or was not produced for this account.")
	}
	return &stsapi.DecodeAuthorizationMessageOutput{DecodedMessage: &plain}, nil
}
