package analysis

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// Resource-based policies (bucket, queue, topic, key, secret, function,
// repository policies) gathered beside the dump, one JSON object a line:
//
//	{"arn": "arn:aws:ecr:us-east-1:111122223333:repository/app", "policy": {...}}
//
// "policy" is the document as an object or as the string the service
// APIs return (aws s3api get-bucket-policy, aws sqs get-queue-attributes
// --attribute-names Policy, aws kms get-key-policy ...). "account" names
// the owner where the ARN has none (S3); the dump's account by default.

// ResourcePolicy is a resource's policy, compiled once.
type ResourcePolicy struct {
	ARN     string
	Account string
	Ref     *PolicyRef
	set     *policy.Set
}

// ResourcePolicyLine is one line of a resource policies file.
type ResourcePolicyLine struct {
	ARN     string          `json:"arn"`
	Account string          `json:"account,omitempty"`
	Policy  json.RawMessage `json:"policy,omitempty"`
	// Role is the role a resource runs code as (a function's execution
	// role, an instance's profile role ...): the inventory the
	// existing-PassRole techniques read. A line may give a role and no
	// policy.
	Role string `json:"role,omitempty"`
}

// ReadResourcePolicies reads a resource policies file (JSON lines; blank
// lines and lines starting with # are skipped).
func ReadResourcePolicies(r io.Reader) ([]ResourcePolicyLine, error) {
	var out []ResourcePolicyLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var l ResourcePolicyLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("resource policies line %d: %w", n, err)
		}
		if _, err := arn.Parse(l.ARN); err != nil {
			return nil, fmt.Errorf("resource policies line %d: arn %q: %w", n, l.ARN, err)
		}
		if len(l.Policy) > 0 && l.Policy[0] == '"' {
			var s string
			if err := json.Unmarshal(l.Policy, &s); err != nil {
				return nil, fmt.Errorf("resource policies line %d: %w", n, err)
			}
			l.Policy = json.RawMessage(s)
		}
		if l.Role != "" {
			if r, err := arn.Parse(l.Role); err != nil || r.Service != "iam" || !strings.HasPrefix(r.Resource, "role/") {
				return nil, fmt.Errorf("resource policies line %d: role %q is not a role ARN", n, l.Role)
			}
		}
		if len(l.Policy) == 0 && l.Role == "" {
			return nil, fmt.Errorf("resource policies line %d: no policy", n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("resource policies: %w", err)
	}
	return out, nil
}

// LoadResourcePolicies reads a resource policies file.
func LoadResourcePolicies(path string) ([]ResourcePolicyLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadResourcePolicies(f)
}

// AddResourcePolicies adds resource policies to the account (before
// BuildGraph). A policy that does not parse is an error: it would grant
// nothing, silently.
func (a *Account) AddResourcePolicies(lines []ResourcePolicyLine) error {
	if a.Resources == nil {
		a.Resources = map[string]*ResourcePolicy{}
	}
	for _, l := range lines {
		acct := l.Account
		if p, err := arn.Parse(l.ARN); err == nil && p.AccountID != "" {
			acct = p.AccountID
		}
		if acct == "" {
			acct = a.ID
		}
		if l.Role != "" {
			a.Runners = append(a.Runners, Runner{ARN: l.ARN, Role: l.Role})
		}
		if len(l.Policy) == 0 {
			continue
		}
		ref := compileRef(&PolicyRef{Name: "ResourcePolicy", Inline: true, Owner: l.ARN, Text: Document(l.Policy)}, "resource")
		if ref.Err != nil {
			return fmt.Errorf("resource policy of %s: %w", l.ARN, ref.Err)
		}
		a.Resources[l.ARN] = &ResourcePolicy{ARN: l.ARN, Account: acct, Ref: ref, set: policy.NewSet(ref.Policy)}
	}
	return nil
}

// resourcePolicy is the policy that decides for a resource ARN with the
// identity policies: its own, or for an S3 object its bucket's.
func (a *Account) resourcePolicy(resource string) *ResourcePolicy {
	if len(a.Resources) == 0 {
		return nil
	}
	if rp, ok := a.Resources[resource]; ok {
		return rp
	}
	if rest, ok := strings.CutPrefix(resource, "arn:"+a.Partition+":s3:::"); ok {
		if bucket, _, ok := strings.Cut(rest, "/"); ok {
			return a.Resources["arn:"+a.Partition+":s3:::"+bucket]
		}
	}
	return nil
}

// resourceGrantees are the identities outside the account a resource's
// policy lets in (other accounts and their principals, anyone): their own
// account decides its side, so it is taken to let them.
func (g *Graph) resourceGrantees(action, resource string, ctx map[string][]string) []grantee {
	rp := g.Account.resourcePolicy(resource)
	if rp == nil || rp.Ref.Doc == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []grantee
	for _, st := range rp.Ref.Doc.Statements {
		if !strings.EqualFold(st.Effect, policy.Allow) || st.Principal == nil {
			continue
		}
		var ids []string
		if st.Principal.Wildcard {
			ids = append(ids, "*")
		}
		for _, ent := range st.Principal.Entries {
			if ent.Type == "AWS" {
				ids = append(ids, ent.Values.List...)
			}
		}
		for _, v := range ids {
			var p policy.Principal
			id, kind := v, KindAccount
			switch acct, isRoot := rootAccount(v); {
			case v == "*":
				kind = KindAnyone
				p = policy.Principal{Type: policy.TypeAccount, ARN: "arn:" + g.Account.Partition + ":iam::000000000000:root", Account: "000000000000"}
			case isRoot:
				if acct == g.Account.ID {
					continue // the account's own principals are asked one by one
				}
				id = "arn:" + g.Account.Partition + ":iam::" + acct + ":root"
				p = policy.Principal{Type: policy.TypeAccount, ARN: id, Account: acct}
			default:
				pp, err := policy.PrincipalFromARN(v)
				if err != nil || pp.Account == "" || pp.Account == g.Account.ID {
					continue
				}
				p = pp
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			in := &policy.Input{Identity: g.allowAll, Resource: rp.set}
			req := &policy.Request{Principal: p, Action: action, Resource: resource, ResourceAccount: rp.Account}
			for k, vs := range ctx {
				req.Context.Set(k, vs...)
			}
			policy.AddPrincipalKeys(&req.Context, &req.Principal)
			ex := policy.Explain(in, req)
			cond := false
			if ex.Decision != policy.Allowed {
				if ex.Decision == policy.ExplicitDeny || len(ex.MissingContextKeys) == 0 || !st.HasCondition {
					continue
				}
				cond = true
			}
			step := Step{Kind: "policy", Policy: rp.Ref.ID(), Statement: fmt.Sprintf("statement %d", st.Index), Detail: "resource policy", Conditional: cond}
			if cond {
				step.Condition = ex.MissingContextKeys
			}
			out = append(out, grantee{id: id, kind: kind, via: []Step{step}, cond: cond})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// resourcePermissions are what resource policies grant a principal beyond
// its identity policies: the actions of statements that may name it,
// allowed by the engine on the statement's resources (the policy's
// resource when it names none).
func (g *Graph) resourcePermissions(e *Entity, service string, seen map[string]bool) []Permission {
	var out []Permission
	arns := make([]string, 0, len(g.Account.Resources))
	for k := range g.Account.Resources {
		arns = append(arns, k)
	}
	sort.Strings(arns)
	for _, k := range arns {
		rp := g.Account.Resources[k]
		if rp.Ref.Doc == nil {
			continue
		}
		for _, st := range rp.Ref.Doc.Statements {
			if !strings.EqualFold(st.Effect, policy.Allow) {
				continue
			}
			acts := statementActions(st, service)
			resources := []string{rp.ARN}
			if st.Resource.Present && !contains(st.Resource.List, "*") {
				resources = st.Resource.List
			}
			for _, a := range acts {
				for _, r := range resources {
					key := a.Name + "|" + r
					if seen[key] || r != "*" && !resourceFits(a, r) {
						continue
					}
					if !g.allowed(e, a.Name, r, nil) {
						continue
					}
					seen[key] = true
					out = append(out, Permission{Action: a.Name, Resource: r, AccessLevel: a.AccessLevel, Policy: rp.Ref.ID(), Statement: st.Index})
				}
			}
		}
	}
	return out
}
