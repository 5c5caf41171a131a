package actions

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A key of one attribute is the partition key itself: its value is the
// leading key without asking the backend for the table's schema (a call
// per request otherwise, whenever the lookup finds nothing to cache).
func TestDynamoDBOneAttributeKeyNeedsNoLookup(t *testing.T) {
	req := sdkRequest(t, func(cfg aws.Config) {
		_, _ = dynamodb.NewFromConfig(cfg).GetItem(ctxb(), &dynamodb.GetItemInput{TableName: s("Users"),
			Key: map[string]ddbtypes.AttributeValue{"UserId": av("u1")}})
	})
	asked := 0
	m := &Mapper{DynamoDBHashKey: func(account, region, table string) (string, error) { asked++; return "", nil }}
	res, err := m.Map(req)
	if err != nil {
		t.Fatal(err)
	}
	checkAuths(t, res.Authorizations, []want{{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Users", kv("dynamodb:LeadingKeys", "u1")}})
	if asked != 0 {
		t.Fatalf("the schema was asked %d times for a one-attribute key", asked)
	}
}
