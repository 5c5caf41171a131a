package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// docOfSize is a user policy of exactly n non-space characters.
func docOfSize(t *testing.T, n int) string {
	t.Helper()
	base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/"}]}`
	pad := n - len(base)
	if pad < 0 {
		t.Fatalf("size %d below the base document's %d", n, len(base))
	}
	return strings.Replace(base, `b/"`, `b/`+strings.Repeat("x", pad)+`"`, 1)
}

// The quota on the sum of a user's inline policies (2,048) reads the
// sizes kept with each policy, and still counts records written before
// sizes were kept; a replaced policy's old size is not counted.
func TestInlinePolicySumQuota(t *testing.T) {
	s := newSeam(t, nil)
	ctx := s.root
	s.user("dev")
	put := func(name string, size int) error {
		return s.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "dev", PolicyName: name, PolicyDocument: docOfSize(t, size)})
	}
	if err := put("p1", 900); err != nil {
		t.Fatal(err)
	}
	// A record as written before sizes were kept: no "size".
	old := fmt.Sprintf(`{"name":"old","document":%q}`, docOfSize(t, 600))
	if err := s.db.Update(context.Background(), func(tx iam.Tx) error { return tx.Put(seamAccount, "inline", "user|dev|old", []byte(old)) }); err != nil {
		t.Fatal(err)
	}
	// 900 + 600 + 600 > 2048: refused, and nothing stored.
	err := put("p2", 600)
	if e, ok := awserr.As(err); !ok || e.Code != "LimitExceeded" || e.Message != "Cannot exceed quota for UserPolicySize: 2048" {
		t.Fatalf("over the sum: %v", err)
	}
	if _, err := s.svc.GetUserPolicy(ctx, &iamapi.GetUserPolicyInput{UserName: "dev", PolicyName: "p2"}); err == nil {
		t.Fatal("the refused policy was stored")
	}
	// 900 + 600 + 500 fits; replacing p1 by one of 948 counts 948, not 900 + 948.
	if err := put("p2", 500); err != nil {
		t.Fatal(err)
	}
	if err := put("p1", 948); err != nil {
		t.Fatalf("replacing p1 within the quota: %v", err)
	}
	if err := put("p1", 949); err == nil {
		t.Fatal("replacing p1 one over the quota was allowed")
	}
}
