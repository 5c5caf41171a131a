package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// who-can over a dump with a resource policies file: a repository of
// another account granting this account's root, delegated to one role.
func TestWhoCanResourcePoliciesFile(t *testing.T) {
	dir := t.TempDir()
	dump := writeFile(t, dir, "b.json", `{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[
 {"RoleName":"puller","Arn":"arn:aws:iam::222233334444:role/puller","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},
  "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}]}}]},
 {"RoleName":"worker","Arn":"arn:aws:iam::222233334444:role/worker","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},
  "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}]}]}`)
	res := writeFile(t, dir, "resources.jsonl", `{"arn":"arn:aws:ecr:us-east-1:111100002222:repository/app","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::222233334444:root\"},\"Action\":\"ecr:BatchGetImage\"}]}"}`+"\n")
	code, out, errOut := runCLI(t, "who-can", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111100002222:repository/app", "--from", dump, "--resource-policies", res, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var who []struct{ Principal string }
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatal(err)
	}
	if len(who) != 1 || who[0].Principal != "arn:aws:iam::222233334444:role/puller" {
		t.Errorf("who-can: %s", out)
	}
	// Without the file: nobody.
	if _, out, _ := runCLI(t, "who-can", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111100002222:repository/app", "--from", dump, "--format", "json"); strings.Contains(out, "puller") {
		t.Errorf("without resource policies: %s", out)
	}
	bad := writeFile(t, dir, "bad.jsonl", "{not json\n")
	if code, _, _ := runCLI(t, "who-can", "ecr:BatchGetImage", "*", "--from", dump, "--resource-policies", bad); code != 2 {
		t.Errorf("bad resource policies: exit %d", code)
	}
}
