package server_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

// Resource-based policies through the gateway, with moto as the backend:
// read back from it, combined with identity policies as AWS combines
// them, and owned by the account that created the resource.

const (
	otherAccount = "210987654321"
	otherKey     = "OTHERROOTKEY"
	otherSecret  = "OTHERROOTSECRET"
)

// respolServer is a gateway in front of moto with a second account.
func respolServer(t *testing.T) *server.Instance {
	t.Helper()
	inst, _ := respolServerMoto(t)
	return inst
}

func respolServerMoto(t *testing.T) (*server.Instance, string) {
	t.Helper()
	inst, _, moto := gatewayServer(t, "")
	if _, err := inst.IAM.CreateAccount(ctx, otherAccount, otherKey, otherSecret); err != nil {
		t.Fatal(err)
	}
	return inst, moto
}

// respolRoleSession creates a role of the account (trusting the account) with
// an inline policy (none when doc is ""), assumes it and returns the
// session's keys.
func respolRoleSession(t *testing.T, inst *server.Instance, rootKeyID, rootSecretKey, account, name, doc string) (string, string, string) {
	t.Helper()
	root := iamClient(inst, rootKeyID, rootSecretKey)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}))
	if doc != "" {
		must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	}
	assumer := "assumer-" + name
	_, key, secret := newUser(t, inst, root, assumer)
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(assumer), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	out := must[*sts.AssumeRoleOutput](t)(stsClient(inst, key, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/" + name), RoleSessionName: aws.String("s1")}))
	return *out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken
}

func getObject(t *testing.T, c *s3.Client, bucket, key string) (string, error) {
	t.Helper()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func putBucketPolicy(t *testing.T, c *s3.Client, bucket, doc string) {
	t.Helper()
	must[*s3.PutBucketPolicyOutput](t)(c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}))
}

// A bucket of account A whose policy grants arn:aws:iam::B:root is
// readable by a role of B whose identity policy allows it, and by no
// other role of B; without the bucket's grant, not even by that role.
func TestGatewayCrossAccountBucketPolicy(t *testing.T) {
	inst := respolServer(t)
	ownerS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(ownerS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")}))
	must[*s3.PutObjectOutput](t)(ownerS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("report.csv"), Body: strings.NewReader("a,b")}))

	rk, rs, rt := respolRoleSession(t, inst, otherKey, otherSecret, otherAccount, "reader",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	reader := s3Client(inst, rk, rs, rt)
	ok, os, ot := respolRoleSession(t, inst, otherKey, otherSecret, otherAccount, "other",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	other := s3Client(inst, ok, os, ot)

	// No grant from the bucket yet: the identity policy alone does not
	// cross accounts.
	_, err := getObject(t, reader, "shared", "report.csv")
	wantErr(t, err, "AccessDenied", 403)
	if m := apiMessage(err); !strings.Contains(m, "arn:aws:sts::"+otherAccount+":assumed-role/reader/s1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::shared/report.csv") {
		t.Fatalf("message %q", m)
	}

	putBucketPolicy(t, ownerS3, "shared", `{"Version":"2012-10-17","Statement":[{"Sid":"B","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+otherAccount+`:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	got, err := getObject(t, reader, "shared", "report.csv")
	if err != nil || got != "a,b" {
		t.Fatalf("the granted role read %q, %v", got, err)
	}
	// The other role of B has no identity permission: refused.
	_, err = getObject(t, other, "shared", "report.csv")
	wantErr(t, err, "AccessDenied", 403)
	if m, want := apiMessage(err), "User: arn:aws:sts::"+otherAccount+":assumed-role/other/s1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::shared/report.csv because no identity-based policy allows the s3:GetObject action"; m != want {
		t.Fatalf("message %q\nwant    %q", m, want)
	}
	// The grant is for reading: B's role cannot write to A's bucket.
	_, err = reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("report.csv"), Body: strings.NewReader("overwritten")})
	wantErr(t, err, "AccessDenied", 403)
	if got, err := getObject(t, ownerS3, "shared", "report.csv"); err != nil || got != "a,b" {
		t.Fatalf("the object is now %q, %v", got, err)
	}

	// B's own bucket is B's, though the backend has one account: A's
	// principals get nothing from it without its policy.
	otherS3 := s3Client(inst, otherKey, otherSecret, "")
	must[*s3.CreateBucketOutput](t)(otherS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-own")}))
	must[*s3.PutObjectOutput](t)(otherS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-own"), Key: aws.String("k"), Body: strings.NewReader("b")}))
	_, err = getObject(t, ownerS3, "b-own", "k")
	wantErr(t, err, "AccessDenied", 403)
	// ...and A's root cannot take it over by creating it again.
	_, err = ownerS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-own")})
	wantErr(t, err, "AccessDenied", 403)
	if got, err := getObject(t, otherS3, "b-own", "k"); err != nil || got != "b" {
		t.Fatalf("B reads its own bucket: %q, %v", got, err)
	}

	// Removing the grant through the gateway takes effect at once.
	must[*s3.DeleteBucketPolicyOutput](t)(ownerS3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared")}))
	_, err = getObject(t, reader, "shared", "report.csv")
	wantErr(t, err, "AccessDenied", 403)
}

// An explicit Deny in a bucket policy refuses even the account's admin;
// a policy written through the gateway counts from the next call.
func TestGatewayBucketPolicyDenyAndInvalidation(t *testing.T) {
	inst := respolServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("k"), Body: strings.NewReader("v1")}))
	key, secret := gwUser(t, inst, root, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	admin := s3Client(inst, key, secret, "")

	// Read once: the bucket's (absent) policy is now cached.
	if got, err := getObject(t, admin, "vault", "k"); err != nil || got != "v1" {
		t.Fatalf("admin read %q, %v", got, err)
	}
	putBucketPolicy(t, admin, "vault", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/*"}]}`)
	_, err := getObject(t, admin, "vault", "k")
	wantErr(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::vault/k with an explicit deny in a resource-based policy"
	if m := apiMessage(err); m != want {
		t.Fatalf("message %q\nwant    %q", m, want)
	}
	_, err = getObject(t, rootS3, "vault", "k")
	wantErr(t, err, "AccessDenied", 403)
	// Other actions are not denied: the admin can still write and list.
	must[*s3.PutObjectOutput](t)(admin.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("k"), Body: strings.NewReader("v2")}))
	must[*s3.ListObjectsV2Output](t)(admin.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vault")}))

	// Replacing the policy through the gateway lifts the deny at once.
	putBucketPolicy(t, admin, "vault", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::vault/*"}]}`)
	if got, err := getObject(t, admin, "vault", "k"); err != nil || got != "v2" {
		t.Fatalf("admin read %q, %v after the deny was lifted", got, err)
	}
	_, err = admin.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("k")})
	wantErr(t, err, "AccessDenied", 403)
	if got, err := getObject(t, admin, "vault", "k"); err != nil || got != "v2" {
		t.Fatalf("the object is %q, %v after a denied delete", got, err)
	}
}

// An anonymous GetObject is allowed where the bucket policy allows
// "Principal": "*", and only there.
func TestGatewayAnonymousPublicRead(t *testing.T) {
	inst := respolServer(t)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"), Body: strings.NewReader("<h1>hi</h1>")}))
	anon := func(method, path string, body io.Reader) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, inst.URL+path, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := anon(http.MethodGet, "/site/index.html", nil); st != 403 || !strings.Contains(b, "<Code>AccessDenied</Code>") || strings.Contains(b, "hi") {
		t.Fatalf("anonymous GET without a public policy: %d %s", st, b)
	}
	putBucketPolicy(t, rootS3, "site", `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)
	if st, b := anon(http.MethodGet, "/site/index.html", nil); st != 200 || b != "<h1>hi</h1>" {
		t.Fatalf("anonymous GET with a public-read policy: %d %s", st, b)
	}
	// Public read is not public write, nor listing.
	if st, b := anon(http.MethodPut, "/site/index.html", strings.NewReader("defaced")); st != 403 || !strings.Contains(b, "AccessDenied") {
		t.Fatalf("anonymous PUT: %d %s", st, b)
	}
	if st, _ := anon(http.MethodGet, "/site", nil); st != 403 {
		t.Fatalf("anonymous list: %d", st)
	}
	if got, err := getObject(t, rootS3, "site", "index.html"); err != nil || got != "<h1>hi</h1>" {
		t.Fatalf("the object is %q, %v", got, err)
	}
}

// A queue of account B (created through the gateway in the backend's one
// account) grants account A SendMessage: A's user, allowed by its
// identity policy, sends with the queue URL the backend handed out.
func TestGatewaySQSQueuePolicyCrossAccount(t *testing.T) {
	inst := respolServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	owner := sqs.NewFromConfig(awsConfig(inst.URL, otherKey, otherSecret, ""))
	q := must[*sqs.CreateQueueOutput](t)(owner.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbox")}))
	queueARN := "arn:aws:sqs:us-east-1:" + otherAccount + ":inbox"

	key, secret := gwUser(t, inst, root, "sender", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"`+queueARN+`"}]}`)
	sender := sqs.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
	_, err := sender.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("early")})
	wantErr(t, err, "AccessDenied", 403)
	// The queue is named with its owner's account, not the backend's.
	if m := apiMessage(err); !strings.Contains(m, "sqs:SendMessage on resource: "+queueARN) {
		t.Fatalf("message %q", m)
	}

	must[*sqs.SetQueueAttributesOutput](t)(owner.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl, Attributes: map[string]string{
		"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sqs:SendMessage","Resource":"` + queueARN + `"}]}`}}))
	must[*sqs.SendMessageOutput](t)(sender.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}))
	// The grant is SendMessage only.
	_, err = sender.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: q.QueueUrl})
	wantErr(t, err, "AccessDenied", 403)
	// A user of A without the identity permission is refused.
	k2, s2 := gwUser(t, inst, root, "bystander", "")
	_, err = sqs.NewFromConfig(awsConfig(inst.URL, k2, s2, "")).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
	wantErr(t, err, "AccessDenied", 403)

	got := must[*sqs.ReceiveMessageOutput](t)(owner.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}}))
	if len(got.Messages) != 1 || *got.Messages[0].Body != "hello" {
		t.Fatalf("the queue holds %+v", got.Messages)
	}
}

// A KMS key created without a policy gets AWS's default key policy (the
// account's root, kms:*): the owner account's IAM policies decide. Another
// account uses it once the key policy grants it and its own identity
// policy allows it.
func TestGatewayKMSKeyPolicy(t *testing.T) {
	inst := respolServer(t)
	ownerIAM := iamClient(inst, otherKey, otherSecret)
	ownerKMS := kms.NewFromConfig(awsConfig(inst.URL, otherKey, otherSecret, ""))
	key := must[*kms.CreateKeyOutput](t)(ownerKMS.CreateKey(ctx, &kms.CreateKeyInput{}))
	keyARN := *key.KeyMetadata.Arn
	encrypt := func(c *kms.Client, id string) error {
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("secret")})
		return err
	}
	ownedARN := "arn:aws:kms:us-east-1:" + otherAccount + ":key/" + *key.KeyMetadata.KeyId

	// The default key policy: B's users need only their identity policy.
	k, s := gwUser(t, inst, ownerIAM, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"`+ownedARN+`"}]}`)
	if err := encrypt(kms.NewFromConfig(awsConfig(inst.URL, k, s, "")), keyARN); err != nil {
		t.Fatalf("B's user under the default key policy: %v", err)
	}
	k, s = gwUser(t, inst, ownerIAM, "nobody", "")
	err := encrypt(kms.NewFromConfig(awsConfig(inst.URL, k, s, "")), keyARN)
	wantErr(t, err, "AccessDeniedException", 400)

	// A's user, allowed by its identity policy, is refused until the key
	// policy grants A.
	root := iamClient(inst, rootKey, rootSecret)
	k, s = gwUser(t, inst, root, "user", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:*:`+otherAccount+`:key/*"}]}`)
	user := kms.NewFromConfig(awsConfig(inst.URL, k, s, ""))
	err = encrypt(user, keyARN)
	wantErr(t, err, "AccessDeniedException", 400)
	if m := apiMessage(err); !strings.Contains(m, "kms:Encrypt on resource: "+ownedARN) {
		t.Fatalf("message %q", m)
	}
	must[*kms.PutKeyPolicyOutput](t)(ownerKMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + otherAccount + `:root"},"Action":"kms:*","Resource":"*"},
		{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`)}))
	if err := encrypt(user, keyARN); err != nil {
		t.Fatalf("A's user once the key policy grants A: %v", err)
	}
	// The key policy grants Decrypt too, but A's identity policy does not.
	out := must[*kms.EncryptOutput](t)(ownerKMS.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")}))
	_, err = user.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyARN), CiphertextBlob: out.CiphertextBlob})
	wantErr(t, err, "AccessDeniedException", 400)
	// A user of A without an identity policy is refused.
	k, s = gwUser(t, inst, root, "other", "")
	err = encrypt(kms.NewFromConfig(awsConfig(inst.URL, k, s, "")), keyARN)
	wantErr(t, err, "AccessDeniedException", 400)
}

// Each other service's resource policy is read from moto: a Deny in it
// refuses the account's own admin, and removing it (through the gateway)
// lifts the refusal at once.
func TestGatewayResourcePolicyServices(t *testing.T) {
	inst, moto := respolServerMoto(t)
	root := iamClient(inst, rootKey, rootSecret)
	key, secret := gwUser(t, inst, root, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	cfg := awsConfig(inst.URL, key, secret, "")
	deny := func(action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"` + action + `","Resource":"` + resource + `"}]}`
	}

	t.Run("sns", func(t *testing.T) {
		c := sns.NewFromConfig(cfg)
		topic := must[*sns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events")}))
		publish := func() error {
			_, err := c.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("m")})
			return err
		}
		if err := publish(); err != nil {
			t.Fatal(err)
		}
		must[*sns.SetTopicAttributesOutput](t)(c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn,
			AttributeName: aws.String("Policy"), AttributeValue: aws.String(deny("sns:Publish", *topic.TopicArn))}))
		wantErr(t, publish(), "AuthorizationError", 403)
		must[*sns.SetTopicAttributesOutput](t)(c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn,
			AttributeName: aws.String("Policy"), AttributeValue: aws.String(deny("sns:Subscribe", *topic.TopicArn))}))
		if err := publish(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("secretsmanager", func(t *testing.T) {
		c := secretsmanager.NewFromConfig(cfg)
		sec := must[*secretsmanager.CreateSecretOutput](t)(c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("pw")}))
		get := func(id string) error {
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
			return err
		}
		must[*secretsmanager.PutResourcePolicyOutput](t)(c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: sec.ARN,
			ResourcePolicy: aws.String(deny("secretsmanager:GetSecretValue", "*"))}))
		wantErr(t, get(*sec.ARN), "AccessDeniedException", 400)
		wantErr(t, get("db"), "AccessDeniedException", 400)
		must[*secretsmanager.DeleteResourcePolicyOutput](t)(c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: sec.ARN}))
		if err := get(*sec.ARN); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ecr", func(t *testing.T) {
		c := ecr.NewFromConfig(cfg)
		must[*ecr.CreateRepositoryOutput](t)(c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")}))
		list := func() error {
			_, err := c.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("app")})
			return err
		}
		must[*ecr.SetRepositoryPolicyOutput](t)(c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"),
			PolicyText: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"d","Effect":"Deny","Principal":"*","Action":"ecr:ListImages"}]}`)}))
		wantErr(t, list(), "AccessDeniedException", 400)
		must[*ecr.DeleteRepositoryPolicyOutput](t)(c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")}))
		if err := list(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("dynamodb", func(t *testing.T) {
		c := dynamodb.NewFromConfig(cfg)
		tbl := must[*dynamodb.CreateTableOutput](t)(c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("orders"),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest}))
		tableARN := *tbl.TableDescription.TableArn
		item := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}
		put := func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: item})
			return err
		}
		must[*dynamodb.PutResourcePolicyOutput](t)(c.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(tableARN),
			Policy: aws.String(deny("dynamodb:PutItem", tableARN))}))
		wantErr(t, put(), "AccessDeniedException", 400)
		must[*dynamodb.DeleteResourcePolicyOutput](t)(c.DeleteResourcePolicy(ctx, &dynamodb.DeleteResourcePolicyInput{ResourceArn: aws.String(tableARN)}))
		if err := put(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("lambda", func(t *testing.T) {
		// moto checks the function's role in its own IAM, which iamd
		// serves instead: the role is made in moto directly.
		role := must[*iam.CreateRoleOutput](t)(iam.NewFromConfig(awsConfig(moto, "test", "test", "")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
		var zipped bytes.Buffer
		zw := zip.NewWriter(&zipped)
		f, _ := zw.Create("index.py")
		_, _ = f.Write([]byte("def handler(e, c):\n    return 1\n"))
		_ = zw.Close()
		c := lambda.NewFromConfig(cfg)
		must[*lambda.CreateFunctionOutput](t)(c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("fn"), Role: role.Role.Arn,
			Runtime: lambdatypes.RuntimePython312, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()}}))
		get := func() error {
			_, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
			return err
		}
		if err := get(); err != nil {
			t.Fatal(err)
		}
		// Lambda's AddPermission writes Allow statements only: a grant to
		// another account is what a function policy can say.
		must[*lambda.AddPermissionOutput](t)(c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("b"),
			Action: aws.String("lambda:GetFunctionConfiguration"), Principal: aws.String(otherAccount)}))
		ok, os, ot := respolRoleSession(t, inst, otherKey, otherSecret, otherAccount, "caller",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:GetFunctionConfiguration","Resource":"*"}]}`)
		other := lambda.NewFromConfig(awsConfig(inst.URL, ok, os, ot))
		fnARN := "arn:aws:lambda:us-east-1:123456789012:function:fn"
		if _, err := other.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fnARN)}); err != nil {
			t.Fatalf("B's role granted by the function policy: %v", err)
		}
		must[*lambda.RemovePermissionOutput](t)(c.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("b")}))
		_, err := other.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fnARN)})
		wantErr(t, err, "AccessDeniedException", 403)
	})
}

// The owner of a resource is kept in the store: after a restart (SQLite
// in the data directory, or PostgreSQL), a bucket created by account B
// through the gateway is still B's, not the caller's.
func TestGatewayOwnersSurviveRestart(t *testing.T) {
	for _, c := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.DB(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			moto := startMoto(t)
			dir, store := t.TempDir(), c.store(t)
			start := func() *server.Instance {
				return testServerWith(t, func(o *server.Options) {
					o.DataDir, o.Store = dir, store
					o.Gateway = server.GatewayOptions{Backend: moto}
				})
			}
			inst := start()
			if _, err := inst.IAM.CreateAccount(ctx, otherAccount, otherKey, otherSecret); err != nil {
				t.Fatal(err)
			}
			otherS3 := s3Client(inst, otherKey, otherSecret, "")
			must[*s3.CreateBucketOutput](t)(otherS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-data")}))
			must[*s3.PutObjectOutput](t)(otherS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-data"), Key: aws.String("k"), Body: strings.NewReader("b")}))
			if err := inst.Close(ctx); err != nil {
				t.Fatal(err)
			}

			inst = start()
			_, err := getObject(t, s3Client(inst, rootKey, rootSecret, ""), "b-data", "k")
			wantErr(t, err, "AccessDenied", 403)
			if got, err := getObject(t, s3Client(inst, otherKey, otherSecret, ""), "b-data", "k"); err != nil || got != "b" {
				t.Fatalf("B reads its bucket after the restart: %q, %v", got, err)
			}
			// Deleted, the bucket has no owner: whoever creates it next owns it.
			must[*s3.DeleteObjectOutput](t)(s3Client(inst, otherKey, otherSecret, "").DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("b-data"), Key: aws.String("k")}))
			must[*s3.DeleteBucketOutput](t)(s3Client(inst, otherKey, otherSecret, "").DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b-data")}))
			rootS3 := s3Client(inst, rootKey, rootSecret, "")
			must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-data")}))
			must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-data"), Key: aws.String("k"), Body: strings.NewReader("a")}))
			_, err = getObject(t, s3Client(inst, otherKey, otherSecret, ""), "b-data", "k")
			wantErr(t, err, "AccessDenied", 403)
		})
	}
}
