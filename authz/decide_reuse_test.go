package authz_test

import (
	"context"
	"testing"

	"github.com/iamd/iamd/iam"
)

// Authorize recycles an allowed request's condition keys for the next
// request: no key of one request may reach another's decision. Allowed
// requests carrying a key alternate with requests without it, which a
// Deny on the key's absence must refuse every time (and tags of one
// principal must not reach another).
func TestAuthorizeReusedContextsKeepNothing(t *testing.T) {
	f := newFixture(t)
	// Allowed only with aws:SourceIp in 10.0.0.0/8: a leftover key would allow.
	cond := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	alice := f.user("alice", cond)
	withIP := *alice
	withIP.SourceIP = "10.1.2.3"
	without := *alice
	without.SourceIP = ""
	// Also a request key that only the first request sets.
	keyed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}]}`
	bob := f.user("bob", keyed)
	for i := range 50 {
		if err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: &withIP, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: withIP.Account}); err != nil {
			t.Fatalf("round %d: from 10.1.2.3: %v", i, err)
		}
		if err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: &without, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: without.Account}); err == nil {
			t.Fatalf("round %d: allowed without a source address: a recycled context kept aws:SourceIp", i)
		}
		if err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: bob, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: bob.Account,
			Keys: map[string][]string{"s3:prefix": {"home/"}}}); err != nil {
			t.Fatalf("round %d: with the key: %v", i, err)
		}
		if err := f.decider.Authorize(context.Background(), &iam.AuthzRequest{Caller: bob, Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: bob.Account}); err == nil {
			t.Fatalf("round %d: allowed without s3:prefix: a recycled context kept it", i)
		}
	}
}
