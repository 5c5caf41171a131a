// Package server is iamd's HTTP front: the AWS Query protocol for IAM and
// STS on one endpoint, authentication of every request, errors in AWS's XML
// with AWS's statuses, and operations (health, readiness, Prometheus
// metrics, structured logs with request ids, request limits).
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/auth"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/console"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/sts"
)

// Config configures a Server.
type Config struct {
	Logger       *slog.Logger
	MaxBodyBytes int64 // request bodies beyond this are refused (default 1 MiB)
	Metrics      *Metrics
	// Ready reports whether the server can serve (for /readyz).
	Ready func(ctx context.Context) error
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Audit receives the audit log (nil: none).
	Audit *Auditor
	// Decider answers the authorize endpoint (nil: not served).
	Decider *authz.Decider
	// Messages encodes the authorize endpoint's refusals.
	Messages *authz.Messages
	// Gateway serves the requests for other services (nil: none; see
	// gatewayRouter).
	Gateway http.Handler
	// Inventory lists the gateway's resource policies for
	// ResourcePoliciesPath (nil: no gateway, an empty list).
	Inventory ResourceInventory
	// ConsoleSealer seals the console's session cookies (the token key
	// ring, shared by a cluster's nodes; nil: a key of the process's own).
	ConsoleSealer *seal.Sealer
}

// Parts are what a Server serves and what authorizes it; all are
// required. Each API's calls go through its generated Dispatch, whose
// authorizer is a required step of every operation.
type Parts struct {
	IAM      iamapi.Service      // the IAM operations (the domain's and the simulator's)
	Guard    *iam.Guard          // authorizes every IAM call, and the authorize endpoint's iamd:Authorize
	STS      STSService          // the STS operations
	STSAuthz stsapi.Authorizer   // authorizes every STS call
	Domain   *iam.Service        // outbound signing keys, service last accessed data
	Authn    *auth.Authenticator // authenticates every signed request
}

// STSService is the STS API with iamd's own action for the credential
// agents (see sts.ActionAssumeRoleForService).
type STSService interface {
	stsapi.Service
	AssumeRoleForService(ctx context.Context, params url.Values) (query.Output, error)
}

// Server serves the IAM and STS APIs.
type Server struct {
	iam      iamapi.Service
	guard    *iam.Guard
	svc      *iam.Service
	sts      STSService
	stsAuthz stsapi.Authorizer
	auth     *auth.Authenticator
	log      *slog.Logger
	maxBody  int64
	metrics  *Metrics
	ready    func(ctx context.Context) error
	now      func() time.Time
	mux      *http.ServeMux
	handler  http.Handler
	audit    *Auditor
	decider  *authz.Decider
	messages *authz.Messages
	// inventory: the gateway's resource policies (nil: none).
	inventory ResourceInventory
}

// New builds a server of the parts.
func New(p Parts, cfg Config) *Server {
	s := &Server{iam: p.IAM, guard: p.Guard, svc: p.Domain, sts: p.STS, stsAuthz: p.STSAuthz, auth: p.Authn, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, metrics: cfg.Metrics, ready: cfg.Ready, now: cfg.Now, audit: cfg.Audit, decider: cfg.Decider, messages: cfg.Messages, inventory: cfg.Inventory}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.serveReady)
	s.mux.Handle("GET /metrics", s.metrics.Handler())
	s.mux.HandleFunc("POST "+AuthorizePath, s.serveAuthorize)
	s.mux.HandleFunc("GET "+ResourcePoliciesPath, s.serveResourcePolicies)
	s.mux.HandleFunc("GET /outbound/{account}/.well-known/openid-configuration", s.serveOutboundDiscovery)
	s.mux.HandleFunc("GET /outbound/{account}/.well-known/jwks.json", s.serveOutboundKeys)
	s.mux.Handle(console.Prefix+"/", console.New(console.Config{Backend: consoleBackend{s}, Logger: s.log, Now: s.now, Sealer: cfg.ConsoleSealer}))
	s.mux.Handle(console.Prefix, http.RedirectHandler(console.Prefix+"/", http.StatusSeeOther))
	s.mux.HandleFunc("/", s.serveAPI)
	s.handler = s.mux
	if cfg.Gateway != nil {
		s.handler = gatewayRouter(s.mux, cfg.Gateway)
	}
	s.handler = s.analyzerRouter(s.handler) // Access Analyzer is iamd's own, never the gateway's
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			// The reason (a store address, a driver's message) is for the
			// log: /readyz answers anyone.
			s.log.Warn("not ready", "err", err)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	io.WriteString(w, "ready\n")
}

// newRequestID returns a UUID (version 4), the form of AWS's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte // 8-4-4-4-12 hex digits: one allocation, the string
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// call is one API request as it goes through the server.
type call struct {
	id        string
	service   string // iam | sts
	action    string
	namespace string
	caller    *iam.Caller
	params    url.Values
	errText   string  // the error message, when the call failed
	audit     audited // filled in by the authorizer
	state     iam.CallState
	// headerValues back the X-Amzn-Requestid and Content-Length headers
	// (each slice capped at its own value): with the call, not one
	// allocation each.
	headerValues [2]string
}

// context is the context the call's operations see: its caller (nil for
// an unsigned call) and its audit record, in one context value.
func (c *call) context(parent context.Context, caller *iam.Caller) context.Context {
	c.state = iam.CallState{Caller: caller, Events: &c.audit}
	return iam.WithCallState(parent, &c.state)
}

// callerContext is the context of a call that writes no audit record:
// its caller only, in the call's state.
func (c *call) callerContext(parent context.Context, caller *iam.Caller) context.Context {
	c.state = iam.CallState{Caller: caller}
	return iam.WithCallState(parent, &c.state)
}

// unsignedSTS are the STS actions that take no AWS credentials.
var unsignedSTS = map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{id: newRequestID(), service: "iam", namespace: iamapi.Namespace}
	c.headerValues[0] = c.id
	w.Header()["X-Amzn-Requestid"] = c.headerValues[0:1:1] // canonical already: Set would re-canonicalize it
	status, code := s.handle(w, r, c)
	elapsed := time.Since(start)
	s.audit.record(c, &c.audit, code, s.now(), sourceIP(r), r.UserAgent())
	s.metrics.observe(c.service, c.action, code, elapsed)
	level := levelFor(status)
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := [7]slog.Attr{slog.String("request_id", c.id), slog.String("service", c.service), slog.String("action", c.action),
		slog.Int("status", status), slog.Duration("duration", elapsed)}
	n := 5
	if code != "" {
		attrs[n] = slog.String("error", code)
		n++
	}
	if c.caller != nil {
		attrs[n] = slog.String("caller", c.caller.ARN)
		n++
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs[:n]...)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// handle serves one request and returns its status and error code.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, c *call) (int, string) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return s.fail(w, c, awserr.Newf("InvalidHttpRequest", http.StatusMethodNotAllowed, "The %s method is not supported.", r.Method))
	}
	rb, err := readBody(w, r, s.maxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s.fail(w, c, awserr.Newf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", s.maxBody))
		}
		return s.fail(w, c, awserr.New("IncompleteBody", http.StatusBadRequest, "The request body could not be read."))
	}
	defer rb.release()
	body := rb.b
	params, err := requestParams(r, body)
	if err != nil {
		return s.fail(w, c, awserr.MalformedQueryString(err.Error()))
	}
	c.params = params
	c.action = params.Get("Action")
	if c.action == "" {
		return s.fail(w, c, awserr.New(awserr.CodeMissingAction, http.StatusBadRequest, "Missing Action"))
	}
	c.service = serviceOf(r, c.action)
	if c.service == "sts" {
		c.namespace = stsapi.Namespace
	}
	var ctx context.Context
	if !(c.service == "sts" && unsignedSTS[c.action]) {
		// Signed for the service called, in the server's partition.
		caller, _, err := s.auth.AuthenticateService(r.Context(), r, body, c.service)
		if err != nil {
			return s.fail(w, c, err)
		}
		caller.SourceIP = sourceIP(r)
		caller.UserAgent = r.UserAgent()
		caller.SecureTransport = r.TLS != nil
		caller.Time = s.now()
		caller.Endpoint = endpointOf(r)
		c.caller = caller
		ctx = c.context(r.Context(), caller)
	} else {
		ctx = sts.WithRequestInfo(c.context(r.Context(), nil), sts.RequestInfo{SourceIP: sourceIP(r), UserAgent: r.UserAgent(), SecureTransport: r.TLS != nil})
	}
	var out query.Output
	switch c.service {
	case "sts":
		if s.sts == nil {
			return s.fail(w, c, awserr.NotImplemented("iamd does not implement STS yet."))
		}
		if c.action == sts.ActionAssumeRoleForService {
			out, err = s.sts.AssumeRoleForService(ctx, params)
			break
		}
		out, err = stsapi.Dispatch(ctx, s.sts, s.stsAuthz, c.action, params)
	default:
		out, err = iamapi.Dispatch(ctx, s.iam, s.guard, c.action, params)
	}
	if err != nil {
		return s.fail(w, c, err)
	}
	c.writeXML(w, http.StatusOK, func(qw *query.Writer) { query.WriteResponse(qw, c.action, c.namespace, c.id, out) })
	return http.StatusOK, ""
}

// endpointOf is the scheme and host a request was sent to. Clients send
// the same Host again and again: the last answer is kept, so the usual
// request builds no string.
func endpointOf(r *http.Request) string {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	if e := lastEndpoint.Load(); e != nil && e.host == r.Host && e.tls == (r.TLS != nil) {
		return e.endpoint
	}
	e := &endpoint{host: r.Host, tls: r.TLS != nil, endpoint: scheme + r.Host}
	lastEndpoint.Store(e)
	return e.endpoint
}

type endpoint struct {
	host     string
	tls      bool
	endpoint string
}

var lastEndpoint atomic.Pointer[endpoint]

// sourceIP is the client's address (aws:SourceIp).
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestParams merges the query string with a form body.
func requestParams(r *http.Request, body []byte) (url.Values, error) {
	if r.URL.RawQuery == "" {
		// The usual POST: the body is all (an empty one gives an empty map).
		return query.ParseParams(string(body))
	}
	params, err := query.ParseParams(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		form, err := query.ParseParams(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

// serviceOf decides whether a request is for IAM or STS: by the service of
// its signature, else by the action's name.
func serviceOf(r *http.Request, action string) string {
	scope := r.Header.Get("Authorization")
	if scope == "" {
		scope = r.URL.Query().Get("X-Amz-Credential")
	}
	switch {
	case strings.Contains(scope, "/sts/aws4_request"):
		return "sts"
	case strings.Contains(scope, "/iam/aws4_request"):
		return "iam"
	}
	for _, op := range stsapi.Operations {
		if op == action {
			return "sts"
		}
	}
	return "iam"
}

// fail writes an AWS error response (see awsError).
func (s *Server) fail(w http.ResponseWriter, c *call, err error) (int, string) {
	e := s.awsError(c, err)
	c.errText = e.Message
	c.writeXML(w, e.Status, func(qw *query.Writer) { query.WriteError(qw, c.namespace, c.id, e) })
	return e.Status, e.Code
}

// awsError is the AWS error to answer for err. Internal failures (errors
// that are not AWS errors, and AWS errors of status 500) are logged with
// the request id and their cause, and answered with AWS's ServiceFailure
// message only: nothing of the server's insides reaches the client.
func (s *Server) awsError(c *call, err error) *awserr.Error {
	e, ok := awserr.As(err)
	if !ok {
		e = awserr.Internal(err)
	}
	if pub := awserr.Public(e); pub != e {
		s.log.Error("internal error", "request_id", c.id, "service", c.service, "action", c.action, "code", e.Code, "message", e.Message, "err", err)
		return pub
	}
	return e
}

// writeXML sends a complete XML body with its length, as AWS does (some
// clients mishandle large chunked responses). The body is built in a pooled
// buffer: a page of a list is hundreds of KiB.
func (c *call) writeXML(w http.ResponseWriter, status int, write func(*query.Writer)) {
	qw := bodyPool.Get().(*query.Writer)
	qw.Reset()
	write(qw)
	body := qw.Bytes()
	defer func() {
		if cap(body) <= 1<<20 { // let rare huge bodies go
			bodyPool.Put(qw)
		}
	}()
	h := w.Header()
	h["Content-Type"] = xmlContentType
	c.headerValues[1] = strconv.Itoa(len(body))
	h["Content-Length"] = c.headerValues[1:2:2]
	w.WriteHeader(status)
	w.Write(body)
}

// xmlContentType is shared by every response (net/http only reads it).
var xmlContentType = []string{query.ContentType}

var bodyPool = sync.Pool{New: func() any { return query.NewWriter(make([]byte, 0, 4<<10)) }}

// slogAttrs turns key-value pairs into attributes, for the request lines
// of the handlers outside the IAM/STS path (Access Analyzer, the console).
func slogAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}
