// Package gateway puts iamd in front of an AWS-compatible backend (moto
// server, LocalStack, MinIO, ...): every request signed for a service iamd
// does not serve itself is authenticated with iamd's keys and sessions,
// mapped to what AWS authorizes (package gateway/actions), decided by the
// same decider as IAM's own calls, and, when allowed, forwarded to the
// backend re-signed with the backend's credentials. Denials are answered in
// the service's own error format and never reach the backend.
//
// The forwarder (forward.go) streams both bodies with a bounded buffer,
// drops hop-by-hop headers, forwards trailers and flushes streamed
// responses, as httputil.ReverseProxy does, at a fraction of its cost per
// request; nothing but the bodies the mapper reads (bounded) is buffered.
//
// S3 payloads: the signature covers the declared X-Amz-Content-Sha256.
// UNSIGNED-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER (aws-chunked with
// an unsigned body, the SDKs' default over https) are passed through as
// declared. A hex SHA-256 is checked as the body streams, and the last
// bytes are withheld until it matches, so a body that is not the one
// signed never reaches the backend whole (XAmzContentSHA256Mismatch).
// Signed aws-chunked uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER],
// STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD) are refused with S3's
// NotImplemented: each chunk's signature chains from the client's, so
// passing them on would need the backend to hold the client's key, and
// re-framing needs the client's signing key, which the authenticator does
// not give out. The SDKs do not use them by default (the Go SDK and
// botocore sign the whole payload over http, and use unsigned trailers
// over https).
package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamd/iamd/auth/sigv4"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/gateway/actions"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Mode is what a denial does.
type Mode int

const (
	// Enforce refuses denied calls (the default).
	Enforce Mode = iota
	// Observe decides and records every call but forwards denied ones,
	// marked "would be denied".
	Observe
)

// ParseMode reads "enforce" or "observe" ("" is enforce).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "", "enforce":
		return Enforce, nil
	case "observe":
		return Observe, nil
	}
	return Enforce, fmt.Errorf("enforcement %q: want enforce or observe", s)
}

func (m Mode) String() string {
	if m == Observe {
		return "observe"
	}
	return "enforce"
}

// Authenticator verifies requests with iamd's keys and sessions
// (*auth.Authenticator).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte) (*iam.Caller, *sigv4.Result, error)
	AuthenticatePayloadHash(ctx context.Context, r *http.Request, payloadHash string) (*iam.Caller, *sigv4.Result, error)
}

// Decider decides for a caller with an optional resource-based policy
// (*authz.Decider): identity policies, boundary, session policies, SCPs.
type Decider interface {
	Decide(ctx context.Context, req *iam.AuthzRequest, resourcePolicy *policy.Set) (*policy.Explanation, error)
}

// ResourcePolicies is where the decider gets a resource's own policy
// (bucket, queue, key policy, ...) and the account that owns the
// resource. Until resource policies are read from the backend, NoResourcePolicies
// answers none: the caller's account owns everything, and only identity
// policies can allow.
type ResourcePolicies interface {
	// ResourcePolicy returns the policy of resource (an ARN) of service,
	// nil when it has none, and its owner ("" for the caller's account).
	ResourcePolicy(ctx context.Context, service, resource string) (set *policy.Set, owner string, err error)
}

// NoResourcePolicies is the ResourcePolicies of a gateway that reads none.
type NoResourcePolicies struct{}

// ResourcePolicy answers no policy.
func (NoResourcePolicies) ResourcePolicy(context.Context, string, string) (*policy.Set, string, error) {
	return nil, "", nil
}

// Config configures a Gateway.
type Config struct {
	// Backend receives every service without a backend of its own.
	Backend string
	// Backends are per-service backends (signing name → URL).
	Backends map[string]string
	// AccessKey and Secret sign the forwarded requests (default test:test,
	// which moto accepts).
	AccessKey, Secret string

	Authn     Authenticator
	Decider   Decider
	Resources ResourcePolicies // nil: NoResourcePolicies
	Mode      Mode
	Partition string // aws when empty

	// S3Hosts are the gateway's own host names under which S3 is
	// addressed virtual-hosted style (BUCKET.HOST); default localhost.
	S3Hosts []string
	// MaxBody bounds the bodies read to map a call (not S3's, which
	// stream); default 72 MiB (a Lambda CreateFunction's 50 MB zip in
	// base64).
	MaxBody int64
	// Record receives every call's event (audit log, metrics); nil: none.
	Record    func(*Event)
	Logger    *slog.Logger
	Now       func() time.Time
	Transport http.RoundTripper // to the backends; nil: a pooled transport without proxies
}

// Gateway is the http.Handler of the forwarded services.
type Gateway struct {
	cfg       Config
	backends  map[string]*url.URL
	fallback  *url.URL
	mapper    *actions.Mapper
	transport http.RoundTripper
	signer    *signer // rest, json and query services
	s3signer  *signer // S3: its path is signed as escaped once
}

// New returns a gateway; it fails on a backend URL that is not absolute.
func New(cfg Config) (*Gateway, error) {
	if cfg.Authn == nil || cfg.Decider == nil {
		return nil, errors.New("gateway: an authenticator and a decider are required")
	}
	if cfg.Resources == nil {
		cfg.Resources = NoResourcePolicies{}
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.AccessKey == "" {
		cfg.AccessKey, cfg.Secret = "test", "test"
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 72 << 20
	}
	if len(cfg.S3Hosts) == 0 {
		cfg.S3Hosts = []string{"localhost"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &Gateway{cfg: cfg, backends: map[string]*url.URL{}, mapper: &actions.Mapper{S3Hosts: cfg.S3Hosts},
		signer:   &signer{accessKey: cfg.AccessKey, secret: cfg.Secret},
		s3signer: &signer{accessKey: cfg.AccessKey, secret: cfg.Secret, s3: true}}
	if l, ok := cfg.Resources.(mapperLookups); ok {
		l.wireMapper(g.mapper)
	}
	parse := func(s string) (*url.URL, error) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("gateway: backend %q is not an http(s) URL", s)
		}
		return u, nil
	}
	if cfg.Backend != "" {
		u, err := parse(cfg.Backend)
		if err != nil {
			return nil, err
		}
		g.fallback = u
	}
	for svc, s := range cfg.Backends {
		u, err := parse(s)
		if err != nil {
			return nil, err
		}
		g.backends[strings.ToLower(svc)] = u
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               nil, // backends are local: never through HTTP_PROXY
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true, // the client's Accept-Encoding passes through
		}
	}
	g.transport = tr
	go actions.Preload() // the first call need not wait for the tables
	return g, nil
}

// backendFor is the backend of a service (nil: none).
func (g *Gateway) backendFor(service string) *url.URL {
	if u := g.backends[service]; u != nil {
		return u
	}
	return g.fallback
}

// Event is one call through the gateway, for the audit log and metrics.
type Event struct {
	RequestID string
	Service   string // signing name
	Operation string // "" when it could not be mapped
	Caller    *iam.Caller
	Region    string
	Checks    []Check
	// Decision is the call's: allowed, or the first denied check's.
	Decision string
	// WouldBeDenied marks a denied call that observe mode let through.
	WouldBeDenied bool
	// DenialMessage is the denial's message (also when it was let through).
	DenialMessage string
	// ErrorCode and ErrorMessage are what the gateway answered, when it
	// answered an error itself.
	ErrorCode, ErrorMessage string
	Status                  int // the answer's status (the backend's when forwarded)
	Forwarded               bool
	SourceIP, UserAgent     string
	Time                    time.Time
	Duration                time.Duration

	abort bool // the backend's answer was cut short
}

// Check is one authorization of a call and its decision.
type Check struct {
	Action, Resource, Account string
	Decision                  string // allowed, explicitDeny, implicitDeny
}

// Route tells whether a request is the gateway's, and for which service:
// one signed (header or presigned query) for a service other than iam and
// sts, or an unsigned one that is not an IAM or STS call (no Action), which
// is an anonymous S3 request (or, with an X-Amz-Target, a json service's).
// iamd's own paths are the caller's to exclude.
func Route(r *http.Request) (service string, ok bool) {
	credential := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if strings.HasPrefix(h, "AWS ") {
			return "s3", true // signature version 2: S3's, refused there
		}
		a, err := sigv4.ParseAuthorization(h)
		if err != nil {
			return "", false
		}
		credential = a.Credential
	} else if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		credential = c
	} else {
		if r.URL.Query().Get("Action") != "" || r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			return "", false
		}
		if t := r.Header.Get("X-Amz-Target"); t != "" {
			return targetService(t), true
		}
		return "s3", true
	}
	_, scope, err := sigv4.ParseCredential(credential)
	if err != nil || scope.Service == "" {
		return "", false
	}
	switch scope.Service {
	case "iam", "sts":
		return "", false
	}
	return scope.Service, true
}

// sigV2Query tells a SigV2 presigned URL (AWSAccessKeyId, Signature).
func sigV2Query(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("AWSAccessKeyId") != "" && q.Get("Signature") != ""
}

// targetService guesses the signing name of an unsigned json request from
// its X-Amz-Target prefix (only for the error format of its refusal).
func targetService(target string) string {
	prefix, _, _ := strings.Cut(target, ".")
	switch {
	case strings.HasPrefix(prefix, "DynamoDB"):
		return "dynamodb"
	case prefix == "TrentService":
		return "kms"
	case prefix == "secretsmanager":
		return "secretsmanager"
	case prefix == "AmazonSSM":
		return "ssm"
	case prefix == "AmazonSQS":
		return "sqs"
	case strings.HasPrefix(prefix, "Logs"):
		return "logs"
	case strings.HasPrefix(prefix, "AmazonEC2ContainerRegistry"):
		return "ecr"
	}
	return strings.ToLower(prefix)
}

// forward is what the forwarder needs of an authorized request.
type forward struct {
	backend     *url.URL
	service     string
	region      string
	payloadHash string
	bucket      string // S3 virtual-hosted style: moved into the path
	body        *verifyingReader
	proto       protocol
	requestID   string
	failed      *apiError // set by the error handler
	abort       bool      // the answer was cut short: abort it once recorded
	caller      *iam.Caller
	res         *actions.Result // the mapped call (nil: not mapped), for modifyResponse
}

// ServeHTTP serves one request of a forwarded service.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	service, ok := Route(r)
	if !ok {
		service = "s3"
	}
	ev := &Event{RequestID: newRequestID(), Service: service, SourceIP: sourceIP(r), UserAgent: r.UserAgent(), Time: g.cfg.Now()}
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	g.serve(rw, r, ev)
	ev.Duration = time.Since(start)
	if ev.Status == 0 {
		ev.Status = rw.status
	}
	if g.cfg.Record != nil {
		g.cfg.Record(ev)
	}
	attrs := []slog.Attr{slog.String("request_id", ev.RequestID), slog.String("service", ev.Service), slog.String("operation", ev.Operation),
		slog.Int("status", ev.Status), slog.Duration("duration", ev.Duration), slog.String("decision", ev.Decision)}
	if ev.Caller != nil {
		attrs = append(attrs, slog.String("caller", ev.Caller.ARN))
	}
	if ev.ErrorCode != "" {
		attrs = append(attrs, slog.String("error", ev.ErrorCode))
	}
	level := slog.LevelInfo
	if ev.WouldBeDenied {
		attrs = append(attrs, slog.Bool("would_be_denied", true), slog.String("denial", ev.DenialMessage))
		level = slog.LevelWarn
	}
	g.cfg.Logger.LogAttrs(r.Context(), level, "gateway request", attrs...)
	if ev.abort {
		// The status is sent: abort the answer so that the client sees
		// it cut short rather than complete (as ReverseProxy does), now
		// that the call is recorded.
		panic(http.ErrAbortHandler)
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, ev *Event) {
	service := ev.Service
	p := protocolOf(service, r)
	fail := func(e *apiError) {
		ev.ErrorCode, ev.ErrorMessage, ev.Status = e.Code, e.Message, e.Status
		e.write(w, service, p, ev.RequestID)
	}
	backend := g.backendFor(service)
	if backend == nil {
		fail(&apiError{Status: http.StatusBadRequest, Code: "UnknownService", Message: fmt.Sprintf("iamd has no backend for the service %s (iamd serve --backend %s=URL).", service, service)})
		return
	}
	signed := r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Credential") != ""
	// Signature version 2, in the header or presigned (boto3's default
	// presigned URL): refused as S3 refuses it where only SigV4 is
	// accepted, rather than evaluated as anonymous.
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS ") || strings.Contains(r.URL.RawQuery, "AWSAccessKeyId=") && sigV2Query(r) {
		fail(&apiError{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."})
		return
	}

	// The body: read (bounded) when the mapper needs it, else streamed.
	var body []byte
	if actions.NeedsBody(service, r) {
		limit := g.cfg.MaxBody
		if service == "s3" {
			limit = actions.MaxS3Body
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(&apiError{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Message: fmt.Sprintf("The request body is larger than %d bytes.", limit)})
			} else {
				fail(&apiError{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "The request body could not be read."})
			}
			return
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}

	fw := &forward{backend: backend, service: service, proto: p, requestID: ev.RequestID}
	var caller *iam.Caller
	if signed {
		var res *sigv4.Result
		var err error
		if service == "s3" {
			hash, e := s3PayloadHash(r)
			if e != nil {
				fail(e)
				return
			}
			fw.payloadHash = hash
			caller, res, err = g.cfg.Authn.AuthenticatePayloadHash(r.Context(), r, hash)
			if err == nil {
				if e := g.checkS3Body(r, body, hash, fw); e != nil {
					fail(e)
					return
				}
			}
		} else {
			caller, res, err = g.cfg.Authn.Authenticate(r.Context(), r, body)
			sum := sha256.Sum256(body)
			fw.payloadHash = hex.EncodeToString(sum[:])
		}
		if err != nil {
			fail(g.authError(service, p, err))
			return
		}
		caller.SourceIP, caller.UserAgent, caller.SecureTransport, caller.Time = sourceIP(r), r.UserAgent(), r.TLS != nil, g.cfg.Now()
		caller.Endpoint = "http://" + r.Host
		if r.TLS != nil {
			caller.Endpoint = "https://" + r.Host
		}
		ev.Caller = caller
		fw.region = res.Scope.Region
	} else {
		fw.region = "us-east-1"
		if service == "s3" {
			fw.payloadHash = "UNSIGNED-PAYLOAD"
			if e := g.checkS3Body(r, body, fw.payloadHash, fw); e != nil {
				fail(e)
				return
			}
		} else {
			sum := sha256.Sum256(body)
			fw.payloadHash = hex.EncodeToString(sum[:])
		}
	}
	ev.Region = fw.region
	if service == "s3" {
		fw.bucket = g.mapper.VirtualBucket(r.Host)
	}

	// What AWS authorizes for the call.
	account := ""
	if caller != nil {
		account = caller.Account
	}
	res, err := g.mapper.Map(&actions.Request{Service: service, HTTP: r, Body: body, Region: fw.region, Account: account, Partition: g.cfg.Partition})
	if err != nil {
		msg := err.Error()
		switch {
		case g.cfg.Mode == Observe:
			ev.WouldBeDenied, ev.DenialMessage = true, "iamd cannot tell what this call needs: "+msg
		case errors.Is(err, actions.ErrLookup):
			// The backend could not say what the call acts on: refused, as
			// when a resource's policy or tags cannot be read.
			fail(&apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The resource the call acts on could not be read."})
			return
		default:
			fail(&apiError{Status: http.StatusBadRequest, Code: unmappedCode(service, p), Message: "iamd cannot authorize this request: " + msg})
			return
		}
	} else {
		ev.Operation = res.Operation
		g.resolveOwners(r.Context(), res)
		fw.caller, fw.res = caller, res
		denial, e := g.decide(r.Context(), caller, res, ev)
		if e != nil {
			fail(e)
			return
		}
		if denial != "" {
			ev.DenialMessage = denial
			if g.cfg.Mode != Observe {
				fail(accessDenied(service, p, denial))
				return
			}
			ev.WouldBeDenied = true
		}
	}

	// Allowed (or observed): forward, streaming both ways. A large upload
	// may take longer than the server's read timeout for a request.
	if r.ContentLength > 1<<20 || r.ContentLength < 0 {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(time.Hour))
		_ = rc.SetWriteDeadline(time.Now().Add(time.Hour))
	}
	ev.Forwarded = true
	g.forward(w, r, fw)
	if fw.failed != nil {
		ev.ErrorCode, ev.ErrorMessage, ev.Status = fw.failed.Code, fw.failed.Message, fw.failed.Status
	}
	ev.abort = fw.abort
}

// unmappedCode is the code of a request the mapper does not know.
func unmappedCode(service string, p protocol) string {
	switch p {
	case protoS3:
		return "NotImplemented"
	case protoQuery:
		return "InvalidAction"
	}
	return "UnknownOperationException"
}

// decide evaluates every authorization of the call; it returns the first
// denial's message ("" when all are allowed).
func (g *Gateway) decide(ctx context.Context, caller *iam.Caller, res *actions.Result, ev *Event) (string, *apiError) {
	denial := ""
	ev.Decision = policy.Allowed.String()
	tagger, _ := g.cfg.Resources.(resourceTagger)
	for _, a := range res.Authorizations {
		rp, owner, err := g.cfg.Resources.ResourcePolicy(ctx, ev.Service, a.Resource)
		if err != nil {
			return "", &apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The resource's policy could not be read."}
		}
		keys := a.Context
		if tagger != nil {
			// aws:ResourceTag/K as the backend holds the resource's tags
			// (see restags.go, also for why kms:ViaService and
			// aws:CalledVia are never set).
			tags, err := tagger.resourceTags(ctx, a.Action, a.Resource)
			if err != nil {
				return "", &apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The resource's tags could not be read."}
			}
			keys = withKeys(keys, tags)
			a.Context = keys // anonymous requests read them from there
		}
		if keys == nil {
			keys = map[string][]string{}
		}
		var e *policy.Explanation
		if caller == nil {
			e = anonymousDecision(a, rp, owner)
		} else {
			if owner == "" {
				owner = caller.Account
			}
			e, err = g.cfg.Decider.Decide(ctx, &iam.AuthzRequest{Caller: caller, Action: a.Action, Resource: a.Resource, ResourceAccount: owner, Keys: keys}, rp)
			if err != nil {
				return "", g.authError(ev.Service, protocolOfEvent(ev), err)
			}
		}
		ev.Checks = append(ev.Checks, Check{Action: a.Action, Resource: a.Resource, Account: owner, Decision: e.Decision.String()})
		if e.Decision != policy.Allowed && denial == "" {
			ev.Decision = e.Decision.String()
			if caller == nil {
				denial = fmt.Sprintf("Anonymous users are not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action", a.Action, a.Resource, a.Action)
			} else {
				denial = authz.AccessDenied(caller, a.Action, a.Resource, e).AWS.Message
			}
		}
	}
	return denial, nil
}

// protocolOfEvent is only used for errors of the decider itself, which
// are answered as AWS answers a token that became invalid.
func protocolOfEvent(ev *Event) protocol {
	if ev.Service == "s3" {
		return protoS3
	}
	return protoJSON
}

// anonymousDecision evaluates an unsigned request: only a resource policy
// granting the anonymous principal ("Principal": "*") can allow it.
func anonymousDecision(a actions.Authorization, rp *policy.Set, owner string) *policy.Explanation {
	if rp == nil {
		return &policy.Explanation{Decision: policy.ImplicitDeny}
	}
	preq := &policy.Request{Action: a.Action, Resource: a.Resource, ResourceAccount: owner,
		Principal: policy.Principal{Type: policy.TypeAnonymous}}
	for k, v := range a.Context {
		preq.Context.Set(k, v...)
	}
	return policy.Explain(&policy.Input{Resource: rp}, preq)
}

// authError answers an authentication failure in the service's format;
// an internal failure is ServiceUnavailable, without its cause.
func (g *Gateway) authError(service string, p protocol, err error) *apiError {
	code, status, msg := awsCode(err)
	if code == "" || status >= 500 {
		g.cfg.Logger.Error("gateway: authentication failed", "service", service, "err", err)
		return &apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The service is unavailable. Retry the request."}
	}
	return authFailure(service, p, code, status, msg)
}

// s3PayloadHash is the X-Amz-Content-Sha256 the signature covers: the
// header, or for a presigned URL the query's, else UNSIGNED-PAYLOAD (as S3).
func s3PayloadHash(r *http.Request) (string, *apiError) {
	q := r.URL.Query()
	if q.Get("X-Amz-Credential") != "" && r.Header.Get("Authorization") == "" {
		if v := q.Get("X-Amz-Content-Sha256"); v != "" {
			return v, nil
		}
		return "UNSIGNED-PAYLOAD", nil
	}
	v := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case v == "":
		return "", &apiError{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "Missing required header for this request: x-amz-content-sha256"}
	case v == "UNSIGNED-PAYLOAD", v == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
		return v, nil
	case strings.HasPrefix(v, "STREAMING-"):
		return "", &apiError{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "A header you provided implies functionality that is not implemented: iamd's gateway does not forward signed aws-chunked uploads (" + v + "); sign the whole payload or use UNSIGNED-PAYLOAD."}
	case len(v) == 64 && isHex(v):
		return strings.ToLower(v), nil
	}
	return "", &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value."}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

var errContentSHA256 = &apiError{Status: http.StatusBadRequest, Code: "XAmzContentSHA256Mismatch", Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}

// checkS3Body makes sure the body forwarded is the one signed: a body
// already read is checked now, a streamed one as it streams.
func (g *Gateway) checkS3Body(r *http.Request, body []byte, hash string, fw *forward) *apiError {
	if len(hash) != 64 {
		return nil // unsigned: nothing to check
	}
	want, _ := hex.DecodeString(hash)
	if body != nil || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		sum := sha256.Sum256(body)
		if !bytes.Equal(sum[:], want) {
			return errContentSHA256
		}
		return nil
	}
	if r.ContentLength < 0 {
		return &apiError{Status: http.StatusLengthRequired, Code: "MissingContentLength", Message: "You must provide the Content-Length HTTP header."}
	}
	fw.body = &verifyingReader{src: r.Body, remaining: r.ContentLength, want: want, h: sha256.New()}
	return nil
}

// presignParams are the query parameters of a presigned request, which
// the re-signed request must not carry.
var presignParams = map[string]bool{"x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true, "x-amz-expires": true,
	"x-amz-signedheaders": true, "x-amz-signature": true, "x-amz-security-token": true, "x-amz-content-sha256": true}

// stripPresign drops the presigning parameters and keeps the others as
// they were written (S3's subresources are often value-less: ?uploads).
func stripPresign(raw string) string {
	if !strings.Contains(strings.ToLower(raw), "x-amz-") && !strings.Contains(raw, "%") {
		return raw // the common case: nothing to drop (an escaped name is checked below)
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); err == nil && presignParams[strings.ToLower(uk)] {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

// proxyError answers a failure to reach the backend, or a body that was
// not the one signed, in the service's format.
func (g *Gateway) proxyError(w http.ResponseWriter, fw *forward, err error) {
	e := &apiError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The backend of this service could not be reached."}
	switch {
	case fw.body != nil && fw.body.mismatch:
		e = errContentSHA256
	case fw.body != nil && fw.body.short:
		e = &apiError{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	case errors.Is(err, context.Canceled):
		fw.failed = &apiError{Status: 499, Code: "RequestCanceled", Message: "The client went away."}
		return
	default:
		g.cfg.Logger.Warn("gateway: backend failed", "service", fw.service, "backend", fw.backend.Host, "err", err)
	}
	if e.Code == "ServiceUnavailable" && fw.proto != protoS3 {
		e.Code = "ServiceUnavailableException"
	}
	fw.failed = e
	e.write(w, fw.service, fw.proto, fw.requestID)
}

// verifyingReader streams a body whose SHA-256 was signed, and returns
// its last bytes only once the hash matches: a body that is not the one
// signed fails before the backend has all of it.
type verifyingReader struct {
	src       io.ReadCloser
	remaining int64
	want      []byte
	h         interface {
		io.Writer
		Sum([]byte) []byte
	}
	mismatch, short bool
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.mismatch || v.short {
		return 0, errContentSHA256Err
	}
	if v.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > v.remaining {
		p = p[:v.remaining]
	}
	n, err := v.src.Read(p)
	_, _ = v.h.Write(p[:n]) // a hash.Hash never fails to write
	v.remaining -= int64(n)
	if v.remaining == 0 {
		if !bytes.Equal(v.h.Sum(nil), v.want) {
			v.mismatch = true
			return 0, errContentSHA256Err
		}
		return n, io.EOF
	}
	if err == io.EOF {
		v.short = true
		return 0, io.ErrUnexpectedEOF
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.src.Close() }

var errContentSHA256Err = errors.New("the body does not match its x-amz-content-sha256")

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote && code >= 200 {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// sourceIP is the client's address.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
