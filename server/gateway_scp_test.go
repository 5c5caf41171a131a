package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/iamd/iamd/server"
)

// The SCPs of the test account: the organization's root allows
// everything (FullAWSAccess), the account's level allows S3, IAM and STS
// and denies s3:DeleteObject.
var testSCPs = []string{
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:*","iam:*","sts:*"],"Resource":"*"},
		{"Effect":"Deny","Action":["s3:DeleteObject","iam:DeleteUser"],"Resource":"*"}]}`,
}

// A gateway call is bounded by the SCPs of the caller's account exactly
// as an IAM call is: an explicit deny in an SCP refuses a DeleteObject the
// identity policy allows (with AWS's "explicit deny in a service control
// policy"), an action no SCP level allows is refused (to the root user
// too), what the SCPs allow still works, and another account's
// principals are not bounded by them.
func TestGatewaySCPs(t *testing.T) {
	moto := startMoto(t)
	audit := &gatewayAudit{}
	inst := testServerWith(t, func(o *server.Options) {
		o.AuditLog = audit
		o.Gateway = server.GatewayOptions{Backend: moto}
		o.SCPs = map[string][]string{testAccount: testSCPs}
	})
	audit.flush = inst.FlushAudit
	if _, err := inst.IAM.CreateAccount(ctx, otherAccount, otherKey, otherSecret); err != nil {
		t.Fatal(err)
	}
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("scp-bkt")}))

	key, secret := gwUser(t, inst, root, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:*","dynamodb:*","iam:*"],"Resource":"*"}]}`)
	alice := s3Client(inst, key, secret, "")
	must[*s3.PutObjectOutput](t)(alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("scp-bkt"), Key: aws.String("k"), Body: strings.NewReader("kept")}))

	_, err := alice.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("scp-bkt"), Key: aws.String("k")})
	wantErr(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::scp-bkt/k with an explicit deny in a service control policy"
	if apiMessage(err) != want {
		t.Fatalf("message %q\nwant    %q", apiMessage(err), want)
	}
	rec := findRecord(t, audit, "s3.amazonaws.com", "DeleteObject", "arn:aws:iam::123456789012:user/alice")
	if rec.Decision != "explicitDeny" || rec.ErrorCode != "AccessDenied" {
		t.Fatalf("audit record %+v", rec)
	}
	// The refused call did not reach the backend: the object is there,
	// and reading it is allowed by the SCPs.
	if got, err := getObject(t, alice, "scp-bkt", "k"); err != nil || got != "kept" {
		t.Fatalf("GetObject after the refused delete: %q, %v", got, err)
	}
	// DeleteObjects is s3:DeleteObject per key: refused too.
	_, err = alice.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("scp-bkt"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("k")}}}})
	wantErr(t, err, "AccessDenied", 403)

	// No SCP level allows DynamoDB: refused, for the root user too.
	_, err = ddbClient(inst, key, secret).ListTables(ctx, &dynamodb.ListTablesInput{})
	wantErr(t, err, "AccessDeniedException", 400)
	if m := apiMessage(err); !strings.HasSuffix(m, "because no service control policy allows the dynamodb:ListTables action") {
		t.Fatalf("message %q", m)
	}
	_, err = ddbClient(inst, rootKey, rootSecret).ListTables(ctx, &dynamodb.ListTablesInput{})
	wantErr(t, err, "AccessDeniedException", 400)

	// IAM's own calls are bounded by the same SCPs.
	aliceIAM := iamClient(inst, key, secret)
	must[*iam.CreateUserOutput](t)(aliceIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	_, err = aliceIAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	wantErr(t, err, "AccessDenied", 403)
	if m := apiMessage(err); m != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::123456789012:user/bob with an explicit deny in a service control policy" {
		t.Fatalf("message %q", m)
	}
	must[*iam.GetUserOutput](t)(aliceIAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}))

	// Another account, outside the organization, is not bounded by them.
	otherS3 := s3Client(inst, otherKey, otherSecret, "")
	must[*s3.CreateBucketOutput](t)(otherS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other-bkt")}))
	must[*s3.PutObjectOutput](t)(otherS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("other-bkt"), Key: aws.String("k"), Body: strings.NewReader("x")}))
	must[*s3.DeleteObjectOutput](t)(otherS3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("other-bkt"), Key: aws.String("k")}))
}

// An SCP that is not a valid one stops the server from starting.
func TestGatewaySCPsInvalid(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":        `{`,
		"with Principal":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		"unknown element": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Bogus":1}]}`,
	} {
		_, err := server.Start(ctx, server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount,
			SCPs: map[string][]string{testAccount: {doc}}})
		if err == nil || !strings.Contains(err.Error(), "SCP 1 of account "+testAccount) {
			t.Errorf("%s: Start: %v, want an SCP error", name, err)
		}
	}
}
