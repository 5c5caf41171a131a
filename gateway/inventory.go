package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The inventory: the backend's resources of the services with resource
// policies, each with the policy the gateway decides with, for the
// analysis commands run against a live server (GET /iamd/resource-policies).
// Lambda functions also name the role they run as: the analysis's
// existing-PassRole paths (updating a function's code runs it with that
// role) need to know it.

// InventoryEntry is one resource of an account: a line of the analysis's
// resource policies file ({"arn": ..., "policy": ..., "role": ...}).
type InventoryEntry struct {
	ARN    string          `json:"arn"`
	Policy json.RawMessage `json:"policy,omitempty"`
	// Role is the execution role of a resource that runs code.
	Role string `json:"role,omitempty"`
}

// ErrInventoryTruncated: the backend holds more resources than asked for.
var ErrInventoryTruncated = errors.New("gateway: more resources than the limit")

// inventoryRegion is the region listed for the regional services: the
// backend's default, where the gateway's clients create (more regions
// would multiply the backend calls for every listing).
const inventoryRegion = "us-east-1"

// maxInventoryPages bounds the pages read of one listing.
const maxInventoryPages = 100

// Inventory lists the resources account owns (or that no account owns:
// the gateway decides those as the caller's own) with their policies and
// roles, in ARN order, at most limit of them (ErrInventoryTruncated with
// the first limit when there are more). A resource whose policy cannot be
// read is an error: a listing without it would hide its grants.
func (b *BackendPolicies) Inventory(ctx context.Context, account string, limit int) ([]InventoryEntry, error) {
	type found struct {
		ref  resourceRef
		role string
	}
	var all []found
	add := func(backendARN, role string) {
		if r, ok := parseResource(backendARN); ok {
			all = append(all, found{r, role})
		}
	}
	var errs []error
	cut := false // some resources were not listed: the answer is truncated
	for _, svc := range []string{"s3", "sqs", "sns", "kms", "secretsmanager", "lambda", "ecr", "dynamodb"} {
		if len(all) > 4*limit+1000 {
			cut = true // enough to fill the limit even if most are another account's
			break
		}
		more, err := b.list(ctx, svc, add)
		if err != nil {
			errs = append(errs, fmt.Errorf("listing %s: %w", svc, err))
		}
		cut = cut || more
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []InventoryEntry
	for _, f := range all {
		owner, err := b.owner(ctx, f.ref.key())
		if err != nil {
			return nil, err
		}
		if owner != "" && owner != account {
			continue
		}
		// Read for the account that lists it: an unowned resource is its
		// own, as the gateway decides (an ECR policy names the listed ARN).
		doc, _, err := b.document(ctx, f.ref, account)
		if err != nil {
			return nil, err
		}
		if doc == "" && f.role == "" {
			continue
		}
		e := InventoryEntry{ARN: f.ref.arn(account)}
		if doc != "" {
			e.Policy = json.RawMessage(doc)
		}
		if f.role != "" {
			e.Role = withAccount(f.role, account)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	if len(out) > limit {
		return out[:limit], ErrInventoryTruncated
	}
	if cut {
		return out, ErrInventoryTruncated
	}
	return out, nil
}

// list calls add with the backend ARN of each resource of a service (and
// a function's role); more is set when it stopped at maxInventoryPages.
func (b *BackendPolicies) list(ctx context.Context, service string, add func(arn, role string)) (more bool, err error) {
	c, ctx, cancel := b.client(ctx, resourceRef{service: service, region: inventoryRegion})
	defer cancel()
	if c == nil {
		return false, nil
	}
	cfg := *c
	acct, region := b.cfg.Account, inventoryRegion
	switch service {
	case "s3":
		out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			return false, err
		}
		for _, bk := range out.Buckets {
			add("arn:aws:s3:::"+aws.ToString(bk.Name), "")
		}
		more = aws.ToString(out.ContinuationToken) != ""
	case "sqs":
		p := sqs.NewListQueuesPaginator(sqs.NewFromConfig(cfg), &sqs.ListQueuesInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, u := range out.QueueUrls {
				add("arn:aws:sqs:"+region+":"+acct+":"+u[strings.LastIndex(u, "/")+1:], "")
			}
		}
		more = p.HasMorePages()
	case "sns":
		p := sns.NewListTopicsPaginator(sns.NewFromConfig(cfg), &sns.ListTopicsInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, t := range out.Topics {
				add(aws.ToString(t.TopicArn), "")
			}
		}
		more = p.HasMorePages()
	case "kms":
		p := kms.NewListKeysPaginator(kms.NewFromConfig(cfg), &kms.ListKeysInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, k := range out.Keys {
				add(aws.ToString(k.KeyArn), "")
			}
		}
		more = p.HasMorePages()
	case "secretsmanager":
		p := secretsmanager.NewListSecretsPaginator(secretsmanager.NewFromConfig(cfg), &secretsmanager.ListSecretsInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, s := range out.SecretList {
				add(aws.ToString(s.ARN), "")
			}
		}
		more = p.HasMorePages()
	case "lambda":
		p := lambda.NewListFunctionsPaginator(lambda.NewFromConfig(cfg), &lambda.ListFunctionsInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, f := range out.Functions {
				add(aws.ToString(f.FunctionArn), aws.ToString(f.Role))
			}
		}
		more = p.HasMorePages()
	case "ecr":
		p := ecr.NewDescribeRepositoriesPaginator(ecr.NewFromConfig(cfg), &ecr.DescribeRepositoriesInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, r := range out.Repositories {
				add(aws.ToString(r.RepositoryArn), "")
			}
		}
		more = p.HasMorePages()
	case "dynamodb":
		p := dynamodb.NewListTablesPaginator(dynamodb.NewFromConfig(cfg), &dynamodb.ListTablesInput{})
		for i := 0; p.HasMorePages() && i < maxInventoryPages; i++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, t := range out.TableNames {
				add("arn:aws:dynamodb:"+region+":"+acct+":table/"+t, "")
			}
		}
		more = p.HasMorePages()
	}
	return more, nil
}
