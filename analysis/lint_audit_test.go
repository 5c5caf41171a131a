package analysis

import (
	"os"
	"testing"
	"time"
)

func lintOne(t *testing.T, d *Dump, opt LintOptions) map[string][]Finding {
	t.Helper()
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]Finding{}
	for _, f := range Lint(a, opt) {
		out[f.Rule] = append(out[f.Rule], f)
	}
	return out
}

func managed(name, doc string) ManagedPolicyDetail {
	return ManagedPolicyDetail{PolicyName: name, Arn: "arn:aws:iam::123456789012:policy/" + name, DefaultVersionId: "v1",
		PolicyVersionList: []PolicyVersion{{VersionId: "v1", IsDefaultVersion: true, Document: Document(doc)}}}
}

// A policy used only as a permissions boundary caps access: its wildcards
// are not grants. Attached as well, it is linted as one.
func TestLintBoundaryOnlyPolicy(t *testing.T) {
	cap := managed("cap", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObjekt","Resource":"*"}]}`)
	user := UserDetail{UserName: "u", Arn: "arn:aws:iam::123456789012:user/u", GroupList: []string{"g"},
		PermissionsBoundary: &PermissionsBound{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: cap.Arn}}
	group := GroupDetail{GroupName: "g", Arn: "arn:aws:iam::123456789012:group/g"}
	got := lintOne(t, &Dump{UserDetailList: []UserDetail{user}, GroupDetailList: []GroupDetail{group}, Policies: []ManagedPolicyDetail{cap}}, LintOptions{})
	for _, r := range []string{"wildcard-action", "passrole-wildcard", "wildcard-resource-write", "wildcard-resource-read", "service-wildcard"} {
		if len(got[r]) > 0 {
			t.Errorf("boundary linted as a grant: %+v", got[r])
		}
	}
	if len(got["unknown-action"]) != 1 {
		t.Errorf("the boundary's syntax is still checked: %+v", got)
	}
	group.AttachedManagedPolicies = []AttachedPolicy{{PolicyName: "cap", PolicyArn: cap.Arn}}
	got = lintOne(t, &Dump{UserDetailList: []UserDetail{user}, GroupDetailList: []GroupDetail{group}, Policies: []ManagedPolicyDetail{cap}}, LintOptions{})
	if len(got["wildcard-action"]) != 1 || got["wildcard-action"][0].Severity != Error {
		t.Errorf("attached too: %+v", got["wildcard-action"])
	}
}

func TestLintMFATrapAndWildcardReads(t *testing.T) {
	tests := []struct {
		name, stmt, rule string
		want             bool
	}{
		{"Bool false: long-term keys pass", `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`, "mfa-deny-bool-false", true},
		{"Bool false as a JSON boolean", `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":false}}}`, "mfa-deny-bool-false", true},
		{"BoolIfExists false is right", `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`, "mfa-deny-bool-false", false},
		{"an Allow requiring MFA", `{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:us-east-1:123456789012:instance/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`, "mfa-deny-bool-false", false},
		{"reading every secret", `{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}`, "wildcard-resource-read", true},
		{"reading every object", `{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}`, "wildcard-resource-read", true},
		{"reading one bucket", `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, "wildcard-resource-read", false},
		{"listing is not reading data", `{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}`, "wildcard-resource-read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dump{GroupDetailList: []GroupDetail{{GroupName: "g", Arn: "arn:aws:iam::123456789012:group/g",
				GroupPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: Document(`{"Version":"2012-10-17","Statement":[` + tt.stmt + `]}`)}}}}}
			got := lintOne(t, d, LintOptions{})
			if (len(got[tt.rule]) > 0) != tt.want {
				t.Errorf("%s: %+v", tt.rule, got)
			}
		})
	}
}

func TestLintRuleProfiles(t *testing.T) {
	g := fixture(t)
	rows := fixtureReport(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	known := map[string]LintRule{}
	for _, r := range LintRules {
		known[r.ID] = r
	}
	for _, f := range Lint(g.Account, LintOptions{Credentials: rows, Now: now}) {
		if _, ok := known[f.Rule]; !ok {
			t.Errorf("rule %s is not in LintRules", f.Rule)
		}
	}
	credOnly, err := ParseRules("credentials")
	if err != nil {
		t.Fatal(err)
	}
	fs := Lint(g.Account, LintOptions{Credentials: rows, Now: now, Rules: credOnly})
	if len(fs) == 0 {
		t.Fatal("no credential findings")
	}
	for _, f := range fs {
		if !contains(known[f.Rule].Profiles, ProfileCredentials) {
			t.Errorf("credentials profile reported %s", f.Rule)
		}
	}
	minus, _ := ParseRules("-user-no-group,-inline-policy")
	for _, f := range Lint(g.Account, LintOptions{Rules: minus}) {
		if f.Rule == "user-no-group" || f.Rule == "inline-policy" {
			t.Errorf("removed rule reported: %+v", f)
		}
	}
	mixed, _ := ParseRules("security,redundant-statement,-idle-user")
	if !mixed["redundant-statement"] || !mixed["wildcard-action"] || mixed["idle-user"] || mixed["inline-policy"] {
		t.Errorf("mixed: %v", mixed)
	}
	if _, err := ParseRules("loud"); err == nil {
		t.Errorf("unknown profile accepted")
	}
}

func fixtureReport(t *testing.T) []CredentialRow {
	t.Helper()
	f, err := os.Open("testdata/credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadCredentialReport(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The root key iamd creates with an account is a warning; any other root
// key an error.
func TestLintBootstrapRootKey(t *testing.T) {
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	later := created.Add(24 * time.Hour)
	now := created.Add(48 * time.Hour)
	for _, tt := range []struct {
		name    string
		rotated time.Time
		want    Severity
	}{{"made with the account", created, Warning}, {"made later", later, Error}} {
		rows := []CredentialRow{{User: "<root_account>", ARN: "arn:aws:iam::123456789012:root", Root: true, Created: &created,
			Keys: [2]KeyInfo{{Active: true, LastRotated: &tt.rotated}}}}
		got := lintOne(t, &Dump{}, LintOptions{Credentials: rows, Now: now})
		if len(got["root-access-key"]) != 1 || got["root-access-key"][0].Severity != tt.want {
			t.Errorf("%s: root-access-key %+v", tt.name, got["root-access-key"])
		}
		if len(got["root-no-mfa"]) != 1 || got["root-no-mfa"][0].Severity != tt.want {
			t.Errorf("%s: root-no-mfa %+v", tt.name, got["root-no-mfa"])
		}
	}
}
