package server_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// aws:ResourceTag/* and s3:ExistingObjectTag/* through the gateway, with
// the tags read from moto, and tag writes through the gateway counting
// from the next call.

// tagDeny is an identity policy allowing everything but action where the
// resource's tag key (a condition key naming a tag env) is prod.
func tagDeny(action, key string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"` + action + `","Resource":"*","Condition":{"StringEquals":{"` + key + `":"prod"}}}]}`
}

// The case: a Deny on aws:ResourceTag/env = prod refuses
// SendMessage to the prod queue and allows the untagged one; tagging a
// queue through the gateway takes effect at once, and so does removing
// the tag.
func TestGatewayResourceTagSQS(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootSQS := sqs.NewFromConfig(awsConfig(inst.URL, rootKey, rootSecret, ""))
	prod := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders-prod"), Tags: map[string]string{"env": "prod"}}))
	dev := must[*sqs.CreateQueueOutput](t)(rootSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders-dev")}))
	key, secret := gwUser(t, inst, root, "worker", tagDeny("sqs:SendMessage", "aws:ResourceTag/env"))
	worker := sqs.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
	send := func(q *string) error {
		_, err := worker.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("x")})
		return err
	}
	depth := func(q *string) string {
		out := must[*sqs.GetQueueAttributesOutput](t)(rootSQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}}))
		return out.Attributes["ApproximateNumberOfMessages"]
	}

	err := send(prod.QueueUrl)
	wantErr(t, err, "AccessDenied", 403)
	if m := apiMessage(err); !strings.Contains(m, "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:orders-prod with an explicit deny in an identity-based policy") {
		t.Fatalf("message %q", m)
	}
	if d := depth(prod.QueueUrl); d != "0" {
		t.Fatalf("the denied message reached the queue: %s", d)
	}
	if err := send(dev.QueueUrl); err != nil {
		t.Fatalf("the untagged queue: %v", err)
	}

	// The dev queue's (absent) tags are cached now; tagging it through the
	// gateway counts from the next call.
	must[*sqs.TagQueueOutput](t)(worker.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: dev.QueueUrl, Tags: map[string]string{"env": "prod"}}))
	wantErr(t, send(dev.QueueUrl), "AccessDenied", 403)
	if d := depth(dev.QueueUrl); d != "1" {
		t.Fatalf("the dev queue holds %s messages, want the one sent before it was tagged", d)
	}
	// Other actions on the prod queue are not denied.
	must[*sqs.ReceiveMessageOutput](t)(worker.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dev.QueueUrl}))
	must[*sqs.UntagQueueOutput](t)(worker.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: dev.QueueUrl, TagKeys: []string{"env"}}))
	if err := send(dev.QueueUrl); err != nil {
		t.Fatalf("after the tag was removed: %v", err)
	}
	// A different value of the tag does not match.
	must[*sqs.TagQueueOutput](t)(rootSQS.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: prod.QueueUrl, Tags: map[string]string{"env": "staging"}}))
	if err := send(prod.QueueUrl); err != nil {
		t.Fatalf("env=staging: %v", err)
	}
}

// An object tagged classification=secret is refused by a Deny on
// s3:ExistingObjectTag/classification; re-tagging or overwriting an object
// through the gateway changes the decision at once. A bucket's own tags
// are not condition keys while its ABAC is disabled (the default, and the
// only state moto has).
func TestGatewayExistingObjectTag(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("plan.txt"),
		Body: strings.NewReader("s1"), Tagging: aws.String("classification=secret")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("menu.txt"), Body: strings.NewReader("p1")}))
	key, secret := gwUser(t, inst, root, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"secret"}}},
		{"Effect":"Deny","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`)
	reader := s3Client(inst, key, secret, "")

	_, err := getObject(t, reader, "docs", "plan.txt")
	wantErr(t, err, "AccessDenied", 403)
	if m := apiMessage(err); !strings.Contains(m, "s3:GetObject on resource: arn:aws:s3:::docs/plan.txt with an explicit deny in an identity-based policy") {
		t.Fatalf("message %q", m)
	}
	_, err = reader.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("plan.txt")})
	if httpStatus(err) != 403 {
		t.Fatalf("HeadObject (s3:GetObject) of the secret object: %v", err)
	}
	if got, err := getObject(t, reader, "docs", "menu.txt"); err != nil || got != "p1" {
		t.Fatalf("the untagged object: %q, %v", got, err)
	}
	// The reader may still tag (s3:PutObjectTagging is not denied): the
	// next read of the object sees its new tag.
	must[*s3.PutObjectTaggingOutput](t)(reader.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("menu.txt"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("classification"), Value: aws.String("secret")}}}}))
	_, err = getObject(t, reader, "docs", "menu.txt")
	wantErr(t, err, "AccessDenied", 403)
	must[*s3.DeleteObjectTaggingOutput](t)(reader.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("menu.txt")}))
	if got, err := getObject(t, reader, "docs", "menu.txt"); err != nil || got != "p1" {
		t.Fatalf("after DeleteObjectTagging: %q, %v", got, err)
	}
	// Overwriting the secret object without tags drops them, as on S3.
	must[*s3.PutObjectOutput](t)(reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("plan.txt"), Body: strings.NewReader("s2")}))
	if got, err := getObject(t, reader, "docs", "plan.txt"); err != nil || got != "s2" {
		t.Fatalf("the overwritten object: %q, %v", got, err)
	}

	// Bucket tags: no aws:ResourceTag without ABAC.
	must[*s3.PutBucketTaggingOutput](t)(rootS3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("docs"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}}))
	must[*s3.ListObjectsV2Output](t)(reader.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("docs")}))
}

// ABAC on DynamoDB: an Allow that requires the table's team tag to be
// blue lets the blue table be written and refuses the red one until it is
// re-tagged through the gateway.
func TestGatewayResourceTagDynamoDB(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootDDB := ddbClient(inst, rootKey, rootSecret)
	for _, team := range []string{"blue", "red"} {
		must[*dynamodb.CreateTableOutput](t)(rootDDB.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(team),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest, Tags: []ddbtypes.Tag{{Key: aws.String("team"), Value: aws.String(team)}}}))
	}
	key, secret := gwUser(t, inst, root, "blue-app", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`)
	app := ddbClient(inst, key, secret)
	item := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}
	put := func(table string) error {
		_, err := app.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		return err
	}
	stored := func(table string) bool {
		out := must[*dynamodb.GetItemOutput](t)(rootDDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item}))
		return out.Item != nil
	}
	if err := put("blue"); err != nil {
		t.Fatalf("the blue table: %v", err)
	}
	err := put("red")
	wantErr(t, err, "AccessDeniedException", 400)
	if m := apiMessage(err); !strings.Contains(m, "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/red because no identity-based policy allows the dynamodb:PutItem action") {
		t.Fatalf("message %q", m)
	}
	if stored("red") {
		t.Fatal("the denied item reached the red table")
	}
	must[*dynamodb.TagResourceOutput](t)(rootDDB.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:123456789012:table/red"),
		Tags: []ddbtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}))
	if err := put("red"); err != nil || !stored("red") {
		t.Fatalf("the re-tagged table: %v", err)
	}
}

// Each other service's tags are read from moto: a Deny on the tag refuses
// the tagged resource and not the untagged one, and tagging the latter
// through the gateway refuses it from the next call.
func TestGatewayResourceTagServices(t *testing.T) {
	inst, moto := respolServerMoto(t)
	root := iamClient(inst, rootKey, rootSecret)
	tagged := map[string]string{"env": "prod"}

	type tagCase struct {
		name, action, key string // key: the condition key naming the tag env
		code              string
		status            int
		// create makes a resource (tagged or not) and returns what call,
		// tag and untag take.
		create     func(t *testing.T, c aws.Config, name string, tags map[string]string) string
		call       func(c aws.Config, id string) error
		tag, untag func(t *testing.T, c aws.Config, id string)
	}
	cases := []tagCase{
		{name: "sns", action: "sns:GetTopicAttributes", key: "aws:ResourceTag/env", code: "AuthorizationError", status: 403,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				var ts []snstypes.Tag
				for k, v := range tags {
					ts = append(ts, snstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				return *must[*sns.CreateTopicOutput](t)(sns.NewFromConfig(c).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Tags: ts})).TopicArn
			},
			call: func(c aws.Config, id string) error {
				_, err := sns.NewFromConfig(c).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*sns.TagResourceOutput](t)(sns.NewFromConfig(c).TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(id), Tags: []snstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*sns.UntagResourceOutput](t)(sns.NewFromConfig(c).UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(id), TagKeys: []string{"env"}}))
			}},
		{name: "kms", action: "kms:DescribeKey", key: "aws:ResourceTag/env", code: "AccessDeniedException", status: 400,
			create: func(t *testing.T, c aws.Config, _ string, tags map[string]string) string {
				var ts []kmstypes.Tag
				for k, v := range tags {
					ts = append(ts, kmstypes.Tag{TagKey: aws.String(k), TagValue: aws.String(v)})
				}
				return *must[*kms.CreateKeyOutput](t)(kms.NewFromConfig(c).CreateKey(ctx, &kms.CreateKeyInput{Tags: ts})).KeyMetadata.KeyId
			},
			call: func(c aws.Config, id string) error {
				_, err := kms.NewFromConfig(c).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*kms.TagResourceOutput](t)(kms.NewFromConfig(c).TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(id), Tags: []kmstypes.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*kms.UntagResourceOutput](t)(kms.NewFromConfig(c).UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String(id), TagKeys: []string{"env"}}))
			}},
		{name: "secretsmanager", action: "secretsmanager:GetSecretValue", key: "secretsmanager:ResourceTag/env", code: "AccessDeniedException", status: 400,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				var ts []smtypes.Tag
				for k, v := range tags {
					ts = append(ts, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				must[*secretsmanager.CreateSecretOutput](t)(secretsmanager.NewFromConfig(c).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("pw"), Tags: ts}))
				return name
			},
			call: func(c aws.Config, id string) error {
				_, err := secretsmanager.NewFromConfig(c).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*secretsmanager.TagResourceOutput](t)(secretsmanager.NewFromConfig(c).TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(id), Tags: []smtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*secretsmanager.UntagResourceOutput](t)(secretsmanager.NewFromConfig(c).UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(id), TagKeys: []string{"env"}}))
			}},
		{name: "ssm", action: "ssm:GetParameter", key: "ssm:resourceTag/env", code: "AccessDeniedException", status: 400,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				var ts []ssmtypes.Tag
				for k, v := range tags {
					ts = append(ts, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				name = "/app/" + name
				must[*ssm.PutParameterOutput](t)(ssm.NewFromConfig(c).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString, Tags: ts}))
				return name
			},
			call: func(c aws.Config, id string) error {
				_, err := ssm.NewFromConfig(c).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*ssm.AddTagsToResourceOutput](t)(ssm.NewFromConfig(c).AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
					ResourceId: aws.String(id), Tags: []ssmtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*ssm.RemoveTagsFromResourceOutput](t)(ssm.NewFromConfig(c).RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
					ResourceId: aws.String(id), TagKeys: []string{"env"}}))
			}},
		{name: "ecr", action: "ecr:ListImages", key: "ecr:ResourceTag/env", code: "AccessDeniedException", status: 400,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				var ts []ecrtypes.Tag
				for k, v := range tags {
					ts = append(ts, ecrtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				return *must[*ecr.CreateRepositoryOutput](t)(ecr.NewFromConfig(c).CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name), Tags: ts})).Repository.RepositoryName
			},
			call: func(c aws.Config, id string) error {
				_, err := ecr.NewFromConfig(c).ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*ecr.TagResourceOutput](t)(ecr.NewFromConfig(c).TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/" + id),
					Tags: []ecrtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*ecr.UntagResourceOutput](t)(ecr.NewFromConfig(c).UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/" + id), TagKeys: []string{"env"}}))
			}},
		{name: "logs", action: "logs:DescribeLogStreams", key: "aws:ResourceTag/env", code: "AccessDeniedException", status: 400,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				must[*cloudwatchlogs.CreateLogGroupOutput](t)(cloudwatchlogs.NewFromConfig(c).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: tags}))
				return name
			},
			call: func(c aws.Config, id string) error {
				_, err := cloudwatchlogs.NewFromConfig(c).DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*cloudwatchlogs.TagResourceOutput](t)(cloudwatchlogs.NewFromConfig(c).TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:" + id), Tags: tagged}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*cloudwatchlogs.UntagResourceOutput](t)(cloudwatchlogs.NewFromConfig(c).UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:" + id), TagKeys: []string{"env"}}))
			}},
		{name: "lambda", action: "lambda:GetFunctionConfiguration", key: "aws:ResourceTag/env", code: "AccessDeniedException", status: 403,
			create: func(t *testing.T, c aws.Config, name string, tags map[string]string) string {
				must[*lambda.CreateFunctionOutput](t)(lambda.NewFromConfig(c).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(lambdaRole(t, moto)),
					Runtime: lambdatypes.RuntimePython312, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: lambdaZip(t)}, Tags: tags}))
				return name
			},
			call: func(c aws.Config, id string) error {
				_, err := lambda.NewFromConfig(c).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(id)})
				return err
			},
			tag: func(t *testing.T, c aws.Config, id string) {
				must[*lambda.TagResourceOutput](t)(lambda.NewFromConfig(c).TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + id), Tags: tagged}))
			},
			untag: func(t *testing.T, c aws.Config, id string) {
				must[*lambda.UntagResourceOutput](t)(lambda.NewFromConfig(c).UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + id), TagKeys: []string{"env"}}))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, secret := gwUser(t, inst, root, "user-"+tc.name, tagDeny(tc.action, tc.key))
			c := awsConfig(inst.URL, key, secret, "")
			prod := tc.create(t, c, tc.name+"-prod", tagged)
			dev := tc.create(t, c, tc.name+"-dev", nil)
			err := tc.call(c, prod)
			wantErr(t, err, tc.code, tc.status)
			if m := apiMessage(err); !strings.Contains(m, tc.action+" on resource: ") || !strings.Contains(m, "with an explicit deny in an identity-based policy") {
				t.Fatalf("message %q", m)
			}
			if err := tc.call(c, dev); err != nil {
				t.Fatalf("the untagged resource: %v", err)
			}
			tc.tag(t, c, dev)
			wantErr(t, tc.call(c, dev), tc.code, tc.status)
			tc.untag(t, c, dev)
			if err := tc.call(c, dev); err != nil {
				t.Fatalf("after the tag was removed: %v", err)
			}
		})
	}
}

// lambdaRole is a role moto accepts for a function (moto checks it in its
// own IAM, which iamd serves instead).
func lambdaRole(t *testing.T, moto string) string {
	t.Helper()
	c := iam.NewFromConfig(awsConfig(moto, "test", "test", ""))
	if r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("tag-fn")}); err == nil {
		return *r.Role.Arn
	}
	return *must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tag-fn"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})).Role.Arn
}

func lambdaZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, err := zw.Create("index.py")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("def handler(e, c):\n    return 1\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
