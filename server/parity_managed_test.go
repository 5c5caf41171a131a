package server_test

// Issue 18, item 2: AWS managed policies as AWS lists them — Description,
// every version with its date and document, ListPolicies in AWS's order
// with customer managed policies first. The facts are AWS's: LocalStack's
// recordings against AWS (test_iam_managed_policies.snapshot.json,
// February 2026) and AWS's managed policy reference guide.

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// decodedDoc is a policy document as the SDK returns it (URL-encoded JSON).
func decodedDoc(t *testing.T, doc *string) map[string]any {
	t.Helper()
	text, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("document %q: %v", text, err)
	}
	return m
}

func TestParityManagedPolicyGet(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, tc := range []struct {
		arn, path, version, description string
	}{
		// Recorded GetPolicy answers.
		{"arn:aws:iam::aws:policy/IAMUserChangePassword", "/", "v5", "Provides the ability for an IAM user to change their own password."},
		{"arn:aws:iam::aws:policy/job-function/SystemAdministrator", "/job-function/", "v12",
			"Grants full access permissions necessary for resources required for application and development operations."},
		// AWS's managed policy reference guide.
		{"arn:aws:iam::aws:policy/PowerUserAccess", "/", "v12", "Provides full access to AWS services and resources, but does not allow management of Users and groups."},
		{"arn:aws:iam::aws:policy/AdministratorAccess", "/", "v1", "Provides full access to AWS services and resources."},
		{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "/", "v3", "Provides read only access to all buckets via the AWS Management Console."},
	} {
		p := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(tc.arn)})).Policy
		if aws.ToString(p.Arn) != tc.arn || aws.ToString(p.Path) != tc.path || aws.ToString(p.Description) != tc.description ||
			aws.ToInt32(p.AttachmentCount) != 0 || aws.ToInt32(p.PermissionsBoundaryUsageCount) != 0 || !p.IsAttachable {
			t.Errorf("%s: %+v", tc.arn, p)
		}
		// The recordings were made in February 2026; the catalogue is newer,
		// so the default version may only have moved on.
		if versionNum(aws.ToString(p.DefaultVersionId)) < versionNum(tc.version) {
			t.Errorf("%s: default version %s, AWS had %s", tc.arn, aws.ToString(p.DefaultVersionId), tc.version)
		}
	}
	// PowerUserAccess as the reference guide gives it: created February 6,
	// 2015, 18:39 UTC; edited (its v12) February 12, 2026, 17:59 UTC.
	p := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")})).Policy
	if got := p.CreateDate.UTC().Format("2006-01-02T15:04"); got != "2015-02-06T18:39" {
		t.Errorf("PowerUserAccess created %s", got)
	}
	if got := p.UpdateDate.UTC().Format("2006-01-02T15:04"); aws.ToString(p.DefaultVersionId) == "v12" && got != "2026-02-12T17:59" {
		t.Errorf("PowerUserAccess updated %s", got)
	}
	// GetPolicy carries the description and an empty Tags; ListPolicies
	// neither (as recorded).
	body := mustQuery(t, s, "GetPolicy", "PolicyArn", "arn:aws:iam::aws:policy/IAMUserChangePassword")
	if _, ok := element(body, "Policy", "Description"); !ok || !strings.Contains(body, "<Tags/>") && !strings.Contains(body, "<Tags></Tags>") {
		t.Errorf("GetPolicy: %s", body)
	}
	body = mustQuery(t, s, "ListPolicies", "Scope", "AWS", "MaxItems", "3")
	if strings.Contains(body, "<Description>") || strings.Contains(body, "<Tags") {
		t.Errorf("ListPolicies carries a description or tags: %s", body)
	}
}

func versionNum(id string) int {
	n := 0
	for _, r := range strings.TrimPrefix(id, "v") {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestParityManagedPolicyVersions(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	get := func(arn, version string) *types.PolicyVersion {
		t.Helper()
		return must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(version)})).PolicyVersion
	}
	// Recorded: AWSLambdaBasicExecutionRole's only version, whole.
	v := get("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "v1")
	want := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Resource": "*", "Action": []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}}}}
	if !v.IsDefaultVersion || aws.ToString(v.VersionId) != "v1" || !reflect.DeepEqual(decodedDoc(t, v.Document), want) {
		t.Errorf("AWSLambdaBasicExecutionRole v1: %+v %v", v, decodedDoc(t, v.Document))
	}
	// Recorded: SystemAdministrator's v12, five statements, the last on
	// the sysadmin roles.
	v = get("arn:aws:iam::aws:policy/job-function/SystemAdministrator", "v12")
	doc := decodedDoc(t, v.Document)
	st, _ := doc["Statement"].([]any)
	if len(st) != 5 || !strings.Contains(aws.ToString(v.Document), "rds-monitoring-role") || !strings.Contains(aws.ToString(v.Document), "acm%3ADescribe%2A") {
		t.Errorf("SystemAdministrator v12: %d statements: %v", len(st), doc)
	}

	// Every version AWS keeps, newest first, one default, with its date:
	// AmazonS3ReadOnlyAccess has three.
	const s3ro = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	vs := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(s3ro)}))
	var got []string
	for _, v := range vs.Versions {
		got = append(got, aws.ToString(v.VersionId)+"@"+v.CreateDate.UTC().Format(time.RFC3339)+map[bool]string{true: "*"}[v.IsDefaultVersion])
		if v.Document != nil {
			t.Errorf("ListPolicyVersions carries a document")
		}
	}
	if w := []string{"v3@2023-08-10T21:31:39Z*", "v2@2021-09-27T20:24:58Z", "v1@2015-02-06T18:40:59Z"}; !slices.Equal(got, w) || vs.IsTruncated {
		t.Errorf("AmazonS3ReadOnlyAccess versions %v, want %v", got, w)
	}
	old := get(s3ro, "v1")
	if old.IsDefaultVersion || !old.CreateDate.Equal(time.Date(2015, 2, 6, 18, 40, 59, 0, time.UTC)) ||
		!reflect.DeepEqual(decodedDoc(t, old.Document)["Statement"], []any{map[string]any{"Effect": "Allow", "Action": []any{"s3:Get*", "s3:List*"}, "Resource": "*"}}) {
		t.Errorf("AmazonS3ReadOnlyAccess v1: %+v %v", old, decodedDoc(t, old.Document))
	}
	if cur := get(s3ro, "v3"); !cur.IsDefaultVersion || reflect.DeepEqual(decodedDoc(t, cur.Document), decodedDoc(t, old.Document)) {
		t.Errorf("AmazonS3ReadOnlyAccess v3: %+v", cur)
	}

	// ReadOnlyAccess has more versions than a page: MaxItems and Marker
	// walk them newest first, each once.
	const ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	var ids []string
	var marker *string
	for pages := 0; ; pages++ {
		out := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(ro), MaxItems: aws.Int32(40), Marker: marker}))
		if len(out.Versions) > 40 || pages > 20 {
			t.Fatalf("page of %d", len(out.Versions))
		}
		for _, v := range out.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if len(ids) < 150 || ids[len(ids)-1] != "v1" || !slices.IsSortedFunc(ids, func(a, b string) int { return versionNum(b) - versionNum(a) }) ||
		len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("ReadOnlyAccess versions: %d: %v", len(ids), ids)
	}
	// The recorded default of February 2026, v178, is an older version now,
	// and still there with its document.
	if v := get(ro, "v178"); v.IsDefaultVersion || !strings.Contains(aws.ToString(v.Document), "Statement") {
		t.Errorf("ReadOnlyAccess v178: %+v", v)
	}

	// Refusals, in AWS's words.
	for _, tc := range []errorCase{
		{"version AWS never made", "GetPolicyVersion", []string{"PolicyArn", s3ro, "VersionId", "v99"}, 404, "NoSuchEntity",
			"Policy " + s3ro + " version v99 does not exist or is not attachable."},
		{"malformed version id (recorded)", "GetPolicyVersion", []string{"PolicyArn", s3ro, "VersionId", "invalid-version"}, 400, "ValidationError",
			`1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`},
		{"marker never issued", "ListPolicyVersions", []string{"PolicyArn", ro, "Marker", "bm90LWEtbWFya2Vy"}, 400, "ValidationError", ""},
		{"new version of an AWS policy", "CreatePolicyVersion", []string{"PolicyArn", s3ro, "PolicyDocument", listBucket}, 403, "AccessDenied", ""},
		{"delete an AWS policy's old version", "DeletePolicyVersion", []string{"PolicyArn", s3ro, "VersionId", "v1"}, 403, "AccessDenied", ""},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.name, code, body, tc.status, tc.code, tc.message)
	}
	// Nothing changed.
	if vs := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(s3ro)})); len(vs.Versions) != 3 {
		t.Errorf("versions after refused calls: %d", len(vs.Versions))
	}
}

// listPolicyNames reads every page of ListPolicies.
func listPolicyNames(t *testing.T, c *iam.Client, in iam.ListPoliciesInput) ([]string, int) {
	t.Helper()
	var names []string
	pages := 0
	for {
		out := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &in))
		pages++
		if in.MaxItems != nil && len(out.Policies) > int(*in.MaxItems) {
			t.Fatalf("page of %d, MaxItems %d", len(out.Policies), *in.MaxItems)
		}
		for _, p := range out.Policies {
			names = append(names, aws.ToString(p.PolicyName))
		}
		if !out.IsTruncated {
			return names, pages
		}
		if out.Marker == nil || pages > 1000 {
			t.Fatal("truncated without a marker, or no end")
		}
		in.Marker = out.Marker
	}
}

func TestParityManagedPolicyListOrder(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)

	// Recorded: the first page of Scope=AWS, MaxItems=5. The recording
	// redacts the names, but its clues (default versions v1, v12, v178,
	// v7, v14; the fourth named "AWSCloudFormation" + the third's name)
	// fit these, in this order, which is also the sources' list order.
	out := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(5)}))
	var first []string
	for _, p := range out.Policies {
		first = append(first, aws.ToString(p.PolicyName))
		if aws.ToString(p.Path) != "/" || !strings.HasPrefix(aws.ToString(p.Arn), "arn:aws:iam::aws:policy/") {
			t.Errorf("%s: %s %s", *p.PolicyName, *p.Path, *p.Arn)
		}
	}
	if w := []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "AWSCloudFormationReadOnlyAccess", "CloudFrontFullAccess"}; !slices.Equal(first, w) || !out.IsTruncated || out.Marker == nil {
		t.Errorf("first page %v (truncated %v), want %v", first, out.IsTruncated, w)
	}

	mustQuery(t, s, "CreatePolicy", "PolicyName", "zeta-local", "PolicyDocument", listBucket)
	mustQuery(t, s, "CreatePolicy", "PolicyName", "alpha-local", "PolicyDocument", listBucket, "Path", "/service-role/")

	// Paging walks the same order as one long page, each policy once.
	all, _ := listPolicyNames(t, c, iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(1000)})
	paged, pages := listPolicyNames(t, c, iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(100)})
	if !slices.Equal(all, paged) || pages < 15 || len(all) < 1500 || !slices.Equal(all[:5], first) {
		t.Errorf("%d policies in one walk, %d in %d pages", len(all), len(paged), pages)
	}
	if slices.Contains(all, "zeta-local") || len(slices.Compact(slices.Sorted(slices.Values(all)))) != len(all) {
		t.Errorf("Scope=AWS lists a local policy or one twice")
	}

	// No scope: the account's policies first (by name), then AWS's, in
	// their order (recorded: both kinds appear, IAMUserChangePassword too).
	both, _ := listPolicyNames(t, c, iam.ListPoliciesInput{MaxItems: aws.Int32(7)})
	if len(both) != len(all)+2 || !slices.Equal(both[:2], []string{"alpha-local", "zeta-local"}) || !slices.Equal(both[2:], all) ||
		!slices.Contains(both, "IAMUserChangePassword") {
		t.Errorf("Scope=All: %d policies, first %v", len(both), both[:min(len(both), 4)])
	}
	local, _ := listPolicyNames(t, c, iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if !slices.Equal(local, []string{"alpha-local", "zeta-local"}) {
		t.Errorf("Scope=Local: %v", local)
	}

	// PathPrefix keeps AWS's order within the path.
	svc, _ := listPolicyNames(t, c, iam.ListPoliciesInput{PathPrefix: aws.String("/service-role/"), MaxItems: aws.Int32(50)})
	if len(svc) < 100 || svc[0] != "alpha-local" {
		t.Errorf("PathPrefix=/service-role/: %d, first %v", len(svc), svc[:min(len(svc), 3)])
	}
	var want []string
	for _, n := range all {
		if slices.Contains(svc, n) {
			want = append(want, n)
		}
	}
	if !slices.Equal(svc[1:], want) {
		t.Errorf("PathPrefix order differs from AWS's")
	}

	// OnlyAttached (recorded: two service-role policies attached to a role,
	// then one detached).
	mustQuery(t, s, "CreateRole", "RoleName", "attached", "AssumeRolePolicyDocument", ec2TrustDoc)
	lambdaBasic := "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	lambdaRole := "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"
	mustQuery(t, s, "AttachRolePolicy", "RoleName", "attached", "PolicyArn", lambdaBasic)
	mustQuery(t, s, "AttachRolePolicy", "RoleName", "attached", "PolicyArn", lambdaRole)
	onlyAttached := func() []string {
		n, _ := listPolicyNames(t, c, iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, OnlyAttached: true, MaxItems: aws.Int32(1)})
		return n
	}
	// AWSLambdaRole (February 2015) comes before AWSLambdaBasicExecutionRole
	// (April 2015) in AWS's order.
	if got := onlyAttached(); !slices.Equal(got, []string{"AWSLambdaRole", "AWSLambdaBasicExecutionRole"}) {
		t.Errorf("OnlyAttached: %v", got)
	}
	mustQuery(t, s, "DetachRolePolicy", "RoleName", "attached", "PolicyArn", lambdaRole)
	if got := onlyAttached(); !slices.Equal(got, []string{"AWSLambdaBasicExecutionRole"}) {
		t.Errorf("OnlyAttached after detach: %v", got)
	}

	// A marker this server never issued is refused, and a marker from one
	// walk continues it.
	code, body := query(t, s, "ListPolicies", "Scope", "AWS", "Marker", "Zm9v")
	wantError(t, "ListPolicies marker never issued", code, body, 400, "ValidationError", "")
	next := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(1), Marker: out.Marker}))
	if len(next.Policies) != 1 || aws.ToString(next.Policies[0].PolicyName) != all[5] {
		t.Errorf("after the recorded first page: %v, want %s", next.Policies, all[5])
	}
}

// Recorded: GetAccountAuthorizationDetails with Filter=AWSManagedPolicy
// lists an AWS managed policy the account uses with every version AWS
// keeps, newest first, each with its document (AmazonS3FullAccess, v2 and
// v1, attached twice).
func TestParityManagedPolicyAuthorizationDetails(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	const s3full = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
	mustQuery(t, s, "CreateUser", "UserName", "u1")
	mustQuery(t, s, "CreateRole", "RoleName", "r1", "AssumeRolePolicyDocument", ec2TrustDoc)
	mustQuery(t, s, "AttachUserPolicy", "UserName", "u1", "PolicyArn", s3full)
	mustQuery(t, s, "AttachRolePolicy", "RoleName", "r1", "PolicyArn", s3full)
	out := must[*iam.GetAccountAuthorizationDetailsOutput](t)(c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []types.EntityType{types.EntityTypeAWSManagedPolicy}}))
	if len(out.Policies) != 1 || len(out.UserDetailList)+len(out.RoleDetailList)+len(out.GroupDetailList) != 0 {
		t.Fatalf("details: %+v", out)
	}
	p := out.Policies[0]
	if aws.ToString(p.Arn) != s3full || aws.ToInt32(p.AttachmentCount) != 2 || aws.ToString(p.DefaultVersionId) != "v2" || !p.IsAttachable {
		t.Errorf("policy: %+v", p)
	}
	want := []struct {
		id      string
		def     bool
		actions any
	}{{"v2", true, []any{"s3:*", "s3-object-lambda:*"}}, {"v1", false, "s3:*"}}
	if len(p.PolicyVersionList) != len(want) {
		t.Fatalf("versions: %d", len(p.PolicyVersionList))
	}
	for i, w := range want {
		v := p.PolicyVersionList[i]
		doc := decodedDoc(t, v.Document)
		st, _ := doc["Statement"].([]any)
		if aws.ToString(v.VersionId) != w.id || v.IsDefaultVersion != w.def || v.CreateDate == nil || len(st) != 1 ||
			!reflect.DeepEqual(st[0], map[string]any{"Action": w.actions, "Effect": "Allow", "Resource": "*"}) {
			t.Errorf("version %d: %s %v %v", i, aws.ToString(v.VersionId), v.IsDefaultVersion, doc)
		}
	}
}
