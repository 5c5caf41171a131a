package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// awsCLI returns a runner of the aws CLI pointed at url with the keys
// and no other AWS setting; it skips without the CLI, unless
// IAMD_E2E_REQUIRED=1.
func awsCLI(t *testing.T, url string) func(key, secret string, args ...string) (string, error) {
	t.Helper()
	cli, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatal("the aws CLI is required (IAMD_E2E_REQUIRED=1) but not installed")
		}
		t.Skip("the aws CLI is not installed")
	}
	dir := t.TempDir()
	return func(key, secret string, args ...string) (string, error) {
		cmd := exec.Command(cli, append([]string{"--endpoint-url", url, "--output", "json"}, args...)...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
			"AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// wantCLIError asserts that the CLI failed with the service's error code
// and a message holding each of msgs.
func wantCLIError(t *testing.T, out string, err error, op, code string, msgs ...string) {
	t.Helper()
	if err == nil || !strings.Contains(out, "An error occurred ("+code+") when calling the "+op+" operation") {
		t.Fatalf("want %s refused with %s, got %v:\n%s", op, code, err, out)
	}
	for _, m := range msgs {
		if !strings.Contains(out, m) {
			t.Fatalf("%s: output lacks %q:\n%s", op, m, out)
		}
	}
}

// The aws CLI through iamd: SQS (the CLI's botocore speaks its JSON
// protocol) send allowed, receive refused, a Deny on aws:ResourceTag; the
// S3 bucket-vs-object mistake; DynamoDB's dynamodb:LeadingKeys; KMS's
// encryption context. Every refusal is checked against moto directly.
func TestGatewayAWSCLIScenarios(t *testing.T) {
	inst, audit, moto := gatewayServer(t, "")
	run := awsCLI(t, inst.URL)
	root := iamClient(inst, rootKey, rootSecret)
	cfg := awsConfig(inst.URL, rootKey, rootSecret, "")
	backend := awsConfig(moto, "test", "test", "")

	rootSQS := sqs.NewFromConfig(cfg)
	prodQ := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("cli-prod"), Tags: map[string]string{"env": "prod"}}))
	devQ := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("cli-dev")}))
	must[*s3.CreateBucketOutput](t)(s3Client(inst, rootKey, rootSecret, "").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cli-bkt")}))
	must[*s3.PutObjectOutput](t)(s3Client(inst, rootKey, rootSecret, "").PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cli-bkt"), Key: aws.String("k"), Body: strings.NewReader("hello")}))
	must[*dynamodb.CreateTableOutput](t)(dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("cli-orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("customer"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:   []ddbtypes.KeySchemaElement{{AttributeName: aws.String("customer"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeRange}},
		BillingMode: ddbtypes.BillingModePayPerRequest,
	}))
	key := must[*kms.CreateKeyOutput](t)(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{}))
	keyARN := *key.KeyMetadata.Arn
	const table = "arn:aws:dynamodb:us-east-1:123456789012:table/cli-orders"
	k, s := gwUser(t, inst, root, "dora", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"*"},
		{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}},
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::cli-bkt"},
		{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"`+table+`","Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}},
		{"Effect":"Allow","Action":"kms:Encrypt","Resource":"`+keyARN+`","Condition":{"StringEquals":{"kms:EncryptionContext:purpose":"backup"}}}]}`)
	const dora = "arn:aws:iam::123456789012:user/dora"

	t.Run("sqs", func(t *testing.T) {
		out, err := run(k, s, "sqs", "send-message", "--queue-url", *devQ.QueueUrl, "--message-body", "hello")
		if err != nil || !strings.Contains(out, "MessageId") {
			t.Fatalf("aws sqs send-message: %v\n%s", err, out)
		}
		// The CLI's botocore sends SQS's JSON protocol (X-Amz-Target).
		if rec := findRecord(t, audit, "sqs.amazonaws.com", "SendMessage", dora); rec.Decision != "allowed" {
			t.Fatalf("audit record %+v", rec)
		}
		out, err = run(k, s, "sqs", "receive-message", "--queue-url", *devQ.QueueUrl)
		wantCLIError(t, out, err, "ReceiveMessage", "AccessDenied",
			"User: "+dora+" is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:123456789012:cli-dev because no identity-based policy allows the sqs:ReceiveMessage action")
		out, err = run(k, s, "sqs", "send-message", "--queue-url", *prodQ.QueueUrl, "--message-body", "to prod")
		wantCLIError(t, out, err, "SendMessage", "AccessDenied",
			"sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:cli-prod with an explicit deny in an identity-based policy")
		q := sqs.NewFromConfig(backend)
		attrs := must[*sqs.GetQueueAttributesOutput](t)(q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: prodQ.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}}))
		if n := attrs.Attributes["ApproximateNumberOfMessages"]; n != "0" {
			t.Fatalf("the refused message reached the prod queue: %s", n)
		}
		// The refused receive took nothing: the message is still visible.
		got := must[*sqs.ReceiveMessageOutput](t)(q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: devQ.QueueUrl, MaxNumberOfMessages: 10}))
		if len(got.Messages) != 1 || *got.Messages[0].Body != "hello" {
			t.Fatalf("the dev queue holds %+v", got.Messages)
		}
	})

	t.Run("s3", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "out")
		out, err := run(k, s, "s3api", "get-object", "--bucket", "cli-bkt", "--key", "k", file)
		wantCLIError(t, out, err, "GetObject", "AccessDenied",
			"User: "+dora+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::cli-bkt/k because no identity-based policy allows the s3:GetObject action")
		if _, err := os.Stat(file); err == nil {
			if b, _ := os.ReadFile(file); strings.Contains(string(b), "hello") {
				t.Fatal("the refused object was written out")
			}
		}
		out, err = run(k, s, "s3api", "list-objects-v2", "--bucket", "cli-bkt")
		if err != nil || !strings.Contains(out, `"Key": "k"`) {
			t.Fatalf("aws s3api list-objects-v2: %v\n%s", err, out)
		}
	})

	t.Run("dynamodb", func(t *testing.T) {
		if out, err := run(k, s, "dynamodb", "put-item", "--table-name", "cli-orders", "--item", `{"customer":{"S":"dora"},"id":{"S":"1"}}`); err != nil {
			t.Fatalf("aws dynamodb put-item of her own key: %v\n%s", err, out)
		}
		out, err := run(k, s, "dynamodb", "put-item", "--table-name", "cli-orders", "--item", `{"customer":{"S":"eve"},"id":{"S":"1"}}`)
		wantCLIError(t, out, err, "PutItem", "AccessDeniedException", "User: "+dora+" is not authorized to perform: dynamodb:PutItem on resource: "+table)
		db := dynamodb.NewFromConfig(backend)
		for who, want := range map[string]bool{"dora": true, "eve": false} {
			got := must[*dynamodb.GetItemOutput](t)(db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cli-orders"),
				Key: map[string]ddbtypes.AttributeValue{"customer": &ddbtypes.AttributeValueMemberS{Value: who}, "id": &ddbtypes.AttributeValueMemberS{Value: "1"}}}))
			if (got.Item != nil) != want {
				t.Fatalf("%s's item at the backend: %v, want present=%v", who, got.Item, want)
			}
		}
	})

	t.Run("kms", func(t *testing.T) {
		out, err := run(k, s, "kms", "encrypt", "--key-id", keyARN, "--plaintext", "cGF5bG9hZA==", "--encryption-context", "purpose=backup")
		var enc struct{ CiphertextBlob, KeyId string }
		if err != nil || json.Unmarshal([]byte(out), &enc) != nil || enc.CiphertextBlob == "" {
			t.Fatalf("aws kms encrypt with the context: %v\n%s", err, out)
		}
		out, err = run(k, s, "kms", "encrypt", "--key-id", keyARN, "--plaintext", "cGF5bG9hZA==")
		wantCLIError(t, out, err, "Encrypt", "AccessDeniedException",
			"User: "+dora+" is not authorized to perform: kms:Encrypt on resource: "+keyARN+" because no identity-based policy allows the kms:Encrypt action")
	})
}
