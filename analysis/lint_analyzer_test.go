package analysis

import (
	"strings"
	"testing"
)

// Lint reports Access Analyzer's checks for every policy it reads, as
// aa-<issue code>, once each (not again where its own rules already say it).
func TestLintAccessAnalyzerFindings(t *testing.T) {
	d := &Dump{
		GroupDetailList: []GroupDetail{{GroupName: "g", Arn: "arn:aws:iam::123456789012:group/g",
			GroupPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: Document(`{"Statement":[
{"Effect":"Allow","Action":["s3:GetObject","s4:Nope"],"Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:MultiFactorAuthAge":"10"}}}]}`)}}}},
		RoleDetailList: []RoleDetail{{RoleName: "r", Arn: "arn:aws:iam::123456789012:role/r",
			AssumeRolePolicyDocument: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"BoolIfExists":{"aws:SecureTransport":"true"}}}]}`)}},
	}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Finding{}
	var rules []string
	for _, f := range Lint(a, LintOptions{}) {
		got[f.Rule] = f
		rules = append(rules, f.Rule)
	}
	for rule, sev := range map[string]Severity{"aa-missing-version": Warning, "aa-type-mismatch": Warning, "aa-if-exists-on-always-present-key": Info} {
		f, ok := got[rule]
		if !ok {
			t.Errorf("no %s in %v", rule, rules)
			continue
		}
		if f.Severity != sev || !strings.Contains(f.Message, "line ") || !strings.Contains(f.Fix, "access-analyzer-reference-policy-checks") {
			t.Errorf("%s: %+v", rule, f)
		}
	}
	if got["aa-if-exists-on-always-present-key"].ARN != "arn:aws:iam::123456789012:role/r" {
		t.Errorf("trust finding on %s", got["aa-if-exists-on-always-present-key"].ARN)
	}
	// The unknown service: lint's unknown-action, not a second aa- finding.
	if _, ok := got["unknown-action"]; !ok {
		t.Errorf("no unknown-action in %v", rules)
	}
	if _, ok := got["aa-invalid-service-in-action"]; ok {
		t.Errorf("reported twice: %v", rules)
	}
}
