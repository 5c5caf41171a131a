package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// ListPolicies reads a page's customer managed policies from its marker
// on and stops when the page is full: the pages, in every scope and with
// every filter, still join up into AWS's order (customer managed policies
// by name, case folded, then AWS managed ones in AWS's order), across the
// boundary between the two.
func TestListPoliciesPagesJoinUp(t *testing.T) {
	inst := testServer(t)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	var names []string
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("pol-%02d", (i*17)%40)
		if i%3 == 0 {
			name = strings.ToUpper(name[:1]) + name[1:] // case folded in the order
		}
		path := "/"
		if i%4 == 0 {
			path = "/team/"
		}
		p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), Path: aws.String(path), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u-" + name)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u-" + name), PolicyArn: p.Policy.Arn}); err != nil {
				t.Fatal(err)
			}
		}
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	list := func(in iam.ListPoliciesInput, page int32) []string {
		t.Helper()
		var out []string
		in.MaxItems = aws.Int32(page)
		for n := 0; ; n++ {
			o, err := c.ListPolicies(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Policies) > int(page) || n > 3000 {
				t.Fatalf("page of %d, %d pages", len(o.Policies), n)
			}
			for _, p := range o.Policies {
				out = append(out, *p.PolicyName)
			}
			if !o.IsTruncated {
				return out
			}
			in.Marker = o.Marker
		}
	}
	if got := list(iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}, 1000); !slices.Equal(got, names) {
		t.Fatalf("Local in one page:\n got %v\nwant %v", got, names)
	}
	awsAll := list(iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}, 1000)
	if len(awsAll) < 100 {
		t.Fatalf("%d AWS managed policies", len(awsAll))
	}
	all := append(slices.Clone(names), awsAll...)
	for _, tc := range []struct {
		name string
		in   iam.ListPoliciesInput
	}{
		{"Local", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}},
		{"All", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAll}},
		{"AWS", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}},
		{"Local under /team/", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, PathPrefix: aws.String("/team/")}},
		{"All attached", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAll, OnlyAttached: true}},
	} {
		one := list(tc.in, 1000)
		switch tc.name {
		case "Local":
			if !slices.Equal(one, names) {
				t.Fatalf("%s: %v", tc.name, one)
			}
		case "All":
			if !slices.Equal(one, all) {
				t.Fatalf("%s: not the customer policies then AWS's: %v", tc.name, one[:min(len(one), 50)])
			}
		case "Local under /team/":
			if len(one) != 10 {
				t.Fatalf("%s: %v", tc.name, one)
			}
		case "All attached":
			if len(one) != 8 {
				t.Fatalf("%s: %v", tc.name, one)
			}
		}
		pages := []int32{1, 7, 40, 41}
		if len(one) > 100 { // AWS's: hundreds of pages of one
			pages = pages[1:]
		}
		for _, page := range pages {
			if got := list(tc.in, page); !slices.Equal(got, one) {
				t.Errorf("%s in pages of %d:\n got %v\nwant %v", tc.name, page, got, one)
			}
		}
	}
}

// ListPolicies counts each page's attachments and boundary uses for many
// policies at once: every policy's AttachmentCount and
// PermissionsBoundaryUsageCount, in every page size and scope, are
// GetPolicy's (which counts the one policy), for customer managed and AWS
// managed policies, attached to users, groups and roles or used as
// boundaries, and the usage filters keep exactly the policies in use.
func TestListPoliciesCountsMatchGetPolicy(t *testing.T) {
	inst := testServer(t)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	var arns []string
	for i := 0; i < 25; i++ {
		path := "/"
		if i%3 == 0 {
			path = "/z/" // an ARN's order is not its name's
		}
		p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%02d", i)), Path: aws.String(path), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *p.Policy.Arn)
	}
	const readOnly, powerUser = "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"
	for i := 0; i < 6; i++ {
		n := fmt.Sprint(i)
		must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u" + n)}))
		must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g" + n)}))
		must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r" + n), AssumeRolePolicyDocument: aws.String(trust)}))
		// Policy i*4 attached i+1 times over the three kinds; i*4+1 a boundary.
		for j := 0; j <= i; j++ {
			a := arns[i*4]
			switch j % 3 {
			case 0:
				must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(fmt.Sprint("u", j)), PolicyArn: &a}))
			case 1:
				must(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(fmt.Sprint("g", j)), PolicyArn: &a}))
			default:
				must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(fmt.Sprint("r", j)), PolicyArn: &a}))
			}
		}
		must(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r" + n), PermissionsBoundary: aws.String(arns[i*4+1])}))
		must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u" + n), PolicyArn: aws.String(readOnly)}))
	}
	must(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("u0"), PermissionsBoundary: aws.String(powerUser)}))
	must(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g0"), PolicyArn: aws.String(powerUser)}))

	want := map[string][2]int32{}
	counts := func(arn string) [2]int32 {
		t.Helper()
		if w, ok := want[arn]; ok {
			return w
		}
		g, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		want[arn] = [2]int32{*g.Policy.AttachmentCount, *g.Policy.PermissionsBoundaryUsageCount}
		return want[arn]
	}
	if got := counts(arns[20]); got != [2]int32{6, 0} {
		t.Fatalf("GetPolicy of the policy attached 6 times: %v", got)
	}
	if got := counts(readOnly); got != [2]int32{6, 0} {
		t.Fatalf("GetPolicy of ReadOnlyAccess: %v", got)
	}
	for _, tc := range []struct {
		name string
		in   iam.ListPoliciesInput
		n    int // policies listed, -1: not checked
	}{
		{"All", iam.ListPoliciesInput{}, -1},
		{"Local", iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}, 25},
		{"attached", iam.ListPoliciesInput{OnlyAttached: true}, 14},
		{"boundaries", iam.ListPoliciesInput{PolicyUsageFilter: types.PolicyUsageTypePermissionsBoundary}, 7},
		{"attached permissions", iam.ListPoliciesInput{OnlyAttached: true, PolicyUsageFilter: types.PolicyUsageTypePermissionsPolicy}, 8},
	} {
		for _, page := range []int32{1, 4, 1000} {
			if tc.name == "All" && page < 1000 {
				continue // hundreds of AWS managed policies
			}
			in := tc.in
			in.MaxItems = aws.Int32(page)
			n := 0
			for {
				o, err := c.ListPolicies(ctx, &in)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range o.Policies {
					n++
					if got := [2]int32{*p.AttachmentCount, *p.PermissionsBoundaryUsageCount}; got != counts(*p.Arn) {
						t.Errorf("%s, pages of %d: %s counts %v, GetPolicy %v", tc.name, page, *p.Arn, got, counts(*p.Arn))
					}
				}
				if !o.IsTruncated {
					break
				}
				in.Marker = o.Marker
			}
			if tc.n >= 0 && n != tc.n {
				t.Errorf("%s, pages of %d: %d policies, want %d", tc.name, page, n, tc.n)
			}
		}
	}
}
