package awserr

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// TestCause: an AWS error carries its cause for the log and errors.Is, and
// what a client may see of an internal failure is AWS's message only.
func TestCause(t *testing.T) {
	cause := fmt.Errorf("sqlite: open /var/lib/iamd/iamd.db: %w", fs.ErrPermission)
	e := Internal(cause)
	if e.Code != CodeServiceFailure || e.Status != 500 || e.Sender || e.Message != MsgServiceFailure {
		t.Fatalf("Internal = %#v", e)
	}
	if !errors.Is(e, fs.ErrPermission) || errors.Unwrap(e) != cause {
		t.Fatalf("the cause is not reachable through %v", e)
	}
	if !strings.Contains(e.Error(), "/var/lib/iamd") {
		t.Fatalf("Error() drops the cause: %q", e.Error())
	}
	// As still finds the AWS error around a cause that is itself wrapped.
	if got, ok := As(fmt.Errorf("iam: %w", e)); !ok || got != e {
		t.Fatalf("As = %v %v", got, ok)
	}
	// WithCause copies: the original is unchanged.
	base := ValidationError("bad")
	if w := base.WithCause(cause); w.Cause != cause || base.Cause != nil || w.Message != "bad" {
		t.Fatalf("WithCause: %#v %#v", w, base)
	}

	for _, tc := range []struct {
		in   *Error
		want string
	}{
		{ServiceFailure("Internal failure: pq: relation \"entities\" does not exist"), MsgServiceFailure},
		{New("InternalError", 500, "panic: runtime error at iam/users.go:40"), MsgServiceFailure},
		{Internal(cause), MsgServiceFailure},
		{Unavailable("The service is unavailable. Retry the request."), "The service is unavailable. Retry the request."},
		{New("NoSuchEntity", 404, "The user with name bob cannot be found.").WithCause(cause), "The user with name bob cannot be found."},
	} {
		p := Public(tc.in)
		if p.Message != tc.want || p.Code != tc.in.Code || p.Status != tc.in.Status {
			t.Errorf("Public(%v) = %#v, want message %q", tc.in, p, tc.want)
		}
	}
}
