package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/gateway/actions"
)

// Resource tags: aws:ResourceTag/K (and the service's alias of it) is the
// tag K of the resource a call acts on, as the backend holds it. Tags are
// read with the backend's credentials on the first call that names a
// concrete resource, cached per resource ARN (bounded, with the policies'
// TTL for tags written to the backend directly), and dropped when a call
// through the gateway that can change them succeeds (TagResource,
// TagQueue, PutBucketTagging, PutObject, a creation, a deletion, ...).
//
// Sources: S3 GetObjectTagging (s3:ExistingObjectTag/K, for the object
// actions whose condition keys list it) and GetBucketTagging (bucket and
// object actions, only where GetBucketAbac says Enabled: on AWS a general
// purpose bucket's tags are not condition keys until ABAC is enabled, and
// moto does not implement PutBucketAbac), SQS ListQueueTags, SNS
// ListTagsForResource, KMS ListResourceTags, Secrets Manager
// DescribeSecret, SSM ListTagsForResource (parameters), Lambda ListTags,
// ECR ListTagsForResource, DynamoDB ListTagsOfResource (a table's, for its
// indexes and streams too), CloudWatch Logs ListTagsForResource (a log
// group's, for its streams too). moto 5.2.1 implements every one of them.
//
// kms:ViaService and aws:CalledVia* are never set: they describe calls an
// AWS service makes on a principal's behalf (S3 asking KMS to decrypt, a
// CloudFormation stack creating a table), and every call the gateway sees
// comes straight from a client. A condition requiring them does not match,
// so an Allow that needs them fails closed.

// resourceTagger is a ResourcePolicies that also reads resources' tags.
type resourceTagger interface {
	// resourceTags returns the condition keys of the resource's tags for
	// the action (nil when none): lower-cased names, to be read, never
	// written.
	resourceTags(ctx context.Context, action, resource string) (map[string][]string, error)
}

// withKeys adds the resource's tag keys to a call's own. The common cases
// allocate nothing: no tags, or no keys of the call's own (the cached map
// is then used as it is, read-only).
func withKeys(keys, tags map[string][]string) map[string][]string {
	if len(tags) == 0 {
		return keys
	}
	if keys == nil {
		return tags
	}
	for k, v := range tags { // keys is the mapper's, made for this call
		keys[k] = v
	}
	return keys
}

// existingObjectTagActions are the S3 actions whose condition keys list
// s3:ExistingObjectTag/<key> (Service Authorization Reference).
var existingObjectTagActions = map[string]bool{
	"s3:GetObject": true, "s3:GetObjectAcl": true, "s3:GetObjectAttributes": true, "s3:GetObjectTagging": true,
	"s3:GetObjectVersion": true, "s3:GetObjectVersionAcl": true, "s3:GetObjectVersionAttributes": true, "s3:GetObjectVersionTagging": true,
	"s3:PutObjectAcl": true, "s3:PutObjectTagging": true, "s3:PutObjectVersionAcl": true, "s3:PutObjectVersionTagging": true,
	"s3:DeleteObjectTagging": true, "s3:DeleteObjectVersionTagging": true,
}

// Writes that change tags, by signing name; creations and deletions
// (createOps, deleteOps) do too.
var (
	tagOps = map[string]map[string]bool{
		"s3":  {"PutBucketTagging": true, "DeleteBucketTagging": true, "PutBucketAbac": true, "TagResource": true, "UntagResource": true},
		"sqs": {"TagQueue": true, "UntagQueue": true}, "sns": {"TagResource": true, "UntagResource": true},
		"kms": {"TagResource": true, "UntagResource": true}, "secretsmanager": {"TagResource": true, "UntagResource": true},
		"ssm": {"AddTagsToResource": true, "RemoveTagsFromResource": true}, "lambda": {"TagResource": true, "UntagResource": true},
		"ecr": {"TagResource": true, "UntagResource": true}, "dynamodb": {"TagResource": true, "UntagResource": true},
		"logs": {"TagResource": true, "UntagResource": true, "TagLogGroup": true, "UntagLogGroup": true},
	}
	// objectTagWrites replace or remove an object's tags (PutObject and
	// the like set the new object's, none when the request names none).
	objectTagWrites = map[string]bool{"PutObject": true, "CopyObject": true, "CompleteMultipartUpload": true, "PutObjectTagging": true,
		"DeleteObjectTagging": true, "DeleteObject": true, "DeleteObjects": true}
)

// tagEntry is a resource's cached tag keys.
type tagEntry struct {
	service, root string // what invalidates it: the service's tag writes, the root's creation or deletion
	keys          map[string][]string
}

// resourceTags returns the tag keys of a concrete resource (nil for "*",
// a pattern, or a resource without tags). A cache hit allocates nothing:
// entries are keyed by the resource ARN as the call names it (with its
// owner's account), or for S3 by the bucket's ARN (a prefix of the
// object's) unless the action reads the object's own tags.
func (b *BackendPolicies) resourceTags(ctx context.Context, action, resource string) (map[string][]string, error) {
	if !strings.HasPrefix(resource, "arn:") {
		return nil, nil
	}
	key := resource
	object := false
	if rest, ok := strings.CutPrefix(resource, "arn:"); ok && strings.HasPrefix(rest[strings.IndexByte(rest, ':')+1:], "s3:") {
		i := strings.Index(resource, ":::")
		if i < 0 {
			return nil, nil
		}
		if j := strings.IndexByte(resource[i+3:], '/'); j >= 0 {
			object = existingObjectTagActions[action]
			if !object {
				key = resource[:i+3+j] // the bucket's ARN
			}
		}
	}
	if e, ok := b.tags.get(key); ok {
		return e.keys, nil
	}
	r, ok := parseResource(key)
	if !ok {
		return nil, nil
	}
	e := tagEntry{service: r.service, root: r.key()}
	var err error
	switch {
	case r.service == "s3":
		e.keys, err = b.s3Tags(ctx, r, key, object)
	default:
		var tags map[string]string
		tags, err = b.fetchTags(ctx, r)
		e.keys = tagKeys(tags, "aws:resourcetag/", aliasTagPrefix[r.service])
	}
	if err != nil {
		b.cfg.Logger.Warn("gateway: reading a resource's tags from the backend", "resource", key, "err", err)
		return nil, err
	}
	b.tags.put(key, e)
	return e.keys, nil
}

// aliasTagPrefix is the service's own name for aws:ResourceTag, where its
// resource types list one.
var aliasTagPrefix = map[string]string{"secretsmanager": "secretsmanager:resourcetag/", "ssm": "ssm:resourcetag/", "ecr": "ecr:resourcetag/"}

// tagKeys makes the condition keys of tags under one or two prefixes.
func tagKeys(tags map[string]string, prefix, alias string) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	n := len(tags)
	if alias != "" {
		n *= 2
	}
	m := make(map[string][]string, n)
	for k, v := range tags {
		lk := strings.ToLower(k) // condition key names are case-insensitive
		m[prefix+lk] = []string{v}
		if alias != "" {
			m[alias+lk] = []string{v}
		}
	}
	return m
}

// s3Tags is a bucket's tag keys (aws:ResourceTag, s3:BucketTag, when its
// ABAC is enabled), and with object, the object's (s3:ExistingObjectTag).
func (b *BackendPolicies) s3Tags(ctx context.Context, r resourceRef, resource string, object bool) (map[string][]string, error) {
	bucketARN := r.key()
	var bucket map[string][]string
	if e, ok := b.tags.get(bucketARN); ok {
		bucket = e.keys
	} else {
		tags, err := b.fetchBucketTags(ctx, r)
		if err != nil {
			return nil, err
		}
		bucket = tagKeys(tags, "aws:resourcetag/", "s3:buckettag/")
		b.tags.put(bucketARN, tagEntry{service: "s3", root: bucketARN, keys: bucket})
	}
	if !object {
		return bucket, nil
	}
	objectKey := resource[len(bucketARN)+1:]
	c, ctx, cancel := b.client(ctx, r)
	if c == nil {
		return bucket, nil
	}
	defer cancel()
	out, err := s3.NewFromConfig(*c, func(o *s3.Options) { o.UsePathStyle = true }).GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(r.root), Key: aws.String(objectKey)})
	if err != nil {
		if noTags(err) {
			return bucket, nil
		}
		return nil, err
	}
	if len(out.TagSet) == 0 {
		return bucket, nil
	}
	m := make(map[string][]string, len(bucket)+len(out.TagSet))
	for k, v := range bucket {
		m[k] = v
	}
	for _, t := range out.TagSet {
		m["s3:existingobjecttag/"+strings.ToLower(aws.ToString(t.Key))] = []string{aws.ToString(t.Value)}
	}
	return m, nil
}

// fetchBucketTags reads a bucket's tags if its ABAC is enabled.
func (b *BackendPolicies) fetchBucketTags(ctx context.Context, r resourceRef) (map[string]string, error) {
	c, ctx, cancel := b.client(ctx, r)
	if c == nil {
		return nil, nil
	}
	defer cancel()
	cl := s3.NewFromConfig(*c, func(o *s3.Options) { o.UsePathStyle = true })
	abac, err := cl.GetBucketAbac(ctx, &s3.GetBucketAbacInput{Bucket: aws.String(r.root)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) || noTags(err) {
			return nil, nil // a backend without ABAC (moto answers a listing): disabled
		}
		return nil, err
	}
	if abac.AbacStatus == nil || abac.AbacStatus.Status != s3types.BucketAbacStatusEnabled {
		return nil, nil
	}
	out, err := cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(r.root)})
	if err != nil {
		if noTags(err) {
			return nil, nil
		}
		return nil, err
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

// backendReadAttempts is how often a read of a resource's policy or tags
// is tried: the reads change nothing, and a busy backend's reset
// connection or 5xx should not refuse a call; still within the read's
// 10 s, after which the call is refused (fail closed).
const backendReadAttempts = 3

// client is the SDK configuration of a read from the backend of r's
// service (nil when it has none), and the read's context.
func (b *BackendPolicies) client(ctx context.Context, r resourceRef) (*aws.Config, context.Context, context.CancelFunc) {
	ep := ""
	if b.cfg.Endpoint != nil {
		ep = b.cfg.Endpoint(r.service)
	}
	if ep == "" {
		return nil, ctx, func() {}
	}
	region := r.region
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.Config{Region: region, BaseEndpoint: aws.String(ep), HTTPClient: b.http, RetryMaxAttempts: backendReadAttempts, AppID: PolicyReaderAppID,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: b.cfg.AccessKey, SecretAccessKey: b.cfg.Secret}, nil
		})}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	return &cfg, ctx, cancel
}

// maxTagPages bounds the pages read of a paginated tag listing (AWS
// allows 50 tags a resource; a page holds them all).
const maxTagPages = 10

// fetchTags reads a resource's tags from the backend (nil: none, or a
// resource kind without tags).
func (b *BackendPolicies) fetchTags(ctx context.Context, r resourceRef) (map[string]string, error) {
	c, ctx, cancel := b.client(ctx, r)
	if c == nil {
		return nil, nil
	}
	defer cancel()
	cfg := *c
	backendARN := r.arn(b.cfg.Account)
	tags := map[string]string{}
	var err error
	switch r.service {
	case "sqs":
		if strings.Contains(r.root, ":") {
			return nil, nil
		}
		var out *sqs.ListQueueTagsOutput
		out, err = sqs.NewFromConfig(cfg).ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(strings.TrimSuffix(aws.ToString(cfg.BaseEndpoint), "/") + "/" + b.cfg.Account + "/" + r.root)})
		if err == nil {
			tags = out.Tags
		}
	case "sns":
		if strings.Contains(r.root, ":") {
			return nil, nil // a subscription, not a topic
		}
		var out *sns.ListTagsForResourceOutput
		out, err = sns.NewFromConfig(cfg).ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(backendARN)})
		if err == nil {
			for _, t := range out.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	case "kms":
		id, ok := strings.CutPrefix(r.root, "key/")
		if !ok {
			return nil, nil // an alias
		}
		cl := kms.NewFromConfig(cfg)
		in := &kms.ListResourceTagsInput{KeyId: aws.String(id)}
		for range maxTagPages {
			var out *kms.ListResourceTagsOutput
			if out, err = cl.ListResourceTags(ctx, in); err != nil {
				break
			}
			for _, t := range out.Tags {
				tags[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
			}
			if !out.Truncated || out.NextMarker == nil {
				break
			}
			in.Marker = out.NextMarker
		}
	case "secretsmanager":
		if !strings.HasPrefix(r.root, "secret:") {
			return nil, nil
		}
		var out *secretsmanager.DescribeSecretOutput
		out, err = secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(backendARN)})
		if err == nil {
			for _, t := range out.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	case "ssm":
		name, ok := strings.CutPrefix(r.root, "parameter/")
		if !ok {
			return nil, nil
		}
		// The ARN drops the leading slash: a/b is /a/b (a name with a
		// slash starts with one), p is p or /p.
		names := []string{name, "/" + name}
		if strings.Contains(name, "/") {
			names = names[1:]
		}
		cl := ssm.NewFromConfig(cfg)
		for _, n := range names {
			var out *ssm.ListTagsForResourceOutput
			out, err = cl.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(n)})
			if err == nil {
				for _, t := range out.TagList {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				break
			}
			if !noTags(err) {
				break
			}
		}
	case "lambda":
		if !strings.HasPrefix(r.root, "function:") {
			return nil, nil
		}
		var out *lambda.ListTagsOutput
		out, err = lambda.NewFromConfig(cfg).ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(backendARN)})
		if err == nil {
			tags = out.Tags
		}
	case "ecr":
		if !strings.HasPrefix(r.root, "repository/") {
			return nil, nil
		}
		var out *ecr.ListTagsForResourceOutput
		out, err = ecr.NewFromConfig(cfg).ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(backendARN)})
		if err == nil {
			for _, t := range out.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	case "dynamodb":
		if !strings.HasPrefix(r.root, "table/") {
			return nil, nil
		}
		cl := dynamodb.NewFromConfig(cfg)
		in := &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(backendARN)}
		for range maxTagPages {
			var out *dynamodb.ListTagsOfResourceOutput
			if out, err = cl.ListTagsOfResource(ctx, in); err != nil {
				break
			}
			for _, t := range out.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
	case "logs":
		if !strings.HasPrefix(r.root, "log-group:") {
			return nil, nil
		}
		var out *cloudwatchlogs.ListTagsForResourceOutput
		out, err = cloudwatchlogs.NewFromConfig(cfg).ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(backendARN)})
		if err == nil {
			tags = out.Tags
		}
	default:
		return nil, nil
	}
	if err != nil {
		if noTags(err) {
			return nil, nil
		}
		return nil, err
	}
	return tags, nil
}

// noTags tells the answers that mean the resource has no tags to read:
// it or its tag set does not exist, or the backend refuses the name as
// malformed (the call itself then fails at the backend as on AWS).
func noTags(err error) bool {
	if noPolicy(err) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch c := ae.ErrorCode(); {
		case c == "InvalidResourceId", c == "ValidationException", c == "InvalidParameter", c == "InvalidParameterException",
			c == "InvalidParameterValue", c == "InvalidArnException", c == "InvalidAddress", strings.HasPrefix(c, "InvalidBucketName"):
			return true
		}
	}
	return false
}

// tagsWritten drops the cached tags a successful write may have changed.
func (b *BackendPolicies) tagsWritten(service, op string, res *actions.Result) {
	switch {
	case tagOps[service][op]:
		// Tag writes are rare and name their resource in many ways (an
		// SSM ResourceId, a log group's name): drop the service's tags.
		b.tags.dropIf(func(_ string, e tagEntry) bool { return e.service == service })
	case service == "s3" && objectTagWrites[op]:
		for _, a := range res.Authorizations {
			b.tags.del(a.Resource)
		}
	case createOps[service][op] || deleteOps[service][op]:
		roots := map[string]bool{}
		for _, a := range res.Authorizations {
			if r, ok := parseResource(a.Resource); ok && r.service == service {
				roots[r.key()] = true
			}
		}
		if len(roots) == 0 && needsAnswer[service+"/"+op] {
			return // a new key or secret: nothing was cached under its name
		}
		b.tags.dropIf(func(_ string, e tagEntry) bool { return roots[e.root] || len(roots) == 0 && e.service == service })
	}
}

// dropIf deletes the entries drop selects.
func (c *ttlCache[V]) dropIf(drop func(string, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if drop(k, e.v) {
			delete(c.m, k)
		}
	}
}
