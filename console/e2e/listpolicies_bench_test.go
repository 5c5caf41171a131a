package e2e

import (
	"testing"

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
