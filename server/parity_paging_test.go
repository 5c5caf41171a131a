package server_test

// Issue 18, item 5: paging as AWS pages — GetAccountAuthorizationDetails
// honours MaxItems and Marker across its four lists, markers this server
// never issued are refused, tags are listed in key order.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// gaadNames reads every page of GetAccountAuthorizationDetails of at most
// max entries and returns the names in the order they came, and the
// number of pages.
func gaadNames(t *testing.T, c *iam.Client, max int32, filter ...types.EntityType) ([]string, int) {
	t.Helper()
	var names []string
	var marker *string
	pages := 0
	for {
		out := must[*iam.GetAccountAuthorizationDetailsOutput](t)(c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
			MaxItems: aws.Int32(max), Marker: marker, Filter: filter}))
		pages++
		n := len(out.UserDetailList) + len(out.GroupDetailList) + len(out.RoleDetailList) + len(out.Policies)
		if n > int(max) {
			t.Fatalf("page %d has %d entries, MaxItems %d", pages, n, max)
		}
		for _, u := range out.UserDetailList {
			names = append(names, "user:"+*u.UserName)
		}
		for _, g := range out.GroupDetailList {
			names = append(names, "group:"+*g.GroupName)
		}
		for _, r := range out.RoleDetailList {
			names = append(names, "role:"+*r.RoleName)
		}
		for _, p := range out.Policies {
			names = append(names, "policy:"+*p.PolicyName)
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Fatalf("a marker on the last page")
			}
			return names, pages
		}
		if out.Marker == nil || n != int(max) {
			t.Fatalf("truncated page of %d entries with marker %v", n, out.Marker)
		}
		marker = out.Marker
		if pages > 100 {
			t.Fatal("no end to the pages")
		}
	}
}

func TestParityAuthorizationDetailsPaging(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, u := range []string{"u1", "u2", "u3"} {
		mustQuery(t, s, "CreateUser", "UserName", u)
	}
	for _, g := range []string{"g1", "g2"} {
		mustQuery(t, s, "CreateGroup", "GroupName", g)
	}
	for _, r := range []string{"r1", "r2"} {
		mustQuery(t, s, "CreateRole", "RoleName", r, "AssumeRolePolicyDocument", ec2TrustDoc)
	}
	mustQuery(t, s, "CreatePolicy", "PolicyName", "p1", "PolicyDocument", listBucket)
	mustQuery(t, s, "AttachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	mustQuery(t, s, "AttachUserPolicy", "UserName", "u1", "PolicyArn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	all := []string{"user:u1", "user:u2", "user:u3", "group:g1", "group:g2", "role:r1", "role:r2",
		"policy:p1", "policy:IAMReadOnlyAccess", "policy:ReadOnlyAccess"}
	// Users, groups, roles, customer managed then AWS managed policies,
	// the same whatever the page size.
	for _, max := range []int32{1, 2, 3, 4, 7, 10, 100} {
		got, pages := gaadNames(t, c, max)
		if !slices.Equal(got, all) {
			t.Errorf("MaxItems %d: %v, want %v", max, got, all)
		}
		if want := (len(all) + int(max) - 1) / int(max); pages != want {
			t.Errorf("MaxItems %d: %d pages, want %d", max, pages, want)
		}
	}
	// With a filter, only its lists, paged the same way.
	if got, _ := gaadNames(t, c, 2, types.EntityTypeRole, types.EntityTypeAWSManagedPolicy); !slices.Equal(got, []string{"role:r1", "role:r2", "policy:IAMReadOnlyAccess", "policy:ReadOnlyAccess"}) {
		t.Errorf("filtered: %v", got)
	}
	// Markers iamd never issued are refused.
	for _, m := range []string{"!!", "Z2FhZHwwfGI", "dTE", strings.Repeat("A", 40)} {
		code, body := query(t, s, "GetAccountAuthorizationDetails", "Marker", m)
		wantError(t, "GAAD marker "+m, code, body, 400, "ValidationError", "")
		code, body = query(t, s, "ListUsers", "Marker", m)
		wantError(t, "ListUsers marker "+m, code, body, 400, "ValidationError", "")
	}
}

// The aws CLI's --no-paginate --max-items sends MaxItems, and the answer
// stops there with a Marker that continues it.
func TestParityAuthorizationDetailsCLI(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatal("the aws CLI is required (IAMD_E2E_REQUIRED=1) but not installed")
		}
		t.Skip("the aws CLI is not installed")
	}
	s := testServer(t)
	for _, u := range []string{"a", "b", "c"} {
		mustQuery(t, s, "CreateUser", "UserName", u)
	}
	mustQuery(t, s, "CreateGroup", "GroupName", "g")
	dir := t.TempDir()
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", s.URL, "--output", "json", "iam", "get-account-authorization-details"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_SESSION_TOKEN=",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
			"AWS_MAX_ATTEMPTS=1", "AWS_ENDPOINT_URL=", "AWS_PAGER=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return v
	}
	count := func(v map[string]any) int {
		n := 0
		for _, k := range []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} {
			l, _ := v[k].([]any)
			n += len(l)
		}
		return n
	}
	first := run("--no-paginate", "--max-items", "2")
	if count(first) != 2 || first["IsTruncated"] != true || first["Marker"] == nil {
		t.Fatalf("first page: %v", first)
	}
	second := run("--no-paginate", "--max-items", "2", "--marker", first["Marker"].(string))
	if count(second) != 2 || second["IsTruncated"] != false {
		t.Fatalf("second page: %v", second)
	}
	if g, _ := second["GroupDetailList"].([]any); len(g) != 1 {
		t.Fatalf("the group is not on the second page: %v", second)
	}
	// Paginating as the CLI does by default reads everything.
	if n := count(run("--max-items", "100")); n != 4 {
		t.Fatalf("paginated: %d entries", n)
	}
}

// List*Tags lists tags in key order (byte order), whatever order they were
// added in, as recorded.
func TestParityTagOrder(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreatePolicy", "PolicyName", "p", "PolicyDocument", listBucket,
		"Tags.member.1.Key", "a", "Tags.member.1.Value", "lowercase", "Tags.member.2.Key", "A", "Tags.member.2.Value", "uppercase")
	body := mustQuery(t, s, "ListPolicyTags", "PolicyArn", "arn:aws:iam::"+testAccount+":policy/p")
	if i, j := strings.Index(body, "<Key>A</Key>"), strings.Index(body, "<Key>a</Key>"); i < 0 || j < 0 || i > j {
		t.Errorf("tags not in key order: %s", body)
	}
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc,
		"Tags.member.1.Key", "zeta", "Tags.member.1.Value", "1", "Tags.member.2.Key", "alpha", "Tags.member.2.Value", "2", "Tags.member.3.Key", "mid", "Tags.member.3.Value", "3")
	c := iamClient(s, rootKey, rootSecret)
	var keys []string
	var marker *string
	for {
		out := must[*iam.ListRoleTagsOutput](t)(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("r"), MaxItems: aws.Int32(1), Marker: marker}))
		for _, tg := range out.Tags {
			keys = append(keys, *tg.Key)
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if !slices.Equal(keys, []string{"alpha", "mid", "zeta"}) {
		t.Errorf("role tags paged as %v", keys)
	}
}

// ListPolicies without a scope lists customer managed policies first, then
// AWS managed ones, and pages across the two.
func TestParityListPoliciesOrder(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, n := range []string{"zeta", "Alpha"} {
		mustQuery(t, s, "CreatePolicy", "PolicyName", n, "PolicyDocument", listBucket)
	}
	var names, arns []string
	var marker *string
	for pages := 0; ; pages++ {
		out := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{MaxItems: aws.Int32(1), Marker: marker, PathPrefix: aws.String("/")}))
		for _, p := range out.Policies {
			names, arns = append(names, *p.PolicyName), append(arns, *p.Arn)
		}
		if !out.IsTruncated || len(names) >= 4 {
			break
		}
		marker = out.Marker
	}
	if len(names) < 4 || names[0] != "Alpha" || names[1] != "zeta" || strings.Contains(names[2], "zeta") {
		t.Fatalf("first policies listed: %v", names)
	}
	if !strings.HasPrefix(arns[2], "arn:aws:iam::aws:policy/") || !strings.HasPrefix(arns[3], "arn:aws:iam::aws:policy/") {
		t.Errorf("after the customer managed policies: %v", arns[2:])
	}
}
