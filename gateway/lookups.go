package gateway

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/iamd/iamd/gateway/actions"
)

// What the mapper cannot read from a request alone, read from the
// backend: a table's partition key attribute (dynamodb:LeadingKeys of a
// key of two attributes: without it the key is absent and a
// ForAllValues condition on it would match vacuously) and a secret's ARN
// with AWS's random suffix (named by its name, a secret is authorized on
// its full ARN), and the key an alias names (a call naming a key by alias
// is authorized on the key, so a Deny on the key's ARN holds whatever
// alias the caller spells). Found values are cached with the policies' TTL; a miss
// (no such table or secret yet) is not, so a resource created next is
// read on its first call.

// mapperLookups is a ResourcePolicies that also answers the mapper's
// lookups.
type mapperLookups interface {
	wireMapper(m *actions.Mapper)
}

func (b *BackendPolicies) wireMapper(m *actions.Mapper) {
	m.DynamoDBHashKey = b.dynamoDBHashKey
	m.SecretARN = b.secretARN
	m.KMSAlias = b.kmsAlias
}

func (b *BackendPolicies) kmsAlias(account, region, alias string) string {
	r := resourceRef{partition: "aws", service: "kms", region: region, root: alias}
	k := "alias " + r.key()
	if v, ok := b.names.get(k); ok {
		return withAccount(v, account)
	}
	c, ctx, cancel := b.client(context.Background(), r)
	defer cancel()
	if c == nil {
		return ""
	}
	out, err := kms.NewFromConfig(*c).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil || out.KeyMetadata == nil || !strings.HasPrefix(aws.ToString(out.KeyMetadata.Arn), "arn:") {
		return ""
	}
	b.names.put(k, aws.ToString(out.KeyMetadata.Arn))
	return withAccount(aws.ToString(out.KeyMetadata.Arn), account)
}

func (b *BackendPolicies) dynamoDBHashKey(_, region, table string) string {
	r := resourceRef{partition: "aws", service: "dynamodb", region: region, root: "table/" + table}
	k := "hashkey " + r.key()
	if v, ok := b.names.get(k); ok {
		return v
	}
	c, ctx, cancel := b.client(context.Background(), r)
	defer cancel()
	if c == nil {
		return ""
	}
	out, err := dynamodb.NewFromConfig(*c).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil || out.Table == nil {
		return ""
	}
	for _, e := range out.Table.KeySchema {
		if e.KeyType == ddbtypes.KeyTypeHash && aws.ToString(e.AttributeName) != "" {
			b.names.put(k, aws.ToString(e.AttributeName))
			return aws.ToString(e.AttributeName)
		}
	}
	return ""
}

func (b *BackendPolicies) secretARN(account, region, name string) string {
	r := resourceRef{partition: "aws", service: "secretsmanager", region: region, root: "secret:" + name}
	k := "secret " + r.key()
	if v, ok := b.names.get(k); ok {
		return withAccount(v, account)
	}
	c, ctx, cancel := b.client(context.Background(), r)
	defer cancel()
	if c == nil {
		return ""
	}
	out, err := secretsmanager.NewFromConfig(*c).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil || !strings.HasPrefix(aws.ToString(out.ARN), "arn:") {
		return ""
	}
	b.names.put(k, aws.ToString(out.ARN))
	return withAccount(aws.ToString(out.ARN), account)
}

// aliasOps move an alias (or delete the key it names).
var aliasOps = map[string]bool{"CreateAlias": true, "UpdateAlias": true, "DeleteAlias": true, "ScheduleKeyDeletion": true}

// namesWritten drops the service's cached lookups when a call through
// the gateway created or deleted one of its resources (rare): a secret
// deleted and made again has a new suffix, a table a new key schema.
func (b *BackendPolicies) namesWritten(service, op string) {
	if (service == "dynamodb" || service == "secretsmanager") && (createOps[service][op] || deleteOps[service][op]) ||
		service == "kms" && aliasOps[op] {
		b.names.dropIf(func(k, _ string) bool { return strings.Contains(k, ":"+service+":") })
	}
}
