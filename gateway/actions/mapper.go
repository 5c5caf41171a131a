package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/iamd/iamd/catalog"
)

// Request is one AWS service call as the gateway received it.
type Request struct {
	// Service is the signing name from the SigV4 credential scope (s3, dynamodb, sqs, ...).
	Service string
	// HTTP is the request: method, URL (path and query), headers and Host.
	HTTP *http.Request
	// Body is the request body for the JSON and query protocols and rest-json.
	// S3 bodies are streamed and not read, except DeleteObjects' XML list of
	// keys (see NeedsBody and MaxS3Body).
	Body []byte
	// Region is the caller's region (the credential scope's).
	Region string
	// Account is the account that owns the resource.
	Account string
	// Partition is the ARN partition; "" means aws.
	Partition string
}

// Authorization is one check AWS makes for a call: the caller must be
// allowed Action on Resource, with Context's keys in the request context.
type Authorization struct {
	Action   string
	Resource string
	// Context holds the service's condition keys (and aws:RequestTag/*,
	// aws:TagKeys) taken from the request; the gateway adds the global keys.
	Context map[string][]string
}

// Result is a mapped call.
type Result struct {
	Service        string // the model's name (s3, dynamodb, sqs, ...)
	Operation      string // the API operation (ListObjectsV2, PutItem, ...)
	Authorizations []Authorization
}

// Error is a request the mapper cannot translate; the gateway answers it
// in the service's own error format.
type Error struct {
	Kind    error // ErrUnknownService, ErrUnknownOperation, ErrMalformed or ErrLookup
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

var (
	ErrUnknownService   = errors.New("unknown service")
	ErrUnknownOperation = errors.New("unknown operation")
	ErrMalformed        = errors.New("malformed request")
	// ErrLookup: what the call acts on could not be read from the backend
	// (a lookup failed, not "no such resource"), so it cannot be decided.
	ErrLookup = errors.New("lookup failed")
)

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// MaxS3Body is the largest S3 body the mapper reads (DeleteObjects: at most
// 1000 keys of at most 1024 bytes each, with their XML).
const MaxS3Body = 2 << 20

// NeedsBody tells the gateway whether Map reads the request's body: always
// but for S3, where only DeleteObjects' (POST ?delete) is read.
func NeedsBody(signingName string, r *http.Request) bool {
	if signingName != "s3" {
		return true
	}
	_, del := r.URL.Query()["delete"]
	return r.Method == http.MethodPost && del
}

// Mapper maps requests; the zero value serves AWS's own host names.
type Mapper struct {
	// S3Hosts are host names (with or without port) of the gateway itself
	// under which S3 is addressed virtual-hosted style: BUCKET.HOST.
	S3Hosts []string
	// DynamoDBHashKey names a table's partition key attribute (the gateway
	// reads it from the backend's DescribeTable), for dynamodb:LeadingKeys
	// on keys of two attributes; nil: only one-attribute keys are read.
	DynamoDBHashKey Lookup
	// KMSAlias resolves an alias name (alias/x) to its key's ARN, so that a
	// call naming a key by alias is authorized on the key, as AWS does; nil
	// or "": the call is authorized on the alias ARN.
	KMSAlias Lookup
	// SecretARN resolves a secret's name to its ARN (with AWS's random
	// suffix); nil or "": the ARN is made from the name.
	SecretARN Lookup
}

// Lookup reads from the backend what a request names only indirectly
// (a table's partition key, an alias's key, a secret's ARN): "" with no
// error when there is no such resource; an error when the backend could
// not tell, which refuses the call rather than deciding it on a guess.
type Lookup func(account, region, name string) (string, error)

// Map maps r with the zero Mapper.
func Map(r *Request) (*Result, error) { return (&Mapper{}).Map(r) }

// Map finds the operation of r and the authorizations AWS checks for it.
func (m *Mapper) Map(r *Request) (res *Result, err error) {
	defer func() {
		// The mapper reads untrusted input; a bug must not take the gateway down.
		if p := recover(); p != nil {
			res, err = nil, errorf(ErrMalformed, "cannot map request: %v", p)
		}
	}()
	if r == nil || r.HTTP == nil || r.HTTP.URL == nil {
		return nil, errorf(ErrMalformed, "no request")
	}
	ms, err := load()
	if err != nil {
		return nil, err
	}
	cands := ms.bySigning[r.Service]
	if len(cands) == 0 {
		return nil, errorf(ErrUnknownService, "unknown service %q", r.Service)
	}
	c := &call{m: m, req: r, partition: r.Partition, region: r.Region, account: r.Account, urlQuery: r.HTTP.URL.Query()}
	if c.partition == "" {
		c.partition = "aws"
	}
	if err := c.find(cands); err != nil {
		return nil, err
	}
	var auths []Authorization
	if ov, ok := overrides[c.svc.Name][c.op.Name]; ok {
		auths, err = ov.fn(c)
		if err != nil {
			return nil, err
		}
	} else {
		auths = []Authorization{c.defaultAuth()}
		if c.svc.Name == "s3" {
			c.s3Keys(&auths[0]) // the header keys of bucket operations (CreateBucket's s3:x-amz-acl)
		}
	}
	if c.lookupErr != nil {
		return nil, errorf(ErrLookup, "cannot read what the call acts on: %v", c.lookupErr)
	}
	return &Result{Service: c.svc.Name, Operation: c.op.Name, Authorizations: auths}, nil
}

// lookup asks the backend through fn (nil: not wired), keeping the first
// failure for Map to refuse the call with.
func (c *call) lookup(fn Lookup, name string) string {
	if fn == nil {
		return ""
	}
	v, err := fn(c.account, c.region, name)
	if err != nil && c.lookupErr == nil {
		c.lookupErr = err
	}
	return v
}

// call is a request being mapped.
type call struct {
	m                          *Mapper
	req                        *Request
	svc                        *service
	op                         *op
	partition, region, account string

	urlQuery url.Values        // the URL's query
	form     url.Values        // query protocol: the parameters (body and URL)
	labels   map[string]string // rest: the URI's labels
	body     map[string]any    // JSON body (json, rest-json)
	bodyErr  error
	bodyDone bool
	bucket   string // S3: the bucket of a virtual-hosted-style request

	lookupErr error // the first failed backend lookup
}

func (c *call) header(name string) string { return c.req.HTTP.Header.Get(name) }

// find identifies the service and operation: X-Amz-Target (json), Action
// (query), or the method and path (rest).
func (c *call) find(cands []*service) error {
	h := c.req.HTTP
	if target := h.Header.Get("X-Amz-Target"); target != "" {
		i := strings.LastIndexByte(target, '.')
		if i < 0 {
			return errorf(ErrMalformed, "malformed X-Amz-Target %q", target)
		}
		prefix, name := target[:i], target[i+1:]
		for _, s := range cands {
			if s.Target != prefix {
				continue
			}
			o := s.byName[name]
			if o == nil {
				return errorf(ErrUnknownOperation, "unknown operation %s for %s", name, s.Name)
			}
			c.svc, c.op = s, o
			return c.parseJSON(true)
		}
		return errorf(ErrUnknownOperation, "unknown target %q for service %s", target, c.req.Service)
	}
	var queryCands []*service
	var restCands []*service
	for _, s := range cands {
		switch {
		case s.Protocol == "query" || s.Protocol == "ec2" || s.QueryCompat:
			queryCands = append(queryCands, s)
		}
		if strings.HasPrefix(s.Protocol, "rest") {
			restCands = append(restCands, s)
		}
	}
	if len(queryCands) > 0 && (h.Method == http.MethodGet || isForm(h)) {
		form, err := c.parseForm()
		if err != nil {
			return err
		}
		if action := form.Get("Action"); action != "" {
			for _, s := range queryCands {
				if o := s.byName[action]; o != nil {
					c.svc, c.op, c.form = s, o, form
					return nil
				}
			}
			return errorf(ErrUnknownOperation, "unknown operation %s for %s", action, c.req.Service)
		}
	}
	if len(restCands) == 0 {
		return errorf(ErrUnknownOperation, "no operation named in the request for %s (X-Amz-Target or Action)", c.req.Service)
	}
	segs, err := c.pathSegments()
	if err != nil {
		return err
	}
	for _, s := range restCands {
		for _, o := range s.rest {
			if o.Method != h.Method && !(h.Method == http.MethodHead && o.Method == http.MethodHead) {
				continue
			}
			if labels, ok := o.tmpl.match(segs, c.urlQuery, h.Header); ok {
				c.svc, c.op, c.labels = s, o, labels
				return nil
			}
		}
	}
	return errorf(ErrUnknownOperation, "no %s operation for %s %s", c.req.Service, h.Method, h.URL.EscapedPath())
}

func isForm(h *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(h.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

func (c *call) parseForm() (url.Values, error) {
	form := url.Values{}
	for k, v := range c.urlQuery {
		form[k] = v
	}
	if len(c.req.Body) > 0 && isForm(c.req.HTTP) {
		body, err := url.ParseQuery(string(c.req.Body))
		if err != nil {
			return nil, errorf(ErrMalformed, "malformed form body: %v", err)
		}
		for k, v := range body {
			form[k] = append(form[k], v...)
		}
	}
	return form, nil
}

// parseJSON decodes the body; strict for the json protocol, where the
// body is the input, lenient for rest-json, where it may be a payload.
func (c *call) parseJSON(strict bool) error {
	if c.bodyDone {
		return c.bodyErr
	}
	c.bodyDone = true
	b := c.req.Body
	if len(bytes.TrimSpace(b)) == 0 {
		c.body = map[string]any{}
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&v)
	if err == nil && d.More() {
		err = errors.New("trailing data")
	}
	obj, isObj := v.(map[string]any)
	if err == nil && !isObj {
		err = errors.New("the body is not a JSON object")
	}
	if err != nil {
		c.body = map[string]any{}
		if strict {
			c.bodyErr = errorf(ErrMalformed, "malformed JSON body: %v", err)
		}
		return c.bodyErr
	}
	c.body = obj
	return nil
}

func (c *call) jsonBody() map[string]any {
	if !c.bodyDone {
		_ = c.parseJSON(false)
	}
	return c.body
}

// pathSegments splits the decoded path; S3's virtual-hosted style puts
// the bucket from the host first.
func (c *call) pathSegments() ([]string, error) {
	h := c.req.HTTP
	var segs []string
	if c.req.Service == "s3" {
		if b := c.m.virtualBucket(h.Host); b != "" {
			c.bucket = b
			segs = append(segs, b)
		}
	}
	p := h.URL.EscapedPath()
	for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, errorf(ErrMalformed, "malformed path %q", p)
		}
		segs = append(segs, u)
	}
	// "/bucket/" is the bucket; a trailing empty segment names nothing (but
	// an S3 key may end in "/": keep it when there is a key).
	if n := len(segs); n > 0 && segs[n-1] == "" && (n <= 2 || c.req.Service != "s3") {
		segs = segs[:n-1]
	}
	return segs, nil
}

// virtualBucket returns the bucket of a virtual-hosted-style host:
// BUCKET.s3[.-]REGION.amazonaws.com, BUCKET.s3.amazonaws.com, BUCKET.<S3Hosts>.
func (m *Mapper) virtualBucket(host string) string {
	h := strings.ToLower(host)
	hostOnly := h
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		hostOnly = h[:i]
	}
	for _, base := range m.S3Hosts {
		base = strings.ToLower(base)
		for _, x := range []string{h, hostOnly} {
			if strings.HasSuffix(x, "."+base) {
				return x[:len(x)-len(base)-1]
			}
		}
	}
	if strings.HasSuffix(hostOnly, ".amazonaws.com") || strings.HasSuffix(hostOnly, ".amazonaws.com.cn") {
		for _, marker := range []string{".s3.", ".s3-"} {
			if i := strings.Index(hostOnly, marker); i > 0 {
				return hostOnly[:i]
			}
		}
	}
	return ""
}

// str is an input member's value as a string, wherever the protocol puts it.
func (c *call) str(name string) string {
	loc := c.op.Members[name]
	key := name
	if loc.Name != "" {
		key = loc.Name
	}
	switch loc.Loc {
	case "uri":
		return c.labels[key]
	case "querystring":
		return c.urlQuery.Get(key)
	case "header":
		return c.header(key)
	}
	if c.form != nil {
		return c.form.Get(name)
	}
	return jsonString(c.jsonBody()[name])
}

func jsonString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// arn fills an ARN format: ${Partition}, ${Region}, ${Account} and vars.
// "" when a variable has no value.
func (c *call) arn(format string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			b.WriteString(format)
			return b.String()
		}
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			return ""
		}
		b.WriteString(format[:i])
		name := format[i+2 : i+j]
		var v string
		switch name {
		case "Partition":
			v = c.partition
		case "Region":
			v = c.region
		case "Account":
			v = c.account
		default:
			v = vars[name]
		}
		if v == "" {
			return ""
		}
		b.WriteString(v)
		format = format[i+j+1:]
	}
}

// resourceARN is the default resource: the input's ARN, or the format
// filled with the input's names; "*" when the input names none.
func (c *call) resourceARN() string {
	r := c.op.Resource
	if r == nil {
		return "*"
	}
	if r.Full != "" {
		if v := c.str(r.Full); strings.HasPrefix(v, "arn:") {
			return v
		}
	}
	vars := map[string]string{}
	for v, mem := range r.Vars {
		val := c.str(mem)
		if strings.HasPrefix(val, "arn:") {
			return val // a name member that takes an ARN too (FunctionName, SecretId, ...)
		}
		vars[v] = val
	}
	if a := c.arn(r.ARN, vars); a != "" {
		return a
	}
	return "*"
}

// action is the operation's IAM action: the catalogue's, else prefix:Operation.
func (c *call) action() string {
	if c.op.Action != "" {
		return c.op.Action
	}
	return c.svc.Prefix + ":" + c.op.Name
}

func (c *call) defaultAuth() Authorization {
	a := Authorization{Action: c.action(), Resource: c.resourceARN()}
	c.addTags(&a)
	c.addKeys(&a)
	return a
}

// addTags sets aws:RequestTag/* and aws:TagKeys for a call that tags, when
// the catalogue lists those keys for the action.
func (c *call) addTags(a *Authorization) {
	if c.op.Tags == "" && c.op.TagKeys == "" {
		return
	}
	reqTag, tagKeys := actionHasKeys(a.Action)
	if !reqTag && !tagKeys {
		return
	}
	var keys []string
	tags := map[string]string{}
	if c.op.Tags != "" {
		tags = c.tagMap(c.op.Tags)
		for k := range tags {
			keys = append(keys, k)
		}
	}
	if c.op.TagKeys != "" {
		keys = append(keys, c.stringList(c.op.TagKeys)...)
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	if a.Context == nil {
		a.Context = map[string][]string{}
	}
	if reqTag {
		for k, v := range tags {
			a.Context["aws:RequestTag/"+k] = []string{v}
		}
	}
	if tagKeys {
		a.Context["aws:TagKeys"] = keys
	}
}

func actionHasKeys(action string) (reqTag, tagKeys bool) {
	cat, err := catalog.Load()
	if err != nil {
		return false, false
	}
	_, a, ok := cat.Action(action)
	if !ok {
		return false, false
	}
	for _, k := range a.ConditionKeys {
		switch {
		case strings.HasPrefix(k, "aws:RequestTag/"):
			reqTag = true
		case k == "aws:TagKeys":
			tagKeys = true
		}
	}
	return
}

// tagMap reads tags: a JSON map, a JSON list of {Key,Value} (or TagKey,
// TagValue), or query parameters Tags.member.N.Key / Tag.N.Key.
func (c *call) tagMap(name string) map[string]string {
	out := map[string]string{}
	if c.form != nil {
		pairs := map[string][2]string{}
		for k, v := range c.form {
			rest, ok := cutAny(k, name+".member.", name+".entry.", name+".", "Tag.", "Tags.member.")
			if !ok || len(v) == 0 {
				continue
			}
			n, field, ok := strings.Cut(rest, ".")
			if !ok {
				continue
			}
			p := pairs[n]
			switch field {
			case "Key", "key", "TagKey":
				p[0] = v[0]
			case "Value", "value", "TagValue":
				p[1] = v[0]
			default:
				continue
			}
			pairs[n] = p
		}
		for _, p := range pairs {
			if p[0] != "" {
				out[p[0]] = p[1]
			}
		}
		return out
	}
	switch t := c.jsonBody()[name].(type) {
	case map[string]any:
		for k, v := range t {
			out[k] = jsonString(v)
		}
	case []any:
		for _, e := range t {
			m, _ := e.(map[string]any)
			k := firstString(m, "Key", "key", "TagKey")
			if k != "" {
				out[k] = firstString(m, "Value", "value", "TagValue")
			}
		}
	}
	return out
}

func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := jsonString(m[k]); s != "" {
			return s
		}
	}
	return ""
}

// stringList reads a list of strings member.
func (c *call) stringList(name string) []string {
	loc := c.op.Members[name]
	key := name
	if loc.Name != "" {
		key = loc.Name
	}
	if loc.Loc == "querystring" {
		return c.urlQuery[key]
	}
	if c.form != nil {
		var out []string
		for k, v := range c.form {
			if _, ok := cutAny(k, name+".member.", name+"."); ok && len(v) > 0 {
				out = append(out, v[0])
			}
		}
		sort.Strings(out)
		return out
	}
	var out []string
	if l, ok := c.jsonBody()[name].([]any); ok {
		for _, e := range l {
			if s := jsonString(e); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// addKeys sets the service keys named as scalar input members.
func (c *call) addKeys(a *Authorization) {
	for k, mem := range c.op.Keys {
		if v := c.str(mem); v != "" {
			setKey(a, k, v)
		}
	}
}

func setKey(a *Authorization, k string, v ...string) {
	if a.Context == nil {
		a.Context = map[string][]string{}
	}
	a.Context[k] = v
}

func mustCatalog() *catalog.Catalog {
	c, err := catalog.Load()
	if err != nil {
		return nil
	}
	return c
}

// VirtualBucket returns the bucket a virtual-hosted-style S3 Host names
// (BUCKET.<S3Hosts>, BUCKET.s3.REGION.amazonaws.com), "" for path style.
func (m *Mapper) VirtualBucket(host string) string { return m.virtualBucket(host) }

// Preload decodes the embedded models and the catalogue now, so that the
// first call mapped does not wait for them (a few hundred milliseconds).
func Preload() {
	_ = mustModels()
	_ = mustCatalog()
}
