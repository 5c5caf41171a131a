package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/auth/sigv4"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/jsonlimit"
	"github.com/iamd/iamd/policy"
)

// AuthorizePath is the authorize endpoint: services that delegate access
// control to iamd ask it whether a principal may do an action on one of
// their resources. The call is SigV4-signed like any other, and its caller
// needs iamd:Authorize on the principal asked about.
const AuthorizePath = "/iamd/authorize"

// AuthorizeInput is the endpoint's JSON request. Exactly one of Principal
// and Request names who asks.
type AuthorizeInput struct {
	// Principal is the ARN of a user, role, role session or root user of
	// the caller's account.
	Principal string `json:"principal,omitempty"`
	// Request is the client's own signed request as the service received
	// it: iamd verifies its signature and resolves its principal.
	Request *SignedRequest `json:"request,omitempty"`

	Action          string              `json:"action"`
	Resource        string              `json:"resource"`
	ResourcePolicy  string              `json:"resourcePolicy,omitempty"`
	ResourceAccount string              `json:"resourceAccount,omitempty"`
	Context         map[string][]string `json:"context,omitempty"`
}

// SignedRequest is an HTTP request signed with SigV4.
type SignedRequest struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body,omitempty"`
}

// AuthorizeOutput is the endpoint's JSON answer.
type AuthorizeOutput struct {
	// Authenticated is false when the signed request did not verify; Error
	// then says why, as AWS would have answered the client.
	Authenticated        bool             `json:"authenticated"`
	Error                *AuthorizeError  `json:"error,omitempty"`
	Principal            string           `json:"principal,omitempty"`
	PrincipalAccount     string           `json:"principalAccount,omitempty"`
	Decision             string           `json:"decision,omitempty"` // allowed | explicitDeny | implicitDeny
	MatchedStatements    []AuthorizeMatch `json:"matchedStatements,omitempty"`
	MissingContextValues []string         `json:"missingContextValues,omitempty"`
	Message              string           `json:"message,omitempty"` // AWS's AccessDenied message when denied
	// EncodedMessage is the refusal's details, sealed: the principal's
	// account decodes it with sts:DecodeAuthorizationMessage.
	EncodedMessage string            `json:"encodedMessage,omitempty"`
	Details        map[string]string `json:"details,omitempty"`
}

// AuthorizeMatch is a statement that decided.
type AuthorizeMatch struct {
	SourcePolicyID   string          `json:"sourcePolicyId"`
	SourcePolicyType string          `json:"sourcePolicyType,omitempty"`
	Role             string          `json:"role"` // identity, boundary, session, scp, rcp, resource
	StatementIndex   int             `json:"statementIndex"`
	Sid              string          `json:"sid,omitempty"`
	Effect           string          `json:"effect"`
	StartPosition    policy.Position `json:"startPosition"`
}

// AuthorizeError is an AWS error code and message.
type AuthorizeError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// authorizeBodyLimits bound the endpoint's JSON before it is decoded (the
// size is the server's body limit). An authorize request nests three
// levels (the body, request, its headers' values).
var authorizeBodyLimits = jsonlimit.Limits{MaxDepth: 8}

// maxClientRequestAge is how old a client's signed request may be: AWS's
// 15 minutes, also for presigned requests whose X-Amz-Expires is longer
// (as STS does for presigned GetCallerIdentity proofs). A stale request is
// a replay, whatever its signature says.
const maxClientRequestAge = 15 * time.Minute

// principalKeys are the condition keys that describe the principal or its
// session (AWS's global condition keys of those kinds, and what iamd puts
// in a session). iamd alone sets them: a caller of the endpoint that could
// set aws:MultiFactorAuthPresent or aws:PrincipalTag/Team would decide
// what any Condition on them says. aws:CurrentTime and aws:EpochTime are
// iamd's clock for the same reason. The caller may report what it knows
// about the request and the resource (aws:SourceIp, aws:SecureTransport,
// aws:UserAgent, aws:RequestedRegion, aws:RequestTag/*, aws:TagKeys,
// aws:ResourceTag/*, aws:SourceArn, aws:SourceAccount, service keys).
var principalKeys = map[string]bool{}

func init() {
	for _, k := range []string{
		"aws:username", "aws:userid", "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType",
		"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName",
		"aws:PrincipalServiceNamesList", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime",
		"aws:SourceIdentity", "aws:FederatedProvider", "aws:ViaAWSService", "aws:CalledVia", "aws:CalledViaFirst",
		"aws:CalledViaLast", "aws:AssumedRoot", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4",
		"aws:CurrentTime", "aws:EpochTime", "ec2:SourceInstanceARN", "ec2:RoleDelivery",
		// Given as resourceAccount, so that there is one answer.
		"aws:ResourceAccount",
	} {
		principalKeys[strings.ToLower(k)] = true
	}
}

// principalKey reports whether a context key is one iamd alone sets.
// Condition keys are case-insensitive.
func principalKey(k string, session *iam.Session) bool {
	l := strings.ToLower(k)
	if principalKeys[l] || strings.HasPrefix(l, "aws:principaltag/") || strings.HasPrefix(l, "saml:") {
		return true
	}
	// An OIDC provider's claims (accounts.google.com:sub,
	// token.actions.githubusercontent.com:sub, …) are named by the
	// provider's host: no AWS service prefix has a dot or a slash.
	if ns, _, ok := strings.Cut(l, ":"); ok && strings.ContainsAny(ns, "./") {
		return true
	}
	if session != nil {
		for sk := range session.WebIdentity {
			if strings.EqualFold(sk, k) {
				return true
			}
		}
	}
	return false
}

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{id: newRequestID(), service: "iamd", action: "Authorize"}
	w.Header().Set("x-amzn-RequestId", c.id)
	out, err := s.authorize(r, c)
	code := ""
	if err != nil {
		e := s.awsError(c, err)
		code = e.Code
		writeJSON(w, e.Status, map[string]any{"error": AuthorizeError{Code: e.Code, Message: e.Message}, "requestId": c.id})
	} else {
		writeJSON(w, http.StatusOK, out)
	}
	s.metrics.observe(c.service, c.action, code, time.Since(start))
	if !s.log.Enabled(r.Context(), slog.LevelInfo) {
		return // building the attributes allocates, even for a record the logger drops
	}
	attrs := []any{"request_id", c.id, "action", c.action, "error", code}
	if c.caller != nil {
		attrs = append(attrs, "caller", c.caller.ARN)
	}
	if out != nil {
		attrs = append(attrs, "principal", out.Principal, "decision", out.Decision)
	}
	s.log.Info("authorize", attrs...)
}

func (s *Server) authorize(r *http.Request, c *call) (*AuthorizeOutput, error) {
	if s.decider == nil {
		return nil, awserr.New(awserr.CodeNotImplemented, http.StatusBadRequest, "This server has no decision point.")
	}
	rb, err := readBody(nil, r, s.maxBody)
	if err != nil {
		return nil, awserr.Newf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", s.maxBody)
	}
	defer rb.release() // the input decoded from it is copies
	body := rb.b
	ctx := r.Context()
	caller, _, err := s.auth.AuthenticateService(ctx, r, body, "iam") // the endpoint is signed for iam
	if err != nil {
		return nil, err
	}
	caller.SourceIP, caller.UserAgent, caller.SecureTransport, caller.Time = sourceIP(r), r.UserAgent(), r.TLS != nil, s.now()
	c.caller = caller
	ctx = c.callerContext(ctx, caller)

	if err := jsonlimit.Check(body, authorizeBodyLimits); err != nil {
		return nil, awserr.ValidationError(fmt.Sprintf("The request body is not an authorize request: %v.", err))
	}
	in, err := decodeAuthorizeInput(body)
	if err != nil {
		return nil, err
	}
	if (in.Principal == "") == (in.Request == nil) {
		return nil, awserr.ValidationError("Give exactly one of principal and request.")
	}
	var subject *iam.Caller
	if in.Principal != "" {
		// Only a principal of the caller's partition, named as IAM names
		// it (no region): another spelling would be authorized as typed.
		a, perr := arn.Parse(in.Principal)
		if perr == nil && (a.Partition != caller.Partition || a.Region != "") {
			return nil, awserr.Newf("NoSuchEntity", http.StatusNotFound, "The principal %s does not exist.", in.Principal)
		}
		// Another account's principal is refused before it is looked up:
		// NoSuchEntity for some and AccessDenied for others would tell
		// which of another account's users and roles exist.
		if perr == nil && a.AccountID != caller.Account {
			return nil, otherAccountPrincipal(caller, in.Principal)
		}
		if subject, err = s.decider.CallerFor(ctx, in.Principal); err != nil {
			return nil, err
		}
	} else {
		req, reqBody, err := in.Request.httpRequest()
		if err != nil {
			return nil, err
		}
		if e := clientRequestScope(req, in.Action, caller.Partition); e != nil {
			return &AuthorizeOutput{Error: &AuthorizeError{Code: e.Code, Message: e.Message}}, nil // the client request's refusal is the answer, not an error
		}
		var res *sigv4.Result
		subject, res, err = s.auth.Authenticate(ctx, req, reqBody)
		if err != nil {
			// The client's own error is the answer; an internal failure
			// behind it is the endpoint's (logged, ServiceFailure).
			e, ok := awserr.As(err)
			if !ok || awserr.Public(e) != e || e.Status >= 500 {
				return nil, err
			}
			return &AuthorizeOutput{Error: &AuthorizeError{Code: e.Code, Message: e.Message}}, nil
		}
		// A client request is an identity proof for this one decision: at
		// most 15 minutes old, and within its own X-Amz-Expires when it set
		// one (stricter than AWS's non-S3 services, which ignore it).
		if age := s.now().Sub(res.Time); res.Presigned && (age > maxClientRequestAge || res.Expires > 0 && age > res.Expires) {
			e := awserr.New("RequestExpired", http.StatusBadRequest, "Request has expired.")
			return &AuthorizeOutput{Error: &AuthorizeError{Code: e.Code, Message: e.Message}}, nil
		}
		subject.UserAgent = req.UserAgent()
		subject.SecureTransport = req.URL.Scheme == "https"
	}
	if subject.Partition != caller.Partition {
		return nil, awserr.Newf("NoSuchEntity", http.StatusNotFound, "The principal %s does not exist.", subject.ARN)
	}
	for k := range in.Context {
		if principalKey(k, subject.Session) {
			return nil, awserr.InvalidParameterValue(fmt.Sprintf("The context key %s describes the principal or its session: iamd sets it, the caller may not.", k))
		}
	}
	subject.Time = s.now()
	if src := in.Context["aws:SourceIp"]; len(src) == 1 {
		subject.SourceIP = src[0]
	}
	// A caller asks only about its own account's principals, and needs
	// the permission to.
	if subject.Account != caller.Account {
		return nil, otherAccountPrincipal(caller, subject.ARN)
	}
	if err := s.guard.Check(ctx, "iamd:Authorize", authorizeResource(subject), nil); err != nil {
		return nil, err
	}
	e, err := s.decider.DecideDelegated(ctx, &authz.Delegated{Caller: subject, Action: in.Action, Resource: in.Resource,
		ResourceAccount: in.ResourceAccount, ResourcePolicy: in.ResourcePolicy, Context: in.Context})
	if err != nil {
		return nil, err
	}
	s.svc.NoteServiceAccess(subject, in.Action)
	out := &AuthorizeOutput{Authenticated: true, Principal: subject.ARN, PrincipalAccount: subject.Account, Decision: e.Decision.String(),
		MissingContextValues: e.MissingContextKeys}
	for _, m := range e.Matched {
		out.MatchedStatements = append(out.MatchedStatements, AuthorizeMatch{SourcePolicyID: m.Source.ID, SourcePolicyType: m.Source.Type,
			Role: m.Role.String(), StatementIndex: m.Index, Sid: m.Sid, Effect: m.Effect, StartPosition: m.Start})
	}
	if e.Decision != policy.Allowed {
		out.Message = authz.AccessDenied(subject, in.Action, in.Resource, e).AWS.Message
		if s.messages != nil {
			out.EncodedMessage = s.messages.Encode(subject, in.Action, in.Resource, e, in.Context)
		}
	}
	return out, nil
}

// otherAccountPrincipal refuses a question about another account's
// principal.
func otherAccountPrincipal(caller *iam.Caller, principal string) error {
	return awserr.Newf("AccessDenied", http.StatusForbidden, "User: %s is not authorized to perform: iamd:Authorize on resource: %s because it is in another account", caller.ARN, principal)
}

// httpRequest rebuilds the client's request for verification.
func (sr *SignedRequest) httpRequest() (*http.Request, []byte, error) {
	u, err := url.Parse(sr.URL)
	if err != nil || u.Host == "" {
		return nil, nil, awserr.ValidationError("request.url must be an absolute URL.")
	}
	method := strings.ToUpper(sr.Method)
	if method == "" {
		method = http.MethodGet
	}
	body := []byte(sr.Body)
	req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, awserr.ValidationError(fmt.Sprintf("request: %v", err))
	}
	for k, vs := range sr.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	// request.url is the caller's statement of where it received the
	// request (its own address, as configured: not the Host the client
	// sent). The client signs the Host it addressed, so a Host header
	// that names another host is a request meant for someone else.
	if h := req.Header.Get("Host"); h != "" && !strings.EqualFold(h, u.Host) {
		return nil, nil, awserr.InvalidParameterValue(fmt.Sprintf("request: the request is addressed to %s, not to %s (request.url).", h, u.Host))
	}
	req.Host = u.Host
	req.Header.Del("Host")
	return req, body, nil
}

// clientRequestScope checks, before its signature, that a client's
// request is addressed to the service that asks: its credential scope
// names the action's service ("s3" for s3:GetObject) and a region of the
// server's partition. Its Host is checked by httpRequest. The errors are
// those AWS answers for a scope of the wrong service or region. A request
// whose credential cannot be read is left to the verifier's errors.
func clientRequestScope(req *http.Request, action, partition string) *awserr.Error {
	credential := req.URL.Query().Get("X-Amz-Credential")
	if h := req.Header.Get("Authorization"); h != "" {
		a, err := sigv4.ParseAuthorization(h)
		if err != nil {
			return nil //nolint:nilerr // an unreadable credential is the verifier's to refuse
		}
		credential = a.Credential
	}
	_, scope, err := sigv4.ParseCredential(credential)
	if err != nil {
		return nil //nolint:nilerr // an unreadable credential is the verifier's to refuse
	}
	service, _, _ := strings.Cut(action, ":")
	if !strings.EqualFold(scope.Service, service) {
		return awserr.Newf(sigv4.CodeSignatureDoesNotMatch, http.StatusForbidden, "Credential should be scoped to correct service: '%s'. ", strings.ToLower(service))
	}
	if arn.PartitionForRegion(scope.Region) != partition {
		return awserr.Newf(sigv4.CodeSignatureDoesNotMatch, http.StatusForbidden, "Credential should be scoped to a valid region, not '%s'. ", scope.Region)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// authorizeResource is what iamd:Authorize is checked on: the principal
// asked about, and for a role session its role (the entity a policy
// names: a Deny on role/R must hold for every session of R, whatever the
// session's name).
func authorizeResource(subject *iam.Caller) string {
	if ss := subject.Session; ss != nil && ss.RoleName != "" {
		path := ss.RolePath
		if path == "" {
			path = "/"
		}
		return arn.ARN{Partition: subject.Partition, Service: "iam", AccountID: subject.Account, Resource: "role" + path + ss.RoleName}.String()
	}
	return subject.ARN
}
