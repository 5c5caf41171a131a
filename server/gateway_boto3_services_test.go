package server_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/iamd/iamd/server"
)

// boto3 against DynamoDB, SQS (its JSON protocol), KMS and Secrets
// Manager through iamd, one script for all; each refusal is checked
// against moto read directly.
func TestGatewayBoto3Services(t *testing.T) {
	inst, _, moto := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	cfg := awsConfig(inst.URL, rootKey, rootSecret, "")
	backend := awsConfig(moto, "test", "test", "")

	// DynamoDB: a table keyed by customer with an index by status.
	s := func(v string) *ddbtypes.AttributeValueMemberS { return &ddbtypes.AttributeValueMemberS{Value: v} }
	must[*dynamodb.CreateTableOutput](t)(dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("customer"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("status"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("customer"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeRange}},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{IndexName: aws.String("by-status"),
			KeySchema:  []ddbtypes.KeySchemaElement{{AttributeName: aws.String("status"), KeyType: ddbtypes.KeyTypeHash}},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll}}},
		BillingMode: ddbtypes.BillingModePayPerRequest,
	}))
	const table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	ak, as := gwUser(t, inst, root, "app", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:Query"],"Resource":"`+table+`"}]}`)
	// carol may touch only the items whose partition key is her name.
	ck, cs := gwUser(t, inst, root, "carol", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem","dynamodb:Query"],"Resource":"`+table+`",
		 "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}}]}`)

	// SQS: a prod queue (tagged) and a dev one; the worker may send but
	// not receive, and never send where aws:ResourceTag/env is prod.
	rootSQS := sqs.NewFromConfig(cfg)
	prodQ := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-prod"), Tags: map[string]string{"env": "prod"}}))
	devQ := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-dev")}))
	wk, ws := gwUser(t, inst, root, "worker", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"*"},
		{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`)

	// KMS: encrypting needs the encryption context purpose=backup.
	key := must[*kms.CreateKeyOutput](t)(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{}))
	keyARN := *key.KeyMetadata.Arn
	ek, es := gwUser(t, inst, root, "encrypter", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:Encrypt","Resource":"`+keyARN+`","Condition":{"StringEquals":{"kms:EncryptionContext:purpose":"backup"}}}]}`)

	// Secrets Manager: GetSecretValue only where the SecretId sent is app/db.
	rootSM := secretsmanager.NewFromConfig(cfg)
	must[*secretsmanager.CreateSecretOutput](t)(rootSM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("pw1")}))
	other := must[*secretsmanager.CreateSecretOutput](t)(rootSM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/other"), SecretString: aws.String("pw2")}))
	sk, ss := gwUser(t, inst, root, "secrets", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:SecretId":"app/db"}}}]}`)

	// The documented way to name a secret: its name and AWS's six random
	// characters.
	s2k, s2s := gwUser(t, inst, root, "secrets2", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-??????"}]}`)

	p := boto3For(inst, map[string][3]string{"app": {ak, as, ""}, "carol": {ck, cs, ""}, "worker": {wk, ws, ""}, "encrypter": {ek, es, ""}, "secrets": {sk, ss, ""},
		"secrets2": {s2k, s2s, ""}})
	p.Extra = map[string]string{"prod": *prodQ.QueueUrl, "dev": *devQ.QueueUrl, "key": keyARN}
	ans := runBoto3(t, p, `
import base64
X = P["extra"]
def item(c, i, st="open"):
    return {"customer": {"S": c}, "id": {"S": i}, "status": {"S": st}}
app, carol = client("dynamodb", "app"), client("dynamodb", "carol")
step("app_put", lambda: app.put_item(TableName="orders", Item=item("acme", "1")) and None)
step("app_query", lambda: app.query(TableName="orders", KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "acme"}})["Count"])
step("app_query_index", lambda: app.query(TableName="orders", IndexName="by-status", KeyConditionExpression="#s = :s",
    ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}})["Count"])
step("carol_put_own", lambda: carol.put_item(TableName="orders", Item=item("carol", "1")) and None)
step("carol_put_other", lambda: carol.put_item(TableName="orders", Item=item("dave", "1")) and None)
step("carol_overwrite_other", lambda: carol.put_item(TableName="orders", Item=item("acme", "1", "hijacked")) and None)
step("carol_query_own", lambda: carol.query(TableName="orders", KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "carol"}})["Count"])
step("carol_query_other", lambda: carol.query(TableName="orders", KeyConditionExpression="customer = :c", ExpressionAttributeValues={":c": {"S": "acme"}})["Count"])
step("carol_get_other", lambda: carol.get_item(TableName="orders", Key={"customer": {"S": "acme"}, "id": {"S": "1"}}).get("Item"))

worker = client("sqs", "worker")
step("sqs_protocol", lambda: worker.meta.service_model.protocol)
step("sqs_queue_url", lambda: worker.get_queue_url(QueueName="jobs-dev")["QueueUrl"])
step("send_dev", lambda: worker.send_message(QueueUrl=X["dev"], MessageBody="hello")["MessageId"])
step("send_prod", lambda: worker.send_message(QueueUrl=X["prod"], MessageBody="to prod") and None)
step("receive_dev", lambda: worker.receive_message(QueueUrl=X["dev"]).get("Messages"))

enc = client("kms", "encrypter")
step("encrypt_ctx", lambda: base64.b64encode(enc.encrypt(KeyId=X["key"], Plaintext=b"payload", EncryptionContext={"purpose": "backup"})["CiphertextBlob"]).decode())
step("encrypt_no_ctx", lambda: enc.encrypt(KeyId=X["key"], Plaintext=b"payload") and None)
step("encrypt_wrong_ctx", lambda: enc.encrypt(KeyId=X["key"], Plaintext=b"payload", EncryptionContext={"purpose": "exfiltrate"}) and None)
step("disable_key", lambda: enc.disable_key(KeyId=X["key"]) and None)

sm = client("secretsmanager", "secrets")
step("get_db", lambda: sm.get_secret_value(SecretId="app/db")["SecretString"])
step("get_other", lambda: sm.get_secret_value(SecretId="app/other")["SecretString"])
sm2 = client("secretsmanager", "secrets2")
step("get_db_by_arn_pattern", lambda: sm2.get_secret_value(SecretId="app/db")["SecretString"])
step("get_other_by_arn_pattern", lambda: sm2.get_secret_value(SecretId="app/other")["SecretString"])
step("put_db", lambda: sm.put_secret_value(SecretId="app/db", SecretString="changed") and None)
`)

	t.Run("dynamodb", func(t *testing.T) {
		db := dynamodb.NewFromConfig(backend)
		itemAt := func(customer, id string) map[string]ddbtypes.AttributeValue {
			t.Helper()
			out := must[*dynamodb.GetItemOutput](t)(db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"),
				Key: map[string]ddbtypes.AttributeValue{"customer": s(customer), "id": s(id)}}))
			return out.Item
		}
		ans.allowed(t, "app_put", nil)
		var n int
		ans.allowed(t, "app_query", &n)
		if n != 1 {
			t.Fatalf("app's query found %d items", n)
		}
		// Query on the table does not cover its indexes.
		ans.denied(t, "app_query_index", "AccessDeniedException", 400,
			"User: arn:aws:iam::123456789012:user/app is not authorized to perform: dynamodb:Query on resource: "+table+"/index/by-status because no identity-based policy allows the dynamodb:Query action")
		ans.allowed(t, "carol_put_own", nil)
		if itemAt("carol", "1") == nil {
			t.Fatal("carol's own item is not at the backend")
		}
		ans.denied(t, "carol_put_other", "AccessDeniedException", 400, "user/carol is not authorized to perform: dynamodb:PutItem on resource: "+table)
		if it := itemAt("dave", "1"); it != nil {
			t.Fatalf("the refused item reached the backend: %v", it)
		}
		ans.denied(t, "carol_overwrite_other", "AccessDeniedException", 400, "dynamodb:PutItem on resource: "+table)
		if st := itemAt("acme", "1")["status"]; st == nil || st.(*ddbtypes.AttributeValueMemberS).Value != "open" {
			t.Fatalf("acme's item was overwritten: %v", st)
		}
		ans.allowed(t, "carol_query_own", &n)
		if n != 1 {
			t.Fatalf("carol's query found %d items", n)
		}
		ans.denied(t, "carol_query_other", "AccessDeniedException", 400, "dynamodb:Query on resource: "+table)
		ans.denied(t, "carol_get_other", "AccessDeniedException", 400, "dynamodb:GetItem on resource: "+table)
	})

	t.Run("sqs", func(t *testing.T) {
		var proto string
		ans.allowed(t, "sqs_protocol", &proto)
		if proto != "json" {
			t.Fatalf("boto3 speaks %q to SQS, this test expects its JSON protocol", proto)
		}
		ans.allowed(t, "sqs_queue_url", nil)
		ans.allowed(t, "send_dev", nil)
		// botocore reads the query code (X-Amzn-Query-Error) of SQS's JSON
		// errors: AccessDenied, as with the query protocol.
		ans.denied(t, "send_prod", "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/worker is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:jobs-prod with an explicit deny in an identity-based policy")
		ans.denied(t, "receive_dev", "AccessDenied", 403,
			"sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:123456789012:jobs-dev because no identity-based policy allows the sqs:ReceiveMessage action")
		q := sqs.NewFromConfig(backend)
		depth := func(url string) string {
			out := must[*sqs.GetQueueAttributesOutput](t)(q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}}))
			return out.Attributes["ApproximateNumberOfMessages"]
		}
		if d := depth(*prodQ.QueueUrl); d != "0" {
			t.Fatalf("the refused message reached the prod queue: %s", d)
		}
		// The refused receive took nothing: the message is still visible.
		got := must[*sqs.ReceiveMessageOutput](t)(q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: devQ.QueueUrl, MaxNumberOfMessages: 10}))
		if len(got.Messages) != 1 || *got.Messages[0].Body != "hello" {
			t.Fatalf("the dev queue holds %+v", got.Messages)
		}
	})

	t.Run("kms", func(t *testing.T) {
		var blob string
		ans.allowed(t, "encrypt_ctx", &blob)
		ct, err := base64.StdEncoding.DecodeString(blob)
		if err != nil {
			t.Fatal(err)
		}
		// Real ciphertext of moto's key, bound to the context.
		dec := must[*kms.DecryptOutput](t)(kms.NewFromConfig(backend).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: ct, EncryptionContext: map[string]string{"purpose": "backup"}}))
		if string(dec.Plaintext) != "payload" {
			t.Fatalf("decrypted %q", dec.Plaintext)
		}
		for _, step := range []string{"encrypt_no_ctx", "encrypt_wrong_ctx"} {
			ans.denied(t, step, "AccessDeniedException", 400,
				"User: arn:aws:iam::123456789012:user/encrypter is not authorized to perform: kms:Encrypt on resource: "+keyARN+" because no identity-based policy allows the kms:Encrypt action")
		}
		ans.denied(t, "disable_key", "AccessDeniedException", 400, "kms:DisableKey on resource: "+keyARN)
		desc := must[*kms.DescribeKeyOutput](t)(kms.NewFromConfig(backend).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyMetadata.KeyId}))
		if desc.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
			t.Fatalf("the key is %s at the backend after a refused DisableKey", desc.KeyMetadata.KeyState)
		}
	})

	t.Run("secretsmanager", func(t *testing.T) {
		var v string
		ans.allowed(t, "get_db", &v)
		if v != "pw1" {
			t.Fatalf("read %q", v)
		}
		ans.denied(t, "get_other", "AccessDeniedException", 400,
			"User: arn:aws:iam::123456789012:user/secrets is not authorized to perform: secretsmanager:GetSecretValue on resource: "+*other.ARN+" because no identity-based policy allows the secretsmanager:GetSecretValue action")
		ans.allowed(t, "get_db_by_arn_pattern", &v)
		if v != "pw1" {
			t.Fatalf("read %q", v)
		}
		ans.denied(t, "get_other_by_arn_pattern", "AccessDeniedException", 400, "secretsmanager:GetSecretValue on resource: "+*other.ARN)
		ans.denied(t, "put_db", "AccessDeniedException", 400, "secretsmanager:PutSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db")
		got := must[*secretsmanager.GetSecretValueOutput](t)(secretsmanager.NewFromConfig(backend).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")}))
		if *got.SecretString != "pw1" {
			t.Fatalf("the secret is %q at the backend after a refused PutSecretValue", *got.SecretString)
		}
	})
}

// crossAssumer creates a role of the account (trusting the account, with
// the inline policy) and a user allowed to assume it; it returns the
// user's keys, for boto3 to assume the role itself.
func crossAssumer(t *testing.T, inst *server.Instance, rootKeyID, rootSecretKey, account, role, doc string) [3]string {
	t.Helper()
	root := iamClient(inst, rootKeyID, rootSecretKey)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	k, s := gwUser(t, inst, root, "assumer-"+role, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+account+`:role/`+role+`"}]}`)
	return [3]string{k, s, ""}
}

// A role of account B, assumed by boto3 through iamd, reads account A's
// bucket whose policy grants B; another role of B cannot, nor can the
// granted role read a bucket of A without such a grant, or write.
func TestGatewayBoto3CrossAccount(t *testing.T) {
	inst, moto := respolServerMoto(t)
	ownerS3 := s3Client(inst, rootKey, rootSecret, "")
	for _, b := range []string{"shared", "private-a"} {
		must[*s3.CreateBucketOutput](t)(ownerS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
		must[*s3.PutObjectOutput](t)(ownerS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("report.csv"), Body: strings.NewReader("a,b")}))
	}
	putBucketPolicy(t, ownerS3, "shared", `{"Version":"2012-10-17","Statement":[{"Sid":"B","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::`+otherAccount+`:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	reader := crossAssumer(t, inst, otherKey, otherSecret, otherAccount, "reader",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)
	bystander := crossAssumer(t, inst, otherKey, otherSecret, otherAccount, "bystander",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	p := boto3For(inst, map[string][3]string{"reader": reader, "bystander": bystander})
	p.Extra = map[string]string{"account": otherAccount}
	ans := runBoto3(t, p, `
def session(who):
    c = client("sts", who).assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (P["extra"]["account"], who), RoleSessionName="s1")["Credentials"]
    return client("s3", creds=[c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]])
reader, bystander = session("reader"), session("bystander")
step("whoami", lambda: client("sts", creds=[reader._request_signer._credentials.access_key, reader._request_signer._credentials.secret_key, reader._request_signer._credentials.token]).get_caller_identity()["Arn"])
step("reader_get", lambda: reader.get_object(Bucket="shared", Key="report.csv")["Body"].read().decode())
step("reader_get_ungranted", lambda: reader.get_object(Bucket="private-a", Key="report.csv")["Body"].read().decode())
step("reader_put", lambda: reader.put_object(Bucket="shared", Key="report.csv", Body=b"overwritten") and None)
step("bystander_get", lambda: bystander.get_object(Bucket="shared", Key="report.csv")["Body"].read().decode())
`)
	var arn string
	ans.allowed(t, "whoami", &arn)
	if arn != "arn:aws:sts::"+otherAccount+":assumed-role/reader/s1" {
		t.Fatalf("boto3's session is %s", arn)
	}
	var body string
	ans.allowed(t, "reader_get", &body)
	if body != "a,b" {
		t.Fatalf("read %q", body)
	}
	ans.denied(t, "reader_get_ungranted", "AccessDenied", 403,
		"User: arn:aws:sts::"+otherAccount+":assumed-role/reader/s1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::private-a/report.csv")
	ans.denied(t, "reader_put", "AccessDenied", 403, "assumed-role/reader/s1 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::shared/report.csv")
	ans.denied(t, "bystander_get", "AccessDenied", 403,
		"User: arn:aws:sts::"+otherAccount+":assumed-role/bystander/s1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::shared/report.csv because no identity-based policy allows the s3:GetObject action")
	if got, err := getObject(t, motoS3(moto), "shared", "report.csv"); err != nil || got != "a,b" {
		t.Fatalf("shared/report.csv at the backend is %q, %v", got, err)
	}
}

// Observe mode: calls boto3 makes without any permission go through to
// moto, and the audit log marks them "would be denied" with the reason.
func TestGatewayBoto3ObserveMode(t *testing.T) {
	inst, audit, moto := gatewayServer(t, "observe")
	root := iamClient(inst, rootKey, rootSecret)
	must[*s3.CreateBucketOutput](t)(s3Client(inst, rootKey, rootSecret, "").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("obs")}))
	q := must[*sqs.CreateQueueOutput](t)(sqs.NewFromConfig(awsConfig(inst.URL, rootKey, rootSecret, "")).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("obs")}))
	k, s := gwUser(t, inst, root, "nobody", "")
	p := boto3For(inst, map[string][3]string{"nobody": {k, s, ""}})
	p.Extra = map[string]string{"queue": *q.QueueUrl}
	ans := runBoto3(t, p, `
step("put", lambda: client("s3", "nobody").put_object(Bucket="obs", Key="k", Body=b"observed") and None)
step("send", lambda: client("sqs", "nobody").send_message(QueueUrl=P["extra"]["queue"], MessageBody="observed")["MessageId"])
`)
	ans.allowed(t, "put", nil)
	ans.allowed(t, "send", nil)
	const nobody = "arn:aws:iam::123456789012:user/nobody"
	for _, c := range []struct{ source, name, msg string }{
		{"s3.amazonaws.com", "PutObject", "User: " + nobody + " is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::obs/k because no identity-based policy allows the s3:PutObject action"},
		{"sqs.amazonaws.com", "SendMessage", "User: " + nobody + " is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:obs because no identity-based policy allows the sqs:SendMessage action"},
	} {
		rec := findRecord(t, audit, c.source, c.name, nobody)
		if rec.Decision != "implicitDeny" || rec.ErrorCode != "" || rec.AdditionalEventData["wouldBeDenied"] != "true" ||
			rec.AdditionalEventData["denialMessage"] != c.msg || rec.AdditionalEventData["enforcement"] != "observe" {
			t.Fatalf("%s: audit record %+v", c.name, rec)
		}
	}
	if got, err := getObject(t, motoS3(moto), "obs", "k"); err != nil || got != "observed" {
		t.Fatalf("obs/k at the backend is %q, %v", got, err)
	}
	got := must[*sqs.ReceiveMessageOutput](t)(sqs.NewFromConfig(awsConfig(moto, "test", "test", "")).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl}))
	if len(got.Messages) != 1 || *got.Messages[0].Body != "observed" {
		t.Fatalf("the queue holds %+v", got.Messages)
	}
}
