package server_test

// Issue 18: the behaviours the policies recordings found, held beyond the
// one recorded call: policy tag order and paging, the duplicate-key
// message of case-sensitive keys, TagPolicy's wording for a missing
// policy (and that nothing changes), and the document checks.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func iamTags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagKeys(ts []types.Tag) string {
	var ks []string
	for _, t := range ts {
		ks = append(ks, *t.Key)
	}
	return strings.Join(ks, " ")
}

func TestParityPolicyTagOrder(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{"abc", "1", "b", "2", "z", "3", "a", "4"}, "a b z abc"},
		{[]string{"a", "1", "A", "2"}, "A a"},
		{[]string{"someotherkey", "1", "somekey", "2", "zz", "3"}, "zz somekey someotherkey"},
	} {
		p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p-" + strings.ReplaceAll(tc.want, " ", "-")),
			PolicyDocument: aws.String(snapMock), Tags: iamTags(tc.tags...)}))
		// CreatePolicy answers the tags as given.
		var given []string
		for i := 0; i < len(tc.tags); i += 2 {
			given = append(given, tc.tags[i])
		}
		if got := tagKeys(p.Policy.Tags); got != strings.Join(given, " ") {
			t.Errorf("CreatePolicy tags %q, want %q", got, given)
		}
		all := must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: p.Policy.Arn}))
		if got := tagKeys(all.Tags); got != tc.want {
			t.Errorf("ListPolicyTags %q, want %q", got, tc.want)
		}
		// Page by page, the same order.
		var paged []types.Tag
		var marker *string
		for {
			out := must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: p.Policy.Arn, MaxItems: aws.Int32(1), Marker: marker}))
			paged = append(paged, out.Tags...)
			if !out.IsTruncated {
				break
			}
			marker = out.Marker
		}
		if got := tagKeys(paged); got != tc.want {
			t.Errorf("paged %q, want %q", got, tc.want)
		}
	}
	// Users keep byte order: the order is the policy's own.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u"), Tags: iamTags("Team", "x", "Environment", "y")}))
	ut := must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("u")}))
	if got := tagKeys(ut.Tags); got != "Environment Team" {
		t.Errorf("ListUserTags %q", got)
	}
}

func TestParityPolicyTagErrors(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(snapMock), Tags: iamTags("k", "v")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2TrustDoc)}))
	missing := strings.TrimSuffix(*p.Policy.Arn, "policy/p") + "policy/NotAPolicy"
	for _, tc := range []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"create policy, duplicate keys", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p2"), PolicyDocument: aws.String(snapMock), Tags: iamTags("0", "", "0", "")})
			return err
		}, "InvalidInput", "Duplicate tag keys found."},
		{"tag policy, duplicate keys", func() error {
			_, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: p.Policy.Arn, Tags: iamTags("0", "", "0", "")})
			return err
		}, "InvalidInput", "Duplicate tag keys found."},
		// Role keys fold: the note on case stays.
		{"tag role, keys differing in case", func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: iamTags("mykey", "1", "MyKey", "2")})
			return err
		}, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"tag missing policy", func() error {
			_, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String(missing), Tags: iamTags("some", "value")})
			return err
		}, "NoSuchEntity", "Policy " + missing + " was not found."},
		{"untag missing policy", func() error {
			_, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(missing), TagKeys: []string{"k"}})
			return err
		}, "NoSuchEntity", "Policy " + missing + " was not found."},
		// GetPolicy words it the same way (parity_notfound_test.go);
		// attaching keeps its own wording.
		{"get missing policy", func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(missing)})
			return err
		}, "NoSuchEntity", "Policy " + missing + " was not found."},
	} {
		err := tc.call()
		if apiCode(err) != tc.code || apiMessage(err) != tc.msg {
			t.Errorf("%s: %s %q, want %s %q", tc.name, apiCode(err), apiMessage(err), tc.code, tc.msg)
		}
	}
	// Nothing changed: the policy keeps its one tag and no other policy
	// was made.
	lt := must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: p.Policy.Arn}))
	if got := tagKeys(lt.Tags); got != "k" {
		t.Fatalf("tags %q", got)
	}
	lp := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))
	if len(lp.Policies) != 1 {
		t.Fatalf("policies %d", len(lp.Policies))
	}
	// The legitimate calls work: tag, untag.
	must[*iam.TagPolicyOutput](t)(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: p.Policy.Arn, Tags: iamTags("K", "2")}))
	must[*iam.UntagPolicyOutput](t)(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: p.Policy.Arn, TagKeys: []string{"k"}}))
	lt = must[*iam.ListPolicyTagsOutput](t)(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: p.Policy.Arn}))
	if got := tagKeys(lt.Tags); got != "K" {
		t.Fatalf("tags %q", got)
	}
}

func TestParityPolicyDocumentMessages(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for i, tc := range []struct{ doc, msg string }{
		// The second statement's empty resource does not turn the first
		// statement's resource error into a legacy failure.
		{stmt(`[{"Effect":"Allow","Action":"s3:ListBucket","Resource":""},{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}]`), `Resource  must be in ARN format or "*".`},
		{stmt(`[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"bad"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"x"}]`), `Resource bad must be in ARN format or "*".`},
		// A well-formed but short ARN is still a legacy failure.
		{stmt(`[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::b"}]`), "The policy failed legacy parsing"},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}`),
			`IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
	} {
		_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(tc.doc)})
		if apiCode(err) != "MalformedPolicyDocument" || apiMessage(err) != tc.msg {
			t.Errorf("%d: %s %q, want %q", i, apiCode(err), apiMessage(err), tc.msg)
		}
	}
	lp := must[*iam.ListPoliciesOutput](t)(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))
	if len(lp.Policies) != 0 {
		t.Fatalf("refused documents made %d policies", len(lp.Policies))
	}
	// A root resource and well-formed documents are taken.
	for _, doc := range []string{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam::111122223333:root"}`), snapMock} {
		must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ok" + strings.Repeat("x", len(doc)%7)), PolicyDocument: aws.String(doc)}))
	}
}
