// Package awserr is the error every layer of iamd returns to a client: an
// AWS error code, a message a person can act on, and the HTTP status AWS
// uses for it.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error.
type Error struct {
	Code    string
	Message string
	Status  int
	// Receiver marks faults of the server rather than the caller
	// (<Type>Receiver</Type>); most errors are the sender's.
	Receiver bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New builds an error with a formatted message.
func New(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status, Receiver: status >= 500}
}

// As returns err as an *Error when it is one (or wraps one).
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Codes the protocol layer and several services use.
const (
	CodeValidation       = "ValidationError"
	CodeInvalidAction    = "InvalidAction"
	CodeMissingAction    = "MissingAction"
	CodeNotImplemented   = "NotImplemented"
	CodeMalformedQuery   = "MalformedQueryString"
	CodeInvalidParameter = "InvalidParameterValue"
	CodeServiceFailure   = "ServiceFailure"
	CodeServiceUnavail   = "ServiceUnavailable"
	CodeAccessDenied     = "AccessDenied"
)

// Validation is AWS's ValidationError (400).
func Validation(format string, args ...any) *Error {
	return New(CodeValidation, http.StatusBadRequest, format, args...)
}

// ServiceFailure is an internal failure (500): the request may be retried.
func ServiceFailure(format string, args ...any) *Error {
	return New(CodeServiceFailure, http.StatusInternalServerError, format, args...)
}

// Unavailable is answered when the store cannot be reached (503), so
// clients back off and retry.
func Unavailable(format string, args ...any) *Error {
	e := New(CodeServiceFailure, http.StatusServiceUnavailable, format, args...)
	e.Receiver = true
	return e
}
