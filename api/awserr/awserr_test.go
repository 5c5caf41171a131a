package awserr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrors(t *testing.T) {
	cases := []struct {
		err    *Error
		code   string
		status int
		sender bool
	}{
		{ValidationError("m"), "ValidationError", 400, true},
		{InvalidAction("Could not find operation CreateFoo for version 2010-05-08"), "InvalidAction", 400, true},
		{MissingParameter("m"), "MissingParameter", 400, true},
		{InvalidParameterValue("m"), "InvalidParameterValue", 400, true},
		{MalformedQueryString("m"), "MalformedQueryString", 400, true},
		{NotImplemented("m"), "NotImplemented", 400, true},
		{ServiceFailure("m"), "ServiceFailure", 500, false},
		{Unavailable("m"), "ServiceUnavailable", 503, false},
		{New("NoSuchEntity", 404, "m"), "NoSuchEntity", 404, true},
		{Newf("EntityAlreadyExists", 409, "User %s exists.", "bob"), "EntityAlreadyExists", 409, true},
	}
	for _, tc := range cases {
		if tc.err.Code != tc.code || tc.err.Status != tc.status || tc.err.Sender != tc.sender {
			t.Errorf("%#v: want %s %d sender=%v", tc.err, tc.code, tc.status, tc.sender)
		}
	}
	if got := cases[9].err.Error(); got != "EntityAlreadyExists: User bob exists." {
		t.Errorf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("store: %w", New("NoSuchEntity", 404, "gone"))
	if e, ok := As(wrapped); !ok || e.Code != "NoSuchEntity" || From(wrapped) != e {
		t.Errorf("As(%v) = %v, %v", wrapped, e, ok)
	}
	if e := From(errors.New("disk on fire")); e.Code != "ServiceFailure" || e.Status != 500 || e.Message != MsgServiceFailure {
		t.Errorf("From(plain) = %#v", e)
	}
}
