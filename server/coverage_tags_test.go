package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// tagTarget is one kind of taggable IAM resource and its three tag
// operations, named by id (a name, an ARN or a serial number).
type tagTarget struct {
	kind string
	// fold: keys differing only by case are the same key (users and roles;
	// every other IAM resource compares keys exactly, per the IAM User
	// Guide's "Case sensitivity" rule for tags).
	fold    bool
	create  func(t *testing.T, c *iam.Client) string
	missing string
	tag     func(c *iam.Client, id string, tags []types.Tag) error
	untag   func(c *iam.Client, id string, keys []string) error
	list    func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error)
}

func tagTargets() []tagTarget {
	return []tagTarget{
		{
			kind: "role", fold: true, missing: "no-such-role",
			create: func(t *testing.T, c *iam.Client) string {
				must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tagged"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
				return "tagged"
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "policy", missing: "arn:aws:iam::123456789012:policy/no-such-policy",
			create: func(t *testing.T, c *iam.Client) string {
				p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("tagged"), PolicyDocument: aws.String(allowS3)}))
				return *p.Policy.Arn
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "instance profile", missing: "no-such-profile",
			create: func(t *testing.T, c *iam.Client) string {
				must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("tagged")}))
				return "tagged"
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "virtual MFA device", missing: "arn:aws:iam::123456789012:mfa/no-such-device",
			create: func(t *testing.T, c *iam.Client) string {
				d := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("tagged")}))
				return *d.VirtualMFADevice.SerialNumber
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagMFADevice(ctx, &iam.UntagMFADeviceInput{SerialNumber: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "OIDC provider", missing: "arn:aws:iam::123456789012:oidc-provider/nowhere.example.com",
			create: func(t *testing.T, c *iam.Client) string {
				o := must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
					Url: aws.String("https://idp.example.com"), ClientIDList: []string{"app"}, ThumbprintList: []string{strings.Repeat("b", 40)}}))
				return *o.OpenIDConnectProviderArn
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "SAML provider", missing: "arn:aws:iam::123456789012:saml-provider/nosuch",
			create: func(t *testing.T, c *iam.Client) string {
				p := must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("tagged"), SAMLMetadataDocument: aws.String(samlMetadata("2031-01-01T00:00:00Z"))}))
				return *p.SAMLProviderArn
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagSAMLProvider(ctx, &iam.UntagSAMLProviderInput{SAMLProviderArn: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
		{
			kind: "server certificate", missing: "no-such-cert",
			create: func(t *testing.T, c *iam.Client) string {
				cert, key := validCert(t, "tagged.example.com")
				must[*iam.UploadServerCertificateOutput](t)(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
					ServerCertificateName: aws.String("tagged"), CertificateBody: aws.String(cert), PrivateKey: aws.String(key)}))
				return "tagged"
			},
			tag: func(c *iam.Client, id string, tags []types.Tag) error {
				_, err := c.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: &id, Tags: tags})
				return err
			},
			untag: func(c *iam.Client, id string, keys []string) error {
				_, err := c.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: &id, TagKeys: keys})
				return err
			},
			list: func(c *iam.Client, id string, marker *string, max *int32) ([]types.Tag, bool, *string, error) {
				out, err := c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: &id, Marker: marker, MaxItems: max})
				if err != nil {
					return nil, false, nil, err
				}
				return out.Tags, out.IsTruncated, out.Marker, nil
			},
		},
	}
}

func samlMetadata(validUntil string) string {
	return `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml" validUntil="` + validUntil + `">` +
		strings.Repeat(" ", 1000) + `</EntityDescriptor>`
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// tagMap reads all tags of a resource, page by page, as key=value.
func tagMap(t *testing.T, tt tagTarget, c *iam.Client, id string) map[string]string {
	t.Helper()
	got := map[string]string{}
	tags, truncated, _, err := tt.list(c, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if truncated {
		t.Fatal("a resource's tags fit in one default page")
	}
	for _, tg := range tags {
		got[*tg.Key] = *tg.Value
	}
	return got
}

func TestTagOperations(t *testing.T) {
	for _, tt := range tagTargets() {
		t.Run(tt.kind, func(t *testing.T) {
			c := iamClient(testServer(t), rootKey, rootSecret)
			id := tt.create(t, c)

			// An untagged resource lists an empty list, not truncated.
			tags, truncated, marker, err := tt.list(c, id, nil, nil)
			if err != nil || len(tags) != 0 || truncated || marker != nil {
				t.Fatalf("untagged: %v %v %v %v", tags, truncated, marker, err)
			}

			// Tag, read back; tagging a key again replaces its value.
			if err := tt.tag(c, id, []types.Tag{tag("Env", "dev"), tag("team", "red"), tag("empty", "")}); err != nil {
				t.Fatal(err)
			}
			if err := tt.tag(c, id, []types.Tag{tag("team", "blue")}); err != nil {
				t.Fatal(err)
			}
			if got := tagMap(t, tt, c, id); len(got) != 3 || got["Env"] != "dev" || got["team"] != "blue" || got["empty"] != "" {
				t.Fatalf("after tagging: %v", got)
			}

			// Case: one key on users and roles, two keys elsewhere.
			if err := tt.tag(c, id, []types.Tag{tag("env", "prod")}); err != nil {
				t.Fatal(err)
			}
			got := tagMap(t, tt, c, id)
			if tt.fold && (len(got) != 3 || got["env"] != "prod" || got["Env"] != "") {
				t.Fatalf("case-insensitive keys: %v", got)
			}
			if !tt.fold && (len(got) != 4 || got["env"] != "prod" || got["Env"] != "dev") {
				t.Fatalf("case-sensitive keys: %v", got)
			}

			// Bad tags: the reserved prefix, a key twice in one request, a
			// key the model's pattern refuses, 51 tags in one request.
			for _, bad := range []struct {
				tags   []types.Tag
				code   string
				status int
			}{
				{[]types.Tag{tag("aws:owner", "x")}, "InvalidInput", 400},
				{[]types.Tag{tag("AWS:owner", "x")}, "InvalidInput", 400},
				{[]types.Tag{tag("dup", "1"), tag("dup", "2")}, "InvalidInput", 400},
				{[]types.Tag{tag("bad#key", "x")}, "ValidationError", 400},
				{[]types.Tag{tag(strings.Repeat("k", 129), "x")}, "ValidationError", 400},
				{[]types.Tag{tag("k", strings.Repeat("v", 257))}, "ValidationError", 400},
				{manyTags("bulk", 51), "ValidationError", 400},
			} {
				wantErr(t, tt.tag(c, id, bad.tags), bad.code, bad.status)
			}
			if n := len(tagMap(t, tt, c, id)); n != len(got) {
				t.Fatalf("a refused request changed the tags: %d, want %d", n, len(got))
			}

			// Untag: keys that are absent are ignored; on users and roles
			// the key matches without case.
			if err := tt.untag(c, id, []string{"TEAM", "nothing-here"}); err != nil {
				t.Fatal(err)
			}
			got = tagMap(t, tt, c, id)
			if _, kept := got["team"]; kept == tt.fold {
				t.Fatalf("untag TEAM (case-insensitive %v): %v", tt.fold, got)
			}
			if err := tt.untag(c, id, []string{"team", "env", "Env", "empty"}); err != nil {
				t.Fatal(err)
			}
			if got := tagMap(t, tt, c, id); len(got) != 0 {
				t.Fatalf("after untagging all: %v", got)
			}

			// Fifty tags per resource: the fifty-first is refused, replacing
			// one of the fifty is not.
			if err := tt.tag(c, id, manyTags("k", 50)); err != nil {
				t.Fatal(err)
			}
			wantErr(t, tt.tag(c, id, []types.Tag{tag("one-more", "x")}), "LimitExceeded", 409)
			if err := tt.tag(c, id, []types.Tag{tag("k07", "replaced")}); err != nil {
				t.Fatal(err)
			}

			// Pagination: 50 tags in pages of 20, 20 and 10, each tag once.
			var keys []string
			var pages []int
			var next *string
			for {
				page, truncated, m, err := tt.list(c, id, next, aws.Int32(20))
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, len(page))
				for _, tg := range page {
					keys = append(keys, *tg.Key)
					if *tg.Key == "k07" && *tg.Value != "replaced" {
						t.Fatalf("k07 = %q", *tg.Value)
					}
				}
				if truncated != (m != nil) {
					t.Fatalf("IsTruncated %v with marker %v", truncated, m)
				}
				if !truncated {
					break
				}
				next = m
			}
			slices.Sort(keys)
			if fmt.Sprint(pages) != "[20 20 10]" || len(slices.Compact(keys)) != 50 {
				t.Fatalf("pages %v, %d distinct keys", pages, len(slices.Compact(keys)))
			}
			_, _, _, err = tt.list(c, id, aws.String("!!not-a-marker!!"), nil)
			wantErr(t, err, "ValidationError", 400)
			_, _, _, err = tt.list(c, id, nil, aws.Int32(0))
			wantErr(t, err, "ValidationError", 400)
			_, _, _, err = tt.list(c, id, nil, aws.Int32(1001))
			wantErr(t, err, "ValidationError", 400)

			// A resource that does not exist.
			wantErr(t, tt.tag(c, tt.missing, []types.Tag{tag("a", "b")}), "NoSuchEntity", 404)
			wantErr(t, tt.untag(c, tt.missing, []string{"a"}), "NoSuchEntity", 404)
			_, _, _, err = tt.list(c, tt.missing, nil, nil)
			wantErr(t, err, "NoSuchEntity", 404)
		})
	}
}

// manyTags is n tags prefix00..prefixNN.
func manyTags(prefix string, n int) []types.Tag {
	out := make([]types.Tag, n)
	for i := range out {
		out[i] = tag(fmt.Sprintf("%s%02d", prefix, i), "v")
	}
	return out
}

// A resource's tags are its aws:ResourceTag keys when its tag operations
// are authorized, for every kind of taggable resource.
func TestTagOperationsReadResourceTags(t *testing.T) {
	for _, tt := range tagTargets() {
		t.Run(tt.kind, func(t *testing.T) {
			s := testServer(t)
			root := iamClient(s, rootKey, rootSecret)
			id := tt.create(t, root)
			alice, _, _ := newUser(t, s, root, "alice")
			must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("red"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*Tags","iam:Tag*","iam:Untag*"],"Resource":"*",
					"Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}`)}))
			if err := tt.tag(root, id, []types.Tag{tag("team", "blue")}); err != nil {
				t.Fatal(err)
			}
			_, _, _, err := tt.list(alice, id, nil, nil)
			wantErr(t, err, "AccessDenied", 403)
			wantErr(t, tt.untag(alice, id, []string{"team"}), "AccessDenied", 403)
			if err := tt.tag(root, id, []types.Tag{tag("team", "red")}); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := tt.list(alice, id, nil, nil); err != nil {
				t.Fatalf("a red resource: %v", err)
			}
			if err := tt.tag(alice, id, []types.Tag{tag("owner", "alice")}); err != nil {
				t.Fatalf("tag a red resource: %v", err)
			}
		})
	}
}
