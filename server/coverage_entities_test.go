package server_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// inlineTarget is a group or a role and its inline-policy operations.
type inlineTarget struct {
	kind   string
	quota  int // AWS's limit on the sum of the entity's inline policies
	create func(t *testing.T, c *iam.Client, name string)
	put    func(c *iam.Client, name, policy, doc string) error
	get    func(c *iam.Client, name, policy string) (entity, doc string, err error)
	del    func(c *iam.Client, name, policy string) error
	list   func(c *iam.Client, name string, marker *string, max *int32) ([]string, bool, *string, error)
}

func inlineTargets() []inlineTarget {
	return []inlineTarget{
		{
			kind: "group", quota: 5120,
			create: func(t *testing.T, c *iam.Client, name string) {
				must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: &name}))
			},
			put: func(c *iam.Client, name, policy, doc string) error {
				_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: &name, PolicyName: &policy, PolicyDocument: &doc})
				return err
			},
			get: func(c *iam.Client, name, policy string) (string, string, error) {
				out, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: &name, PolicyName: &policy})
				if err != nil {
					return "", "", err
				}
				return *out.GroupName, *out.PolicyDocument, nil
			},
			del: func(c *iam.Client, name, policy string) error {
				_, err := c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: &name, PolicyName: &policy})
				return err
			},
			list: func(c *iam.Client, name string, marker *string, max *int32) ([]string, bool, *string, error) {
				out, err := c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: &name, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.PolicyNames, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "role", quota: 10240,
			create: func(t *testing.T, c *iam.Client, name string) {
				must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(ec2Trust)}))
			},
			put: func(c *iam.Client, name, policy, doc string) error {
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: &policy, PolicyDocument: &doc})
				return err
			},
			get: func(c *iam.Client, name, policy string) (string, string, error) {
				out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &policy})
				if err != nil {
					return "", "", err
				}
				return *out.RoleName, *out.PolicyDocument, nil
			},
			del: func(c *iam.Client, name, policy string) error {
				_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &policy})
				return err
			},
			list: func(c *iam.Client, name string, marker *string, max *int32) ([]string, bool, *string, error) {
				out, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.PolicyNames, out.IsTruncated, out.Marker, nil
			},
		},
	}
}

func TestInlinePoliciesOfGroupsAndRoles(t *testing.T) {
	for _, tt := range inlineTargets() {
		t.Run(tt.kind, func(t *testing.T) {
			c := iamClient(testServer(t), rootKey, rootSecret)
			tt.create(t, c, "Ops")
			docs := map[string]string{}
			for i, name := range []string{"alpha", "beta", "gamma", "delta", "epsilon"} {
				docs[name] = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%d/a b+c/*"}]}`, i)
				if err := tt.put(c, "Ops", name, docs[name]); err != nil {
					t.Fatal(err)
				}
			}

			// Get reads back the document, URL-encoded, under the entity's
			// own spelling whatever the case asked for.
			entity, doc, err := tt.get(c, "OPS", "gamma")
			if err != nil {
				t.Fatal(err)
			}
			if decoded, _ := url.QueryUnescape(doc); decoded != docs["gamma"] || entity != "Ops" {
				t.Fatalf("get: %s %q", entity, doc)
			}
			// Put again replaces.
			if err := tt.put(c, "Ops", "gamma", allowS3); err != nil {
				t.Fatal(err)
			}
			if _, doc, _ := tt.get(c, "Ops", "gamma"); doc != url.QueryEscape(allowS3) && !strings.Contains(doc, "s3%3A%2A") {
				t.Fatalf("after replace: %q", doc)
			}

			// List in pages of two: every name once, in order.
			var names []string
			var sizes []int
			var marker *string
			for {
				page, truncated, next, err := tt.list(c, "Ops", marker, aws.Int32(2))
				if err != nil {
					t.Fatal(err)
				}
				names, sizes = append(names, page...), append(sizes, len(page))
				if truncated != (next != nil) {
					t.Fatalf("IsTruncated %v, marker %v", truncated, next)
				}
				if !truncated {
					break
				}
				marker = next
			}
			if fmt.Sprint(sizes) != "[2 2 1]" || !slices.IsSorted(names) || len(names) != 5 {
				t.Fatalf("pages %v: %v", sizes, names)
			}
			_, _, _, err = tt.list(c, "Ops", aws.String("%%%"), nil)
			wantErr(t, err, "ValidationError", 400)

			// The quota is on the sum of the entity's inline policies.
			big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", tt.quota-200) + `"}]}`
			wantErr(t, tt.put(c, "Ops", "big", big), "LimitExceeded", 409)
			wantErr(t, tt.put(c, "Ops", "bad", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`), "MalformedPolicyDocument", 400)

			// Delete: gone from Get and List; a second delete finds nothing.
			if err := tt.del(c, "Ops", "beta"); err != nil {
				t.Fatal(err)
			}
			_, _, err = tt.get(c, "Ops", "beta")
			wantErr(t, err, "NoSuchEntity", 404)
			wantErr(t, tt.del(c, "Ops", "beta"), "NoSuchEntity", 404)
			if page, _, _, _ := tt.list(c, "Ops", nil, nil); slices.Contains(page, "beta") || len(page) != 4 {
				t.Fatalf("after delete: %v", page)
			}

			// An entity that does not exist.
			_, _, err = tt.get(c, "nobody", "alpha")
			wantErr(t, err, "NoSuchEntity", 404)
			wantErr(t, tt.del(c, "nobody", "alpha"), "NoSuchEntity", 404)
			_, _, _, err = tt.list(c, "nobody", nil, nil)
			wantErr(t, err, "NoSuchEntity", 404)
		})
	}
}

func TestListGroupsAndInstanceProfiles(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	for i := range 5 {
		path := []string{"/", "/eng/", "/eng/ops/"}[i%3]
		must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(fmt.Sprintf("g%d", i)), Path: aws.String(path)}))
		must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(fmt.Sprintf("p%d", i)), Path: aws.String(path)}))
	}
	must[*iam.AddRoleToInstanceProfileOutput](t)(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p1"), RoleName: aws.String("web")}))

	for _, tc := range []struct {
		prefix *string
		max    int32
		want   string
		pages  int
	}{
		{nil, 2, "0,1,2,3,4", 3},
		{aws.String("/eng/"), 1, "1,2,4", 3},
		{aws.String("/eng/ops/"), 10, "2", 1},
		{aws.String("/none/"), 10, "", 1},
	} {
		var groups []string
		pages := 0
		gp := iam.NewListGroupsPaginator(c, &iam.ListGroupsInput{PathPrefix: tc.prefix, MaxItems: aws.Int32(tc.max)})
		for gp.HasMorePages() {
			pages++
			for _, g := range must[*iam.ListGroupsOutput](t)(gp.NextPage(ctx)).Groups {
				groups = append(groups, strings.TrimPrefix(*g.GroupName, "g"))
				if !strings.HasPrefix(*g.Arn, "arn:aws:iam::123456789012:group"+*g.Path) {
					t.Fatalf("group ARN %s, path %s", *g.Arn, *g.Path)
				}
			}
		}
		if strings.Join(groups, ",") != tc.want || pages != tc.pages {
			t.Errorf("ListGroups %v max %d: %d pages %v", aws.ToString(tc.prefix), tc.max, pages, groups)
		}

		var profiles []string
		pages = 0
		pp := iam.NewListInstanceProfilesPaginator(c, &iam.ListInstanceProfilesInput{PathPrefix: tc.prefix, MaxItems: aws.Int32(tc.max)})
		for pp.HasMorePages() {
			pages++
			for _, p := range must[*iam.ListInstanceProfilesOutput](t)(pp.NextPage(ctx)).InstanceProfiles {
				profiles = append(profiles, strings.TrimPrefix(*p.InstanceProfileName, "p"))
				wantRoles := map[bool]int{true: 1, false: 0}[*p.InstanceProfileName == "p1"]
				if len(p.Roles) != wantRoles || wantRoles == 1 && *p.Roles[0].RoleName != "web" {
					t.Fatalf("profile %s roles %+v", *p.InstanceProfileName, p.Roles)
				}
			}
		}
		if strings.Join(profiles, ",") != tc.want || pages != tc.pages {
			t.Errorf("ListInstanceProfiles %v max %d: %d pages %v", aws.ToString(tc.prefix), tc.max, pages, profiles)
		}
	}
	_, err := c.ListGroups(ctx, &iam.ListGroupsInput{MaxItems: aws.Int32(0)})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("no-slash")})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{Marker: aws.String("@@@")})
	wantErr(t, err, "ValidationError", 400)
}

func TestListAttachedUserPolicies(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}))
	arns := []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
	for _, n := range []string{"a", "b", "c"} {
		p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(n), Path: aws.String("/app/"), PolicyDocument: aws.String(allowS3)}))
		arns = append(arns, *p.Policy.Arn)
	}
	for _, a := range arns {
		must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("dev"), PolicyArn: aws.String(a)}))
	}
	empty := must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("dev"), PathPrefix: aws.String("/none/")}))
	if len(empty.AttachedPolicies) != 0 || empty.IsTruncated {
		t.Fatalf("under /none/: %+v", empty.AttachedPolicies)
	}
	for _, tc := range []struct {
		prefix *string
		want   []string
	}{
		{nil, arns},
		{aws.String("/app/"), arns[2:]},
		{aws.String("/service-role/"), arns[1:2]},
	} {
		var got []string
		p := iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("dev"), PathPrefix: tc.prefix, MaxItems: aws.Int32(2)})
		pages := 0
		for p.HasMorePages() {
			pages++
			for _, ap := range must[*iam.ListAttachedUserPoliciesOutput](t)(p.NextPage(ctx)).AttachedPolicies {
				got = append(got, *ap.PolicyArn)
				if !strings.HasSuffix(*ap.PolicyArn, "/"+*ap.PolicyName) {
					t.Fatalf("name %s of %s", *ap.PolicyName, *ap.PolicyArn)
				}
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) || pages != (len(want)+1)/2 {
			t.Errorf("prefix %v: %d pages %v, want %v", aws.ToString(tc.prefix), pages, got, want)
		}
	}
	must[*iam.DetachUserPolicyOutput](t)(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("dev"), PolicyArn: aws.String(arns[0])}))
	if l := must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("dev")})); len(l.AttachedPolicies) != 4 {
		t.Fatalf("after detach: %d", len(l.AttachedPolicies))
	}
	_, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)
}

func TestPermissionsBoundaries(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}))
	boundary := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("cap"), PolicyDocument: aws.String(allowS3)})).Policy.Arn
	awsManaged := aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	usage := func(a *string) int32 {
		t.Helper()
		return *must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: a})).Policy.PermissionsBoundaryUsageCount
	}
	roleBoundary := func() *types.AttachedPermissionsBoundary {
		t.Helper()
		return must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})).Role.PermissionsBoundary
	}
	userBoundary := func() *types.AttachedPermissionsBoundary {
		t.Helper()
		return must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dev")})).User.PermissionsBoundary
	}

	// Roles: set, read back, replace, delete.
	must[*iam.PutRolePermissionsBoundaryOutput](t)(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: boundary}))
	// AWS sends "Policy" (the model's enum says PermissionsBoundaryPolicy).
	if b := roleBoundary(); b == nil || *b.PermissionsBoundaryArn != *boundary || b.PermissionsBoundaryType != "Policy" {
		t.Fatalf("role boundary %+v", b)
	}
	if n := usage(boundary); n != 1 {
		t.Fatalf("usage %d", n)
	}
	must[*iam.PutRolePermissionsBoundaryOutput](t)(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: awsManaged}))
	if b := roleBoundary(); *b.PermissionsBoundaryArn != *awsManaged || usage(boundary) != 0 || usage(awsManaged) != 1 {
		t.Fatalf("after replacing: %+v, usage %d/%d", b, usage(boundary), usage(awsManaged))
	}
	must[*iam.DeleteRolePermissionsBoundaryOutput](t)(c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("app")}))
	if b := roleBoundary(); b != nil || usage(awsManaged) != 0 {
		t.Fatalf("after delete: %+v", b)
	}

	// Users: set, read back, delete.
	must[*iam.PutUserPermissionsBoundaryOutput](t)(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("dev"), PermissionsBoundary: boundary}))
	if b := userBoundary(); b == nil || *b.PermissionsBoundaryArn != *boundary {
		t.Fatalf("user boundary %+v", b)
	}
	must[*iam.DeleteUserPermissionsBoundaryOutput](t)(c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("dev")}))
	if b := userBoundary(); b != nil || usage(boundary) != 0 {
		t.Fatalf("after delete: %+v, usage %d", b, usage(boundary))
	}

	// Errors.
	missingPolicy := aws.String("arn:aws:iam::123456789012:policy/none")
	for _, bad := range []struct {
		name   string
		err    error
		code   string
		status int
	}{
		{"role missing", second(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("none"), PermissionsBoundary: boundary})), "NoSuchEntity", 404},
		{"policy missing", second(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: missingPolicy})), "NoSuchEntity", 404},
		{"AWS policy missing", second(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})), "NoSuchEntity", 404},
		{"not an ARN", second(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: aws.String("not-a-policy-arn-at-all")})), "ValidationError", 400},
		{"deprecated AWS policy", second(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AWSCloudTrailReadOnlyAccess")})), "PolicyNotAttachable", 400},
		{"deprecated AWS policy for a user", second(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("dev"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AWSCloudTrailReadOnlyAccess")})), "PolicyNotAttachable", 400},
		{"delete role missing", second(c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("none")})), "NoSuchEntity", 404},
		{"user missing", second(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("none"), PermissionsBoundary: boundary})), "NoSuchEntity", 404},
		{"delete user missing", second(c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("none")})), "NoSuchEntity", 404},
	} {
		if apiCode(bad.err) != bad.code || httpStatus(bad.err) != bad.status {
			t.Errorf("%s: got %v, want %s (%d)", bad.name, bad.err, bad.code, bad.status)
		}
	}

	// A service-linked role's boundary is AWS's to manage.
	slr := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com")})).Role.RoleName
	_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: slr, PermissionsBoundary: boundary})
	wantErr(t, err, "UnmodifiableEntity", 400)
	_, err = c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: slr})
	wantErr(t, err, "UnmodifiableEntity", 400)
}

// second is the error of a two-valued call.
func second[T any](_ T, err error) error { return err }

func TestUpdateRoleDescription(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(ec2Trust),
		Description: aws.String("old"), MaxSessionDuration: aws.Int32(7200)}))
	out := must[*iam.UpdateRoleDescriptionOutput](t)(c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("APP"), Description: aws.String("serves the app")}))
	if *out.Role.Description != "serves the app" || *out.Role.Arn != "arn:aws:iam::123456789012:role/svc/app" || out.Role.AssumeRolePolicyDocument == nil {
		t.Fatalf("UpdateRoleDescription: %+v", out.Role)
	}
	got := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})).Role
	if *got.Description != "serves the app" || *got.MaxSessionDuration != 7200 {
		t.Fatalf("GetRole: %+v", got)
	}
	// An empty description clears it.
	must[*iam.UpdateRoleDescriptionOutput](t)(c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("app"), Description: aws.String("")}))
	if d := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})).Role.Description; d != nil && *d != "" {
		t.Fatalf("cleared description: %q", *d)
	}
	_, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("app"), Description: aws.String(strings.Repeat("d", 1001))})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("none"), Description: aws.String("x")})
	wantErr(t, err, "NoSuchEntity", 404)
}

func TestDeleteAccountAlias(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	_, err := c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("acme-prod")})
	wantErr(t, err, "NoSuchEntity", 404)
	must[*iam.CreateAccountAliasOutput](t)(c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("acme-prod")}))
	_, err = c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("acme-dev")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("Not_An_Alias")})
	wantErr(t, err, "ValidationError", 400)
	must[*iam.DeleteAccountAliasOutput](t)(c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("acme-prod")}))
	if a := must[*iam.ListAccountAliasesOutput](t)(c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})); len(a.AccountAliases) != 0 {
		t.Fatalf("after delete: %v", a.AccountAliases)
	}
	_, err = c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("acme-prod")})
	wantErr(t, err, "NoSuchEntity", 404)
	// The alias is free for another account.
	if _, err := s.IAM.CreateAccount(ctx, "210987654321", "OTHERROOTKEY", "OTHERROOTSECRET"); err != nil {
		t.Fatal(err)
	}
	must[*iam.CreateAccountAliasOutput](t)(iamClient(s, "OTHERROOTKEY", "OTHERROOTSECRET").CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("acme-prod")}))
	_, err = c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("acme-prod")})
	wantErr(t, err, "EntityAlreadyExists", 409)
}

func TestOrganizationsOperationsOfAStandaloneAccount(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	_, err := c.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{})
	wantErr(t, err, "OrganizationNotFoundException", 400)
	_, err = c.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})
	wantErr(t, err, "OrganizationNotFoundException", 400)
	_, err = c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("o-a1b2c3d4e5/r-f6g7h8i9j0example")})
	wantErr(t, err, "OrganizationNotFoundException", 400)
	_, err = c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("not/an/organizations/path")})
	wantErr(t, err, "ValidationError", 400)
	// Each needs its permission first, as every operation does.
	alice, _, _ := newUser(t, s, c, "alice")
	for _, err := range []error{
		second(alice.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{})),
		second(alice.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})),
		second(alice.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("o-a1b2c3d4e5/r-f6g7h8i9j0example")})),
	} {
		wantErr(t, err, "AccessDenied", 403)
	}
}

func TestGetContextKeysForCustomPolicy(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	p1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*",
		"Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1","s3:prefix":"home/"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	p2 := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"AWS:MultiFactorAuthPresent":"false"},"StringLike":{"AWS:SourceIp":"1.2.3.4"}}}}`
	out := must[*iam.GetContextKeysForCustomPolicyOutput](t)(c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{p1, p2}}))
	var got []string
	for _, k := range out.ContextKeyNames {
		got = append(got, strings.ToLower(k))
	}
	slices.Sort(got)
	want := []string{"aws:multifactorauthpresent", "aws:requestedregion", "aws:sourceip", "aws:username", "s3:prefix"}
	if !slices.Equal(got, want) {
		t.Fatalf("context keys %v, want %v (each once, whatever its case)", out.ContextKeyNames, want)
	}
	none := must[*iam.GetContextKeysForCustomPolicyOutput](t)(c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{allowS3}}))
	if len(none.ContextKeyNames) != 0 {
		t.Fatalf("no conditions: %v", none.ContextKeyNames)
	}
	_, err := c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17","Statement":`}})
	wantErr(t, err, "MalformedPolicyDocument", 400)
}
