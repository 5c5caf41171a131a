package genpolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamd/iamd/catalog"
	"github.com/iamd/iamd/policy"
)

// Options choose the records and the size of the policy.
type Options struct {
	Principal Principal
	Since     time.Time // records at or after it; zero: all
	// SizeLimit is the budget in characters excluding whitespace (default
	// 6,144, the managed policy quota).
	SizeLimit int
}

// Result is the generated policy and how it came about.
type Result struct {
	Records   int    // the principal's records read (since Since)
	Calls     []Call // the distinct authorizations observed, sorted
	Denied    []Call // those that were denied (or would have been)
	Dependent []Call // actions added from the dependent-action table
	// Widened says where resources were merged with wildcards to fit
	// SizeLimit; empty when the policy names every resource.
	Widened []string
	// OverLimit is set when even the widened policy exceeds SizeLimit.
	OverLimit bool
	Size      int    // characters excluding whitespace
	Policy    []byte // the document, indented; nil when nothing was observed
}

// Statement is one statement of the generated policy.
type Statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

type document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Observed returns the principal's calls since opt.Since, distinct and
// sorted, with the count of its records.
func Observed(recs []Record, opt Options) (calls, denied []Call, n int) {
	seen := map[Call]bool{}
	deniedSeen := map[Call]bool{}
	for i := range recs {
		r := &recs[i]
		if r.UserIdentity == nil || !opt.Principal.Matches(r.UserIdentity.ARN) {
			continue
		}
		if !opt.Since.IsZero() && r.time.Before(opt.Since) {
			continue
		}
		n++
		for _, c := range r.calls() {
			c.Action = canonicalAction(c.Action)
			d := c.Denied
			c.Denied = false
			seen[c] = true
			if d {
				deniedSeen[c] = true
			}
		}
	}
	return sortedCalls(seen), sortedCalls(deniedSeen), n
}

// dependentCalls are the actions the table adds for the records' calls.
func dependentCalls(recs []Record, opt Options, have map[Call]bool) []Call {
	add := map[Call]bool{}
	for i := range recs {
		r := &recs[i]
		if r.UserIdentity == nil || !opt.Principal.Matches(r.UserIdentity.ARN) || !opt.Since.IsZero() && r.time.Before(opt.Since) {
			continue
		}
		for _, c := range r.calls() {
			for _, d := range dependents[canonicalAction(c.Action)] {
				if !r.hasParamPrefix(d.param) {
					continue
				}
				dc := Call{Action: canonicalAction(d.action), Resource: c.Resource}
				if !have[dc] {
					add[dc] = true
				}
			}
		}
	}
	return sortedCalls(add)
}

func sortedCalls(m map[Call]bool) []Call {
	out := make([]Call, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Action != out[j].Action {
			return out[i].Action < out[j].Action
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// canonicalAction spells an action as the catalogue does (iam:createuser
// → iam:CreateUser); unknown actions are kept, with the prefix lowered.
func canonicalAction(a string) string {
	if cat, err := catalog.Load(); err == nil {
		if s, act, ok := cat.Action(a); ok {
			return s.Prefix + ":" + act.Name
		}
	}
	if p, n, ok := strings.Cut(a, ":"); ok {
		return strings.ToLower(p) + ":" + n
	}
	return a
}

// Generate writes the least-privilege identity policy for the principal's
// calls: one statement per service and set of resources that needed the
// same actions, actions and resources sorted, so the output is stable.
// When the document exceeds opt.SizeLimit, resources are merged with
// wildcards step by step (see widen) and Result.Widened says how.
func Generate(recs []Record, opt Options) (*Result, error) {
	if opt.SizeLimit <= 0 {
		opt.SizeLimit, _ = policy.KindManaged.SizeQuota()
	}
	res := &Result{}
	res.Calls, res.Denied, res.Records = Observed(recs, opt)
	if len(res.Calls) == 0 {
		return res, nil
	}
	have := map[Call]bool{}
	for _, c := range res.Calls {
		have[c] = true
	}
	res.Dependent = dependentCalls(recs, opt, have)
	all := append(append([]Call{}, res.Calls...), res.Dependent...)
	grants := map[string]map[string]map[string]bool{} // service → resource → actions
	for _, c := range all {
		svc, _, _ := strings.Cut(c.Action, ":")
		if grants[svc] == nil {
			grants[svc] = map[string]map[string]bool{}
		}
		r := policyResource(c.Resource)
		if grants[svc][r] == nil {
			grants[svc][r] = map[string]bool{}
		}
		grants[svc][r][c.Action] = true
	}
	stmts := statements(grants)
	text, size := render(stmts)
	for step := 0; size > opt.SizeLimit && step < len(widenings); step++ {
		var note string
		grants, note = widenings[step](grants)
		if note == "" {
			continue
		}
		res.Widened = append(res.Widened, note)
		stmts = statements(grants)
		text, size = render(stmts)
	}
	res.Size, res.Policy = size, text
	res.OverLimit = size > opt.SizeLimit
	// Valid as an identity policy (the size is reported, not refused).
	if _, err := policy.Check(text, policy.KindManaged, policy.Options{Partition: "*", SizeQuota: 1 << 30}); err != nil {
		return nil, fmt.Errorf("the generated policy is not valid: %v", err)
	}
	return res, nil
}

// policyResource writes an observed ARN as a policy Resource that matches
// it alone: *, ? and $ in a name (an S3 key may hold them) would be
// wildcards or variables, so they are written as ${*}, ${?} and ${$}.
func policyResource(r string) string {
	if r == "*" || !strings.ContainsAny(r, "*?$") {
		return r
	}
	var b strings.Builder
	for _, c := range r {
		switch c {
		case '*', '?', '$':
			b.WriteString("${" + string(c) + "}")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// statements groups each service's resources by the set of actions they
// need: one statement per (service, action set), resources sorted, the
// statements in the order of service, then first resource.
func statements(grants map[string]map[string]map[string]bool) []Statement {
	services := make([]string, 0, len(grants))
	for s := range grants {
		services = append(services, s)
	}
	sort.Strings(services)
	var out []Statement
	for _, svc := range services {
		byActions := map[string]*Statement{}
		for r, acts := range grants[svc] {
			names := make([]string, 0, len(acts))
			for a := range acts {
				names = append(names, a)
			}
			sort.Strings(names)
			k := strings.Join(names, ",")
			st := byActions[k]
			if st == nil {
				st = &Statement{Effect: "Allow", Action: names}
				byActions[k] = st
			}
			st.Resource = append(st.Resource, r)
		}
		var group []Statement
		for _, st := range byActions {
			sort.Strings(st.Resource)
			group = append(group, *st)
		}
		sort.Slice(group, func(i, j int) bool {
			if group[i].Resource[0] != group[j].Resource[0] {
				return group[i].Resource[0] < group[j].Resource[0]
			}
			return strings.Join(group[i].Action, ",") < strings.Join(group[j].Action, ",")
		})
		for i := range group {
			group[i].Sid = sidOf(svc, i+1)
		}
		out = append(out, group...)
	}
	return out
}

// sidOf is an alphanumeric Sid (IAM's rule) naming the service:
// IamAccess1, S3Access2, SecretsmanagerAccess1, ResourceGroupsAccess1.
func sidOf(svc string, n int) string {
	var b strings.Builder
	up := true
	for _, c := range svc {
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return fmt.Sprintf("%sAccess%d", b.String(), n)
}

// render returns the indented document and its size without whitespace.
func render(stmts []Statement) ([]byte, int) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(document{Version: "2012-10-17", Statement: stmts})
	return buf.Bytes(), policy.Size(buf.Bytes())
}

// widenings are the steps taken, in order, while the policy is too large;
// each returns the new grants and a note ("" when it changed nothing).
var widenings = []func(map[string]map[string]map[string]bool) (map[string]map[string]map[string]bool, string){
	mergeSiblings,
	mergeService,
}

// mergeSiblings replaces resources that share a parent (the ARN up to its
// last / or :) and the same actions by parent*.
func mergeSiblings(grants map[string]map[string]map[string]bool) (map[string]map[string]map[string]bool, string) {
	out := map[string]map[string]map[string]bool{}
	var notes []string
	for svc, byRes := range grants {
		groups := map[string][]string{} // parent + actions → resources
		for r, acts := range byRes {
			groups[parentOf(r)+"\x00"+actionKey(acts)] = append(groups[parentOf(r)+"\x00"+actionKey(acts)], r)
		}
		out[svc] = map[string]map[string]bool{}
		for k, rs := range groups {
			parent, _, _ := strings.Cut(k, "\x00")
			target := rs[0]
			if len(rs) > 1 && parent != "" {
				target = parent + "*"
				notes = append(notes, fmt.Sprintf("%d resources as %s", len(rs), target))
			}
			for _, r := range rs {
				if out[svc][target] == nil {
					out[svc][target] = map[string]bool{}
				}
				for a := range byRes[r] {
					out[svc][target][a] = true
				}
			}
		}
	}
	if len(notes) == 0 {
		return grants, ""
	}
	sort.Strings(notes)
	return out, "merged sibling resources with a wildcard: " + strings.Join(notes, ", ")
}

// mergeService gives each service one statement: every action it needed
// on every resource it used (an action may then be allowed on a resource
// it was not called on).
func mergeService(grants map[string]map[string]map[string]bool) (map[string]map[string]map[string]bool, string) {
	out := map[string]map[string]map[string]bool{}
	var merged []string
	for svc, byRes := range grants {
		union := map[string]bool{}
		for _, acts := range byRes {
			for a := range acts {
				union[a] = true
			}
		}
		out[svc] = map[string]map[string]bool{}
		for r := range byRes {
			out[svc][r] = union
		}
		if len(statements(map[string]map[string]map[string]bool{svc: byRes})) > 1 {
			merged = append(merged, svc)
		}
	}
	if len(merged) == 0 {
		return grants, ""
	}
	sort.Strings(merged)
	return out, "one statement per service, every action on every resource of it: " + strings.Join(merged, ", ")
}

func actionKey(acts map[string]bool) string {
	names := make([]string, 0, len(acts))
	for a := range acts {
		names = append(names, a)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// parentOf is an ARN's resource up to its last / (or, without one, its
// last : after the account), "" for "*" and ARNs without either.
func parentOf(r string) string {
	if r == "*" {
		return ""
	}
	i := strings.LastIndexByte(r, '/')
	if i < 0 {
		// arn:p:svc:region:account:type:name → arn:p:svc:region:account:type:
		if strings.Count(r, ":") < 6 {
			return ""
		}
		i = strings.LastIndexByte(r, ':')
	}
	return r[:i+1]
}
