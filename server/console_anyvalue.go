package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// A console form with a value still to be typed (a policy ARN to attach,
// a group to join, a new user's name) is shown when some value could be
// allowed, as AWS's console shows its forms and lets the call decide. The
// form's probe carries a placeholder where the value goes; the request
// is decided with every policy read for "some value": an Allow statement
// no longer needs its conditions on keys whose value is the placeholder's
// (iam:PolicyARN), nor its Resource when the resource is the one typed;
// a Deny statement that another value could escape (conditioned on such
// a key, or on a typed resource not denied with "*") is dropped. What
// does not depend on the value still decides: a principal with no Allow
// for the action, or denied it outright, does not see the form. The call
// made with the value typed is decided as any other.

// AuthorizedForSome decides the call as Authorized does, but for some
// value where a parameter holds typed (see above).
func (b consoleBackend) AuthorizedForSome(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values, typed string) error {
	s := b.s
	if s.decider == nil {
		return errors.New("console probe: no decider")
	}
	return b.probe(ctx, r, caller, action, params, iam.NewGuard(s.svc, someValue{d: s.decider, typed: typed}, s.decider))
}

// someValue decides requests for some value in place of typed.
type someValue struct {
	d     *authz.Decider
	typed string
}

func (a someValue) Authorize(ctx context.Context, req *iam.AuthzRequest) error {
	in, preq, err := a.d.Input(ctx, req, nil)
	if err != nil {
		return err
	}
	typedKeys := map[string]bool{}
	for k, v := range req.Keys {
		if slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, a.typed) }) {
			typedKeys[strings.ToLower(k)] = true
		}
	}
	typedResource := strings.Contains(req.Resource, a.typed)
	some := func(set *policy.Set) *policy.Set {
		if set == nil {
			return nil
		}
		var out []*policy.Policy
		for _, p := range set.Policies() {
			out = append(out, forSomeValue(p, typedKeys, typedResource))
		}
		return policy.NewSet(out...)
	}
	in.Identity, in.Boundary, in.Session, in.Resource = some(in.Identity), some(in.Boundary), some(in.Session), some(in.Resource)
	// The input's lists may be the decider's own (the account's SCPs):
	// new ones, never written in place.
	someOf := func(sets []*policy.Set) []*policy.Set {
		out := make([]*policy.Set, len(sets))
		for i, set := range sets {
			out[i] = some(set)
		}
		return out
	}
	in.SCPs, in.RCPs = someOf(in.SCPs), someOf(in.RCPs)
	if policy.Evaluate(in, preq) == policy.Allowed {
		return nil
	}
	return authz.AccessDenied(req.Caller, req.Action, req.Resource, policy.Explain(in, preq))
}

// forSomeValue is the policy read for some value of the typed keys and,
// when typedResource, of the resource.
func forSomeValue(p *policy.Policy, typedKeys map[string]bool, typedResource bool) *policy.Policy {
	if p.Document == nil {
		return p
	}
	doc := *p.Document
	doc.Statements = nil
	changed := false
	for _, st := range p.Document.Statements {
		var conds []policy.Condition
		onTyped := false
		for _, c := range st.Condition {
			var entries []policy.ConditionEntry
			for _, e := range c.Entries {
				if typedKeys[strings.ToLower(e.Key)] {
					onTyped = true
					continue
				}
				entries = append(entries, e)
			}
			if len(entries) > 0 {
				conds = append(conds, policy.Condition{Operator: c.Operator, Entries: entries})
			}
		}
		deny := strings.EqualFold(st.Effect, policy.Deny)
		everyResource := !st.NotResource.Present && slices.Contains(st.Resource.List, "*")
		switch {
		case deny && (onTyped || typedResource && !everyResource):
			changed = true // another value escapes it
			continue
		case !deny && (onTyped || typedResource && !everyResource && (st.Resource.Present || st.NotResource.Present)):
			c := *st
			c.Condition, c.HasCondition = conds, len(conds) > 0
			if typedResource {
				c.Resource, c.NotResource = policy.Values{List: []string{"*"}, Present: true, Single: true}, policy.Values{}
			}
			doc.Statements = append(doc.Statements, &c)
			changed = true
		default:
			doc.Statements = append(doc.Statements, st)
		}
	}
	if !changed {
		return p
	}
	return policy.Compile(&doc, p.Source)
}
