package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The mapper's lookups from the backend: a secret named by its name is
// authorized on its full ARN, also right after it was deleted and made
// again (a new suffix); a table's partition key gives
// dynamodb:LeadingKeys for keys of two attributes.
func TestGatewayLookups(t *testing.T) {
	inst, _, moto := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	cfg := awsConfig(inst.URL, rootKey, rootSecret, "")
	sm := secretsmanager.NewFromConfig(cfg)
	first := must[*secretsmanager.CreateSecretOutput](t)(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rot"), SecretString: aws.String("v1")}))
	k, s := gwUser(t, inst, root, "reader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"`+*first.ARN+`"}]}`)
	reader := secretsmanager.NewFromConfig(awsConfig(inst.URL, k, s, ""))
	get := func() error {
		_, err := reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("rot")})
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("the secret's exact ARN, named by its name: %v", err)
	}
	// Made again: another suffix, which the grant does not name.
	must[*secretsmanager.DeleteSecretOutput](t)(sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("rot"), ForceDeleteWithoutRecovery: aws.Bool(true)}))
	second := must[*secretsmanager.CreateSecretOutput](t)(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rot"), SecretString: aws.String("v2")}))
	if *second.ARN == *first.ARN {
		t.Fatalf("moto gave the same ARN %s twice", *first.ARN)
	}
	err := get()
	wantErr(t, err, "AccessDeniedException", 400)
	if m := apiMessage(err); m != "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: secretsmanager:GetSecretValue on resource: "+*second.ARN+" because no identity-based policy allows the secretsmanager:GetSecretValue action" {
		t.Fatalf("message %q", m)
	}

	// LeadingKeys on a key of two attributes, table created after a call
	// that found no table (not cached as "no key").
	const table = "arn:aws:dynamodb:us-east-1:123456789012:table/tenants"
	k, s = gwUser(t, inst, root, "ann", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem","dynamodb:DeleteItem"],"Resource":"`+table+`",
		 "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${aws:username}"]}}}]}`)
	ann := dynamodb.NewFromConfig(awsConfig(inst.URL, k, s, ""))
	item := func(who string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{"tenant": &ddbtypes.AttributeValueMemberS{Value: who}, "id": &ddbtypes.AttributeValueMemberS{Value: "1"}}
	}
	// Before the table exists the lookup finds nothing (moto answers
	// ResourceNotFoundException either way).
	_, _ = ann.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tenants"), Key: item("bo")})
	must[*dynamodb.CreateTableOutput](t)(dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("tenants"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("tenant"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:   []ddbtypes.KeySchemaElement{{AttributeName: aws.String("tenant"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeRange}},
		BillingMode: ddbtypes.BillingModePayPerRequest,
	}))
	must[*dynamodb.PutItemOutput](t)(dynamodb.NewFromConfig(cfg).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tenants"), Item: item("bo")}))
	must[*dynamodb.PutItemOutput](t)(ann.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tenants"), Item: item("ann")}))
	for _, op := range []func() error{
		func() error {
			_, err := ann.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tenants"), Item: item("bo")})
			return err
		},
		func() error {
			_, err := ann.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tenants"), Key: item("bo")})
			return err
		},
		func() error {
			_, err := ann.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tenants"), Key: item("bo")})
			return err
		},
	} {
		wantErr(t, op(), "AccessDeniedException", 400)
	}
	got := must[*dynamodb.GetItemOutput](t)(dynamodb.NewFromConfig(awsConfig(moto, "test", "test", "")).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tenants"), Key: item("bo")}))
	if got.Item == nil {
		t.Fatal("bo's item is gone from the backend after a refused DeleteItem")
	}
}
