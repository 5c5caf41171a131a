package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/iamd/iamd/analysis/genpolicy"
	"github.com/iamd/iamd/policy"
)

// The round trip of issue 13: an application runs through the gateway
// under a broad role, iamd generate-policy writes the least-privilege
// policy from the audit log, and a fresh role with only that policy can
// replay every call of the run and nothing else.

const (
	appBucket = "app-orders"
	appTable  = "orders"
	appQueue  = "order-events"
)

// appRun is one application run's calls in order, each with its error.
type appRun struct {
	names []string
	errs  []error
}

func (r *appRun) do(name string, err error) {
	r.names = append(r.names, name)
	r.errs = append(r.errs, err)
}

// runApp is what an application that stores orders does: a bucket of
// order documents (written, read, listed, archived by copy, deleted in a
// batch), a table of orders, a queue of order events, and a KMS key (made
// by the infrastructure, not the application) to encrypt a field with.
func runApp(cfg aws.Config, keyID string) *appRun {
	r := &appRun{}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(appBucket)})
	r.do("s3 CreateBucket", err)
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(appBucket), Key: aws.String("orders/1.json"), Body: strings.NewReader(`{"id":"1"}`)})
	r.do("s3 PutObject", err)
	out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(appBucket), Key: aws.String("orders/1.json")})
	if err == nil {
		var b []byte
		b, err = io.ReadAll(out.Body)
		out.Body.Close()
		if err == nil && string(b) != `{"id":"1"}` {
			err = fmt.Errorf("read back %q", b)
		}
	}
	r.do("s3 GetObject", err)
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(appBucket), Prefix: aws.String("orders/")})
	if err == nil && len(list.Contents) != 1 {
		err = fmt.Errorf("listed %d objects", len(list.Contents))
	}
	r.do("s3 ListObjectsV2", err)
	_, err = s3c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(appBucket), Key: aws.String("archive/1.json"), CopySource: aws.String(appBucket + "/orders/1.json")})
	r.do("s3 CopyObject", err)
	del, err := s3c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(appBucket), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("orders/1.json")}}}})
	if err == nil && len(del.Errors) > 0 {
		err = fmt.Errorf("DeleteObjects errors: %+v", del.Errors)
	}
	r.do("s3 DeleteObjects", err)

	db := dynamodb.NewFromConfig(cfg)
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(appTable),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	r.do("dynamodb CreateTable", err)
	item := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}, "total": &ddbtypes.AttributeValueMemberN{Value: "42"}}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(appTable), Item: item})
	r.do("dynamodb PutItem", err)
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(appTable), Key: map[string]ddbtypes.AttributeValue{"id": item["id"]}})
	if err == nil && got.Item == nil {
		err = fmt.Errorf("no item")
	}
	r.do("dynamodb GetItem", err)
	q, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(appTable), KeyConditionExpression: aws.String("id = :id"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":id": item["id"]}})
	if err == nil && q.Count != 1 {
		err = fmt.Errorf("queried %d items", q.Count)
	}
	r.do("dynamodb Query", err)

	mq := sqs.NewFromConfig(cfg)
	cq, err := mq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(appQueue)})
	r.do("sqs CreateQueue", err)
	if err == nil {
		_, err = mq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: cq.QueueUrl, MessageBody: aws.String("order 1 created")})
		r.do("sqs SendMessage", err)
		rm, err := mq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, MaxNumberOfMessages: 1})
		if err == nil && (len(rm.Messages) != 1 || *rm.Messages[0].Body != "order 1 created") {
			err = fmt.Errorf("received %+v", rm.Messages)
		}
		r.do("sqs ReceiveMessage", err)
	}

	k := kms.NewFromConfig(cfg)
	enc, err := k.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("4111-1111")})
	r.do("kms Encrypt", err)
	if err == nil {
		// KeyId on Decrypt (as AWS recommends): without it the key is only
		// inside the ciphertext, and the gateway can check kms:Decrypt on
		// no narrower resource than "*".
		dec, err := k.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: enc.CiphertextBlob})
		if err == nil && string(dec.Plaintext) != "4111-1111" {
			err = fmt.Errorf("decrypted %q", dec.Plaintext)
		}
		r.do("kms Decrypt", err)
	}
	return r
}

// failed lists the calls of the run that returned an error.
func (r *appRun) failed() []string {
	var out []string
	for i, err := range r.errs {
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", r.names[i], err))
		}
	}
	return out
}

// policyGrants are the (action, resource) pairs an identity policy of
// Allow statements names, as "action resource".
func policyGrants(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("generated policy %s: %v", doc, err)
	}
	var out []string
	for _, st := range d.Statement {
		if st.Effect != "Allow" {
			t.Fatalf("generated statement with effect %q", st.Effect)
		}
		for _, a := range st.Action {
			for _, r := range st.Resource {
				out = append(out, a+" "+r)
			}
		}
	}
	sort.Strings(out)
	return out
}

// generateFor runs generate-policy's analysis on the audit log so far.
func generateFor(t *testing.T, audit *gatewayAudit, principal string) *genpolicy.Result {
	t.Helper()
	audit.flush()
	audit.mu.Lock()
	raw := append([]byte(nil), audit.b.Bytes()...)
	audit.mu.Unlock()
	recs, skipped, err := genpolicy.ReadRecords(bytes.NewReader(raw))
	if err != nil || skipped != 0 {
		t.Fatalf("audit log: %d skipped, %v", skipped, err)
	}
	p, err := genpolicy.ParsePrincipal(principal)
	if err != nil {
		t.Fatal(err)
	}
	res, err := genpolicy.Generate(recs, genpolicy.Options{Principal: p})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// cleanUpApp removes what runApp created (as the account's root), so that a
// replay creates it again.
func cleanUpApp(t *testing.T, cfg aws.Config) {
	t.Helper()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	list := must[*s3.ListObjectsV2Output](t)(s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(appBucket)}))
	for _, o := range list.Contents {
		must[*s3.DeleteObjectOutput](t)(s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(appBucket), Key: o.Key}))
	}
	must[*s3.DeleteBucketOutput](t)(s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(appBucket)}))
	must[*dynamodb.DeleteTableOutput](t)(dynamodb.NewFromConfig(cfg).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(appTable)}))
	mq := sqs.NewFromConfig(cfg)
	u := must[*sqs.GetQueueUrlOutput](t)(mq.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(appQueue)}))
	must[*sqs.DeleteQueueOutput](t)(mq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: u.QueueUrl}))
}

func TestGatewayGeneratePolicyRoundTrip(t *testing.T) {
	inst, audit, _ := gatewayServer(t, "")
	rootCfg := awsConfig(inst.URL, rootKey, rootSecret, "")
	key := must[*kms.CreateKeyOutput](t)(kms.NewFromConfig(rootCfg).CreateKey(ctx, &kms.CreateKeyInput{}))
	keyID := *key.KeyMetadata.KeyId
	keyARN := "arn:aws:kms:us-east-1:" + testAccount + ":key/" + keyID

	// The run: a session of a role allowed everything on the four services.
	broad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*","sqs:*","kms:*"],"Resource":"*"}]}`
	k, s, tok := respolRoleSession(t, inst, rootKey, rootSecret, testAccount, "app", broad)
	run := runApp(awsConfig(inst.URL, k, s, tok), keyID)
	if f := run.failed(); len(f) > 0 {
		t.Fatalf("the run under the broad role failed:\n%s", strings.Join(f, "\n"))
	}

	// The policy of the run, for the role (its session stands for it).
	res := generateFor(t, audit, "arn:aws:sts::"+testAccount+":assumed-role/app/s1")
	if len(res.Denied) != 0 || len(res.Widened) != 0 || res.OverLimit {
		t.Fatalf("denied %v, widened %v, over the limit %v", res.Denied, res.Widened, res.OverLimit)
	}
	if _, err := policy.Check(res.Policy, policy.KindManaged, policy.Options{}); err != nil {
		t.Fatalf("the generated policy is not a valid managed policy: %v\n%s", err, res.Policy)
	}
	if bytes.ContainsAny(res.Policy, "*?") || bytes.Contains(res.Policy, []byte("${")) {
		t.Fatalf("the generated policy has wildcards or placeholders:\n%s", res.Policy)
	}
	obj := "arn:aws:s3:::" + appBucket + "/"
	table := "arn:aws:dynamodb:us-east-1:" + testAccount + ":table/" + appTable
	queue := "arn:aws:sqs:us-east-1:" + testAccount + ":" + appQueue
	want := []string{
		"dynamodb:CreateTable " + table, "dynamodb:GetItem " + table, "dynamodb:PutItem " + table, "dynamodb:Query " + table,
		"kms:Decrypt " + keyARN, "kms:Encrypt " + keyARN,
		"s3:CreateBucket arn:aws:s3:::" + appBucket,
		"s3:DeleteObject " + obj + "orders/1.json", // DeleteObjects: per key
		"s3:GetObject " + obj + "orders/1.json",    // GetObject, and CopyObject's source
		"s3:ListBucket arn:aws:s3:::" + appBucket,  // ListObjectsV2: on the bucket
		"s3:PutObject " + obj + "archive/1.json",   // CopyObject's destination
		"s3:PutObject " + obj + "orders/1.json",
		"sqs:CreateQueue " + queue, "sqs:ReceiveMessage " + queue, "sqs:SendMessage " + queue,
	}
	sort.Strings(want)
	if got := policyGrants(t, res.Policy); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("generated grants:\n%s\nwant:\n%s\npolicy:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), res.Policy)
	}

	// Both sides of CopyObject, each key of DeleteObjects, as the records say.
	copyRec := findRecord(t, audit, "s3.amazonaws.com", "CopyObject", "arn:aws:sts::"+testAccount+":assumed-role/app/s1")
	if got := fmt.Sprint(copyRec.Authorizations); !strings.Contains(got, "s3:GetObject "+obj+"orders/1.json") || !strings.Contains(got, "s3:PutObject "+obj+"archive/1.json") {
		t.Fatalf("CopyObject's checks: %s", got)
	}
	delRec := findRecord(t, audit, "s3.amazonaws.com", "DeleteObjects", "arn:aws:sts::"+testAccount+":assumed-role/app/s1")
	if len(delRec.Authorizations) != 1 || delRec.Authorizations[0].Action != "s3:DeleteObject" || delRec.Authorizations[0].Resource != obj+"orders/1.json" {
		t.Fatalf("DeleteObjects' checks: %+v", delRec.Authorizations)
	}
	t.Logf("generated policy (%d records):\n%s", res.Records, res.Policy)

	// A fresh role with only that policy replays the run, from scratch.
	cleanUpApp(t, rootCfg)
	k, s, tok = respolRoleSession(t, inst, rootKey, rootSecret, testAccount, "app-least", string(res.Policy))
	least := awsConfig(inst.URL, k, s, tok)
	replay := runApp(least, keyID)
	if f := replay.failed(); len(f) > 0 {
		t.Fatalf("the replay under the generated policy failed:\n%s\npolicy:\n%s", strings.Join(f, "\n"), res.Policy)
	}
	if len(replay.names) != len(run.names) {
		t.Fatalf("replayed %d calls of %d", len(replay.names), len(run.names))
	}
	// And the replay's own log writes the same policy again.
	if again := generateFor(t, audit, "arn:aws:iam::"+testAccount+":role/app-least"); !bytes.Equal(again.Policy, res.Policy) {
		t.Fatalf("the replay's policy:\n%s\nthe run's:\n%s", again.Policy, res.Policy)
	}

	// What the run did not do is refused, in each service's format, and
	// never reaches moto.
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other-bucket")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("other-bucket"), Key: aws.String("orders/1.json"), Body: strings.NewReader("x")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(appBucket), Key: aws.String("secret.txt"), Body: strings.NewReader("x")}))
	rootDB := ddbClient(inst, rootKey, rootSecret)
	must[*dynamodb.CreateTableOutput](t)(rootDB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("invoices"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}))
	session := "arn:aws:sts::" + testAccount + ":assumed-role/app-least/s1"
	leastS3 := s3.NewFromConfig(least, func(o *s3.Options) { o.UsePathStyle = true })
	leastDB := dynamodb.NewFromConfig(least)
	leastSQS := sqs.NewFromConfig(least)
	qurl := must[*sqs.GetQueueUrlOutput](t)(sqs.NewFromConfig(rootCfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(appQueue)}))
	for _, c := range []struct {
		name, code string
		status     int
		msg        string // the action and resource the message names
		call       func() error
		unchanged  func() error // nil when the refused call changed nothing
	}{
		{"s3 DeleteBucket", "AccessDenied", 403, "s3:DeleteBucket on resource: arn:aws:s3:::" + appBucket, func() error {
			_, err := leastS3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(appBucket)})
			return err
		}, func() error {
			_, err := rootS3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(appBucket)})
			return err
		}},
		{"s3 GetObject of another bucket", "AccessDenied", 403, "s3:GetObject on resource: arn:aws:s3:::other-bucket/orders/1.json", func() error {
			_, err := leastS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("other-bucket"), Key: aws.String("orders/1.json")})
			return err
		}, nil},
		{"s3 GetObject of another key", "AccessDenied", 403, "s3:GetObject on resource: " + obj + "secret.txt", func() error {
			_, err := leastS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(appBucket), Key: aws.String("secret.txt")})
			return err
		}, nil},
		{"dynamodb PutItem on another table", "AccessDeniedException", 400, "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:" + testAccount + ":table/invoices", func() error {
			_, err := leastDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("invoices"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}})
			return err
		}, func() error {
			out, err := rootDB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("invoices")})
			if err == nil && out.Count != 0 {
				err = fmt.Errorf("the refused item is in the table: %v", out.Items)
			}
			return err
		}},
		{"dynamodb DeleteItem", "AccessDeniedException", 400, "dynamodb:DeleteItem on resource: " + table, func() error {
			_, err := leastDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(appTable), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}})
			return err
		}, func() error {
			out, err := rootDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(appTable), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("the item was deleted")
			}
			return err
		}},
		{"sqs DeleteQueue", "AccessDenied", 403, "sqs:DeleteQueue on resource: " + queue, func() error {
			_, err := leastSQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: qurl.QueueUrl})
			return err
		}, func() error {
			_, err := sqs.NewFromConfig(rootCfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qurl.QueueUrl})
			return err
		}},
		{"kms GenerateDataKey", "AccessDeniedException", 400, "kms:GenerateDataKey on resource: " + keyARN, func() error {
			_, err := kms.NewFromConfig(least).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), NumberOfBytes: aws.Int32(32)})
			return err
		}, nil},
	} {
		err := c.call()
		if apiCode(err) != c.code || httpStatus(err) != c.status {
			t.Fatalf("%s: got %v (status %d), want %s (%d)", c.name, err, httpStatus(err), c.code, c.status)
		}
		if m := apiMessage(err); !strings.Contains(m, session+" is not authorized to perform: "+c.msg+" because no identity-based policy allows") {
			t.Fatalf("%s: message %q", c.name, m)
		}
		if c.unchanged != nil {
			if err := c.unchanged(); err != nil {
				t.Fatalf("%s changed the backend: %v", c.name, err)
			}
		}
	}
}
