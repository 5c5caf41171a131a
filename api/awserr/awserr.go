// Package awserr is the error every layer of iamd returns to a client: an
// AWS error code, a message a person can act on, the HTTP status AWS uses
// for it, and whose fault it is (Sender: the caller; otherwise the server).
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error. Sender=true is written as <Type>Sender</Type>,
// false as <Type>Receiver</Type>.
type Error struct {
	Code    string
	Message string
	Status  int
	Sender  bool
	// Cause is what went wrong inside, for the log: it is never sent to
	// the client (only Code and Message are).
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap is the cause, so that errors.Is and errors.As see through an
// AWS error to what made it.
func (e *Error) Unwrap() error { return e.Cause }

// WithCause returns a copy of e that records cause.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// New returns an error; 4xx statuses are the sender's fault, 5xx the
// receiver's.
func New(code string, status int, msg string) *Error {
	return &Error{Code: code, Message: msg, Status: status, Sender: status < 500}
}

// Newf is New with a formatted message.
func Newf(code string, status int, format string, args ...any) *Error {
	return New(code, status, fmt.Sprintf(format, args...))
}

// As returns err as an *Error when it is one or wraps one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// From returns err as an *Error; any other error becomes a ServiceFailure
// whose message reveals nothing of it (log err itself).
func From(err error) *Error {
	if e, ok := As(err); ok {
		return e
	}
	return Internal(err)
}

// MsgServiceFailure is AWS's message for an internal failure
// (ServiceFailureException in the IAM model).
const MsgServiceFailure = "The request processing has failed because of an unknown error, exception or failure."

// Internal is the ServiceFailure (500) for an internal failure: the client
// gets AWS's message, the log gets cause.
func Internal(cause error) *Error {
	return ServiceFailure(MsgServiceFailure).WithCause(cause)
}

// Public is what may be sent to the client for e: e itself, except that an
// internal failure's (500) own message is replaced by AWS's, which says
// nothing of the server's insides (callers log e before answering
// Public(e)). The cause is never written to a client in any case.
func Public(e *Error) *Error {
	if e.Code != CodeServiceFailure && e.Status != http.StatusInternalServerError {
		return e
	}
	return &Error{Code: e.Code, Message: MsgServiceFailure, Status: e.Status, Sender: e.Sender}
}

// Codes the protocol layer uses.
const (
	CodeValidation            = "ValidationError"
	CodeInvalidAction         = "InvalidAction"
	CodeMissingAction         = "MissingAction"
	CodeMissingParameter      = "MissingParameter"
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodeMalformedQueryString  = "MalformedQueryString"
	CodeNotImplemented        = "NotImplemented"
	CodeServiceFailure        = "ServiceFailure"
	CodeServiceUnavailable    = "ServiceUnavailable"
)

// ValidationError is AWS's ValidationError (400): input that breaks the
// model's constraints.
func ValidationError(msg string) *Error { return New(CodeValidation, http.StatusBadRequest, msg) }

// InvalidAction is an action the service does not have (400), e.g.
// "Could not find operation CreateFoo for version 2010-05-08".
func InvalidAction(msg string) *Error { return New(CodeInvalidAction, http.StatusBadRequest, msg) }

// MissingParameter is a required parameter left out (400).
func MissingParameter(msg string) *Error {
	return New(CodeMissingParameter, http.StatusBadRequest, msg)
}

// InvalidParameterValue is a parameter of the wrong form (400).
func InvalidParameterValue(msg string) *Error {
	return New(CodeInvalidParameterValue, http.StatusBadRequest, msg)
}

// MalformedQueryString is a query string or form body that cannot be
// parsed (400).
func MalformedQueryString(msg string) *Error {
	return New(CodeMalformedQueryString, http.StatusBadRequest, msg)
}

// NotImplemented is an operation of the model that iamd does not serve
// yet. It is a 400, not AWS's 501: SDKs retry 5xx answers for minutes.
func NotImplemented(msg string) *Error {
	return New(CodeNotImplemented, http.StatusBadRequest, msg)
}

// ServiceFailure is a real internal failure (500); clients retry it.
func ServiceFailure(msg string) *Error {
	return New(CodeServiceFailure, http.StatusInternalServerError, msg)
}

// Unavailable is a temporary failure (503), e.g. the store cannot be
// reached: clients back off and retry.
func Unavailable(msg string) *Error {
	return New(CodeServiceUnavailable, http.StatusServiceUnavailable, msg)
}
