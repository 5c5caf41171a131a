package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/iamd/iamd/internal/mototest"
	"github.com/iamd/iamd/server"
)

// End-to-end tests of the gateway (iamd serve --backend): moto server is
// the backend, the Go SDK talks to iamd alone.

// gatewayAudit is an audit log the test reads while the server writes it.
type gatewayAudit struct {
	mu    sync.Mutex
	b     bytes.Buffer
	flush func() // waits for the records queued so far
}

func (s *gatewayAudit) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records are the audit records written so far.
func (s *gatewayAudit) records(t testing.TB) []server.AuditEvent {
	t.Helper()
	s.flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []server.AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev server.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit record %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// startMoto runs moto server on a free loopback port for the test.
func startMoto(t testing.TB) string { t.Helper(); return mototest.Start(t) }

// gatewayServer starts iamd in front of a fresh moto server.
func gatewayServer(t testing.TB, enforcement string) (*server.Instance, *gatewayAudit, string) {
	t.Helper()
	moto := startMoto(t)
	audit := &gatewayAudit{}
	inst := testServerWith(t, func(o *server.Options) {
		o.AuditLog = audit
		o.Gateway = server.GatewayOptions{Backend: moto, Enforcement: enforcement}
	})
	audit.flush = inst.FlushAudit
	return inst, audit, moto
}

func s3Client(inst *server.Instance, key, secret, token string) *s3.Client {
	return s3.NewFromConfig(awsConfig(inst.URL, key, secret, token), func(o *s3.Options) { o.UsePathStyle = true })
}

func ddbClient(inst *server.Instance, key, secret string) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
}

// gwUser creates a user with an inline policy and returns its keys.
func gwUser(t *testing.T, inst *server.Instance, root *iam.Client, name, doc string) (string, string) {
	t.Helper()
	_, key, secret := newUser(t, inst, root, name)
	if doc != "" {
		putUserPolicy(t, root, name, doc)
	}
	return key, secret
}

func putUserPolicy(t *testing.T, root *iam.Client, name, doc string) {
	t.Helper()
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
}

// findRecord returns the last audit record of the event.
func findRecord(t *testing.T, audit *gatewayAudit, source, name, caller string) server.AuditEvent {
	t.Helper()
	recs := audit.records(t)
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.EventSource == source && r.EventName == name && (caller == "" || r.UserIdentity != nil && r.UserIdentity.ARN == caller) {
			return r
		}
	}
	t.Fatalf("no audit record of %s %s by %s in %d records", source, name, caller, len(recs))
	return server.AuditEvent{}
}

func TestGatewayS3BucketVersusObject(t *testing.T) {
	inst, audit, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("hello")}))

	// The classic mistake: s3:GetObject on the bucket, not its objects.
	key, secret := gwUser(t, inst, root, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::bkt"}]}`)
	alice := s3Client(inst, key, secret, "")
	_, err := alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	wantErr(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bkt/k because no identity-based policy allows the s3:GetObject action"
	if apiMessage(err) != want {
		t.Fatalf("message %q\nwant    %q", apiMessage(err), want)
	}
	rec := findRecord(t, audit, "s3.amazonaws.com", "GetObject", "arn:aws:iam::123456789012:user/alice")
	if rec.Decision != "implicitDeny" || rec.ErrorCode != "AccessDenied" || len(rec.Resources) != 1 || rec.Resources[0].ARN != "arn:aws:s3:::bkt/k" {
		t.Fatalf("audit record %+v", rec)
	}
	// ListObjectsV2 is s3:ListBucket on the bucket: allowed.
	list := must[*s3.ListObjectsV2Output](t)(alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")}))
	if len(list.Contents) != 1 || *list.Contents[0].Key != "k" {
		t.Fatalf("listed %+v", list.Contents)
	}
	rec = findRecord(t, audit, "s3.amazonaws.com", "ListObjectsV2", "arn:aws:iam::123456789012:user/alice")
	if rec.Decision != "allowed" || len(rec.Authorizations) != 1 || rec.Authorizations[0].Action != "s3:ListBucket" ||
		rec.Authorizations[0].Resource != "arn:aws:s3:::bkt" {
		t.Fatalf("audit record %+v", rec)
	}

	// Fixed: the objects are bucket/*.
	putUserPolicy(t, root, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`)
	out := must[*s3.GetObjectOutput](t)(alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}))
	if b, _ := io.ReadAll(out.Body); string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
	// Writing was never allowed.
	_, err = alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("overwritten")})
	wantErr(t, err, "AccessDenied", 403)

	// A presigned GET URL through iamd.
	ps := s3.NewPresignClient(alice)
	req := must[*v4.PresignedHTTPRequest](t)(ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}))
	resp, err := http.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hello" {
		t.Fatalf("presigned GET: %d %s", resp.StatusCode, b)
	}
	// A presigned URL of another key is refused as S3 refuses, in XML.
	req = must[*v4.PresignedHTTPRequest](t)(ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("other-bucket"), Key: aws.String("k")}))
	resp, err = http.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") || !strings.Contains(string(b), "arn:aws:s3:::other-bucket/k") {
		t.Fatalf("presigned GET of another bucket: %d %s", resp.StatusCode, b)
	}

	// Anonymous: denied (no bucket policy grants "*"), never forwarded
	// (moto would serve it).
	resp, err = http.Get(inst.URL + "/bkt/k")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") || strings.Contains(string(b), "hello") {
		t.Fatalf("anonymous GET: %d %s", resp.StatusCode, b)
	}
	// A bad signature is S3's SignatureDoesNotMatch.
	bad := s3Client(inst, key, "wrong-secret", "")
	_, err = bad.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	wantErr(t, err, "SignatureDoesNotMatch", 403)

	// Virtual-hosted style: the bucket in the Host (b.localhost).
	hr, _ := http.NewRequest(http.MethodGet, inst.URL+"/k", nil)
	hr.Host = "bkt.localhost" + inst.URL[strings.LastIndexByte(inst.URL, ':'):]
	hr.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	signHTTPS3(t, hr, emptySHA256, key, secret)
	resp, err = http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hello" {
		t.Fatalf("virtual-hosted GET: %d %s", resp.StatusCode, b)
	}

	// The decisions are counted.
	resp, err = http.Get(inst.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, w := range []string{`iamd_decisions_total{decision="implicitDeny",service="s3"}`, `iamd_requests_total{action="GetObject",code="AccessDenied",service="s3"}`} {
		if !strings.Contains(string(b), w) {
			t.Fatalf("metrics lack %s", w)
		}
	}
}

func TestGatewayDynamoDBReadNotWrite(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootDB := ddbClient(inst, rootKey, rootSecret)
	must[*dynamodb.CreateTableOutput](t)(rootDB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("t"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}))
	item := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}
	must[*dynamodb.PutItemOutput](t)(rootDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}))

	key, secret := gwUser(t, inst, root, "reader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/t"}]}`)
	reader := ddbClient(inst, key, secret)
	got := must[*dynamodb.GetItemOutput](t)(reader.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: item}))
	if got.Item["id"].(*ddbtypes.AttributeValueMemberS).Value != "1" {
		t.Fatalf("item %+v", got.Item)
	}
	_, err := reader.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "2"}}})
	wantErr(t, err, "AccessDeniedException", 400)
	if !strings.Contains(apiMessage(err), "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/t because no identity-based policy allows") {
		t.Fatalf("message %q", apiMessage(err))
	}
	// Nothing was written.
	gone, err := rootDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "2"}}})
	if err != nil || gone.Item != nil {
		t.Fatalf("the denied item reached the backend: %v %v", gone, err)
	}

	// A permissions boundary caps what the identity policy allows.
	key2, secret2 := gwUser(t, inst, root, "bounded", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)
	must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read-only"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:DescribeTable"],"Resource":"*"}]}`)}))
	must[*iam.PutUserPermissionsBoundaryOutput](t)(root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bounded"),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/read-only")}))
	bounded := ddbClient(inst, key2, secret2)
	must[*dynamodb.GetItemOutput](t)(bounded.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: item}))
	_, err = bounded.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item})
	wantErr(t, err, "AccessDeniedException", 400)
	if !strings.Contains(apiMessage(err), "because no permissions boundary allows the dynamodb:PutItem action") {
		t.Fatalf("message %q", apiMessage(err))
	}
	// An unknown key is DynamoDB's UnrecognizedClientException.
	_, err = ddbClient(inst, "AKIAUNKNOWNKEY000000", "x").GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: item})
	wantErr(t, err, "UnrecognizedClientException", 400)
}

func TestGatewaySQSExplicitDeny(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	q := must[*sqs.CreateQueueOutput](t)(sqs.NewFromConfig(awsConfig(inst.URL, rootKey, rootSecret, "")).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders")}))
	// The mapper reads no queue tags yet: the deny is on the queue's ARN.
	key, secret := gwUser(t, inst, root, "worker", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sqs:*","Resource":"*"},
		{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:orders"}]}`)
	worker := sqs.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
	_, err := worker.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
	if c := apiCode(err); c != "AccessDenied" || httpStatus(err) != 403 {
		t.Fatalf("got %v (%s, %d), want AccessDenied 403", err, c, httpStatus(err))
	}
	if !strings.Contains(apiMessage(err), "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:orders with an explicit deny in an identity-based policy") {
		t.Fatalf("message %q", apiMessage(err))
	}
	attrs := must[*sqs.GetQueueAttributesOutput](t)(worker.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}}))
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("the denied message reached the queue: %v", attrs.Attributes)
	}
}

func TestGatewayObserveMode(t *testing.T) {
	inst, audit, _ := gatewayServer(t, "observe")
	root := iamClient(inst, rootKey, rootSecret)
	must[*s3.CreateBucketOutput](t)(s3Client(inst, rootKey, rootSecret, "").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("obs")}))
	key, secret := gwUser(t, inst, root, "nobody", "")
	// Allowed nothing, yet the call goes through and is recorded.
	must[*s3.PutObjectOutput](t)(s3Client(inst, key, secret, "").PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("obs"), Key: aws.String("k"), Body: strings.NewReader("x")}))
	rec := findRecord(t, audit, "s3.amazonaws.com", "PutObject", "arn:aws:iam::123456789012:user/nobody")
	if rec.Decision != "implicitDeny" || rec.ErrorCode != "" || rec.AdditionalEventData["wouldBeDenied"] != "true" ||
		!strings.Contains(rec.AdditionalEventData["denialMessage"], "s3:PutObject on resource: arn:aws:s3:::obs/k") || rec.AdditionalEventData["enforcement"] != "observe" {
		t.Fatalf("audit record %+v", rec)
	}
	must[*s3.HeadObjectOutput](t)(s3Client(inst, rootKey, rootSecret, "").HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("obs"), Key: aws.String("k")}))
}
