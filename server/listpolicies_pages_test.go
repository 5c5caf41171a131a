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
