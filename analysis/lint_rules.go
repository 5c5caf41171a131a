package analysis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iamd/iamd/policy/validate"
)

// LintRule describes one lint rule: its id, the severity it reports at
// (some rules at several, by what the finding risks) and what it checks.
type LintRule struct {
	ID          string
	Severity    string
	Description string
	Profiles    []string
}

// Rule profiles: --rules picks one or more, and single rules (a leading
// "-" removes one).
const (
	ProfileSecurity      = "security"       // access that can be abused now
	ProfileCredentials   = "credentials"    // the credential report's rules
	ProfileHygiene       = "hygiene"        // policies that are hard to review or do not do what they say
	ProfileBestPractices = "best-practices" // AWS's IAM best practices, as the seed articles list them
)

var sec, cred, hyg, bp = ProfileSecurity, ProfileCredentials, ProfileHygiene, ProfileBestPractices

// LintRules are every rule, sorted by id.
var LintRules = []LintRule{
	{"access-key-never-used", "warning (info when recent)", "an active access key never used", []string{sec, cred, bp}},
	{"access-key-old", "warning", "an active access key older than --max-age-days", []string{sec, cred, bp}},
	{"access-key-unused", "warning", "an active access key unused for --max-age-days", []string{sec, cred, bp}},
	{"allow-not-action", "error", `Allow with NotAction on "Resource": "*"`, []string{sec}},
	{"condition-key-not-applicable", "warning", "a condition key none of the statement's actions has", []string{hyg}},
	{"console-without-mfa", "error", "a console password without MFA", []string{sec, cred, bp}},
	{"idle-user", "warning", "a user that has not signed in or used a key for --max-age-days", []string{sec, cred, bp}},
	{"inline-policy", "warning on users, info on groups and roles", "an inline policy", []string{hyg, bp}},
	{"invalid-policy", "error", "a policy that does not parse (grants nothing)", []string{sec, hyg}},
	{"mfa-deny-bool-false", "error", `a Deny on Bool aws:MultiFactorAuthPresent "false": long-term keys pass it`, []string{sec, bp}},
	{"passrole-wildcard", "error", "iam:PassRole on every role", []string{sec, bp}},
	{"redundant-statement", "info", "an Allow another statement of the policy covers", []string{hyg}},
	{"resource-type-mismatch", "warning", "a resource no action of the statement acts on", []string{hyg}},
	{"root-access-key", "error", "an access key of the root user", []string{sec, cred, bp}},
	{"root-no-mfa", "error", "a root user without MFA", []string{sec, cred, bp}},
	{"service-wildcard", "warning", "service:* on a sensitive service", []string{sec, bp}},
	{"shadowed-statement", "warning", "an Allow a Deny of the same principal always overrides", []string{hyg}},
	{"trust-any-principal", "error", "a trust policy open to any principal", []string{sec, bp}},
	{"trust-any-principal-conditional", "warning", "a trust policy open to any principal but for conditions", []string{sec}},
	{"trust-cross-account-no-condition", "warning", "another account trusted without a condition", []string{sec}},
	{"trust-oidc-no-subject", "error", "an OIDC provider trusted without a condition on the subject", []string{sec}},
	{"two-active-keys", "warning", "a user with two active access keys", []string{cred, bp}},
	{"unknown-action", "error in a Deny, warning in an Allow", "an action or pattern the catalogue does not know", []string{sec, hyg}},
	{"unresolved-policy", "warning", "an attached managed policy the dump does not hold", []string{hyg}},
	{"user-attached-policy", "warning", "a managed policy attached to a user, not a group", []string{hyg, bp}},
	{"user-no-group", "warning (info without policies)", "a user in no group", []string{hyg, bp}},
	{"wildcard-action", "error", `"Action": "*" in an Allow`, []string{sec, bp}},
	{"wildcard-resource-read", "warning", `read actions of sensitive services on "Resource": "*"`, []string{sec}},
	{"wildcard-resource-write", "warning", `write actions on "Resource": "*"`, []string{sec}},
}

func init() {
	LintRules = append(LintRules, analyzerRules()...)
	sort.Slice(LintRules, func(i, j int) bool { return LintRules[i].ID < LintRules[j].ID })
}

// analyzerRules are IAM Access Analyzer's policy checks as lint reports
// them (aa-<issue code>), but for those lint's own rules already make.
func analyzerRules() []LintRule {
	var out []LintRule
	for code, typ := range validate.IssueCodes() {
		if lintCovers[code] {
			continue
		}
		r := LintRule{ID: analyzerRuleID(code), Description: "IAM Access Analyzer's " + code + " policy check", Profiles: []string{hyg}}
		switch typ {
		case validate.Error:
			r.Severity = "error"
			r.Profiles = []string{sec, hyg}
		case validate.SecurityWarning:
			r.Severity = "warning"
			r.Profiles = []string{sec}
		case validate.Warning:
			r.Severity = "warning"
		default:
			r.Severity = "info"
		}
		out = append(out, r)
	}
	return out
}

func analyzerRuleID(code string) string {
	return "aa-" + strings.ReplaceAll(strings.ToLower(code), "_", "-")
}

// Profiles lists the rule profiles.
func Profiles() []string {
	return []string{"all", ProfileSecurity, ProfileCredentials, ProfileHygiene, ProfileBestPractices}
}

// ParseRules reads --rules: comma-separated profiles ("all", "security",
// "credentials", "hygiene", "best-practices") and rule ids, a leading "-"
// removing a rule or profile. Only removals start from all rules.
func ParseRules(spec string) (map[string]bool, error) {
	out := map[string]bool{}
	parts := strings.Split(spec, ",")
	onlyRemovals := true
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !strings.HasPrefix(p, "-") {
			onlyRemovals = false
		}
	}
	if onlyRemovals {
		parts = append([]string{"all"}, parts...)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		remove := strings.HasPrefix(p, "-")
		name := strings.TrimPrefix(p, "-")
		ids, err := ruleIDs(name)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if remove {
				delete(out, id)
			} else {
				out[id] = true
			}
		}
	}
	return out, nil
}

func ruleIDs(name string) ([]string, error) {
	var ids []string
	for _, r := range LintRules {
		if name == "all" || r.ID == name || contains(r.Profiles, name) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		known := append(Profiles(), func() []string {
			var x []string
			for _, r := range LintRules {
				x = append(x, r.ID)
			}
			sort.Strings(x)
			return x
		}()...)
		return nil, fmt.Errorf("no rule or profile %q (have %s)", name, strings.Join(known, ", "))
	}
	return ids, nil
}
