package gateway

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// protocol is how a service encodes its errors.
type protocol int

const (
	protoS3       protocol = iota // <Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>
	protoJSON                     // {"__type": "…", "message": "…"}
	protoQuery                    // <ErrorResponse><Error><Type>Sender</Type><Code>…</Code>…
	protoRESTJSON                 // {"message": …} with X-Amzn-ErrorType
)

// restJSON are the signing names of the services of the title that speak
// rest-json (the others are json or query, told apart by the request).
var restJSON = map[string]bool{"lambda": true, "execute-api": true, "apigateway": true}

// queryNamespace is the XML namespace of a query service's errors.
var queryNamespace = map[string]string{
	"sns": "http://sns.amazonaws.com/doc/2010-03-31/",
	"sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
}

// protocolOf tells the error format a request expects: S3's own, json for
// an X-Amz-Target (SQS's JSON protocol too), query for a form or Action
// (SNS, SQS's query protocol), rest-json otherwise.
func protocolOf(service string, r *http.Request) protocol {
	switch {
	case service == "s3":
		return protoS3
	case r.Header.Get("X-Amz-Target") != "":
		return protoJSON
	case restJSON[service]:
		return protoRESTJSON
	case r.URL.Query().Get("Action") != "" || strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		return protoQuery
	case service == "sns" || service == "sqs":
		return protoQuery
	}
	return protoRESTJSON
}

// apiError is an error answered in the service's format.
type apiError struct {
	Status  int
	Code    string
	Message string
	// QueryCode is the query protocol's code a JSON service that was a
	// query service (SQS) also sends, in X-Amzn-Query-Error.
	QueryCode string
}

// accessDenied is the refusal of an authorization, as each service
// answers it: S3 AccessDenied 403; the json services (DynamoDB, KMS,
// Secrets Manager, SSM, ECR, Logs) AccessDeniedException 400; SQS
// AccessDenied 403 (its JSON protocol: AccessDeniedException with the
// query code AccessDenied); SNS AuthorizationError 403; Lambda
// AccessDeniedException 403.
func accessDenied(service string, p protocol, message string) *apiError {
	switch {
	case p == protoS3:
		return &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: message}
	case service == "sns":
		return &apiError{Status: http.StatusForbidden, Code: "AuthorizationError", Message: message}
	case service == "sqs" && p == protoQuery:
		return &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: message}
	case service == "sqs":
		return &apiError{Status: http.StatusForbidden, Code: "AccessDeniedException", Message: message, QueryCode: "AccessDenied;Sender"}
	case p == protoQuery:
		return &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: message}
	case p == protoRESTJSON:
		return &apiError{Status: http.StatusForbidden, Code: "AccessDeniedException", Message: message}
	}
	return &apiError{Status: http.StatusBadRequest, Code: "AccessDeniedException", Message: message}
}

// authFailure translates an authentication error (its IAM/STS code) into
// the service's: S3 says InvalidAccessKeyId where the query services say
// InvalidClientTokenId, and the json and rest-json services name theirs
// ...Exception (UnrecognizedClientException, InvalidSignatureException,
// ExpiredTokenException), 400 for json, 403 for rest-json.
func authFailure(service string, p protocol, code string, status int, message string) *apiError {
	switch p {
	case protoS3:
		switch code {
		case "InvalidClientTokenId":
			return &apiError{Status: http.StatusForbidden, Code: "InvalidAccessKeyId", Message: "The AWS Access Key Id you provided does not exist in our records."}
		case "SignatureDoesNotMatch":
			return &apiError{Status: http.StatusForbidden, Code: code, Message: message}
		case "ExpiredToken":
			return &apiError{Status: http.StatusBadRequest, Code: code, Message: "The provided token has expired."}
		}
		return &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: message}
	case protoQuery:
		if status < 400 {
			status = http.StatusForbidden
		}
		return &apiError{Status: status, Code: code, Message: message}
	}
	name := map[string]string{
		"InvalidClientTokenId": "UnrecognizedClientException", "SignatureDoesNotMatch": "InvalidSignatureException",
		"ExpiredToken": "ExpiredTokenException", "IncompleteSignature": "IncompleteSignatureException",
		"MissingAuthenticationToken": "MissingAuthenticationTokenException", "RequestExpired": "InvalidSignatureException",
	}[code]
	if name == "" {
		name = code
	}
	e := &apiError{Status: http.StatusBadRequest, Code: name, Message: message}
	if p == protoRESTJSON {
		e.Status = http.StatusForbidden
	}
	if service == "sqs" {
		e.QueryCode = code + ";Sender"
	}
	return e
}

// write answers the error in the protocol's format.
func (e *apiError) write(w http.ResponseWriter, service string, p protocol, requestID string) {
	h := w.Header()
	var body []byte
	switch p {
	case protoS3:
		type s3Error struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
			RequestID string   `xml:"RequestId"`
			HostID    string   `xml:"HostId"`
		}
		b, _ := xml.Marshal(s3Error{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: requestID})
		body = append([]byte(xml.Header), b...)
		h.Set("Content-Type", "application/xml")
		h.Set("x-amz-request-id", requestID)
	case protoQuery:
		type queryError struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}
		type errorResponse struct {
			XMLName   xml.Name   `xml:"ErrorResponse"`
			Xmlns     string     `xml:"xmlns,attr,omitempty"`
			Error     queryError `xml:"Error"`
			RequestID string     `xml:"RequestId"`
		}
		b, _ := xml.Marshal(errorResponse{Xmlns: queryNamespace[service], Error: queryError{Type: "Sender", Code: e.Code, Message: e.Message}, RequestID: requestID})
		body = append([]byte(xml.Header), b...)
		h.Set("Content-Type", "text/xml")
	case protoJSON:
		body, _ = json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		h.Set("Content-Type", "application/x-amz-json-1.1")
	default:
		body, _ = json.Marshal(map[string]string{"Type": "User", "message": e.Message})
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", e.Code)
	}
	if e.QueryCode != "" {
		h.Set("X-Amzn-Query-Error", e.QueryCode)
	}
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	if e.Status != http.StatusNotModified {
		w.Write(body)
	}
}
