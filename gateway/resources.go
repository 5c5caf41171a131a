package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamd/iamd/gateway/actions"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Resource-based policies read from the backend, as AWS reads them for a
// decision: bucket, queue, topic, key, secret, function, repository and
// table policies. They are fetched with the backend's credentials on the
// first call that needs one, cached per resource (bounded, with a TTL for
// writes made to the backend directly), and dropped when a write through
// the gateway changes them or deletes the resource, before its answer
// reaches the client: the next call sees the new policy.
//
// A cluster's nodes share the backend but not their caches: a write
// through one node is also noted in the store (the owner record, or a
// policy or tags record: iam.KindResource*), and the store's change feed
// brings it to every node's ResourcesChanged, which drops that node's
// copy (within the feed's propagation bound, milliseconds). A node that
// reads a policy just as the change arrives may cache the old one again;
// the TTL bounds that race, as it bounds writes made past the gateway.

// PolicyReaderAppID marks the gateway's own reads in their User-Agent
// (app/iamd-policy-reader), so a backend's logs tell them from clients'.
const PolicyReaderAppID = "iamd-policy-reader"

// BackendConfig configures BackendPolicies.
type BackendConfig struct {
	// Endpoint is the backend URL of a service (signing name), "" when none.
	Endpoint func(service string) string
	// AccessKey and Secret sign the reads (default test:test).
	AccessKey, Secret string
	// Account is the backend's own account, the one in the ARNs and queue
	// URLs it hands out (default moto's, 123456789012).
	Account string
	// Owners records who owns what (nil: the caller's account owns all).
	Owners Owners
	// TTL bounds how long a policy or owner is trusted without a write
	// through this gateway (default 30 s); MaxEntries bounds each cache
	// (default 10000).
	TTL        time.Duration
	MaxEntries int
	Transport  http.RoundTripper
	Logger     *slog.Logger
	Now        func() time.Time
}

// BackendPolicies is the ResourcePolicies that reads them from the backend.
type BackendPolicies struct {
	cfg      BackendConfig
	http     *http.Client
	policies *ttlCache[*policy.Set]
	owners   *ttlCache[string]
	tags     *ttlCache[tagEntry]
	names    *ttlCache[string] // the mapper's lookups (lookups.go)
}

// NewBackendPolicies returns the resource policies of a backend.
func NewBackendPolicies(cfg BackendConfig) *BackendPolicies {
	if cfg.AccessKey == "" {
		cfg.AccessKey, cfg.Secret = "test", "test"
	}
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 30 * time.Second
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 10000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	}
	return &BackendPolicies{cfg: cfg, http: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		policies: newTTLCache[*policy.Set](cfg.MaxEntries, cfg.TTL, cfg.Now),
		owners:   newTTLCache[string](cfg.MaxEntries, cfg.TTL, cfg.Now),
		tags:     newTTLCache[tagEntry](cfg.MaxEntries, cfg.TTL, cfg.Now),
		names:    newTTLCache[string](cfg.MaxEntries, cfg.TTL, cfg.Now)}
}

// ResourcePolicy returns the resource's policy (nil: none) and its owner
// ("" when unknown: the caller's account).
func (b *BackendPolicies) ResourcePolicy(ctx context.Context, _ string, resource string) (*policy.Set, string, error) {
	r, ok := parseResource(resource)
	if !ok {
		return nil, "", nil
	}
	owner, err := b.owner(ctx, r.key())
	if err != nil {
		return nil, "", err
	}
	set, err := b.policy(ctx, r, owner)
	return set, owner, err
}

// ownedARN names a resource with its owner's account.
func (b *BackendPolicies) ownedARN(ctx context.Context, resource string) string {
	r, ok := parseResource(resource)
	if !ok || r.service == "s3" {
		return resource
	}
	owner, err := b.owner(ctx, r.key())
	if err != nil || owner == "" {
		return resource // an error is answered by ResourcePolicy
	}
	return withAccount(resource, owner)
}

func (b *BackendPolicies) owner(ctx context.Context, key string) (string, error) {
	if b.cfg.Owners == nil {
		return "", nil
	}
	if o, ok := b.owners.get(key); ok {
		return o, nil
	}
	o, err := b.cfg.Owners.ResourceOwner(ctx, key)
	if err != nil {
		return "", err
	}
	b.owners.put(key, o)
	return o, nil
}

// policyServices are the services whose resources have policies.
var policyServices = map[string]bool{"s3": true, "sqs": true, "sns": true, "kms": true, "secretsmanager": true,
	"lambda": true, "ecr": true, "dynamodb": true}

func (b *BackendPolicies) policy(ctx context.Context, r resourceRef, owner string) (*policy.Set, error) {
	if !policyServices[r.service] {
		return nil, nil
	}
	k := r.key()
	if set, ok := b.policies.get(k); ok {
		return set, nil
	}
	doc, d, err := b.document(ctx, r, owner)
	if err != nil {
		return nil, err
	}
	var set *policy.Set
	if doc != "" {
		set = policy.NewSet(policy.Compile(d, policy.Source{ID: r.arn(ownerOr(owner, b.cfg.Account)), Type: "resource"}))
	}
	b.policies.put(k, set)
	return set, nil
}

// document reads a resource's policy from the backend as AWS would hold
// it for its owner ("" when it has none), checked: the decisions and the
// inventory (inventory.go) read the same document.
func (b *BackendPolicies) document(ctx context.Context, r resourceRef, owner string) (string, *policy.Document, error) {
	doc, err := b.fetch(ctx, r)
	if err != nil {
		b.cfg.Logger.Warn("gateway: reading a resource policy from the backend", "resource", r.key(), "err", err)
		return "", nil, fmt.Errorf("reading the policy of %s: %w", r.key(), err)
	}
	if doc == "" {
		return "", nil, nil
	}
	if r.service == "kms" && owner != "" && owner != b.cfg.Account {
		doc = ownDefaultKeyPolicy(doc, r.partition, b.cfg.Account, owner)
	}
	switch r.service {
	case "ecr":
		doc = withImplicitResource(doc, r.arn(ownerOr(owner, b.cfg.Account)))
	case "lambda":
		doc = lambdaPrincipals(doc)
	}
	d, err := policy.Check([]byte(doc), policy.KindResource, policy.Options{Partition: "*"})
	if err != nil {
		// AWS would not have stored it; refusing is the safe reading of
		// a policy whose Deny iamd cannot see.
		b.cfg.Logger.Warn("gateway: the backend holds a resource policy iamd cannot read", "resource", r.key(), "err", err)
		return "", nil, fmt.Errorf("the policy of %s: %w", r.key(), err)
	}
	return doc, d, nil
}

func ownerOr(owner, def string) string {
	if owner != "" {
		return owner
	}
	return def
}

// withImplicitResource names the repository in the statements of an ECR
// repository policy, which have no Resource: the policy's repository is
// theirs (Amazon ECR User Guide, "Private repository policies").
func withImplicitResource(doc, resource string) string {
	return editStatements(doc, func(m map[string]any) {
		if m["Resource"] == nil && m["NotResource"] == nil {
			m["Resource"] = resource
		}
	})
}

// lambdaPrincipals writes a function policy's principals as Lambda's
// GetPolicy gives them on AWS: AddPermission's Principal is an account id,
// an ARN or a service; moto keeps the bare string.
func lambdaPrincipals(doc string) string {
	return editStatements(doc, func(m map[string]any) {
		p, ok := m["Principal"].(string)
		if !ok || p == "*" {
			return
		}
		switch {
		case len(p) == 12 && strings.Trim(p, "0123456789") == "":
			m["Principal"] = map[string]any{"AWS": "arn:aws:iam::" + p + ":root"}
		case strings.HasPrefix(p, "arn:"):
			m["Principal"] = map[string]any{"AWS": p}
		default:
			m["Principal"] = map[string]any{"Service": p}
		}
	})
}

// editStatements rewrites each statement of a policy document (as it is
// when it is not JSON).
func editStatements(doc string, edit func(map[string]any)) string {
	var d map[string]any
	if json.Unmarshal([]byte(doc), &d) != nil {
		return doc
	}
	stmts, ok := d["Statement"].([]any)
	if !ok {
		if one, isObj := d["Statement"].(map[string]any); isObj {
			stmts = []any{one}
		}
	}
	for _, s := range stmts {
		if m, ok := s.(map[string]any); ok {
			edit(m)
		}
	}
	d["Statement"] = stmts
	b, err := json.Marshal(d)
	if err != nil {
		return doc
	}
	return string(b)
}

// ownDefaultKeyPolicy gives the owner AWS's default key policy: the
// backend created it for its own account's root ("Enable IAM User
// Permissions": the account's IAM policies decide), and the key is the
// owner's.
func ownDefaultKeyPolicy(doc, partition, backend, owner string) string {
	var d struct {
		ID string `json:"Id"`
	}
	if json.Unmarshal([]byte(doc), &d) != nil || d.ID != "key-default-1" {
		return doc
	}
	return strings.ReplaceAll(doc, "arn:"+partition+":iam::"+backend+":root", "arn:"+partition+":iam::"+owner+":root")
}

// fetch reads a resource's policy from the backend: "" when it has none.
// Sources: S3 GetBucketPolicy, SQS GetQueueAttributes(Policy), SNS
// GetTopicAttributes(Policy), KMS GetKeyPolicy, Secrets Manager
// GetResourcePolicy, Lambda GetPolicy, ECR GetRepositoryPolicy,
// DynamoDB GetResourcePolicy.
func (b *BackendPolicies) fetch(ctx context.Context, r resourceRef) (string, error) {
	c, ctx, cancel := b.client(ctx, r)
	if c == nil {
		return "", nil
	}
	defer cancel()
	cfg := *c
	ep := aws.ToString(cfg.BaseEndpoint)
	backendARN := r.arn(b.cfg.Account)
	var doc *string
	var err error
	switch r.service {
	case "s3":
		var out *s3.GetBucketPolicyOutput
		out, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(r.root)})
		if err == nil {
			doc = out.Policy
		}
	case "sqs":
		var out *sqs.GetQueueAttributesOutput
		out, err = sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(strings.TrimSuffix(ep, "/") + "/" + b.cfg.Account + "/" + r.root), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
		if err == nil {
			doc = nonEmpty(out.Attributes["Policy"])
		}
	case "sns":
		var out *sns.GetTopicAttributesOutput
		out, err = sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(backendARN)})
		if err == nil {
			doc = nonEmpty(out.Attributes["Policy"])
		}
	case "kms":
		id, ok := strings.CutPrefix(r.root, "key/")
		if !ok {
			return "", nil // an alias the mapper could not resolve: no key, no policy
		}
		var out *kms.GetKeyPolicyOutput
		out, err = kms.NewFromConfig(cfg).GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
		if err == nil {
			doc = out.Policy
		}
	case "secretsmanager":
		var out *secretsmanager.GetResourcePolicyOutput
		out, err = secretsmanager.NewFromConfig(cfg).GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(backendARN)})
		if err == nil {
			doc = out.ResourcePolicy
		}
	case "lambda":
		name, ok := strings.CutPrefix(r.root, "function:")
		if !ok {
			return "", nil
		}
		var out *lambda.GetPolicyOutput
		out, err = lambda.NewFromConfig(cfg).GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(name)})
		if err == nil {
			doc = out.Policy
		}
	case "ecr":
		name, ok := strings.CutPrefix(r.root, "repository/")
		if !ok {
			return "", nil
		}
		var out *ecr.GetRepositoryPolicyOutput
		out, err = ecr.NewFromConfig(cfg).GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(name)})
		if err == nil {
			doc = out.PolicyText
		}
	case "dynamodb":
		if !strings.HasPrefix(r.root, "table/") {
			return "", nil
		}
		var out *dynamodb.GetResourcePolicyOutput
		out, err = dynamodb.NewFromConfig(cfg).GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(backendARN)})
		if err == nil {
			doc = out.Policy
		}
	}
	if err != nil {
		if noPolicy(err) {
			return "", nil
		}
		return "", err
	}
	return aws.ToString(doc), nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// noPolicy tells the answers that mean "no policy here": the resource or
// its policy does not exist (the call itself then fails at the backend as
// it would on AWS).
func noPolicy(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		c := ae.ErrorCode()
		for _, s := range []string{"NotFound", "NoSuch", "NonExistent", "DoesNotExist"} {
			if strings.Contains(c, s) {
				return true
			}
		}
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// The writes that change what the caches hold, by signing name.
var (
	createOps = map[string]map[string]bool{"s3": {"CreateBucket": true}, "sqs": {"CreateQueue": true}, "sns": {"CreateTopic": true},
		"kms": {"CreateKey": true}, "secretsmanager": {"CreateSecret": true}, "lambda": {"CreateFunction": true},
		"ecr": {"CreateRepository": true}, "dynamodb": {"CreateTable": true}, "ssm": {"PutParameter": true}, "logs": {"CreateLogGroup": true}}
	// A KMS key is never deleted at once (ScheduleKeyDeletion): it keeps its owner.
	deleteOps = map[string]map[string]bool{"s3": {"DeleteBucket": true}, "sqs": {"DeleteQueue": true}, "sns": {"DeleteTopic": true},
		"secretsmanager": {"DeleteSecret": true}, "lambda": {"DeleteFunction": true}, "ecr": {"DeleteRepository": true},
		"dynamodb": {"DeleteTable": true}, "ssm": {"DeleteParameter": true, "DeleteParameters": true}, "logs": {"DeleteLogGroup": true}}
	policyOps = map[string]map[string]bool{"s3": {"PutBucketPolicy": true, "DeleteBucketPolicy": true},
		"sqs": {"SetQueueAttributes": true, "AddPermission": true, "RemovePermission": true},
		"sns": {"SetTopicAttributes": true, "AddPermission": true, "RemovePermission": true},
		"kms": {"PutKeyPolicy": true}, "secretsmanager": {"PutResourcePolicy": true, "DeleteResourcePolicy": true},
		"lambda": {"AddPermission": true, "RemovePermission": true}, "ecr": {"SetRepositoryPolicy": true, "DeleteRepositoryPolicy": true},
		"dynamodb": {"PutResourcePolicy": true, "DeleteResourcePolicy": true}}
)

// needsAnswer: creations whose resource only the answer names.
var needsAnswer = map[string]bool{"kms/CreateKey": true, "secretsmanager/CreateSecret": true}

// resourceWriter is a ResourcePolicies that learns from the calls that
// succeed through the gateway.
type resourceWriter interface {
	written(ctx context.Context, service string, caller *iam.Caller, res *actions.Result, answer []byte)
}

// modifyResponse tells the resource policies about a write that
// succeeded, before its answer goes back to the client.
func (g *Gateway) modifyResponse(ctx context.Context, resp *http.Response, fw *forward) error {
	if fw.res == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	rw, ok := g.cfg.Resources.(resourceWriter)
	if !ok {
		return nil
	}
	op := fw.res.Operation
	if !createOps[fw.service][op] && !deleteOps[fw.service][op] && !policyOps[fw.service][op] && !tagOps[fw.service][op] &&
		(fw.service != "s3" || !objectTagWrites[op]) && (fw.service != "kms" || !aliasOps[op]) {
		return nil
	}
	var answer []byte
	if needsAnswer[fw.service+"/"+op] && resp.Body != nil {
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return err
		}
		answer = b
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	}
	rw.written(ctx, fw.service, fw.caller, fw.res, answer)
	return nil
}

func (b *BackendPolicies) written(ctx context.Context, service string, caller *iam.Caller, res *actions.Result, answer []byte) {
	op := res.Operation
	b.tagsWritten(service, op, res)
	b.namesWritten(service, op)
	var refs []resourceRef
	for _, a := range res.Authorizations {
		if r, ok := parseResource(a.Resource); ok && r.service == service {
			refs = append(refs, r)
		}
	}
	switch { // for the other nodes
	case policyOps[service][op]:
		b.noteChanged(ctx, refs, ChangedPolicy)
	case tagOps[service][op] || service == "s3" && objectTagWrites[op]:
		b.noteChanged(ctx, refs, ChangedTags)
	}
	if !createOps[service][op] && !deleteOps[service][op] && !policyOps[service][op] {
		return // a tag write: the policies and owners stay
	}
	// CreateKey names its key, CreateSecret its ARN's suffix, only in the answer.
	var created struct {
		ARN         string
		KeyMetadata struct{ Arn string }
	}
	if answer != nil && json.Unmarshal(answer, &created) == nil {
		for _, s := range []string{created.ARN, created.KeyMetadata.Arn} {
			if r, ok := parseResource(s); ok {
				refs = append(refs, r)
			}
		}
	}
	for _, r := range refs {
		k := r.key()
		b.policies.del(k)
		switch {
		case createOps[service][op]:
			if caller == nil || b.cfg.Owners == nil {
				continue
			}
			owner, err := b.cfg.Owners.SetResourceOwner(ctx, k, caller.Account)
			if err != nil {
				b.cfg.Logger.Error("gateway: recording a resource's owner", "resource", k, "err", err)
				b.owners.del(k)
				continue
			}
			b.owners.put(k, owner)
		case deleteOps[service][op]:
			if b.cfg.Owners == nil {
				continue
			}
			if err := b.cfg.Owners.DeleteResourceOwner(ctx, k); err != nil {
				b.cfg.Logger.Error("gateway: forgetting a resource's owner", "resource", k, "err", err)
			}
			b.owners.del(k)
		}
	}
}

// What a change of a resource's records (iam.KindResource*) changed.
const (
	ChangedOwner  = "owner"  // created or deleted: owner, policy and tags
	ChangedPolicy = "policy" // its policy was written
	ChangedTags   = "tags"   // its tags (or an object's) were written
)

// noteChanged records, where the other nodes of a cluster see it (the
// store's change feed), that the resources' policies or tags were written.
func (b *BackendPolicies) noteChanged(ctx context.Context, refs []resourceRef, what string) {
	n, ok := b.cfg.Owners.(ChangeNoter)
	if !ok {
		return
	}
	seen := map[string]bool{}
	for _, r := range refs {
		if k := r.key(); !seen[k] {
			seen[k] = true
			if err := n.NoteResourceChange(ctx, k, what); err != nil {
				b.cfg.Logger.Error("gateway: recording a resource's change for the other nodes", "resource", k, "err", err)
			}
		}
	}
}

// ResourcesChanged drops what is cached of the resources of the keys
// (ARNs without their account) that a change of what concerns. The
// store's change feed calls it for the records of every node's writes
// (iam.KindResourceOwner, KindResourcePolicy, KindResourceTags), so that
// a resource deleted or created again, or whose policy or tags were
// written through another node of a cluster, is read again here at once
// rather than when its entries expire. What changes in the backend
// without going through any gateway is still seen after the TTL only.
func (b *BackendPolicies) ResourcesChanged(what string, keys []string) {
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[k] = true
		if what == ChangedOwner {
			b.owners.del(k)
		}
		if what != ChangedTags {
			b.policies.del(k)
		}
	}
	if what != ChangedPolicy {
		b.tags.dropIf(func(_ string, e tagEntry) bool { return drop[e.root] })
	}
}

// Forget drops everything cached (the feed lost track of changes).
func (b *BackendPolicies) Forget() {
	b.owners.dropIf(func(string, string) bool { return true })
	b.policies.dropIf(func(string, *policy.Set) bool { return true })
	b.tags.dropIf(func(string, tagEntry) bool { return true })
}

// ttlCache is a bounded map whose entries expire.
type ttlCache[V any] struct {
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
	max int
	ttl time.Duration
	now func() time.Time
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any](max int, ttl time.Duration, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{m: map[string]ttlEntry[V]{}, max: max, ttl: ttl, now: now}
}

func (c *ttlCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		now := c.now()
		for key, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, key)
			}
		}
		// Still full: drop an eighth, in the map's random order.
		for key := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, key)
		}
	}
	c.m[k] = ttlEntry[V]{v: v, expires: c.now().Add(c.ttl)}
}

func (c *ttlCache[V]) del(k string) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}
