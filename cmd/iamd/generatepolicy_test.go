package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// auditLine is a record as iamd serve (or its gateway) writes it.
func auditLine(caller, at, action, resource, decision string) string {
	source, name, _ := strings.Cut(action, ":")
	code := ""
	if decision != "allowed" {
		code = "AccessDenied"
	}
	b, _ := json.Marshal(map[string]any{"eventVersion": "1.08", "eventTime": at, "eventSource": source + ".amazonaws.com", "eventName": name,
		"userIdentity": map[string]string{"type": "AssumedRole", "arn": caller, "accountId": "111122223333"}, "decision": decision, "errorCode": code,
		"authorizations": []map[string]string{{"action": action, "resource": resource, "decision": decision}}})
	return string(b)
}

func TestGeneratePolicyCommand(t *testing.T) {
	data := t.TempDir()
	dump := writeFile(t, data, "dump.json", `{"UserDetailList":[],"GroupDetailList":[],"Policies":[],
 "RoleDetailList":[{"RoleName":"app","Path":"/svc/","Arn":"arn:aws:iam::111122223333:role/svc/app",
   "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]},
   "RolePolicyList":[{"PolicyName":"broad","PolicyDocument":{"Version":"2012-10-17","Statement":[
     {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/*"},
     {"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}}]}]}`)
	if code, out, errOut := runCLI(t, "import", dump, "--data", data, "--account-id", "111122223333"); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	s1, s2 := "arn:aws:sts::111122223333:assumed-role/app/one", "arn:aws:sts::111122223333:assumed-role/app/two"
	writeFile(t, data, "audit.log", strings.Join([]string{
		auditLine(s1, "2026-03-01T10:00:00Z", "s3:GetObject", "arn:aws:s3:::data/in.csv", "allowed"),
		auditLine(s2, "2026-03-02T10:00:00Z", "s3:GetObject", "arn:aws:s3:::data/in2.csv", "allowed"),
		auditLine(s2, "2026-03-02T11:00:00Z", "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/t", "implicitDeny"),
		auditLine("arn:aws:sts::111122223333:assumed-role/other/x", "2026-03-02T11:00:00Z", "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q", "allowed"),
		`{"eventSource": "s3.amazonaws.com", "eventName": `, // cut short by a crash
		"",
	}, "\n"))

	code, out, errOut := runCLI(t, "generate-policy", "--principal", s1, "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Statement []struct {
			Action, Resource []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Statement) != 2 || doc.Statement[0].Action[0] != "dynamodb:PutItem" ||
		strings.Join(doc.Statement[1].Resource, " ") != "arn:aws:s3:::data/in.csv arn:aws:s3:::data/in2.csv" || strings.Contains(out, "sqs") {
		t.Fatalf("policy:\n%s", out)
	}
	for _, want := range []string{"skipped 1 malformed lines", "denied (included: the application tried it): dynamodb:PutItem on arn:aws:dynamodb:us-east-1:111122223333:table/t", "3 records of"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	// --since, as a time and as a duration.
	code, out, _ = runCLI(t, "generate-policy", "--principal", "arn:aws:iam::111122223333:role/svc/app", "--audit-log", filepath.Join(data, "audit.log"), "--since", "2026-03-02T10:30:00Z")
	if code != 0 || strings.Contains(out, "s3:") || !strings.Contains(out, "dynamodb:PutItem") {
		t.Fatalf("--since: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "generate-policy", "--principal", s1, "--data", data, "--since", "1h"); code != 1 || !strings.Contains(errOut, "no authorized") {
		t.Errorf("--since 1h (nothing recent): %d %s", code, errOut)
	}
	if got, err := parseSince("24h", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil || !got.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("parseSince 24h: %v %v", got, err)
	}

	// --unused: the role's grants never exercised.
	code, out, errOut = runCLI(t, "generate-policy", "--principal", s2, "--data", data, "--unused")
	if code != 0 {
		t.Fatalf("--unused: %d %s", code, errOut)
	}
	for _, want := range []string{"s3: 2 granted, 1 used", "unused s3:PutObject", "arn:aws:s3:::data/*", "sqs: 1 granted, none used", "2 of 3 granted actions on resources never used"} {
		if !strings.Contains(out, want) {
			t.Errorf("--unused lacks %q:\n%s", want, out)
		}
	}

	for _, bad := range [][]string{
		{"generate-policy", "--data", data},
		{"generate-policy", "--principal", "arn:aws:iam::111122223333:group/g", "--data", data},
		{"generate-policy", "--principal", s1},
		{"generate-policy", "--principal", s1, "--audit-log", filepath.Join(data, "none.log")},
		{"generate-policy", "--principal", s1, "--data", data, "--since", "last week"},
		{"generate-policy", "--principal", s1, "--audit-log", filepath.Join(data, "audit.log"), "--unused"},
		{"generate-policy", "--principal", "arn:aws:iam::111122223333:user/nobody", "--data", data, "--unused"},
	} {
		if code, _, _ := runCLI(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}
