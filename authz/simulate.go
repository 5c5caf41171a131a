package authz

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Simulation implements IAM's policy simulator operations
// (SimulatePrincipalPolicy, SimulateCustomPolicy,
// GetContextKeysFor*Policy) with the same engine that makes real
// decisions.
type Simulation struct {
	iam *iam.Service
}

// NewSimulation returns the simulator.
func NewSimulation(svc *iam.Service) *Simulation { return &Simulation{iam: svc} }

// simInput is what one simulation evaluates.
type simInput struct {
	identity  []*policy.Policy
	boundary  []*policy.Policy // nil: no boundary
	resource  *policy.Set
	principal policy.Principal
	tags      []iam.Tag
	docs      []*policy.Document // every policy, for the key names
}

func malformed(what string, err error) error {
	if pe, ok := errors.AsType[*policy.Error](err); ok {
		return awserr.Newf(pe.Code, 400, "%s: %s", what, pe.Message)
	}
	return awserr.Newf("MalformedPolicyDocument", 400, "%s: %v", what, err)
}

// compileDocs compiles policy texts named "List.1", "List.2", ...
func compileDocs(list []string, label, typ string, in *simInput) ([]*policy.Policy, error) {
	var out []*policy.Policy
	for i, text := range list {
		doc, err := policy.Parse([]byte(text))
		if err != nil {
			return nil, malformed(fmt.Sprintf("%s.%d", label, i+1), err)
		}
		in.docs = append(in.docs, doc)
		out = append(out, policy.Compile(doc, policy.Source{ID: fmt.Sprintf("%s.%d", label, i+1), Type: typ}))
	}
	return out, nil
}

// compileStored compiles an entity's stored policies, named as the
// simulator names them: inline policies by name, managed ones by the
// name in their ARN.
func compileStored(docs []iam.PolicyDoc, in *simInput) []*policy.Policy {
	var out []*policy.Policy
	for _, d := range docs {
		doc, err := policy.Parse([]byte(d.Text))
		if err != nil {
			continue
		}
		in.docs = append(in.docs, doc)
		id := d.ID
		if strings.HasPrefix(id, "arn:") {
			id = id[strings.LastIndexByte(id, '/')+1:]
		}
		out = append(out, policy.Compile(doc, policy.Source{ID: id, Type: d.Type}))
	}
	return out
}

// SimulatePrincipalPolicy simulates requests of a user, group or role.
func (s *Simulation) SimulatePrincipalPolicy(ctx context.Context, in *iamapi.SimulatePrincipalPolicyInput) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	}
	// The entity as authorization found it (iam.PrincipalSource): none
	// for an ARN of another account, partition or region.
	kind, name, _ := iam.PrincipalSource(c, in.PolicySourceArn)
	pd, err := s.sourcePolicies(ctx, c.Account, kind, name)
	if err != nil {
		return nil, err
	}
	if pd == nil {
		return nil, iamapi.InvalidInput("Invalid PolicySourceArn %s: it must be a user, group or role of this account.", in.PolicySourceArn)
	}
	si := &simInput{}
	si.identity = compileStored(pd.Policies, si)
	if pd.Boundary != nil {
		si.boundary = compileStored([]iam.PolicyDoc{*pd.Boundary}, si)
	}
	si.tags = pd.Tags
	switch kind {
	case "role":
		si.principal = policy.Principal{Type: policy.TypeAssumedRole, ARN: in.PolicySourceArn, RoleARN: in.PolicySourceArn, Account: c.Account, ID: pd.ID + ":simulation"}
	default: // a user, or a group simulated as a member
		si.principal = policy.Principal{Type: policy.TypeUser, ARN: in.PolicySourceArn, Account: c.Account, ID: pd.ID}
	}
	extra, err := compileDocs(in.PolicyInputList, "PolicyInputList", "none", si)
	if err != nil {
		return nil, err
	}
	si.identity = append(si.identity, extra...)
	if len(in.PermissionsBoundaryPolicyInputList) > 0 {
		if si.boundary, err = compileDocs(in.PermissionsBoundaryPolicyInputList, "PermissionsBoundaryPolicyInputList", "none", si); err != nil {
			return nil, err
		}
	}
	return s.simulate(c, si, in.ActionNames, in.ResourceArns, in.ResourcePolicy, in.ResourceOwner, in.CallerArn, in.ContextEntries, in.MaxItems, in.Marker)
}

// SimulateCustomPolicy simulates requests under the given policies only.
func (s *Simulation) SimulateCustomPolicy(ctx context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	}
	si := &simInput{principal: policy.Principal{Type: policy.TypeUser, ARN: arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: "user/simulated"}.String(), Account: c.Account}}
	var err error
	if si.identity, err = compileDocs(in.PolicyInputList, "PolicyInputList", "none", si); err != nil {
		return nil, err
	}
	for _, d := range si.docs {
		for _, st := range d.Statements {
			if st.Principal != nil || st.NotPrincipal != nil {
				return nil, iamapi.InvalidInput("PolicyInputList policies are identity-based: they cannot have a Principal.")
			}
		}
	}
	if len(in.PermissionsBoundaryPolicyInputList) > 0 {
		if si.boundary, err = compileDocs(in.PermissionsBoundaryPolicyInputList, "PermissionsBoundaryPolicyInputList", "none", si); err != nil {
			return nil, err
		}
	}
	return s.simulate(c, si, in.ActionNames, in.ResourceArns, in.ResourcePolicy, in.ResourceOwner, in.CallerArn, in.ContextEntries, in.MaxItems, in.Marker)
}

func (s *Simulation) simulate(c *iam.Caller, si *simInput, actions, resources []string, resourcePolicy, owner, callerARN *string,
	entries []iamapi.ContextEntry, maxItems *int32, marker *string) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	if callerARN != nil {
		a, err := arn.Parse(*callerARN)
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "user/") {
			return nil, iamapi.InvalidInput("Invalid CallerArn %s: it must be an IAM user.", *callerARN)
		}
		si.principal = policy.Principal{Type: policy.TypeUser, ARN: *callerARN, Account: a.AccountID}
	}
	if resourcePolicy != nil {
		doc, err := policy.Parse([]byte(*resourcePolicy))
		if err != nil {
			return nil, malformed("ResourcePolicy", err)
		}
		si.docs = append(si.docs, doc)
		si.resource = policy.NewSet(policy.Compile(doc, policy.Source{ID: "ResourcePolicy", Type: "resource"}))
	}
	resourceAccount := c.Account
	if owner != nil {
		resourceAccount = *owner
		if a, err := arn.Parse(*owner); err == nil {
			resourceAccount = a.AccountID
		}
	}
	ctxBase, err := contextFromEntries(entries)
	if err != nil {
		return nil, err
	}
	for _, t := range si.tags {
		if len(ctxBase.Get("aws:PrincipalTag/"+t.Key)) == 0 {
			ctxBase.Set("aws:PrincipalTag/"+t.Key, t.Value)
		}
	}
	policy.AddPrincipalKeys(&ctxBase, &si.principal)
	keyNames := map[string]string{}
	for _, d := range si.docs {
		for _, k := range d.ContextKeys() {
			if _, ok := keyNames[strings.ToLower(k)]; !ok {
				keyNames[strings.ToLower(k)] = k
			}
		}
	}
	input := &policy.Input{Identity: policy.NewSet(si.identity...), Resource: si.resource}
	if si.boundary != nil {
		input.Boundary = policy.NewSet(si.boundary...)
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	cross := resourceAccount != si.principal.Account
	var results []iamapi.EvaluationResult
	for _, action := range actions {
		res := iamapi.EvaluationResult{EvalActionName: action, EvalDecision: policy.Allowed.String()}
		worst := policy.Allowed
		for _, r := range resources {
			e := policy.Explain(input, &policy.Request{Principal: si.principal, Action: action, Resource: r, ResourceAccount: resourceAccount, Context: ctxBase})
			if rank(e.Decision) > rank(worst) {
				worst = e.Decision
			}
			matched := statements(e.Matched)
			missing := missingNames(e.MissingContextKeys, keyNames)
			var details map[string]string
			if r != "*" {
				details = map[string]string{}
				if cross {
					details["IAM Policy"] = boolDecision(e.AllowedByIdentity)
					details["Resource Policy"] = boolDecision(e.AllowedByResource)
				}
			}
			var boundary *iamapi.PermissionsBoundaryDecisionDetail
			if e.AllowedByBoundary != nil {
				boundary = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: e.AllowedByBoundary}
			}
			if len(resources) == 1 {
				res.EvalResourceName, res.MatchedStatements, res.PermissionsBoundaryDecisionDetail, res.EvalDecisionDetails = &resources[0], matched, boundary, details
				if r == "*" {
					res.MissingContextValues = missing
				}
			}
			if r != "*" {
				res.ResourceSpecificResults = append(res.ResourceSpecificResults, iamapi.ResourceSpecificResult{EvalResourceName: r,
					EvalResourceDecision: e.Decision.String(), MatchedStatements: matched, MissingContextValues: missing,
					EvalDecisionDetails: details, PermissionsBoundaryDecisionDetail: boundary})
			}
		}
		res.EvalDecision = worst.String()
		if len(resources) > 1 {
			res.EvalResourceName = aws("*")
		}
		if res.MatchedStatements == nil {
			res.MatchedStatements = []iamapi.Statement{}
		}
		if res.MissingContextValues == nil {
			res.MissingContextValues = []string{}
		}
		results = append(results, res)
	}
	start := 0
	if marker != nil {
		start, _ = strconv.Atoi(*marker)
	}
	if start > len(results) || start < 0 {
		return nil, awserr.ValidationError("Invalid Marker.")
	}
	limit := len(results)
	if maxItems != nil {
		limit = int(*maxItems)
	}
	out := &iamapi.SimulatePrincipalPolicyOutput{IsTruncated: aws(false)}
	end := min(start+limit, len(results))
	out.EvaluationResults = results[start:end]
	if end < len(results) {
		out.IsTruncated, out.Marker = aws(true), aws(strconv.Itoa(end))
	}
	return out, nil
}

func aws[T any](v T) *T { return &v }

func rank(d policy.Decision) int {
	switch d {
	case policy.ExplicitDeny:
		return 2
	case policy.ImplicitDeny:
		return 1
	}
	return 0
}

func boolDecision(ok *bool) string {
	if ok != nil && *ok {
		return "allowed"
	}
	return "implicitDeny"
}

func statements(ms []policy.Match) []iamapi.Statement {
	out := []iamapi.Statement{}
	for _, m := range ms {
		out = append(out, iamapi.Statement{SourcePolicyId: aws(m.Source.ID), SourcePolicyType: aws(m.Source.Type),
			StartPosition: &iamapi.Position{Line: aws(int32(m.Start.Line)), Column: aws(int32(m.Start.Column))},
			EndPosition:   &iamapi.Position{Line: aws(int32(m.End.Line)), Column: aws(int32(m.End.Column))}})
	}
	return out
}

// missingNames reports missing keys with the spelling the policies use.
func missingNames(keys []string, names map[string]string) []string {
	out := []string{}
	for _, k := range keys {
		if n, ok := names[k]; ok {
			out = append(out, n)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// contextFromEntries turns ContextEntries into a request context, checking
// values against their declared types.
func contextFromEntries(entries []iamapi.ContextEntry) (policy.Context, error) {
	var ctx policy.Context
	for _, e := range entries {
		if e.ContextKeyName == nil {
			continue
		}
		typ := ""
		if e.ContextKeyType != nil {
			typ = strings.TrimSuffix(*e.ContextKeyType, "List")
		}
		for _, v := range e.ContextKeyValues {
			bad := false
			switch typ {
			case "numeric":
				_, err := strconv.ParseFloat(v, 64)
				bad = err != nil
			case "boolean":
				bad = v != "true" && v != "false"
			}
			if bad {
				return ctx, iamapi.InvalidInput("Context key %s: %q is not a %s.", *e.ContextKeyName, v, typ)
			}
		}
		ctx.Set(*e.ContextKeyName, e.ContextKeyValues...)
	}
	return ctx, nil
}

// GetContextKeysForCustomPolicy lists the keys the given policies use.
func (s *Simulation) GetContextKeysForCustomPolicy(ctx context.Context, in *iamapi.GetContextKeysForCustomPolicyInput) (*iamapi.GetContextKeysForCustomPolicyOutput, error) {
	si := &simInput{}
	if _, err := compileDocs(in.PolicyInputList, "PolicyInputList", "none", si); err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForCustomPolicyOutput{ContextKeyNames: keysOf(si.docs)}, nil
}

// GetContextKeysForPrincipalPolicy lists the keys a principal's policies
// (and the extra ones given) use.
func (s *Simulation) GetContextKeysForPrincipalPolicy(ctx context.Context, in *iamapi.GetContextKeysForPrincipalPolicyInput) (*iamapi.GetContextKeysForPrincipalPolicyOutput, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	}
	si := &simInput{}
	kind, name, ok := iam.PrincipalSource(c, in.PolicySourceArn)
	if !ok {
		return nil, iamapi.InvalidInput("Invalid PolicySourceArn %s.", in.PolicySourceArn)
	}
	pd, err := s.sourcePolicies(ctx, c.Account, kind, name)
	if err != nil {
		return nil, err
	}
	if pd == nil {
		return nil, iamapi.InvalidInput("Invalid PolicySourceArn %s.", in.PolicySourceArn)
	}
	compileStored(pd.Policies, si)
	if _, err := compileDocs(in.PolicyInputList, "PolicyInputList", "none", si); err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForPrincipalPolicyOutput{ContextKeyNames: keysOf(si.docs)}, nil
}

// sourcePolicies reads the policies of a simulation's PolicySourceArn: a
// user's (with its groups'), a role's, or a group's own. nil for another
// kind of entity; NoSuchEntity for one that does not exist.
func (s *Simulation) sourcePolicies(ctx context.Context, account, kind, name string) (*iam.PrincipalData, error) {
	switch kind {
	case "user", "role":
		pd, err := s.iam.PrincipalPolicies(ctx, account, kind, name)
		if errors.Is(err, iam.ErrNotFound) {
			return nil, iamapi.NoSuchEntity("The %s with name %s cannot be found.", kind, name)
		}
		return pd, err
	case "group":
		docs, err := s.iam.GroupPolicies(ctx, account, name)
		if errors.Is(err, iam.ErrNotFound) {
			return nil, iamapi.NoSuchEntity("The group with name %s cannot be found.", name)
		}
		if err != nil {
			return nil, err
		}
		return &iam.PrincipalData{Kind: "group", Name: name, Policies: docs}, nil
	}
	return nil, nil
}

func keysOf(docs []*policy.Document) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, d := range docs {
		for _, k := range d.ContextKeys() {
			if l := strings.ToLower(k); !seen[l] {
				seen[l] = true
				out = append(out, k)
			}
		}
	}
	return out
}
