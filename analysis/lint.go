package analysis

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/policy/validate"
)

// Severity orders findings.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string { return [...]string{"info", "warning", "error"}[s] }

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, bool) {
	switch strings.ToLower(s) {
	case "info":
		return Info, true
	case "warning":
		return Warning, true
	case "error":
		return Error, true
	}
	return 0, false
}

// Finding is one departure from good practice.
type Finding struct {
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	ARN       string   `json:"arn"`
	Policy    string   `json:"policy,omitempty"`
	Statement string   `json:"statement,omitempty"`
	Message   string   `json:"message"`
	Fix       string   `json:"fix"`
}

// LintOptions tune the credential rules.
type LintOptions struct {
	Credentials []CredentialRow // the credential report; nil skips its rules
	Now         time.Time       // "now" for ages; required with Credentials
	MaxAge      time.Duration   // keys and idleness (default 90 days)
	// Rules selects the rules reported (see ParseRules); nil: all.
	Rules map[string]bool
}

// sensitiveServices are those where a service-wide wildcard is as good as
// administrator access to the account or its data.
var sensitiveServices = map[string]bool{"iam": true, "sts": true, "kms": true, "organizations": true, "secretsmanager": true,
	"s3": true, "ec2": true, "lambda": true, "cloudtrail": true, "account": true, "ssm": true, "dynamodb": true, "rds": true}

// Lint checks an account. Findings come sorted by severity (worst first),
// then entity, rule and policy.
func Lint(a *Account, opt LintOptions) []Finding {
	l := &linter{a: a}
	if opt.MaxAge == 0 {
		opt.MaxAge = 90 * 24 * time.Hour
	}
	for _, u := range a.Users {
		if len(u.Groups) == 0 {
			// Permissions held outside any group are what the rule is about;
			// a user with none is only untidy.
			sev := Info
			if len(u.Inline)+len(u.Attached) > 0 {
				sev = Warning
			}
			l.add("user-no-group", sev, u.ARN, "", "", "user "+u.Name+" is in no group", "manage its permissions through a group")
		}
		for _, p := range u.Attached {
			l.add("user-attached-policy", Warning, u.ARN, p.ID(), "", "managed policy "+p.Name+" is attached directly to user "+u.Name, "attach it to a group and add the user to the group")
		}
	}
	for _, e := range append(append(append([]*Entity{}, a.Users...), a.Groups...), a.Roles...) {
		for _, p := range e.Inline {
			sev := Info
			if e.Kind == KindUser {
				sev = Warning // a user's own access, outside any group
			}
			l.add("inline-policy", sev, e.ARN, p.ID(), "", fmt.Sprintf("%s %s has inline policy %s", e.Kind, e.Name, p.Name), "move it to a customer managed policy (versioned, reusable, reviewable)")
			l.document(e.ARN, p, true)
		}
	}
	for _, ref := range a.Unresolved {
		l.add("unresolved-policy", Warning, ref, ref, "", "managed policy "+ref+" is attached but neither the dump nor the AWS managed catalogue has it", "export with the AWSManagedPolicy filter too, or remove the attachment")
	}
	arns := make([]string, 0, len(a.Managed))
	for k := range a.Managed {
		arns = append(arns, k)
	}
	sort.Strings(arns)
	for _, k := range arns {
		p := a.Managed[k]
		if p == nil {
			continue
		}
		if isAWSManaged(k) {
			// Not the account's to fix; say so only where it is used as admin.
			continue
		}
		// A policy used only as a permissions boundary grants nothing: its
		// wildcards cap access, so only its syntax is checked.
		l.document(k, p, !boundaryOnly(a, k))
	}
	for _, e := range a.Principals() {
		l.shadowed(e)
	}
	for _, r := range a.Roles {
		l.trust(r)
	}
	if opt.Credentials == nil {
		opt.Credentials = a.Credentials
	}
	if opt.Credentials != nil {
		l.credentials(opt)
	}
	if opt.Rules != nil {
		kept := l.out[:0]
		for _, f := range l.out {
			if opt.Rules[f.Rule] {
				kept = append(kept, f)
			}
		}
		l.out = kept
	}
	sort.SliceStable(l.out, func(i, j int) bool {
		x, y := l.out[i], l.out[j]
		if x.Severity != y.Severity {
			return x.Severity > y.Severity
		}
		if x.ARN != y.ARN {
			return x.ARN < y.ARN
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Policy+x.Statement < y.Policy+y.Statement
	})
	return l.out
}

func isAWSManaged(policyARN string) bool { return strings.Contains(policyARN, ":iam::aws:policy/") }

type linter struct {
	a   *Account
	out []Finding
}

func (l *linter) add(rule string, sev Severity, entity, pol, stmt, msg, fix string) {
	l.out = append(l.out, Finding{Rule: rule, Severity: sev, ARN: entity, Policy: pol, Statement: stmt, Message: msg, Fix: fix})
}

func stmtName(st *policy.Statement) string {
	if st.Sid != "" {
		return fmt.Sprintf("%d (Sid %s)", st.Index, st.Sid)
	}
	return fmt.Sprint(st.Index)
}

// document checks one identity policy's statements.
func (l *linter) document(entity string, p *PolicyRef, identity bool) {
	if p.Doc == nil {
		l.add("invalid-policy", Error, entity, p.ID(), "", fmt.Sprintf("policy %s does not parse: %v", p.Name, p.Err), "fix the document; a policy that does not parse grants nothing")
		return
	}
	for _, st := range p.Doc.Statements {
		l.statement(entity, p, st, identity)
	}
	if identity {
		l.redundant(entity, p)
	}
	// A boundary-only policy grants nothing: only the analyzer's errors
	// (syntax, grammar) are about it.
	l.analyzer(entity, p, validate.Options{Type: validate.IdentityPolicy}, !identity)
}

// lintCovers are Access Analyzer's checks that lint's own rules already
// make (unknown-action, passrole-wildcard, redundant-statement,
// resource-type-mismatch, trust-any-principal): reported once.
var lintCovers = map[string]bool{"INVALID_ACTION": true, "INVALID_SERVICE_IN_ACTION": true, "PASS_ROLE_WITH_STAR_IN_RESOURCE": true,
	"PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": true, "REDUNDANT_STATEMENT": true, "RESOURCE_MISMATCH": true, "TRUST_POLICY_WILDCARD_PRINCIPAL": true}

// analyzer adds IAM Access Analyzer's policy checks (iamd validate) as
// rules named aa-<issue-code>.
func (l *linter) analyzer(entity string, p *PolicyRef, opt validate.Options, errorsOnly bool) {
	if len(p.Text) == 0 {
		return
	}
	for _, f := range validate.Policy(p.Text, opt) {
		if lintCovers[f.IssueCode] || errorsOnly && f.FindingType != validate.Error {
			continue
		}
		sev := Info
		switch f.FindingType {
		case validate.Error:
			sev = Error
		case validate.SecurityWarning, validate.Warning:
			sev = Warning
		}
		loc := f.Locations[0]
		msg := fmt.Sprintf("%s (line %d, column %d", f.FindingDetails, loc.Span.Start.Line, loc.Span.Start.Column+1)
		if path := validate.PathString(loc.Path); path != "" {
			msg += ", " + path
		}
		l.add(analyzerRuleID(f.IssueCode), sev, entity, p.ID(), "", msg+")", "see "+f.LearnMoreLink)
	}
}

// boundaryOnly reports whether a customer managed policy is used as a
// permissions boundary and attached nowhere.
func boundaryOnly(a *Account, policyARN string) bool {
	asBoundary, attached := false, false
	for _, e := range append(append([]*Entity{}, a.Users...), a.Roles...) {
		if e.Boundary != nil && e.Boundary.ARN == policyARN {
			asBoundary = true
		}
	}
	for _, e := range append(append(append([]*Entity{}, a.Users...), a.Groups...), a.Roles...) {
		for _, p := range e.Attached {
			attached = attached || p.ARN == policyARN
		}
	}
	if a.dump != nil {
		for _, mp := range a.dump.Policies {
			if mp.Arn == policyARN {
				if mp.PermissionsBoundaryUsageCount != nil && *mp.PermissionsBoundaryUsageCount > 0 {
					asBoundary = true
				}
				if mp.AttachmentCount != nil && *mp.AttachmentCount > 0 {
					attached = true
				}
			}
		}
	}
	return asBoundary && !attached
}

func (l *linter) statement(entity string, p *PolicyRef, st *policy.Statement, grants bool) {
	id, sn := p.ID(), stmtName(st)
	allow := strings.EqualFold(st.Effect, policy.Allow)
	if !allow {
		l.mfaTrap(entity, id, sn, st)
	}
	// Rules about what a statement grants apply to policies that grant:
	// in a boundary, an Allow only caps.
	allow = allow && grants
	resAll := st.Resource.Present && contains(st.Resource.List, "*")
	var expanded []CatalogAction
	for _, pat := range st.Action.List {
		acts := ExpandAction(pat)
		expanded = append(expanded, acts...)
		svc, name, _ := strings.Cut(pat, ":")
		switch {
		case pat == "*":
			if allow {
				l.add("wildcard-action", Error, entity, id, sn, `statement allows "Action": "*"`+onWhat(resAll), "list the actions the principal needs")
			}
			continue
		case len(acts) == 0:
			// A typo in an Allow grants nothing (fails closed); in a Deny
			// it denies nothing (fails open).
			sev := Warning
			if !strings.EqualFold(st.Effect, policy.Allow) {
				sev = Error
			}
			fix := "correct the action name (see the Service Authorization Reference)"
			if _, closest := CheckAction(pat); closest != "" {
				fix = "did you mean " + closest + "?"
			}
			if strings.ContainsAny(pat, "*?") {
				l.add("unknown-action", sev, entity, id, sn, "action pattern "+pat+" matches no action of the catalogue", "correct the service prefix or the pattern")
			} else if _, ok := Catalog().Services[strings.ToLower(svc)]; !ok {
				l.add("unknown-action", sev, entity, id, sn, "service prefix "+svc+" does not exist", fix)
			} else {
				l.add("unknown-action", sev, entity, id, sn, "action "+pat+" does not exist", fix)
			}
			continue
		}
		if allow && name == "*" && sensitiveServices[strings.ToLower(svc)] {
			l.add("service-wildcard", Warning, entity, id, sn, fmt.Sprintf("statement allows %s on sensitive service %s", pat, strings.ToLower(svc))+onWhat(resAll), "list the "+strings.ToLower(svc)+" actions needed")
		}
	}
	if st.NotAction.Present && allow {
		expanded = ExpandNotAction(st.NotAction.List, "")
		if resAll {
			l.add("allow-not-action", Error, entity, id, sn, fmt.Sprintf("statement allows every action except %s on every resource (%d actions)", strings.Join(st.NotAction.List, ", "), len(expanded)), "allow the actions needed instead of NotAction")
		}
	}
	if allow && resAll {
		var writes []string
		for _, a := range expanded {
			if (a.AccessLevel == "Write" || a.AccessLevel == "Permissions management") && len(a.Def.ResourceTypes) > 0 {
				writes = append(writes, a.Name)
			}
		}
		if len(writes) > 0 && !contains(st.Action.List, "*") {
			l.add("wildcard-resource-write", Warning, entity, id, sn, fmt.Sprintf(`statement allows %d write actions on "Resource": "*" (%s)`, len(writes), sample(writes)), "name the resources (ARNs) the actions need")
		}
		// Reading every object, secret, parameter, item or key of the
		// account is as much a leak as writing them.
		var reads []string
		for _, a := range expanded {
			if a.AccessLevel == "Read" && len(a.Def.ResourceTypes) > 0 && sensitiveServices[a.Service] && !st.HasCondition {
				reads = append(reads, a.Name)
			}
		}
		if len(reads) > 0 && !contains(st.Action.List, "*") {
			l.add("wildcard-resource-read", Warning, entity, id, sn, fmt.Sprintf(`statement allows %d read actions of sensitive services on "Resource": "*" (%s)`, len(reads), sample(reads)), "name the buckets, secrets, parameters, tables or keys the principal reads")
		}
	}
	if allow && (st.NotAction.Present && !matchesAny(st.NotAction.List, "iam:PassRole") || !st.NotAction.Present && matchesAny(st.Action.List, "iam:PassRole")) {
		for _, r := range resList(st) {
			if r == "*" || arn.Glob(r, "arn:"+l.a.Partition+":iam::"+l.a.ID+":role/*") && strings.HasSuffix(r, ":role/*") {
				l.add("passrole-wildcard", Error, entity, id, sn, "statement allows iam:PassRole on "+r+": the principal can hand any role to a service", "name the roles it may pass and add an iam:PassedToService condition")
				break
			}
		}
	}
	if !st.NotAction.Present {
		l.conditionKeys(entity, id, sn, st, expanded)
		l.resourceTypes(entity, id, sn, st)
	}
}

// mfaTrap flags a Deny meant to require MFA with Bool
// aws:MultiFactorAuthPresent "false": requests signed with a long-term
// access key carry no such key, the condition does not match, and the Deny
// does not apply to them.
func (l *linter) mfaTrap(entity, id, sn string, st *policy.Statement) {
	for _, c := range st.Condition {
		if !strings.EqualFold(c.Operator, "Bool") {
			continue
		}
		for _, e := range c.Entries {
			if strings.EqualFold(e.Key, "aws:MultiFactorAuthPresent") && contains(lowerAll(e.Values.List), "false") {
				l.add("mfa-deny-bool-false", Error, entity, id, sn, `Deny with "Bool": {"aws:MultiFactorAuthPresent": "false"} does not apply to requests signed with a long-term access key (they carry no such key)`, `use "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}`)
				return
			}
		}
	}
}

func lowerAll(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strings.ToLower(v)
	}
	return out
}

func onWhat(resAll bool) string {
	if resAll {
		return ` on "Resource": "*"`
	}
	return ""
}

func resList(st *policy.Statement) []string {
	if st.NotResource.Present {
		return []string{"*"}
	}
	return st.Resource.List
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sample(list []string) string {
	if len(list) > 3 {
		return strings.Join(list[:3], ", ") + ", ..."
	}
	return strings.Join(list, ", ")
}

// conditionKeys flags keys no action of the statement supports: such a
// condition never sees its key, so the statement never (or, with
// ...IfExists and negated operators, always) applies.
func (l *linter) conditionKeys(entity, id, sn string, st *policy.Statement, acts []CatalogAction) {
	if len(acts) == 0 {
		return
	}
	for _, c := range st.Condition {
		for _, ent := range c.Entries {
			k := strings.ToLower(ent.Key)
			if strings.HasPrefix(k, "aws:") {
				continue // global keys apply to every request (some only sometimes)
			}
			ok := false
			for _, a := range acts {
				if actionHasKey(a, k) {
					ok = true
					break
				}
			}
			if !ok {
				l.add("condition-key-not-applicable", Warning, entity, id, sn, fmt.Sprintf("condition key %s applies to none of the statement's actions", ent.Key), "use a key the actions support (see the Service Authorization Reference) or remove the condition")
			}
		}
	}
}

var templateVar = regexp.MustCompile(`\$\{[^}]*\}|<[^>]*>`)

func keyMatches(template, key string) bool {
	t := strings.ToLower(template)
	if t == key {
		return true
	}
	if i := strings.IndexAny(t, "$<"); i >= 0 {
		return arn.Glob(templateVar.ReplaceAllString(t, "*"), key)
	}
	return false
}

func actionHasKey(a CatalogAction, key string) bool {
	for _, t := range a.Def.ConditionKeys {
		if keyMatches(t, key) {
			return true
		}
	}
	for _, rt := range a.Def.ResourceTypes {
		for _, t := range rt.ConditionKeys {
			if keyMatches(t, key) {
				return true
			}
		}
		if def := a.Svc.ResourceTypes[rt.Name]; def != nil {
			for _, t := range def.ConditionKeys {
				if keyMatches(t, key) {
					return true
				}
			}
		}
	}
	return false
}

// resourceTypes flags resources no action of the statement can act on:
// for named actions, ARNs that cannot match any of their resource types
// (or any ARN at all, for actions that take only "*").
func (l *linter) resourceTypes(entity, id, sn string, st *policy.Statement) {
	if !st.Resource.Present || contains(st.Resource.List, "*") {
		return
	}
	var acts []CatalogAction
	for _, pat := range st.Action.List {
		x := ExpandAction(pat)
		if len(x) > 400 {
			return // too broad to say anything useful
		}
		acts = append(acts, x...)
		if len(x) == 1 && !strings.ContainsAny(pat, "*?") && len(x[0].Def.ResourceTypes) == 0 {
			l.add("resource-type-mismatch", Warning, entity, id, sn, fmt.Sprintf(`%s supports only "Resource": "*", so this statement never allows it`, x[0].Name), `allow it in a statement of its own with "Resource": "*"`)
		}
	}
	if len(acts) == 0 {
		return
	}
	for _, r := range st.Resource.List {
		if strings.Contains(r, "${") {
			continue // policy variables: resolved per request
		}
		fits := false
		for _, a := range acts {
			if resourceFits(a, r) {
				fits = true
				break
			}
		}
		if !fits {
			l.add("resource-type-mismatch", Warning, entity, id, sn, fmt.Sprintf("resource %s matches no resource type of the statement's actions (%s)", r, strings.Join(st.Action.List, ", ")), "use an ARN of a resource type the actions act on (see the Service Authorization Reference)")
		}
	}
}

func resourceFits(a CatalogAction, r string) bool {
	if len(a.Def.ResourceTypes) == 0 {
		return false
	}
	for _, rt := range a.Def.ResourceTypes {
		def := a.Svc.ResourceTypes[rt.Name]
		if def == nil {
			return true // the catalogue does not say: give it the benefit
		}
		if globsIntersect(templateVar.ReplaceAllString(def.ARN, "*"), r) {
			return true
		}
	}
	return false
}

// globsIntersect reports whether some ARN matches both ARN patterns, part
// by part as IAM matches resources (a wildcard does not cross the colons
// between the six parts).
func globsIntersect(a, b string) bool {
	pa, oka := arn.Split(a)
	pb, okb := arn.Split(b)
	if !oka || !okb {
		return a == "*" || b == "*" || globIntersect(a, b)
	}
	for i := range pa {
		if !globIntersect(pa[i], pb[i]) {
			return false
		}
	}
	return true
}

// globIntersect reports whether some string matches both patterns ('*'
// any run, '?' one character).
func globIntersect(a, b string) bool {
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var res bool
		switch {
		case i == len(a) && j == len(b):
			res = true
		case i < len(a) && a[i] == '*':
			res = rec(i+1, j) || j < len(b) && rec(i, j+1)
		case j < len(b) && b[j] == '*':
			res = rec(i, j+1) || i < len(a) && rec(i+1, j)
		case i < len(a) && j < len(b):
			res = (a[i] == b[j] || a[i] == '?' || b[j] == '?') && rec(i+1, j+1)
		}
		memo[k] = res
		return res
	}
	return rec(0, 0)
}

// covers reports whether statement big matches every request small does
// (ignoring small's conditions: big has none).
func covers(big, small *policy.Statement) bool {
	if big.HasCondition || big.NotAction.Present || big.NotResource.Present || small.NotAction.Present || small.NotResource.Present {
		return false
	}
	for _, a := range small.Action.List {
		if !matchesAny(big.Action.List, a) {
			return false
		}
	}
	for _, r := range small.Resource.List {
		ok := false
		for _, br := range big.Resource.List {
			if br == "*" || arn.Glob(br, r) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return len(small.Action.List) > 0 && len(small.Resource.List) > 0
}

// redundant flags Allow statements another Allow statement of the same
// policy already covers.
func (l *linter) redundant(entity string, p *PolicyRef) {
	sts := p.Doc.Statements
	for i, s := range sts {
		if !strings.EqualFold(s.Effect, policy.Allow) {
			continue
		}
		for j, t := range sts {
			if i == j || !strings.EqualFold(t.Effect, policy.Allow) || !covers(t, s) {
				continue
			}
			if covers(s, t) && j > i {
				continue // identical reach: report the later one only
			}
			l.add("redundant-statement", Info, entity, p.ID(), stmtName(s), fmt.Sprintf("statement %s allows nothing statement %s does not", stmtName(s), stmtName(t)), "remove the statement")
			break
		}
	}
}

// shadowed flags Allow statements of a principal's policies that an
// unconditional Deny of its policies entirely overrides.
func (l *linter) shadowed(e *Entity) {
	type at struct {
		p  *PolicyRef
		st *policy.Statement
	}
	var allows, denies []at
	for _, p := range e.Policies() {
		if p.Doc == nil || isAWSManaged(p.ARN) && !p.Inline {
			continue
		}
		for _, st := range p.Doc.Statements {
			if strings.EqualFold(st.Effect, policy.Allow) {
				allows = append(allows, at{p, st})
			} else {
				denies = append(denies, at{p, st})
			}
		}
	}
	for _, a := range allows {
		for _, d := range denies {
			if covers(d.st, a.st) {
				l.add("shadowed-statement", Warning, e.ARN, a.p.ID(), stmtName(a.st), fmt.Sprintf("statement %s never allows anything for %s: statement %s of %s denies all of it", stmtName(a.st), short(e.ARN), stmtName(d.st), d.p.ID()), "remove the Allow statement or narrow the Deny")
				break
			}
		}
	}
}

// trust checks a role's trust policy.
func (l *linter) trust(r *Entity) {
	if r.Trust == nil {
		return
	}
	if r.Trust.Doc == nil {
		l.add("invalid-policy", Error, r.ARN, r.Trust.ID(), "", "trust policy does not parse: "+fmt.Sprint(r.Trust.Err), "fix the trust policy")
		return
	}
	l.analyzer(r.ARN, r.Trust, validate.Options{Type: validate.ResourcePolicy, ResourceType: validate.TrustPolicy}, false)
	for _, st := range r.Trust.Doc.Statements {
		if !strings.EqualFold(st.Effect, policy.Allow) {
			continue
		}
		sn := stmtName(st)
		if st.NotPrincipal != nil {
			l.add("trust-any-principal", Error, r.ARN, r.Trust.ID(), sn, "trust policy allows every principal but those NotPrincipal names", "name the principals that may assume the role")
			continue
		}
		if st.Principal == nil {
			continue
		}
		anyone := st.Principal.Wildcard
		var foreign []string
		for _, ent := range st.Principal.Entries {
			if ent.Type == "Federated" {
				for _, v := range ent.Values.List {
					if strings.Contains(v, ":oidc-provider/") && !conditionOn(st, ":sub") {
						l.add("trust-oidc-no-subject", Error, r.ARN, r.Trust.ID(), sn, "role "+r.Name+" trusts "+v+" without a condition on the token's subject (sub): any identity of the provider may assume it", "add a StringEquals or StringLike condition on "+strings.TrimPrefix(v[strings.Index(v, ":oidc-provider/")+1:], "oidc-provider/")+":sub")
					}
				}
			}
			if ent.Type != "AWS" {
				continue
			}
			for _, v := range ent.Values.List {
				if v == "*" {
					anyone = true
				} else if p, err := policy.PrincipalFromARN(v); err == nil && p.Account != "" && p.Account != l.a.ID {
					foreign = append(foreign, v)
				} else if acct, ok := rootAccount(v); ok && acct != l.a.ID {
					foreign = append(foreign, v)
				}
			}
		}
		switch {
		case anyone && !st.HasCondition:
			l.add("trust-any-principal", Error, r.ARN, r.Trust.ID(), sn, "role "+r.Name+" may be assumed by any principal of any account", "name the principals, or add conditions such as aws:PrincipalOrgID")
		case anyone:
			l.add("trust-any-principal-conditional", Warning, r.ARN, r.Trust.ID(), sn, "role "+r.Name+" trusts any principal, limited only by conditions", "name the principals as well")
		case len(foreign) > 0 && !st.HasCondition:
			l.add("trust-cross-account-no-condition", Warning, r.ARN, r.Trust.ID(), sn, "role "+r.Name+" trusts "+strings.Join(foreign, ", ")+" without a condition", "require sts:ExternalId (third parties) or aws:PrincipalOrgID / MFA")
		}
	}
}

// conditionOn reports whether a statement has a condition on a key ending
// in suffix (any operator).
func conditionOn(st *policy.Statement, suffix string) bool {
	for _, c := range st.Condition {
		for _, e := range c.Entries {
			if strings.HasSuffix(strings.ToLower(e.Key), suffix) {
				return true
			}
		}
	}
	return false
}

func (l *linter) credentials(opt LintOptions) {
	days := func(d time.Duration) int { return int(d.Hours() / 24) }
	maxDays := days(opt.MaxAge)
	old := func(t *time.Time) bool { return t != nil && opt.Now.Sub(*t) > opt.MaxAge }
	for _, row := range opt.Credentials {
		who := row.ARN
		active := 0
		for i, k := range row.Keys {
			if !k.Active {
				continue
			}
			active++
			n := fmt.Sprintf("access key %d", i+1)
			if row.Root {
				if bootstrapKey(row, k) {
					// iamd serve makes this key with the account so that it
					// can be used at all: the setup's first step, not a leak.
					l.add("root-access-key", Warning, who, "", "", "the root user has an active "+n+", the one iamd created with the account", "create an administrator user or role with it, then delete the root key")
				} else {
					l.add("root-access-key", Error, who, "", "", "the root user has an active "+n, "delete the root user's access keys; use IAM roles or users")
				}
			}
			switch {
			case k.LastUsed == nil && old(k.LastRotated):
				l.add("access-key-never-used", Warning, who, "", "", fmt.Sprintf("%s of %s was created %d days ago and never used", n, row.User, days(opt.Now.Sub(*k.LastRotated))), "deactivate and delete the key")
			case k.LastUsed == nil:
				l.add("access-key-never-used", Info, who, "", "", fmt.Sprintf("%s of %s has never been used", n, row.User), "delete the key if it is not needed")
			case old(k.LastUsed):
				l.add("access-key-unused", Warning, who, "", "", fmt.Sprintf("%s of %s was last used %d days ago (more than %d)", n, row.User, days(opt.Now.Sub(*k.LastUsed)), maxDays), "deactivate and delete the key")
			}
			if old(k.LastRotated) {
				l.add("access-key-old", Warning, who, "", "", fmt.Sprintf("%s of %s is %d days old (more than %d)", n, row.User, days(opt.Now.Sub(*k.LastRotated)), maxDays), "rotate the key: create a new one, switch, delete the old")
			}
		}
		if active == 2 {
			l.add("two-active-keys", Warning, who, "", "", row.User+" has two active access keys", "keep one active key; the second is only for rotation")
		}
		if row.Root {
			if !row.MFAActive {
				sev := Error
				if onlyBootstrap(row) {
					sev = Warning // a fresh iamd account: nothing but the key it was made with
				}
				l.add("root-no-mfa", sev, who, "", "", "the root user has no MFA device", "enable MFA for the root user")
			}
			continue
		}
		if row.PasswordEnabled && !row.MFAActive {
			l.add("console-without-mfa", Error, who, "", "", row.User+" can sign in to the console without MFA", "enable an MFA device for the user, or require it by policy")
		}
		used := row.PasswordLastUsed
		for _, k := range row.Keys {
			if k.LastUsed != nil && (used == nil || k.LastUsed.After(*used)) {
				used = k.LastUsed
			}
		}
		switch {
		case used == nil && old(row.Created):
			l.add("idle-user", Warning, who, "", "", fmt.Sprintf("%s was created %d days ago and has never signed in or used a key", row.User, days(opt.Now.Sub(*row.Created))), "delete the user if it is not needed")
		case used != nil && old(used):
			l.add("idle-user", Warning, who, "", "", fmt.Sprintf("%s has not signed in or used a key for %d days", row.User, days(opt.Now.Sub(*used))), "delete or disable the user")
		}
	}
}

// bootstrapKey reports whether a root access key is the one iamd serve
// creates with an account (within a minute of the account): AWS creates
// root keys only when asked, never with the account.
func bootstrapKey(row CredentialRow, k KeyInfo) bool {
	if !row.Root || row.Created == nil || k.LastRotated == nil {
		return false
	}
	d := k.LastRotated.Sub(*row.Created)
	return d >= -time.Second && d < time.Minute
}

// onlyBootstrap reports whether the root user's only credential is the key
// iamd created with the account (no password used, no other active key).
func onlyBootstrap(row CredentialRow) bool {
	if row.PasswordLastUsed != nil {
		return false
	}
	n := 0
	for _, k := range row.Keys {
		if !k.Active {
			continue
		}
		if !bootstrapKey(row, k) {
			return false
		}
		n++
	}
	return n > 0
}
