package gateway

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestResourceKeys(t *testing.T) {
	for _, c := range []struct{ arn, key, owned string }{
		{"arn:aws:s3:::bkt", "arn:aws:s3:::bkt", "arn:aws:s3:::bkt"},
		{"arn:aws:s3:::bkt/a/b.txt", "arn:aws:s3:::bkt", "arn:aws:s3:::bkt/a/b.txt"},
		{"arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:sqs:us-east-1::q", "arn:aws:sqs:us-east-1:210987654321:q"},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/i", "arn:aws:dynamodb:eu-west-1::table/t", "arn:aws:dynamodb:eu-west-1:210987654321:table/t/index/i"},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:prod", "arn:aws:lambda:us-east-1::function:f", "arn:aws:lambda:us-east-1:210987654321:function:f:prod"},
		{"arn:aws:logs:us-east-1:123456789012:log-group:g:*", "arn:aws:logs:us-east-1::log-group:g", "arn:aws:logs:us-east-1:210987654321:log-group:g:*"},
		{"arn:aws:kms:us-east-1:123456789012:key/k1", "arn:aws:kms:us-east-1::key/k1", "arn:aws:kms:us-east-1:210987654321:key/k1"},
		{"arn:aws:ecr:us-east-1:123456789012:repository/team/app", "arn:aws:ecr:us-east-1::repository/team/app", "arn:aws:ecr:us-east-1:210987654321:repository/team/app"},
		// No one resource: no owner, no policy.
		{"*", "", "*"},
		{"arn:aws:s3:::bkt*", "", "arn:aws:s3:::bkt*"},
		{"arn:aws:sqs:us-east-1:123456789012:*", "", "arn:aws:sqs:us-east-1:123456789012:*"},
		{"arn:aws:iam::123456789012:role/r", "", "arn:aws:iam::123456789012:role/r"},
		{"arn:aws:sqs", "", "arn:aws:sqs"},
	} {
		r, ok := parseResource(c.arn)
		if key := map[bool]string{true: r.key()}[ok]; key != c.key {
			t.Errorf("%s: key %q, want %q", c.arn, key, c.key)
		}
		owned := c.arn
		if ok {
			owned = withAccount(c.arn, "210987654321")
		}
		if owned != c.owned {
			t.Errorf("%s: owned %q, want %q", c.arn, owned, c.owned)
		}
	}
}

func TestTTLCacheBoundedAndExpiring(t *testing.T) {
	now := time.Unix(0, 0)
	c := newTTLCache[string](100, time.Minute, func() time.Time { return now })
	for i := range 1000 {
		c.put(fmt.Sprint(i), "v")
		if len(c.m) > 100 {
			t.Fatalf("%d entries after %d puts", len(c.m), i+1)
		}
	}
	c.put("x", "1")
	if v, ok := c.get("x"); !ok || v != "1" {
		t.Fatalf("get x: %q %v", v, ok)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.get("x"); ok {
		t.Fatal("an expired entry was served")
	}
	c.put("y", "2")
	c.del("y")
	if _, ok := c.get("y"); ok {
		t.Fatal("a deleted entry was served")
	}
}

func TestDefaultKeyPolicyOwnedByOwner(t *testing.T) {
	moto := `{"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
		"Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}`
	got := ownDefaultKeyPolicy(moto, "aws", "123456789012", "210987654321")
	if want := `"arn:aws:iam::210987654321:root"`; !contains(got, want) || contains(got, "123456789012") {
		t.Fatalf("default policy for the owner: %s", got)
	}
	// A policy the owner wrote is its own, whatever accounts it names.
	own := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`
	if got := ownDefaultKeyPolicy(own, "aws", "123456789012", "210987654321"); got != own {
		t.Fatalf("a written key policy was changed: %s", got)
	}
}

func TestLambdaPrincipals(t *testing.T) {
	got := lambdaPrincipals(`{"Statement":[{"Principal":"210987654321"},{"Principal":"s3.amazonaws.com"},{"Principal":"*"},{"Principal":"arn:aws:iam::1:role/r"}]}`)
	want := `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::210987654321:root"}},{"Principal":{"Service":"s3.amazonaws.com"}},{"Principal":"*"},{"Principal":{"AWS":"arn:aws:iam::1:role/r"}}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
