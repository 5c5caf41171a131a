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

func (b *BackendPolicies) kmsAlias(account, region, alias string) (string, error) {
	r := resourceRef{partition: "aws", service: "kms", region: region, root: alias}
	v, err := b.cachedLookup("alias "+r.key(), r, func(ctx context.Context, c aws.Config) (string, error) {
		out, err := kms.NewFromConfig(c).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
		if err != nil || out.KeyMetadata == nil || !strings.HasPrefix(aws.ToString(out.KeyMetadata.Arn), "arn:") {
			return "", err
		}
		return aws.ToString(out.KeyMetadata.Arn), nil
	})
	return withAccount(v, account), err
}

func (b *BackendPolicies) dynamoDBHashKey(_, region, table string) (string, error) {
	r := resourceRef{partition: "aws", service: "dynamodb", region: region, root: "table/" + table}
	return b.cachedLookup("hashkey "+r.key(), r, func(ctx context.Context, c aws.Config) (string, error) {
		out, err := dynamodb.NewFromConfig(c).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil || out.Table == nil {
			return "", err
		}
		for _, e := range out.Table.KeySchema {
			if e.KeyType == ddbtypes.KeyTypeHash {
				return aws.ToString(e.AttributeName), nil
			}
		}
		return "", nil
	})
}

func (b *BackendPolicies) secretARN(account, region, name string) (string, error) {
	r := resourceRef{partition: "aws", service: "secretsmanager", region: region, root: "secret:" + name}
	v, err := b.cachedLookup("secret "+r.key(), r, func(ctx context.Context, c aws.Config) (string, error) {
		out, err := secretsmanager.NewFromConfig(c).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil || !strings.HasPrefix(aws.ToString(out.ARN), "arn:") {
			return "", err
		}
		return aws.ToString(out.ARN), nil
	})
	return withAccount(v, account), err
}

// cachedLookup answers from the names cache or, on a miss, from fetch at
// the backend. No such resource is ("", nil), not cached, so a resource
// created next is read on its first call; any other failure is an error,
// and the call is refused rather than decided on a guessed ARN (a Deny on
// a key's ARN must hold whatever alias names it).
func (b *BackendPolicies) cachedLookup(k string, r resourceRef, fetch func(context.Context, aws.Config) (string, error)) (string, error) {
	if v, ok := b.names.get(k); ok {
		return v, nil
	}
	c, ctx, cancel := b.client(context.Background(), r)
	defer cancel()
	if c == nil {
		return "", nil
	}
	v, err := fetch(ctx, *c)
	if err != nil {
		if noPolicy(err) {
			return "", nil
		}
		return "", err
	}
	if v != "" {
		b.names.put(k, v)
	}
	return v, nil
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
