package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// BenchmarkListPoliciesGenerated is what a policy search reads after a
// change (console/searchcache.go): every page of ListPolicies, 1,000
// policies a page, of the generated account's 20,000 customer managed
// policies and the AWS managed ones, straight from the service. Each
// policy carries its AttachmentCount and PermissionsBoundaryUsageCount.
func BenchmarkListPoliciesGenerated(b *testing.B) {
	inst := generatedAccount(b)
	ctx := rootCtx(inst)
	walk := func() int {
		n := 0
		var marker *string
		for {
			out, err := inst.IAM.ListPolicies(ctx, &iamapi.ListPoliciesInput{MaxItems: ptr(int32(1000)), Marker: marker})
			if err != nil {
				b.Fatal(err)
			}
			n += len(out.Policies)
			if out.IsTruncated == nil || !*out.IsTruncated {
				return n
			}
			marker = out.Marker
		}
	}
	walk()
	start := cpuTime()
	for b.Loop() {
		if n := walk(); n < 20000 {
			b.Fatalf("%d policies", n)
		}
	}
	cpuMetric(b, start)
}

// BenchmarkPolicySearchAfterChange is the console's first policy search
// after a change (a policy tagged, which a list shows): the kept list is
// read again, every page of ListPolicies, then searched. Signed in as an
// administrator; the change is made through the service, untimed.
func BenchmarkPolicySearchAfterChange(b *testing.B) {
	inst := generatedAccount(b)
	ctx := rootCtx(inst)
	const admin = "search-admin"
	if _, err := inst.IAM.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr(admin)}); err != nil {
		pw := consolePassword
		if _, err := inst.IAM.CreateUser(ctx, &iamapi.CreateUserInput{UserName: admin}); err != nil {
			b.Fatal(err)
		}
		if _, err := inst.IAM.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr(admin), Password: &pw}); err != nil {
			b.Fatal(err)
		}
		if err := inst.IAM.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: admin, PolicyName: "p", PolicyDocument: adminPolicy}); err != nil {
			b.Fatal(err)
		}
	}
	br := signedIn(b, inst.URL, inst.Account, admin, consolePassword)
	policy := "arn:aws:iam::" + inst.Account + ":policy/policy-42"
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if err := inst.IAM.TagPolicy(ctx, &iamapi.TagPolicyInput{PolicyArn: policy, Tags: []iamapi.Tag{{Key: "n", Value: strconv.Itoa(i)}}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := cpuTime()
		if code, body := br.get("/console/policies?q=policy-1999"); code != 200 || !strings.Contains(body, "policy-1999") {
			b.Fatalf("search: %d", code)
		}
		cpu += cpuTime() - start
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
