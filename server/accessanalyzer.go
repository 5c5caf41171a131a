package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/auth/sigv4"
	"github.com/iamd/iamd/policy/validate"
)

// IAM Access Analyzer's policy operations, REST-JSON as botocore's
// accessanalyzer/2019-11-01 model defines them, served by iamd itself on
// its one endpoint: requests signed for access-analyzer never reach the
// gateway.
const analyzerSigningName = "access-analyzer"

// analyzerOp is one operation: its HTTP route, the IAM action that
// authorizes it (on "*": the operations take no resource) and its
// handler, which gets the JSON body and the query string. A nil handler
// answers that iamd does not implement the operation yet.
type analyzerOp struct {
	name   string
	path   string
	handle func(ctx context.Context, body []byte, query url.Values) (any, error)
}

// analyzerOps are the operations served. To add one: a row here, with its
// handler (the custom checks' are in accessanalyzer_checks.go).
var analyzerOps = []analyzerOp{
	{name: "ValidatePolicy", path: "/policy/validation", handle: validatePolicy},
	{name: "CheckNoNewAccess", path: "/policy/check-no-new-access", handle: checkNoNewAccess},
	{name: "CheckAccessNotGranted", path: "/policy/check-access-not-granted", handle: checkAccessNotGranted},
	{name: "CheckNoPublicAccess", path: "/policy/check-no-public-access", handle: checkNoPublicAccess},
}

// isAnalyzerRequest reports whether a request is Access Analyzer's: signed
// for access-analyzer, or an unsigned POST to one of its operations.
func isAnalyzerRequest(r *http.Request) bool {
	var credential string
	if h := r.Header.Get("Authorization"); h != "" {
		a, err := sigv4.ParseAuthorization(h)
		if err != nil {
			return false
		}
		credential = a.Credential
	} else if r.URL.RawQuery != "" { // a map per request otherwise
		credential = r.URL.Query().Get("X-Amz-Credential")
	}
	if credential == "" {
		// Unsigned: only a POST to one of its operations (an anonymous
		// request for an S3 object under a bucket named "policy" stays the
		// gateway's).
		if r.Method != http.MethodPost {
			return false
		}
		for _, op := range analyzerOps {
			if r.URL.Path == op.path {
				return true
			}
		}
		return false
	}
	_, scope, err := sigv4.ParseCredential(credential)
	return err == nil && scope.Service == analyzerSigningName
}

// analyzerRouter serves Access Analyzer's requests and passes on the rest.
func (s *Server) analyzerRouter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAnalyzerRequest(r) {
			s.serveAnalyzer(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveAnalyzer(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{id: newRequestID(), service: analyzerSigningName}
	w.Header().Set("x-amzn-RequestId", c.id)
	out, err := s.analyzerCall(r, c)
	code := ""
	status := http.StatusOK
	if err != nil {
		e := s.awsError(c, err)
		c.errText = e.Message
		code, status = e.Code, e.Status
		writeAnalyzerError(w, e)
	} else {
		writeAnalyzerJSON(w, http.StatusOK, out)
	}
	elapsed := time.Since(start)
	s.audit.record(c, &c.audit, code, s.now(), sourceIP(r), r.UserAgent())
	s.metrics.observe(c.service, c.action, code, elapsed)
	attrs := []any{"request_id", c.id, "service", c.service, "action", c.action, "status", status, "duration", elapsed}
	if code != "" {
		attrs = append(attrs, "error", code)
	}
	if c.caller != nil {
		attrs = append(attrs, "caller", c.caller.ARN)
	}
	s.log.LogAttrs(r.Context(), levelFor(status), "request", slogAttrs(attrs)...)
}

func (s *Server) analyzerCall(r *http.Request, c *call) (any, error) {
	var op *analyzerOp
	for i := range analyzerOps {
		if analyzerOps[i].path == r.URL.Path {
			op = &analyzerOps[i]
		}
	}
	if op == nil || r.Method != http.MethodPost {
		return nil, analyzerValidation("unknownOperation", "No operation matches "+r.Method+" "+r.URL.Path+".", nil)
	}
	c.action = op.name
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, awserr.Newf("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", s.maxBody)
		}
		return nil, analyzerValidation("cannotParse", "The request body could not be read.", nil)
	}
	caller, _, err := s.auth.AuthenticateService(r.Context(), r, body, analyzerSigningName)
	if err != nil {
		return nil, err
	}
	caller.SourceIP, caller.UserAgent, caller.SecureTransport, caller.Time, caller.Endpoint = sourceIP(r), r.UserAgent(), r.TLS != nil, s.now(), endpointOf(r)
	c.caller = caller
	ctx := c.context(r.Context(), caller)
	if err := s.guard.Check(ctx, "access-analyzer:"+op.name, "*", nil); err != nil {
		return nil, err
	}
	if op.handle == nil {
		return nil, awserr.NotImplemented("iamd does not implement " + op.name + " yet.")
	}
	return op.handle(ctx, body, r.URL.Query())
}

// analyzerError is a REST-JSON error body: the message, and for a
// ValidationException its reason and the fields at fault.
type analyzerError struct {
	Message   string               `json:"message"`
	Reason    string               `json:"reason,omitempty"`
	FieldList []analyzerErrorField `json:"fieldList,omitempty"`
}

type analyzerErrorField struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// analyzerDetail is what a ValidationException says beyond its message:
// its reason and the fields at fault. It rides as the error's cause.
type analyzerDetail struct {
	reason string
	fields []analyzerErrorField
}

func (d *analyzerDetail) Error() string { return "validation: " + d.reason }

func analyzerValidation(reason, msg string, fields []analyzerErrorField) error {
	return awserr.New("ValidationException", http.StatusBadRequest, msg).WithCause(&analyzerDetail{reason: reason, fields: fields})
}

// analyzerCodes are the REST-JSON names of the errors iamd's other layers
// return in the Query protocol's words.
var analyzerCodes = map[string]string{
	"AccessDenied":               "AccessDeniedException",
	"SignatureDoesNotMatch":      "InvalidSignatureException",
	"InvalidClientTokenId":       "UnrecognizedClientException",
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"ServiceFailure":             "InternalServerException",
	"ServiceUnavailable":         "InternalServerException",
	"Throttling":                 "ThrottlingException",
}

func writeAnalyzerError(w http.ResponseWriter, e *awserr.Error) {
	code := e.Code
	if c, ok := analyzerCodes[code]; ok {
		code = c
	}
	body := analyzerError{Message: e.Message}
	var d *analyzerDetail
	if errors.As(e, &d) {
		body.Reason, body.FieldList = d.reason, d.fields
	} else if code == "ValidationException" {
		body.Reason = "notSupported"
	}
	w.Header().Set("x-amzn-ErrorType", code)
	writeAnalyzerJSON(w, e.Status, body)
}

func writeAnalyzerJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"message":"The response could not be encoded."}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// validatePolicyInput is ValidatePolicyRequest's body.
type validatePolicyInput struct {
	Locale                     *string `json:"locale"`
	PolicyDocument             *string `json:"policyDocument"`
	PolicyType                 *string `json:"policyType"`
	ValidatePolicyResourceType *string `json:"validatePolicyResourceType"`
}

type validatePolicyOutput struct {
	Findings  []validate.Finding `json:"findings"`
	NextToken *string            `json:"nextToken,omitempty"`
}

var analyzerLocales = []string{"DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW"}

// defaultMaxFindings is a page's size when maxResults is not given.
const defaultMaxFindings = 100

func enumMessage(value string, allowed []string) string {
	return fmt.Sprintf("Value '%s' is not a valid enum value. Valid values: [%s]", value, strings.Join(allowed, ", "))
}

func validatePolicy(_ context.Context, body []byte, query url.Values) (any, error) {
	var in validatePolicyInput
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, analyzerValidation("cannotParse", "The request body is not valid JSON for ValidatePolicy: "+err.Error(), nil)
		}
	}
	var fields []analyzerErrorField
	if in.PolicyDocument == nil {
		fields = append(fields, analyzerErrorField{Name: "policyDocument", Message: "Value is required."})
	}
	types := make([]string, len(validate.PolicyTypes))
	for i, t := range validate.PolicyTypes {
		types[i] = string(t)
	}
	switch {
	case in.PolicyType == nil:
		fields = append(fields, analyzerErrorField{Name: "policyType", Message: "Value is required."})
	case !slices.Contains(types, *in.PolicyType):
		fields = append(fields, analyzerErrorField{Name: "policyType", Message: enumMessage(*in.PolicyType, types)})
	}
	if in.Locale != nil && !slices.Contains(analyzerLocales, *in.Locale) {
		fields = append(fields, analyzerErrorField{Name: "locale", Message: enumMessage(*in.Locale, analyzerLocales)})
	}
	rt := ""
	if in.ValidatePolicyResourceType != nil {
		rt = *in.ValidatePolicyResourceType
		if !slices.Contains(validate.ResourceTypes, rt) {
			fields = append(fields, analyzerErrorField{Name: "validatePolicyResourceType", Message: enumMessage(rt, validate.ResourceTypes)})
		}
	}
	max := defaultMaxFindings
	if v := query.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fields = append(fields, analyzerErrorField{Name: "maxResults", Message: "Value must be a positive integer."})
		}
		max = n
	}
	if len(fields) > 0 {
		return nil, analyzerValidation("fieldValidationFailed", "Invalid request: "+fields[0].Name+": "+fields[0].Message, fields)
	}
	if rt != "" && *in.PolicyType != string(validate.ResourcePolicy) {
		return nil, analyzerValidation("fieldValidationFailed", "validatePolicyResourceType is only valid with policyType RESOURCE_POLICY.",
			[]analyzerErrorField{{Name: "validatePolicyResourceType", Message: "Specify a validatePolicyResourceType only with policyType RESOURCE_POLICY."}})
	}
	doc := []byte(*in.PolicyDocument)
	// The token is bound to the request: a token of another document or
	// type is refused, not read as an offset into different findings.
	bind := sha256.Sum256(append(append(append([]byte{}, doc...), 0), *in.PolicyType+"\x00"+rt...))
	offset := 0
	if tok := query.Get("nextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 12 || !bytes.Equal(raw[4:], bind[:8]) {
			return nil, analyzerValidation("fieldValidationFailed", "The nextToken is not valid for this request.", []analyzerErrorField{{Name: "nextToken", Message: "Invalid pagination token."}})
		}
		offset = int(binary.BigEndian.Uint32(raw[:4]))
	}
	all := validate.Policy(doc, validate.Options{Type: validate.PolicyType(*in.PolicyType), ResourceType: rt})
	out := &validatePolicyOutput{Findings: []validate.Finding{}}
	if offset > len(all) {
		offset = len(all)
	}
	end := min(offset+max, len(all))
	out.Findings = append(out.Findings, all[offset:end]...)
	if end < len(all) {
		raw := make([]byte, 12)
		binary.BigEndian.PutUint32(raw, uint32(end))
		copy(raw[4:], bind[:8])
		tok := base64.RawURLEncoding.EncodeToString(raw)
		out.NextToken = &tok
	}
	return out, nil
}
