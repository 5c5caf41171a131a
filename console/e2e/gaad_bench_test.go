package e2e

import (
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/server"
)

// The read half of a cold graph (BenchmarkGraphDataCold) on its own: the
// generated account through GetAccountAuthorizationDetails, in the
// console's pages of 1,000 entries per entity kind (the model's half is
// analysis's BenchmarkNewAccountGenerated).

// readGAAD reads the account as the graph does, straight from the service.
func readGAAD(b *testing.B, inst *server.Instance) *iamapi.GetAccountAuthorizationDetailsOutput {
	ctx := rootCtx(inst)
	all := &iamapi.GetAccountAuthorizationDetailsOutput{}
	for _, f := range []string{"User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"} {
		var marker *string
		for {
			out, err := inst.IAM.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{
				Filter: []string{f}, MaxItems: ptr(int32(1000)), Marker: marker})
			if err != nil {
				b.Fatal(err)
			}
			all.UserDetailList = append(all.UserDetailList, out.UserDetailList...)
			all.GroupDetailList = append(all.GroupDetailList, out.GroupDetailList...)
			all.RoleDetailList = append(all.RoleDetailList, out.RoleDetailList...)
			all.Policies = append(all.Policies, out.Policies...)
			if out.IsTruncated == nil || !*out.IsTruncated {
				break
			}
			marker = out.Marker
		}
	}
	return all
}

func ptr[T any](v T) *T { return &v }

// BenchmarkGAADGenerated reads the whole generated account.
func BenchmarkGAADGenerated(b *testing.B) {
	inst := generatedAccount(b)
	readGAAD(b, inst)
	start := cpuTime()
	for b.Loop() {
		out := readGAAD(b, inst)
		if len(out.Policies) < 20000 {
			b.Fatalf("%d policies", len(out.Policies))
		}
	}
	cpuMetric(b, start)
}
