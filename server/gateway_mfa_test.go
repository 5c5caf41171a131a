package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/totp"
)

// MFA-only statements on a service behind the gateway: aws:MultiFactorAuthPresent
// is absent for long-term keys, "false" for a session without MFA and
// "true" for GetSessionToken credentials obtained with a code, so the two
// patterns AWS documents ("Allow only with MFA", "Deny unless MFA, with
// BoolIfExists") refuse the first two and let the third through.
func TestGatewayMFAOnlyAfterGetSessionToken(t *testing.T) {
	inst, audit, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("keep"), Body: strings.NewReader("kept")}))

	key, secret := gwUser(t, inst, root, "ops", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
		{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::vault"},
		{"Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::vault/*"},
		{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`)
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ops")}))
	serial, seed := dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	code := func(n int64) *string {
		c, err := totp.Code(seed, n)
		if err != nil {
			t.Fatal(err)
		}
		return aws.String(c)
	}
	n := totpCounter(t) // with time left in the step: n-1 stays inside the window
	must[*iam.EnableMFADeviceOutput](t)(root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("ops"), SerialNumber: serial,
		AuthenticationCode1: code(n - 3), AuthenticationCode2: code(n - 2)}))

	userSTS := stsClient(inst, key, secret, "")
	plain := must[*sts.GetSessionTokenOutput](t)(userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	withMFA := must[*sts.GetSessionTokenOutput](t)(userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code(n - 1)}))
	const user = "arn:aws:iam::123456789012:user/ops"
	for _, c := range []struct {
		name, key, secret, token string
		mfa                      bool
	}{
		{"long-term keys", key, secret, "", false},
		{"GetSessionToken without MFA", *plain.Credentials.AccessKeyId, *plain.Credentials.SecretAccessKey, *plain.Credentials.SessionToken, false},
		{"GetSessionToken with MFA", *withMFA.Credentials.AccessKeyId, *withMFA.Credentials.SecretAccessKey, *withMFA.Credentials.SessionToken, true},
	} {
		c3 := s3Client(inst, c.key, c.secret, c.token)
		// Not conditioned on MFA: allowed to all three.
		must[*s3.ListObjectsV2Output](t)(c3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vault")}))
		must[*s3.PutObjectOutput](t)(c3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("scratch"), Body: strings.NewReader("x")}))

		got, err := getObject(t, c3, "vault", "keep")
		del := func() error {
			_, err := c3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("scratch")})
			return err
		}
		if c.mfa {
			if err != nil || got != "kept" {
				t.Fatalf("%s: GetObject: %q %v", c.name, got, err)
			}
			if err := del(); err != nil {
				t.Fatalf("%s: DeleteObject: %v", c.name, err)
			}
			if _, err := rootS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("scratch")}); httpStatus(err) != 404 {
				t.Fatalf("%s: the object was not deleted: %v", c.name, err)
			}
			// GetSessionToken's credentials act as the user itself.
			rec := findRecord(t, audit, "s3.amazonaws.com", "GetObject", user)
			if rec.Decision != "allowed" || rec.UserIdentity.AccessKeyID != c.key {
				t.Fatalf("%s: audit record %+v", c.name, rec)
			}
			continue
		}
		wantErr(t, err, "AccessDenied", 403)
		if m := apiMessage(err); !strings.Contains(m, "is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::vault/keep because no identity-based policy allows the s3:GetObject action") {
			t.Fatalf("%s: GetObject message %q", c.name, m)
		}
		err = del()
		wantErr(t, err, "AccessDenied", 403)
		if m := apiMessage(err); !strings.Contains(m, "s3:DeleteObject on resource: arn:aws:s3:::vault/scratch with an explicit deny in an identity-based policy") {
			t.Fatalf("%s: DeleteObject message %q", c.name, m)
		}
		// The refused delete never reached moto.
		must[*s3.HeadObjectOutput](t)(rootS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("scratch")}))
		rec := findRecord(t, audit, "s3.amazonaws.com", "GetObject", user)
		if rec.Decision != "implicitDeny" || rec.ErrorCode != "AccessDenied" || rec.UserIdentity.AccessKeyID != c.key {
			t.Fatalf("%s: audit record %+v", c.name, rec)
		}
	}
}
