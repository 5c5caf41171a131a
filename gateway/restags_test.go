package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/gateway/actions"
	"github.com/iamd/iamd/policy"
)

// tagBackend answers the tag reads of SQS (JSON protocol) and S3 as moto
// does, from its maps, and counts them.
type tagBackend struct {
	*httptest.Server
	mu     sync.Mutex
	reads  map[string]int    // what was read: "sqs:QUEUE", "s3:BUCKET?abac", "s3:BUCKET/KEY?tagging"
	queues map[string]string // queue → its tags as JSON ("" for none, "500" for a failure)
	abac   map[string]bool   // bucket → ABAC enabled
	bucket map[string]string // bucket → tag env's value
	object map[string]string // bucket/key → tag classification's value
}

func newTagBackend(t *testing.T) *tagBackend {
	b := &tagBackend{reads: map[string]int{}, queues: map[string]string{}, abac: map[string]bool{}, bucket: map[string]string{}, object: map[string]string{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		defer b.mu.Unlock()
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			var in struct{ QueueUrl string }
			_ = json.Unmarshal(body, &in)
			q := in.QueueUrl[strings.LastIndexByte(in.QueueUrl, '/')+1:]
			if target == "AmazonSQS.ListQueueTags" {
				b.reads["sqs:"+q]++
			}
			tags, ok := b.queues[q]
			switch {
			case target == "AmazonSQS.GetQueueAttributes": // the queue's policy: none
				_, _ = io.WriteString(w, `{"Attributes":{}}`)
			case target != "AmazonSQS.ListQueueTags":
				w.WriteHeader(http.StatusBadRequest)
			case !ok:
				w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
			case tags == "500":
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"__type":"InternalFailure","message":"boom"}`)
			case strings.HasPrefix(tags, "500 once;"): // fails the first read, then has these tags
				b.queues[q] = strings.TrimPrefix(tags, "500 once;")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"__type":"InternalFailure","message":"boom"}`)
			default:
				_, _ = io.WriteString(w, `{"Tags":{`+tags+`}}`)
			}
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/")
		bucket, key, _ := strings.Cut(path, "/")
		w.Header().Set("Content-Type", "application/xml")
		q := r.URL.Query()
		switch {
		case q.Has("abac"):
			b.reads["s3:"+bucket+"?abac"]++
			if b.abac[bucket] {
				_, _ = io.WriteString(w, `<AbacStatus><Status>Enabled</Status></AbacStatus>`)
			} else { // moto: a listing
				_, _ = io.WriteString(w, `<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>`)
			}
		case q.Has("tagging") && key == "":
			b.reads["s3:"+bucket+"?tagging"]++
			_, _ = io.WriteString(w, `<Tagging><TagSet><Tag><Key>env</Key><Value>`+b.bucket[bucket]+`</Value></Tag></TagSet></Tagging>`)
		case q.Has("tagging"):
			b.reads["s3:"+path+"?tagging"]++
			v, ok := b.object[path]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
				return
			}
			_, _ = io.WriteString(w, `<Tagging><TagSet><Tag><Key>Classification</Key><Value>`+v+`</Value></Tag></TagSet></Tagging>`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *tagBackend) count(what string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reads[what]
}

func (b *tagBackend) policies(now func() time.Time) *BackendPolicies {
	return NewBackendPolicies(BackendConfig{Endpoint: func(string) string { return b.URL }, Now: now, TTL: time.Minute, MaxEntries: 8})
}

const ordersARN = "arn:aws:sqs:us-east-1:123456789012:orders"

func TestResourceTagsCachedAndInvalidated(t *testing.T) {
	be := newTagBackend(t)
	be.queues["orders"] = `"env":"prod","Team":"Blue"`
	now := time.Unix(1000, 0)
	p := be.policies(func() time.Time { return now })
	get := func(resource string) map[string][]string {
		t.Helper()
		keys, err := p.resourceTags(context.Background(), "sqs:SendMessage", resource)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	keys := get(ordersARN)
	if len(keys) != 2 || keys["aws:resourcetag/env"][0] != "prod" || keys["aws:resourcetag/team"][0] != "Blue" {
		t.Fatalf("keys %v", keys)
	}
	// The engine reads them as it reads any key: a Deny on the tag matches.
	d, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"Blue"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req := &policy.Request{Action: "sqs:SendMessage", Resource: ordersARN, Context: policy.NewContext(keys),
		Principal: policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/u", Account: "123456789012"}}
	if e := policy.Explain(&policy.Input{Identity: policy.NewSet(policy.Compile(d, policy.Source{}))}, req); e.Decision != policy.ExplicitDeny {
		t.Fatalf("decision %v", e.Decision)
	}

	get(ordersARN)
	if n := be.count("sqs:orders"); n != 1 {
		t.Fatalf("%d reads, want 1 (a cache hit)", n)
	}
	if allocs := testing.AllocsPerRun(100, func() { get(ordersARN) }); allocs != 0 {
		t.Fatalf("a cache hit allocates %v times", allocs)
	}

	// A tag write through the gateway drops the service's tags; others stay.
	p.tags.put("arn:aws:sns:us-east-1:123456789012:topic", tagEntry{service: "sns", root: "arn:aws:sns:us-east-1::topic"})
	be.queues["orders"] = ""
	p.written(context.Background(), "sqs", nil, &actions.Result{Operation: "TagQueue", Authorizations: []actions.Authorization{{Action: "sqs:TagQueue", Resource: ordersARN}}}, nil)
	if keys := get(ordersARN); keys != nil || be.count("sqs:orders") != 2 {
		t.Fatalf("after TagQueue: %v, %d reads", keys, be.count("sqs:orders"))
	}
	if _, ok := p.tags.get("arn:aws:sns:us-east-1:123456789012:topic"); !ok {
		t.Fatal("a queue's tag write dropped a topic's tags")
	}
	// A read through the gateway drops nothing.
	p.written(context.Background(), "sqs", nil, &actions.Result{Operation: "SendMessage", Authorizations: []actions.Authorization{{Action: "sqs:SendMessage", Resource: ordersARN}}}, nil)
	get(ordersARN)
	if n := be.count("sqs:orders"); n != 2 {
		t.Fatalf("%d reads after a SendMessage, want 2", n)
	}
	// Tags written to the backend directly count once the TTL is over.
	be.queues["orders"] = `"env":"dev"`
	now = now.Add(2 * time.Minute)
	if keys := get(ordersARN); keys["aws:resourcetag/env"][0] != "dev" {
		t.Fatalf("after the TTL: %v", keys)
	}
}

func TestResourceTagsNotReadable(t *testing.T) {
	be := newTagBackend(t)
	be.queues["broken"] = "500"
	p := be.policies(nil)
	// A failure, once the read's attempts are spent, is an error (the
	// gateway answers ServiceUnavailable: a Deny on the tag cannot be
	// seen), and is not cached.
	for range 2 {
		if _, err := p.resourceTags(context.Background(), "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:broken"); err == nil {
			t.Fatal("no error for a failed read")
		}
	}
	if n := be.count("sqs:broken"); n != 2*backendReadAttempts {
		t.Fatalf("%d reads, want %d (each call tries %d times; failures are not cached)", n, 2*backendReadAttempts, backendReadAttempts)
	}
	// A backend that fails once (a busy backend's 500) is read again.
	be.queues["flaky"] = `500 once;"env":"dev"`
	if keys, err := p.resourceTags(context.Background(), "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:flaky"); err != nil || keys["aws:resourcetag/env"][0] != "dev" {
		t.Fatalf("after one failed read: %v, %v", keys, err)
	}
	// A queue that does not exist has no tags (the call fails at the backend).
	if keys, err := p.resourceTags(context.Background(), "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:gone"); err != nil || keys != nil {
		t.Fatalf("a missing queue: %v, %v", keys, err)
	}
	// No one resource, or one without tags: nothing is read.
	for _, r := range []string{"*", "arn:aws:sqs:us-east-1:123456789012:*", "arn:aws:s3:::bkt*", "arn:aws:iam::123456789012:role/r", "arn:aws:kms:us-east-1:123456789012:alias/a", "sqs"} {
		if keys, err := p.resourceTags(context.Background(), "sqs:SendMessage", r); err != nil || keys != nil {
			t.Fatalf("%s: %v, %v", r, keys, err)
		}
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.reads) != 3 { // broken, flaky and gone
		t.Fatalf("reads %v", be.reads)
	}
}

// S3: the object's tags for the actions that read them, the bucket's only
// with ABAC enabled; object writes drop the object's entry, not the
// bucket's or its policy.
func TestResourceTagsS3(t *testing.T) {
	be := newTagBackend(t)
	be.abac["abac"], be.bucket["abac"], be.bucket["plain"] = true, "prod", "prod"
	be.object["abac/k"], be.object["plain/k"] = "secret", "secret"
	p := be.policies(nil)
	get := func(action, resource string) map[string][]string {
		t.Helper()
		keys, err := p.resourceTags(context.Background(), action, resource)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	if keys := get("s3:ListBucket", "arn:aws:s3:::abac"); len(keys) != 2 || keys["aws:resourcetag/env"][0] != "prod" || keys["s3:buckettag/env"][0] != "prod" {
		t.Fatalf("an ABAC bucket: %v", keys)
	}
	if keys := get("s3:ListBucket", "arn:aws:s3:::plain"); keys != nil {
		t.Fatalf("a bucket without ABAC: %v", keys)
	}
	if keys := get("s3:GetObject", "arn:aws:s3:::abac/k"); len(keys) != 3 || keys["s3:existingobjecttag/classification"][0] != "secret" || keys["aws:resourcetag/env"][0] != "prod" {
		t.Fatalf("an object of an ABAC bucket: %v", keys)
	}
	if keys := get("s3:GetObject", "arn:aws:s3:::plain/k"); len(keys) != 1 || keys["s3:existingobjecttag/classification"][0] != "secret" {
		t.Fatalf("an object: %v", keys)
	}
	if keys := get("s3:GetObject", "arn:aws:s3:::plain/none"); keys != nil {
		t.Fatalf("a missing object: %v", keys)
	}
	// PutObject does not read the object's tags (s3:ExistingObjectTag is
	// not its key), only the bucket's, from the cache.
	if keys := get("s3:PutObject", "arn:aws:s3:::abac/new"); len(keys) != 2 || be.count("s3:abac/new?tagging") != 0 {
		t.Fatalf("PutObject: %v", keys)
	}
	if be.count("s3:abac?abac") != 1 || be.count("s3:abac?tagging") != 1 || be.count("s3:plain?tagging") != 0 {
		t.Fatalf("reads %v", be.reads)
	}

	p.policies.put("arn:aws:s3:::plain", nil)
	be.object["plain/k"] = "public"
	p.written(context.Background(), "s3", nil, &actions.Result{Operation: "PutObject", Authorizations: []actions.Authorization{{Action: "s3:PutObject", Resource: "arn:aws:s3:::plain/k"}}}, nil)
	if keys := get("s3:GetObject", "arn:aws:s3:::plain/k"); keys["s3:existingobjecttag/classification"][0] != "public" {
		t.Fatalf("after PutObject: %v", keys)
	}
	if _, ok := p.policies.get("arn:aws:s3:::plain"); !ok {
		t.Fatal("PutObject dropped the bucket's policy")
	}
	if _, ok := p.tags.get("arn:aws:s3:::abac/k"); !ok {
		t.Fatal("PutObject dropped another object's tags")
	}
	// Deleting the bucket drops it and its objects.
	p.written(context.Background(), "s3", nil, &actions.Result{Operation: "DeleteBucket", Authorizations: []actions.Authorization{{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::abac"}}}, nil)
	for _, k := range []string{"arn:aws:s3:::abac", "arn:aws:s3:::abac/k"} {
		if _, ok := p.tags.get(k); ok {
			t.Fatalf("%s survived DeleteBucket", k)
		}
	}
	if _, ok := p.tags.get("arn:aws:s3:::plain/k"); !ok {
		t.Fatal("DeleteBucket dropped another bucket's objects")
	}
}

// A creation or deletion drops the resource's entries, its sub-resources'
// too (a table's indexes), and no other's; the cache stays bounded.
func TestResourceTagsCreateDeleteAndBound(t *testing.T) {
	p := newTagBackend(t).policies(nil)
	for _, k := range []string{"table/t", "table/t/index/i", "table/u"} {
		r, _ := parseResource("arn:aws:dynamodb:us-east-1:123456789012:" + k)
		p.tags.put("arn:aws:dynamodb:us-east-1:123456789012:"+k, tagEntry{service: "dynamodb", root: r.key()})
	}
	p.written(context.Background(), "dynamodb", nil, &actions.Result{Operation: "DeleteTable",
		Authorizations: []actions.Authorization{{Action: "dynamodb:DeleteTable", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/t"}}}, nil)
	for k, want := range map[string]bool{"table/t": false, "table/t/index/i": false, "table/u": true} {
		if _, ok := p.tags.get("arn:aws:dynamodb:us-east-1:123456789012:" + k); ok != want {
			t.Errorf("%s cached: %v, want %v", k, ok, want)
		}
	}
	for i := range 50 {
		p.tags.put(strings.Repeat("x", i), tagEntry{})
		if len(p.tags.m) > 8 {
			t.Fatalf("%d entries", len(p.tags.m))
		}
	}
}

func TestWithKeys(t *testing.T) {
	tags := map[string][]string{"aws:resourcetag/env": {"prod"}}
	if got := withKeys(nil, nil); got != nil {
		t.Fatalf("%v", got)
	}
	own := map[string][]string{"s3:prefix": {"a/"}}
	if got := withKeys(own, nil); len(got) != 1 {
		t.Fatalf("%v", got)
	}
	if got := withKeys(nil, tags); got["aws:resourcetag/env"][0] != "prod" {
		t.Fatalf("%v", got)
	}
	if got := withKeys(own, tags); len(got) != 2 || len(tags) != 1 {
		t.Fatalf("merged %v, the cached map %v", got, tags)
	}
}

// Through the gateway: the decider is asked with the resource's tags, and
// a call whose tags cannot be read is refused, never forwarded.
func TestGatewayDecidesWithResourceTags(t *testing.T) {
	be := newTagBackend(t)
	be.queues["orders"], be.queues["broken"] = `"env":"prod"`, "500"
	f := newFixtureWith(t, func(c *Config) { c.Resources = be.policies(nil) }, "sqs:SendMessage")
	send := func(queue string) answer {
		return f.do(t, call{method: "POST", path: "/", service: "sqs", body: `{"QueueUrl":"http://localhost/123456789012/` + queue + `","MessageBody":"x"}`,
			header: map[string]string{"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}})
	}
	if a := send("orders"); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	f.decider.mu.Lock()
	asked := f.decider.asked[len(f.decider.asked)-1]
	f.decider.mu.Unlock()
	if asked.Resource != ordersARN || asked.Keys["aws:resourcetag/env"][0] != "prod" {
		t.Fatalf("asked %+v", asked)
	}
	before := len(f.backend.requests())
	a := send("broken")
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "tags could not be read") {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if len(f.backend.requests()) != before {
		t.Fatal("a call whose tags could not be read was forwarded")
	}
}
