package analysis

import (
	"strings"
	"testing"
)

const resAcct = "222233334444"

// resourceAccount is account B: a role delegated ECR pulls, a role with
// other work, and a same-account queue whose policy names the second role.
func resourceAccount(t *testing.T, policies string) *Graph {
	t.Helper()
	role := func(name, doc string) RoleDetail {
		return RoleDetail{RoleName: name, Arn: "arn:aws:iam::" + resAcct + ":role/" + name,
			AssumeRolePolicyDocument: Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + resAcct + `:root"},"Action":"sts:AssumeRole"}]}`),
			RolePolicyList:           []PolicyDetail{{PolicyName: "p", PolicyDocument: Document(doc)}}}
	}
	d := &Dump{RoleDetailList: []RoleDetail{
		role("puller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"}]}`),
		role("worker", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`),
	}}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := ReadResourcePolicies(strings.NewReader(policies))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddResourcePolicies(lines); err != nil {
		t.Fatal(err)
	}
	return BuildGraph(a)
}

const repoA = "arn:aws:ecr:us-east-1:111100002222:repository/app"
const queueB = "arn:aws:sqs:us-east-1:" + resAcct + ":jobs"

var resourcePolicies = `# gathered with aws ecr get-repository-policy, aws sqs get-queue-attributes
{"arn":"` + repoA + `","policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + resAcct + `:root","arn:aws:iam::999900001111:root"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}}
{"arn":"` + queueB + `","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::` + resAcct + `:role/worker\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"` + queueB + `\"}]}"}
`

func TestResourcePolicyCrossAccount(t *testing.T) {
	g := resourceAccount(t, resourcePolicies)
	got := map[string]Access{}
	for _, r := range g.WhoCan("ecr:BatchGetImage", repoA, nil) {
		got[r.Principal] = r
	}
	// B's root is granted; in B, only puller's policies delegate the pull.
	if _, ok := got["arn:aws:iam::"+resAcct+":role/puller"]; !ok {
		t.Errorf("puller missing: %+v", got)
	}
	if _, ok := got["arn:aws:iam::"+resAcct+":role/worker"]; ok {
		t.Errorf("worker listed: B's root is granted, but worker's policies do not delegate ECR")
	}
	// Another account named by the policy decides its own side.
	if c, ok := got["arn:aws:iam::999900001111:root"]; !ok || c.Kind != KindAccount || c.Via[0].Detail != "resource policy" {
		t.Errorf("third account: %+v", c)
	}
	if len(got) != 2 {
		t.Errorf("answers: %+v", got)
	}
	// Without the repository's policy, nobody of B may pull from A.
	none := resourceAccount(t, "")
	if res := none.WhoCan("ecr:BatchGetImage", repoA, nil); len(res) != 0 {
		t.Errorf("no resource policy: %+v", res)
	}
}

func TestResourcePolicySameAccount(t *testing.T) {
	g := resourceAccount(t, resourcePolicies)
	worker := "arn:aws:iam::" + resAcct + ":role/worker"
	res := g.WhoCan("sqs:SendMessage", queueB, nil)
	if len(res) != 1 || res[0].Principal != worker || res[0].Via[0].Detail != "resource policy" {
		t.Errorf("who-can sqs:SendMessage: %+v", res)
	}
	e, _ := g.Account.Entity(worker)
	found := false
	for _, p := range g.WhatCan(e, "sqs").Actions {
		found = found || p.Action == "sqs:SendMessage" && p.Resource == queueB && strings.HasSuffix(p.Policy, "#ResourcePolicy")
	}
	if !found {
		t.Errorf("what-can worker: no sqs:SendMessage on the queue")
	}
	puller, _ := g.Account.Entity("arn:aws:iam::" + resAcct + ":role/puller")
	if ps := g.WhatCan(puller, "sqs").Actions; len(ps) != 0 {
		t.Errorf("what-can puller: %+v", ps)
	}
	if steps, ok := g.Path(worker, "sqs:SendMessage", queueB); !ok || steps[len(steps)-1].Detail != "resource policy" {
		t.Errorf("path: %v %+v", ok, steps)
	}
	// Assuming worker gets the grant too (the account trusts itself).
	if steps, ok := g.Path("arn:aws:iam::"+resAcct+":role/puller", "sqs:SendMessage", queueB); ok {
		t.Errorf("puller reaches the queue: %+v", steps)
	}
}

func TestReadResourcePoliciesErrors(t *testing.T) {
	for _, bad := range []string{`{"arn":"x","policy":{}}`, `{"arn":"arn:aws:s3:::b"}`, `not json`, `{"arn":"arn:aws:s3:::b","policy":"{not"}`} {
		lines, err := ReadResourcePolicies(strings.NewReader(bad))
		if err == nil {
			a, _ := NewAccount(&Dump{})
			err = a.AddResourcePolicies(lines)
		}
		if err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
