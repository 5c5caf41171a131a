package auth_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/auth"
	"github.com/iamd/iamd/iam"
)

// TestCachedCredentialsFollowTheFeed: once a key or a principal is
// cached, a write that revokes it refuses the next request.
func TestCachedCredentialsFollowTheFeed(t *testing.T) {
	f := newFixture(t, true, "")
	auth := func(creds aws.Credentials) error {
		t.Helper()
		r, b := signed(t, creds, "iam", "us-east-1", now, false)
		_, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam")
		return err
	}
	_, key := f.userKey("alice")
	f.must(auth(key))
	f.must(auth(key)) // from the cache
	f.must(f.svc.UpdateAccessKey(f.root, &iamapi.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKeyID, Status: "Inactive"}))
	if err := auth(key); !is(err, "InvalidClientTokenId", msgInvalid) {
		t.Fatalf("deactivated key: %v", err)
	}
	f.must(f.svc.UpdateAccessKey(f.root, &iamapi.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKeyID, Status: "Active"}))
	f.must(auth(key))

	// A user renamed: the key now names the new user.
	f.must(auth(key))
	f.must(f.svc.UpdateUser(f.root, &iamapi.UpdateUserInput{UserName: "alice", NewUserName: aws.String("alicia")}))
	r, b := signed(t, key, "iam", "us-east-1", now, false)
	c, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam")
	if err != nil || c.UserName != "alicia" || c.ARN != "arn:aws:iam::123456789012:user/team/alicia" {
		t.Fatalf("renamed user: %+v %v", c, err)
	}

	// A deleted key.
	f.must(f.svc.DeleteAccessKey(f.root, &iamapi.DeleteAccessKeyInput{UserName: aws.String("alicia"), AccessKeyId: key.AccessKeyID}))
	if err := auth(key); !is(err, "InvalidClientTokenId", msgInvalid) {
		t.Fatalf("deleted key: %v", err)
	}

	// A user's session token, then the user deleted.
	u, err := f.svc.CreateUser(f.root, &iamapi.CreateUserInput{UserName: "bob"})
	f.must(err)
	sess := f.sessionCreds(&iam.Session{Type: iam.SessionToken, UserName: "bob", UserID: u.User.UserId})
	f.must(auth(sess))
	f.must(f.svc.DeleteUser(f.root, &iamapi.DeleteUserInput{UserName: "bob"}))
	if err := auth(sess); !is(err, "InvalidClientTokenId", msgInvalid) {
		t.Fatalf("deleted user's session: %v", err)
	}
	_, err = f.svc.CreateUser(f.root, &iamapi.CreateUserInput{UserName: "bob"})
	f.must(err)
	if err := auth(sess); !is(err, "InvalidClientTokenId", msgInvalid) {
		t.Fatalf("re-created user's old session: %v", err)
	}
}

// The server's partition names every caller and bounds the regions.
func TestAuthenticatePartition(t *testing.T) {
	f := newFixture(t, false, "aws-cn")
	if f.authn.Partition() != "aws-cn" {
		t.Fatal(f.authn.Partition())
	}
	root := aws.Credentials{AccessKeyID: rootKey, SecretAccessKey: rootSecret}
	r, b := signed(t, root, "iam", "cn-northwest-1", now, false)
	c, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam")
	if err != nil || c.ARN != "arn:aws-cn:iam::123456789012:root" || c.Partition != "aws-cn" || c.Region != "cn-northwest-1" {
		t.Fatalf("%+v %v", c, err)
	}
	r, b = signed(t, root, "iam", "us-east-1", now, false)
	if _, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam"); !is(err, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'us-east-1'. ") {
		t.Fatalf("region of aws: %v", err)
	}
	// The default partition is aws.
	if p := auth.New(f.svc, f.tokens, nil, auth.Config{}).Partition(); p != "aws" {
		t.Errorf("default partition %s", p)
	}
}

// Authenticate (for the authorize endpoint) takes a request signed for
// any service; AuthenticateService only its own.
func TestAuthenticateAnyService(t *testing.T) {
	f := newFixture(t, false, "")
	_, key := f.userKey("alice")
	r, b := signed(t, key, "s3", "eu-west-1", now, false)
	c, res, err := f.authn.Authenticate(context.Background(), r, b)
	if err != nil || c.UserName != "alice" || res.Scope.Service != "s3" {
		t.Fatalf("%+v %+v %v", c, res, err)
	}
	r, b = signed(t, key, "s3", "eu-west-1", now, false)
	if _, _, err := f.authn.AuthenticateService(context.Background(), r, b, "sts"); !is(err, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ") {
		t.Fatalf("%v", err)
	}
}

// A key's use is recorded (service and region), at most once a minute.
func TestAuthenticateRecordsLastUse(t *testing.T) {
	f := newFixture(t, false, "")
	_, key := f.userKey("alice")
	r, b := signed(t, key, "iam", "eu-west-1", now, false)
	if _, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam"); err != nil {
		t.Fatal(err)
	}
	used, err := f.svc.GetAccessKeyLastUsed(f.root, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKeyID})
	f.must(err)
	lu := used.AccessKeyLastUsed
	if lu.LastUsedDate == nil || !lu.LastUsedDate.Equal(now) || lu.ServiceName != "iam" || lu.Region != "eu-west-1" {
		t.Fatalf("last used %+v", lu)
	}
}

// A store that cannot answer is ServiceUnavailable, not "invalid token"
// (the client retries) nor a leak of the cause.
func TestAuthenticateStoreDown(t *testing.T) {
	f := newFixture(t, false, "")
	_, key := f.userKey("alice")
	f.st.Close()
	r, b := signed(t, key, "iam", "us-east-1", now, false)
	_, _, err := f.authn.AuthenticateService(context.Background(), r, b, "iam")
	code, msg := awsCode(err)
	if code != "ServiceUnavailable" || msg != "The service is unavailable. Retry the request." {
		t.Fatalf("%s %q", code, msg)
	}
}
