package server_test

// Issue 18, item 8: a region is refused in S3 bucket and object ARNs (the
// message recorded in iam_policies.json, test_policy_document_errors) and
// taken in the S3 resources that live in a region, access points first.

import (
	"strings"
	"testing"
)

func TestParityS3RegionInResource(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	doc := func(resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + resource + `"}]}`
	}
	for _, tc := range []struct {
		resource string
		refused  bool
	}{
		{"arn:aws:s3:::example_bucket/key", false},
		{"arn:aws:s3:us-east-1:123456789012:accesspoint/ap", false},
		{"arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/*", false},
		{"arn:aws:s3:us-east-1:123456789012:job/j1", false},
		// Last, so that the stored policy shows they changed nothing.
		{"arn:aws:s3:us-east-1::example_bucket", true},
		{"arn:aws:s3:us-east-1::example_bucket/key", true},
	} {
		code, body := query(t, s, "PutUserPolicy", "UserName", "u", "PolicyName", "p", "PolicyDocument", doc(tc.resource))
		if tc.refused {
			wantError(t, tc.resource, code, body, 400, "MalformedPolicyDocument", "Resource "+tc.resource+" can not contain region information.")
			continue
		}
		if code != 200 {
			t.Errorf("%s: %d %s", tc.resource, code, body)
		}
	}
	// The refused documents changed nothing: the policy is the last one taken.
	got := mustQuery(t, s, "GetUserPolicy", "UserName", "u", "PolicyName", "p")
	if !strings.Contains(got, "job%2Fj1") {
		t.Errorf("stored policy: %s", got)
	}
}
