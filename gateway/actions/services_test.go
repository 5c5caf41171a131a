package actions

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func s(v string) *string { return aws.String(v) }

func av(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }

func TestDynamoDBOverrides(t *testing.T) {
	const table = "arn:aws:dynamodb:us-east-1:111122223333:table/"
	d := func(cfg aws.Config) *dynamodb.Client { return dynamodb.NewFromConfig(cfg) }
	runSDKCases(t, []sdkCase{
		{"GetItem", func(cfg aws.Config) {
			_, _ = d(cfg).GetItem(ctxb(), &dynamodb.GetItemInput{TableName: s("Users"), Key: map[string]ddbtypes.AttributeValue{"UserId": av("u1")},
				ProjectionExpression: s("#n, Email"), ExpressionAttributeNames: map[string]string{"#n": "Name"}})
		}, "GetItem", []want{{"dynamodb:GetItem", table + "Users", kv("dynamodb:LeadingKeys", "u1", "dynamodb:Attributes", "Email,Name,UserId")}}},
		{"PutItem", func(cfg aws.Config) {
			_, _ = d(cfg).PutItem(ctxb(), &dynamodb.PutItemInput{TableName: s("Users"), Item: map[string]ddbtypes.AttributeValue{"UserId": av("u1")}, ReturnValues: ddbtypes.ReturnValueAllOld})
		}, "PutItem", []want{{"dynamodb:PutItem", table + "Users", kv("dynamodb:LeadingKeys", "u1", "dynamodb:ReturnValues", "ALL_OLD")}}},
		{"Query index", func(cfg aws.Config) {
			_, _ = d(cfg).Query(ctxb(), &dynamodb.QueryInput{TableName: s("Users"), IndexName: s("ByEmail"), KeyConditionExpression: s("Email = :e"),
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":e": av("a@b")}, Select: ddbtypes.SelectAllProjectedAttributes})
		}, "Query", []want{{"dynamodb:Query", table + "Users/index/ByEmail", kv("dynamodb:LeadingKeys", "a@b", "dynamodb:Select", "ALL_PROJECTED_ATTRIBUTES")}}},
		{"Scan", func(cfg aws.Config) {
			_, _ = d(cfg).Scan(ctxb(), &dynamodb.ScanInput{TableName: s("Users")})
		}, "Scan", []want{{"dynamodb:Scan", table + "Users", kv("dynamodb:LeadingKeys", "<none>")}}},
		{"BatchWriteItem", func(cfg aws.Config) {
			_, _ = d(cfg).BatchWriteItem(ctxb(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{
				"Users":  {{PutRequest: &ddbtypes.PutRequest{Item: map[string]ddbtypes.AttributeValue{"UserId": av("u1")}}}, {DeleteRequest: &ddbtypes.DeleteRequest{Key: map[string]ddbtypes.AttributeValue{"UserId": av("u2")}}}},
				"Orders": {{PutRequest: &ddbtypes.PutRequest{Item: map[string]ddbtypes.AttributeValue{"OrderId": av("o1")}}}},
			}})
		}, "BatchWriteItem", []want{{"dynamodb:BatchWriteItem", table + "Orders", kv("dynamodb:LeadingKeys", "o1")},
			{"dynamodb:BatchWriteItem", table + "Users", kv("dynamodb:LeadingKeys", "u1,u2")}}},
		{"BatchGetItem", func(cfg aws.Config) {
			_, _ = d(cfg).BatchGetItem(ctxb(), &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
				"Users": {Keys: []map[string]ddbtypes.AttributeValue{{"UserId": av("u1")}}}}})
		}, "BatchGetItem", []want{{"dynamodb:BatchGetItem", table + "Users", kv("dynamodb:LeadingKeys", "u1")}}},
		{"TransactWriteItems", func(cfg aws.Config) {
			_, _ = d(cfg).TransactWriteItems(ctxb(), &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
				{Put: &ddbtypes.Put{TableName: s("Users"), Item: map[string]ddbtypes.AttributeValue{"UserId": av("u1")}}},
				{Update: &ddbtypes.Update{TableName: s("Users"), Key: map[string]ddbtypes.AttributeValue{"UserId": av("u2")}, UpdateExpression: s("SET Age = :a")}},
				{Put: &ddbtypes.Put{TableName: s("Users"), Item: map[string]ddbtypes.AttributeValue{"UserId": av("u3")}}},
				{ConditionCheck: &ddbtypes.ConditionCheck{TableName: s("Orders"), Key: map[string]ddbtypes.AttributeValue{"OrderId": av("o1")}, ConditionExpression: s("attribute_exists(OrderId)")}},
				{Delete: &ddbtypes.Delete{TableName: s("Orders"), Key: map[string]ddbtypes.AttributeValue{"OrderId": av("o2")}}},
			}})
		}, "TransactWriteItems", []want{
			{"dynamodb:PutItem", table + "Users", kv("dynamodb:LeadingKeys", "u1,u3")},
			{"dynamodb:UpdateItem", table + "Users", kv("dynamodb:LeadingKeys", "u2", "dynamodb:Attributes", "Age,UserId")},
			{"dynamodb:ConditionCheckItem", table + "Orders", nil},
			{"dynamodb:DeleteItem", table + "Orders", kv("dynamodb:LeadingKeys", "o2")}}},
		{"TransactGetItems", func(cfg aws.Config) {
			_, _ = d(cfg).TransactGetItems(ctxb(), &dynamodb.TransactGetItemsInput{TransactItems: []ddbtypes.TransactGetItem{
				{Get: &ddbtypes.Get{TableName: s("Users"), Key: map[string]ddbtypes.AttributeValue{"UserId": av("u1")}}}}})
		}, "TransactGetItems", []want{{"dynamodb:GetItem", table + "Users", kv("dynamodb:LeadingKeys", "u1")}}},
		{"ExecuteStatement", func(cfg aws.Config) {
			_, _ = d(cfg).ExecuteStatement(ctxb(), &dynamodb.ExecuteStatementInput{Statement: s(`SELECT * FROM "Users"."ByEmail" WHERE Email = 'x'`)})
		}, "ExecuteStatement", []want{{"dynamodb:PartiQLSelect", table + "Users/index/ByEmail", nil}}},
		{"BatchExecuteStatement", func(cfg aws.Config) {
			_, _ = d(cfg).BatchExecuteStatement(ctxb(), &dynamodb.BatchExecuteStatementInput{Statements: []ddbtypes.BatchStatementRequest{
				{Statement: s(`INSERT INTO Users VALUE {'UserId': 'a'}`)}, {Statement: s(`UPDATE "Orders" SET x = 1 WHERE OrderId = 'o'`)}, {Statement: s(`DELETE FROM Users WHERE UserId = 'b'`)}}})
		}, "BatchExecuteStatement", []want{{"dynamodb:PartiQLInsert", table + "Users", nil}, {"dynamodb:PartiQLUpdate", table + "Orders", nil}, {"dynamodb:PartiQLDelete", table + "Users", nil}}},
		{"CreateTable tags", func(cfg aws.Config) {
			_, _ = d(cfg).CreateTable(ctxb(), &dynamodb.CreateTableInput{TableName: s("T"), Tags: []ddbtypes.Tag{{Key: s("env"), Value: s("dev")}}})
		}, "CreateTable", []want{{"dynamodb:CreateTable", table + "T", kv("aws:RequestTag/env", "dev", "aws:TagKeys", "env")}}},
	})
}

func TestDynamoDBLeadingKeysWithSchema(t *testing.T) {
	req := sdkRequest(t, func(cfg aws.Config) {
		_, _ = dynamodb.NewFromConfig(cfg).GetItem(ctxb(), &dynamodb.GetItemInput{TableName: s("Users"),
			Key: map[string]ddbtypes.AttributeValue{"UserId": av("u1"), "Ts": av("2024")}})
	})
	m := &Mapper{DynamoDBHashKey: func(account, region, table string) (string, error) { return "UserId", nil }}
	res, err := m.Map(req)
	if err != nil {
		t.Fatal(err)
	}
	checkAuths(t, res.Authorizations, []want{{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Users", kv("dynamodb:LeadingKeys", "u1")}})
	// Without the schema a two-attribute key names no leading key.
	res, _ = Map(req)
	checkAuths(t, res.Authorizations, []want{{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Users", kv("dynamodb:LeadingKeys", "<none>")}})
}

func TestQueueTopicKeySecretParameterOverrides(t *testing.T) {
	const q = "arn:aws:sqs:us-east-1:444455556666:orders"
	qurl := "http://localhost:4263/444455556666/orders"
	runSDKCases(t, []sdkCase{
		{"sqs/SendMessage", func(cfg aws.Config) {
			_, _ = sqs.NewFromConfig(cfg).SendMessage(ctxb(), &sqs.SendMessageInput{QueueUrl: s(qurl), MessageBody: s("x")})
		}, "SendMessage", []want{{"sqs:SendMessage", q, nil}}},
		{"sqs/SendMessageBatch", func(cfg aws.Config) {
			_, _ = sqs.NewFromConfig(cfg).SendMessageBatch(ctxb(), &sqs.SendMessageBatchInput{QueueUrl: s(qurl), Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: s("1"), MessageBody: s("x")}}})
		}, "SendMessageBatch", []want{{"sqs:SendMessage", q, nil}}},
		{"sqs/DeleteMessageBatch", func(cfg aws.Config) {
			_, _ = sqs.NewFromConfig(cfg).DeleteMessageBatch(ctxb(), &sqs.DeleteMessageBatchInput{QueueUrl: s(qurl), Entries: []sqstypes.DeleteMessageBatchRequestEntry{{Id: s("1"), ReceiptHandle: s("r")}}})
		}, "DeleteMessageBatch", []want{{"sqs:DeleteMessage", q, nil}}},
		{"sqs/CreateQueue", func(cfg aws.Config) {
			_, _ = sqs.NewFromConfig(cfg).CreateQueue(ctxb(), &sqs.CreateQueueInput{QueueName: s("orders"), Tags: map[string]string{"env": "prod"}})
		}, "CreateQueue", []want{{"sqs:CreateQueue", "arn:aws:sqs:us-east-1:111122223333:orders", kv("aws:RequestTag/env", "prod", "aws:TagKeys", "env")}}},
		{"sqs/TagQueue", func(cfg aws.Config) {
			_, _ = sqs.NewFromConfig(cfg).TagQueue(ctxb(), &sqs.TagQueueInput{QueueUrl: s(qurl), Tags: map[string]string{"b": "2", "a": "1"}})
		}, "TagQueue", []want{{"sqs:TagQueue", q, kv("aws:RequestTag/a", "1", "aws:TagKeys", "a,b")}}},
		{"sns/Publish", func(cfg aws.Config) {
			_, _ = sns.NewFromConfig(cfg).Publish(ctxb(), &sns.PublishInput{TopicArn: s("arn:aws:sns:us-east-1:111122223333:alerts"), Message: s("m")})
		}, "Publish", []want{{"sns:Publish", "arn:aws:sns:us-east-1:111122223333:alerts", nil}}},
		{"sns/PublishBatch", func(cfg aws.Config) {
			_, _ = sns.NewFromConfig(cfg).PublishBatch(ctxb(), &sns.PublishBatchInput{TopicArn: s("arn:aws:sns:us-east-1:111122223333:alerts"), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{{Id: s("1"), Message: s("m")}}})
		}, "PublishBatch", []want{{"sns:Publish", "arn:aws:sns:us-east-1:111122223333:alerts", nil}}},
		{"sns/CreateTopic", func(cfg aws.Config) {
			_, _ = sns.NewFromConfig(cfg).CreateTopic(ctxb(), &sns.CreateTopicInput{Name: s("alerts"), Tags: []snstypes.Tag{{Key: s("team"), Value: s("x")}}})
		}, "CreateTopic", []want{{"sns:CreateTopic", "arn:aws:sns:us-east-1:111122223333:alerts", kv("aws:RequestTag/team", "x", "aws:TagKeys", "team")}}},
		{"sns/Subscribe", func(cfg aws.Config) {
			_, _ = sns.NewFromConfig(cfg).Subscribe(ctxb(), &sns.SubscribeInput{TopicArn: s("arn:aws:sns:us-east-1:111122223333:alerts"), Protocol: s("sqs")})
		}, "Subscribe", []want{{"sns:Subscribe", "arn:aws:sns:us-east-1:111122223333:alerts", nil}}},
		{"kms/Encrypt key id", func(cfg aws.Config) {
			_, _ = kms.NewFromConfig(cfg).Encrypt(ctxb(), &kms.EncryptInput{KeyId: s("1234abcd-12ab-34cd-56ef-1234567890ab"), Plaintext: []byte("x"), EncryptionContext: map[string]string{"app": "billing"}})
		}, "Encrypt", []want{{"kms:Encrypt", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			kv("kms:EncryptionContext:app", "billing", "kms:EncryptionContextKeys", "app")}}},
		{"kms/Decrypt key ARN", func(cfg aws.Config) {
			_, _ = kms.NewFromConfig(cfg).Decrypt(ctxb(), &kms.DecryptInput{KeyId: s("arn:aws:kms:us-west-2:444455556666:key/k1"), CiphertextBlob: []byte("x")})
		}, "Decrypt", []want{{"kms:Decrypt", "arn:aws:kms:us-west-2:444455556666:key/k1", nil}}},
		{"kms/GenerateDataKey alias", func(cfg aws.Config) {
			_, _ = kms.NewFromConfig(cfg).GenerateDataKey(ctxb(), &kms.GenerateDataKeyInput{KeyId: s("alias/app")})
		}, "GenerateDataKey", []want{{"kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:alias/app", kv("kms:RequestAlias", "alias/app")}}},
		{"kms/ReEncrypt", func(cfg aws.Config) {
			_, _ = kms.NewFromConfig(cfg).ReEncrypt(ctxb(), &kms.ReEncryptInput{CiphertextBlob: []byte("x"), SourceKeyId: s("k1"), DestinationKeyId: s("k2")})
		}, "ReEncrypt", []want{{"kms:ReEncryptFrom", "arn:aws:kms:us-east-1:111122223333:key/k1", kv("kms:ReEncryptOnSameKey", "false")},
			{"kms:ReEncryptTo", "arn:aws:kms:us-east-1:111122223333:key/k2", nil}}},
		{"kms/CreateAlias", func(cfg aws.Config) {
			_, _ = kms.NewFromConfig(cfg).CreateAlias(ctxb(), &kms.CreateAliasInput{AliasName: s("alias/app"), TargetKeyId: s("k1")})
		}, "CreateAlias", []want{{"kms:CreateAlias", "arn:aws:kms:us-east-1:111122223333:alias/app", nil}, {"kms:CreateAlias", "arn:aws:kms:us-east-1:111122223333:key/k1", nil}}},
		{"secretsmanager/GetSecretValue name", func(cfg aws.Config) {
			_, _ = secretsmanager.NewFromConfig(cfg).GetSecretValue(ctxb(), &secretsmanager.GetSecretValueInput{SecretId: s("prod/db")})
		}, "GetSecretValue", []want{{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db", kv("secretsmanager:SecretId", "prod/db")}}},
		{"secretsmanager/GetSecretValue ARN", func(cfg aws.Config) {
			_, _ = secretsmanager.NewFromConfig(cfg).GetSecretValue(ctxb(), &secretsmanager.GetSecretValueInput{SecretId: s("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")})
		}, "GetSecretValue", []want{{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf", nil}}},
		{"ssm/PutParameter", func(cfg aws.Config) {
			_, _ = ssm.NewFromConfig(cfg).PutParameter(ctxb(), &ssm.PutParameterInput{Name: s("/app/db/url"), Value: s("v"), Overwrite: aws.Bool(true)})
		}, "PutParameter", []want{{"ssm:PutParameter", "arn:aws:ssm:us-east-1:111122223333:parameter/app/db/url", kv("ssm:Overwrite", "true")}}},
		{"ssm/GetParameter selector", func(cfg aws.Config) {
			_, _ = ssm.NewFromConfig(cfg).GetParameter(ctxb(), &ssm.GetParameterInput{Name: s("plain:3")})
		}, "GetParameter", []want{{"ssm:GetParameter", "arn:aws:ssm:us-east-1:111122223333:parameter/plain", nil}}},
		{"ssm/GetParameters", func(cfg aws.Config) {
			_, _ = ssm.NewFromConfig(cfg).GetParameters(ctxb(), &ssm.GetParametersInput{Names: []string{"/a", "b"}})
		}, "GetParameters", []want{{"ssm:GetParameters", "arn:aws:ssm:us-east-1:111122223333:parameter/a", nil}, {"ssm:GetParameters", "arn:aws:ssm:us-east-1:111122223333:parameter/b", nil}}},
		{"lambda/Invoke name", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).Invoke(ctxb(), &lambda.InvokeInput{FunctionName: s("my-fn"), Payload: []byte(`{"not":"input"}`)})
		}, "Invoke", []want{{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:my-fn", nil}}},
		{"lambda/Invoke qualified", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).Invoke(ctxb(), &lambda.InvokeInput{FunctionName: s("my-fn"), Qualifier: s("prod")})
		}, "Invoke", []want{{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:my-fn:prod", nil}}},
		{"lambda/Invoke partial ARN", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).Invoke(ctxb(), &lambda.InvokeInput{FunctionName: s("444455556666:function:my-fn")})
		}, "Invoke", []want{{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:444455556666:function:my-fn", nil}}},
		{"lambda/Invoke ARN", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).Invoke(ctxb(), &lambda.InvokeInput{FunctionName: s("arn:aws:lambda:eu-west-1:444455556666:function:my-fn:7")})
		}, "Invoke", []want{{"lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:444455556666:function:my-fn:7", nil}}},
		{"lambda/CreateFunction", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).CreateFunction(ctxb(), &lambda.CreateFunctionInput{FunctionName: s("my-fn"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("z")}, Role: s("arn:aws:iam::111122223333:role/exec"), Tags: map[string]string{"env": "dev"}})
		}, "CreateFunction", []want{{"lambda:CreateFunction", "arn:aws:lambda:us-east-1:111122223333:function:my-fn", kv("aws:RequestTag/env", "dev", "aws:TagKeys", "env")},
			{"iam:PassRole", "arn:aws:iam::111122223333:role/exec", kv("iam:PassedToService", "lambda.amazonaws.com")}}},
		{"lambda/UpdateFunctionConfiguration", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).UpdateFunctionConfiguration(ctxb(), &lambda.UpdateFunctionConfigurationInput{FunctionName: s("my-fn"), Role: s("arn:aws:iam::111122223333:role/exec2")})
		}, "UpdateFunctionConfiguration", []want{{"lambda:UpdateFunctionConfiguration", "arn:aws:lambda:us-east-1:111122223333:function:my-fn", nil},
			{"iam:PassRole", "arn:aws:iam::111122223333:role/exec2", kv("iam:PassedToService", "lambda.amazonaws.com")}}},
		{"lambda/UpdateFunctionConfiguration no role", func(cfg aws.Config) {
			_, _ = lambda.NewFromConfig(cfg).UpdateFunctionConfiguration(ctxb(), &lambda.UpdateFunctionConfigurationInput{FunctionName: s("my-fn"), Timeout: aws.Int32(3)})
		}, "UpdateFunctionConfiguration", []want{{"lambda:UpdateFunctionConfiguration", "arn:aws:lambda:us-east-1:111122223333:function:my-fn", nil}}},
		{"ecr/BatchGetImage", func(cfg aws.Config) {
			_, _ = ecr.NewFromConfig(cfg).BatchGetImage(ctxb(), &ecr.BatchGetImageInput{RepositoryName: s("app"), RegistryId: s("444455556666"), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: s("latest")}}})
		}, "BatchGetImage", []want{{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:444455556666:repository/app", nil}}},
		{"ecr/GetAuthorizationToken", func(cfg aws.Config) {
			_, _ = ecr.NewFromConfig(cfg).GetAuthorizationToken(ctxb(), &ecr.GetAuthorizationTokenInput{})
		}, "GetAuthorizationToken", []want{{"ecr:GetAuthorizationToken", "*", nil}}},
		{"logs/CreateLogGroup", func(cfg aws.Config) {
			_, _ = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctxb(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: s("/app/web"), Tags: map[string]string{"env": "dev"}})
		}, "CreateLogGroup", []want{{"logs:CreateLogGroup", "arn:aws:logs:us-east-1:111122223333:log-group:/app/web", kv("aws:RequestTag/env", "dev")}}},
		{"logs/PutLogEvents", func(cfg aws.Config) {
			_, _ = cloudwatchlogs.NewFromConfig(cfg).PutLogEvents(ctxb(), &cloudwatchlogs.PutLogEventsInput{LogGroupName: s("/app/web"), LogStreamName: s("s1"), LogEvents: []logstypes.InputLogEvent{{Message: s("m"), Timestamp: aws.Int64(1)}}})
		}, "PutLogEvents", []want{{"logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/app/web:log-stream:s1", nil}}},
	})
}

// SQS's query protocol (older SDKs and the aws CLI v1) maps as its JSON
// protocol; the queue may be named by the request's path alone.
func TestSQSQueryProtocol(t *testing.T) {
	for _, tc := range []struct {
		name, path, body string
		want             want
	}{
		{"QueueUrl", "/", "Action=SendMessage&QueueUrl=" + url.QueryEscape("http://localhost:4263/444455556666/orders") + "&MessageBody=x",
			want{"sqs:SendMessage", "arn:aws:sqs:us-east-1:444455556666:orders", nil}},
		{"path", "/444455556666/orders", "Action=DeleteMessageBatch&DeleteMessageBatchRequestEntry.1.Id=a",
			want{"sqs:DeleteMessage", "arn:aws:sqs:us-east-1:444455556666:orders", nil}},
		{"CreateQueue tags", "/", "Action=CreateQueue&QueueName=q1&Tag.1.Key=env&Tag.1.Value=prod",
			want{"sqs:CreateQueue", "arn:aws:sqs:us-east-1:111122223333:q1", kv("aws:RequestTag/env", "prod", "aws:TagKeys", "env")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", "http://"+testHost+tc.path, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := Map(&Request{Service: "sqs", HTTP: r, Body: []byte(tc.body), Region: testRegion, Account: testAccount})
			if err != nil {
				t.Fatal(err)
			}
			checkAuths(t, res.Authorizations, []want{tc.want})
		})
	}
}

func TestKMSAliasResolved(t *testing.T) {
	req := sdkRequest(t, func(cfg aws.Config) {
		_, _ = kms.NewFromConfig(cfg).Encrypt(ctxb(), &kms.EncryptInput{KeyId: s("alias/app"), Plaintext: []byte("x")})
	})
	m := &Mapper{KMSAlias: func(account, region, alias string) (string, error) {
		if alias == "alias/app" {
			return "arn:aws:kms:" + region + ":" + account + ":key/k9", nil
		}
		return "", nil
	}}
	res, err := m.Map(req)
	if err != nil {
		t.Fatal(err)
	}
	checkAuths(t, res.Authorizations, []want{{"kms:Encrypt", "arn:aws:kms:us-east-1:111122223333:key/k9", kv("kms:RequestAlias", "alias/app")}})
}
