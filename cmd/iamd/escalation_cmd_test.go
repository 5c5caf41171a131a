package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEscalationTechniquesFlag(t *testing.T) {
	code, out, errOut := runCLI(t, "escalation", "--techniques")
	if code != 0 || !strings.Contains(out, "cloudformation-001") || !strings.Contains(out, "iam-016") || !strings.Contains(out, "lambda-003") || !strings.Contains(out, "84 techniques") {
		t.Fatalf("--techniques: %d %s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "escalation", "--techniques", "--format", "json")
	var ts []struct{ ID, Category, Name string }
	if code != 0 || json.Unmarshal([]byte(out), &ts) != nil || len(ts) != 84 {
		t.Fatalf("--techniques json: %d %s", code, out)
	}
	n := map[string]int{}
	for _, x := range ts {
		if !strings.HasPrefix(x.ID, "iamd-") {
			n[x.Category]++
		}
	}
	if n["self-escalation"] != 8 || n["principal-access"] != 14 || n["new-passrole"] != 44 || n["existing-passrole"] != 15 {
		t.Errorf("catalogue paths by category: %v", n)
	}
}

// A role allowed CreateStack only on stack/app-*/* and PassRole on an
// administrator role CloudFormation trusts is found; an SCP that denies
// PassRole takes the finding away, and a bad SCP file is refused.
func TestEscalationScopedStackAndSCP(t *testing.T) {
	dir := t.TempDir()
	doc := func(s string) json.RawMessage {
		return json.RawMessage(`{"Version":"2012-10-17","Statement":[` + s + `]}`)
	}
	dump := map[string]any{
		"UserDetailList":  []any{},
		"GroupDetailList": []any{},
		"Policies":        []any{},
		"RoleDetailList": []any{
			map[string]any{"RoleName": "deployer", "Arn": "arn:aws:iam::123456789012:role/deployer",
				"AssumeRolePolicyDocument": doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}`),
				"RolePolicyList": []any{map[string]any{"PolicyName": "deploy", "PolicyDocument": doc(
					`{"Effect":"Allow","Action":"cloudformation:CreateStack","Resource":"arn:aws:cloudformation:*:123456789012:stack/app-*/*"},` +
						`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/cfn-admin"}`)}}},
			map[string]any{"RoleName": "cfn-admin", "Arn": "arn:aws:iam::123456789012:role/cfn-admin",
				"AssumeRolePolicyDocument": doc(`{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}`),
				"AttachedManagedPolicies":  []any{map[string]any{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}},
		},
	}
	b, _ := json.Marshal(dump)
	from := filepath.Join(dir, "dump.json")
	scp := filepath.Join(dir, "scp.json")
	bad := filepath.Join(dir, "bad.json")
	for name, text := range map[string]string{from: string(b),
		scp: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}`,
		bad: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, "escalation", "--from", from, "--format", "json")
	var esc []struct {
		Principal string
		Steps     []struct{ Kind, Technique string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &esc) != nil || len(esc) != 1 || esc[0].Principal != "arn:aws:iam::123456789012:role/deployer" || esc[0].Steps[0].Technique != "cloudformation-001" {
		t.Fatalf("escalation: %d %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "escalation", "--from", from, "--scp", scp, "--fail")
	if code != 0 || !strings.Contains(out, "0 principals can escalate") {
		t.Fatalf("escalation --scp: %d %s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "escalation", "--from", from, "--scp", bad)
	if code == 0 || !strings.Contains(errOut, "bad.json") {
		t.Fatalf("escalation with a bad SCP: %d %s%s", code, out, errOut)
	}
}
