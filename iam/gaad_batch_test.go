package iam_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
)

// GetAccountAuthorizationDetails reads each page's related records
// (versions, attachments, boundary uses, inline policies, groups,
// instance profiles) with one scan per kind instead of a query per entry.
// The account here has names that are prefixes of one another and paths,
// where the key ranges of those scans interleave: every page size gives
// the same entries as one page, and each entry agrees with the single
// entity calls.

func gaadAccount(t *testing.T) *seam {
	s := newSeam(t, nil)
	seedGAAD(t, s)
	return s
}

func seedGAAD(t *testing.T, s *seam) {
	ctx := s.root
	str := func(v string) *string { return &v }
	doc := func(i int) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"S%d","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, i)
	}
	var arns []string
	for i, p := range []struct{ name, path string }{{"p", "/"}, {"p1", "/"}, {"P10", "/a/"}, {"p100", "/a/b/"}, {"p1-x", "/"}, {"q", "/"}, {"p2", "/a/"}} {
		out, err := s.svc.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: p.name, Path: str(p.path), PolicyDocument: doc(i)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.Policy.Arn)
	}
	// Versions: p1 has four, P10 two with the second the default.
	for i := 0; i < 3; i++ {
		s.ok(s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: arns[1], PolicyDocument: doc(10 + i)}))
	}
	s.ok(s.svc.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: arns[2], PolicyDocument: doc(20), SetAsDefault: ptr(true)}))
	const aws1, aws2, aws3 = "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"
	for _, g := range []string{"g", "g1", "G10"} {
		s.ok(s.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: g}))
	}
	for i, u := range []string{"u", "u1", "U10", "u1x", "alice"} {
		in := &iamapi.CreateUserInput{UserName: u}
		if i%2 == 0 {
			in.Path = str("/eng/")
			in.Tags = []iamapi.Tag{{Key: "team", Value: u}}
		}
		s.ok(s.svc.CreateUser(ctx, in))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"u", "g"}, {"u", "g1"}, {"u1", "G10"}, {"U10", "g"}, {"u1x", "g1"}, {"u1x", "G10"}, {"u1x", "g"}} {
		must(s.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{UserName: m[0], GroupName: m[1]}))
	}
	for _, a := range [][2]string{{"u", arns[0]}, {"u", arns[1]}, {"u1", arns[1]}, {"U10", arns[3]}, {"u", aws1}, {"u1x", aws2}} {
		must(s.svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: a[0], PolicyArn: a[1]}))
	}
	for _, a := range [][2]string{{"g", arns[1]}, {"g1", arns[2]}, {"G10", aws2}, {"G10", arns[4]}} {
		must(s.svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: a[0], PolicyArn: a[1]}))
	}
	must(s.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u1", PolicyName: "in1", PolicyDocument: doc(30)}))
	must(s.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u1", PolicyName: "in0", PolicyDocument: doc(31)}))
	must(s.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u1x", PolicyName: "in", PolicyDocument: doc(32)}))
	must(s.svc.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "g1", PolicyName: "gin", PolicyDocument: doc(33)}))
	must(s.svc.PutUserPermissionsBoundary(ctx, &iamapi.PutUserPermissionsBoundaryInput{UserName: "u1", PermissionsBoundary: arns[5]}))
	must(s.svc.PutUserPermissionsBoundary(ctx, &iamapi.PutUserPermissionsBoundaryInput{UserName: "alice", PermissionsBoundary: aws3}))
	for i, r := range []string{"r", "r1", "R10"} {
		in := &iamapi.CreateRoleInput{RoleName: r, AssumeRolePolicyDocument: trustEC2}
		if i == 1 {
			in.PermissionsBoundary = str(arns[5])
		}
		s.ok(s.svc.CreateRole(ctx, in))
	}
	for _, a := range [][2]string{{"r", arns[0]}, {"r1", arns[6]}, {"R10", aws1}, {"r1", aws1}} {
		must(s.svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: a[0], PolicyArn: a[1]}))
	}
	must(s.svc.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "r1", PolicyName: "rin", PolicyDocument: doc(34)}))
	for _, p := range [][2]string{{"ip", "r"}, {"ip1", "r1"}, {"ip10", "R10"}} {
		s.ok(s.svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: p[0]}))
		must(s.svc.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: p[0], RoleName: p[1]}))
	}
}

// gaadAll pages through GetAccountAuthorizationDetails and joins the pages.
func gaadAll(t *testing.T, s *seam, max int32, filter []string) *iamapi.GetAccountAuthorizationDetailsOutput {
	t.Helper()
	all := &iamapi.GetAccountAuthorizationDetailsOutput{}
	var marker *string
	for pages := 0; ; pages++ {
		out, err := s.svc.GetAccountAuthorizationDetails(s.root, &iamapi.GetAccountAuthorizationDetailsInput{Filter: filter, MaxItems: &max, Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.UserDetailList) + len(out.GroupDetailList) + len(out.RoleDetailList) + len(out.Policies); n > int(max) {
			t.Fatalf("MaxItems %d: a page of %d", max, n)
		}
		all.UserDetailList = append(all.UserDetailList, out.UserDetailList...)
		all.GroupDetailList = append(all.GroupDetailList, out.GroupDetailList...)
		all.RoleDetailList = append(all.RoleDetailList, out.RoleDetailList...)
		all.Policies = append(all.Policies, out.Policies...)
		if !*out.IsTruncated {
			return all
		}
		if pages > 100 {
			t.Fatal("no end to the pages")
		}
		marker = out.Marker
	}
}

func TestGAADPagesAgreeWithOnePage(t *testing.T) {
	s := gaadAccount(t)
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, filter := range [][]string{nil, {"User"}, {"Group"}, {"Role"}, {"LocalManagedPolicy"}, {"AWSManagedPolicy"}, {"User", "LocalManagedPolicy"}, {"Role", "AWSManagedPolicy"}} {
		whole := gaadAll(t, s, 1000, filter)
		want := js(whole)
		for max := int32(1); max <= 12; max++ {
			if got := js(gaadAll(t, s, max, filter)); got != want {
				t.Errorf("filter %v MaxItems %d:\n got %s\nwant %s", filter, max, got, want)
			}
		}
	}
}

func TestGAADAgreesWithEntityCalls(t *testing.T) {
	s := gaadAccount(t)
	ctx := s.root
	d := gaadAll(t, s, 3, nil)
	names := func(n int, name func(i int) string) []string {
		out := []string{}
		for i := range n {
			out = append(out, name(i))
		}
		return out
	}
	if got := names(len(d.UserDetailList), func(i int) string { return *d.UserDetailList[i].UserName }); !slices.Equal(got, []string{"alice", "u", "u1", "U10", "u1x"}) {
		t.Errorf("users %v", got)
	}
	if len(d.GroupDetailList) != 3 || len(d.RoleDetailList) != 3 || len(d.Policies) != 10 {
		t.Fatalf("%d groups, %d roles, %d policies", len(d.GroupDetailList), len(d.RoleDetailList), len(d.Policies))
	}
	for _, u := range d.UserDetailList {
		g, err := s.svc.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: *u.UserName})
		if err != nil {
			t.Fatal(err)
		}
		want := names(len(g.Groups), func(i int) string { return g.Groups[i].GroupName })
		if got := slices.Sorted(slices.Values(u.GroupList)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: groups %v, want %v", *u.UserName, got, want)
		}
		a, err := s.svc.ListAttachedUserPolicies(ctx, &iamapi.ListAttachedUserPoliciesInput{UserName: *u.UserName})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(len(u.AttachedManagedPolicies), func(i int) string { return *u.AttachedManagedPolicies[i].PolicyArn }),
			names(len(a.AttachedPolicies), func(i int) string { return *a.AttachedPolicies[i].PolicyArn }); !slices.Equal(got, want) {
			t.Errorf("%s: attached %v, want %v", *u.UserName, got, want)
		}
		in, err := s.svc.ListUserPolicies(ctx, &iamapi.ListUserPoliciesInput{UserName: *u.UserName})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(len(u.UserPolicyList), func(i int) string { return *u.UserPolicyList[i].PolicyName }); !slices.Equal(got, in.PolicyNames) {
			t.Errorf("%s: inline %v, want %v", *u.UserName, got, in.PolicyNames)
		}
	}
	for _, r := range d.RoleDetailList {
		p, err := s.svc.ListInstanceProfilesForRole(ctx, &iamapi.ListInstanceProfilesForRoleInput{RoleName: *r.RoleName})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.InstanceProfileList) != 1 || len(p.InstanceProfiles) != 1 || r.InstanceProfileList[0].InstanceProfileName != p.InstanceProfiles[0].InstanceProfileName {
			t.Errorf("%s: profiles %+v, want %+v", *r.RoleName, r.InstanceProfileList, p.InstanceProfiles)
		}
	}
	for _, p := range d.Policies {
		g, err := s.svc.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: *p.Arn})
		if err != nil {
			t.Fatal(err)
		}
		if *p.AttachmentCount != *g.Policy.AttachmentCount || *p.PermissionsBoundaryUsageCount != *g.Policy.PermissionsBoundaryUsageCount {
			t.Errorf("%s: %d attachments %d boundary uses, GetPolicy says %d and %d", *p.Arn, *p.AttachmentCount, *p.PermissionsBoundaryUsageCount,
				*g.Policy.AttachmentCount, *g.Policy.PermissionsBoundaryUsageCount)
		}
		v, err := s.svc.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: *p.Arn, MaxItems: ptr(int32(1000))})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Versions) != len(p.PolicyVersionList) {
			t.Errorf("%s: %d versions, ListPolicyVersions %d", *p.Arn, len(p.PolicyVersionList), len(v.Versions))
		}
		for _, pv := range p.PolicyVersionList {
			got, err := s.svc.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: *p.Arn, VersionId: *pv.VersionId})
			if err != nil {
				t.Fatal(err)
			}
			if *got.PolicyVersion.Document != *pv.Document || *got.PolicyVersion.IsDefaultVersion != *pv.IsDefaultVersion {
				t.Errorf("%s %s: version differs from GetPolicyVersion", *p.Arn, *pv.VersionId)
			}
		}
	}
}
