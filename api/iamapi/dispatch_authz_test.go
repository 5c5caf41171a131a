package iamapi_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/internal/querytest"
)

// recorder records each authorization and answers err.
type recorder struct {
	err    error
	ops    []string
	inputs []iamapi.Input
}

func (r *recorder) Authorize(_ context.Context, op string, in iamapi.Input) error {
	r.ops = append(r.ops, op)
	r.inputs = append(r.inputs, in)
	return r.err
}

// untouchable is a Service whose every method panics (its embedded
// Service is nil): an operation that runs shows as a panic.
type untouchable struct{ iamapi.Service }

// dispatchRan dispatches and reports whether the operation ran.
func dispatchRan(authz iamapi.Authorizer, op string, params url.Values) (ran bool, err error) {
	defer func() {
		if recover() != nil {
			ran = true
		}
	}()
	_, err = iamapi.Dispatch(context.Background(), untouchable{}, authz, op, params)
	return false, err
}

// Authorization is a step of every operation: for each operation of the
// model, with a valid input, a refusing authorizer is asked once with the
// decoded input and its refusal is the answer, and the operation never
// runs; without an authorizer every call is refused; an allowing one lets
// the operation run (so the checks above could fail).
func TestDispatchAuthorizesEveryOperation(t *testing.T) {
	m, err := querytest.LoadModel("../model/iam-2010-05-08.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	refusal := awserr.New("AccessDenied", 403, "refused by the test")
	for _, op := range iamapi.Operations {
		params, err := m.ValidParams(op)
		if err != nil {
			t.Errorf("%s: %v", op, err)
			continue
		}
		in, err := iamapi.DecodeInput(op, params)
		if err != nil {
			t.Errorf("%s: the test's input does not decode: %v", op, err)
			continue
		}
		refuse := &recorder{err: refusal}
		ran, err := dispatchRan(refuse, op, params)
		if ran || !errors.Is(err, refusal) {
			t.Errorf("%s with a refusing authorizer: ran %v, err %v", op, ran, err)
		}
		if !reflect.DeepEqual(refuse.ops, []string{op}) || reflect.TypeOf(refuse.inputs[0]) != reflect.TypeOf(in) || !reflect.DeepEqual(refuse.inputs[0], in) {
			t.Errorf("%s: authorizer asked %v with %#v, want once with %#v", op, refuse.ops, refuse.inputs, in)
		}
		ran, err = dispatchRan(nil, op, params)
		if e, ok := awserr.As(err); ran || !ok || e.Code != "AccessDenied" || e.Status != 403 {
			t.Errorf("%s without an authorizer: ran %v, err %v", op, ran, err)
		}
		if ran, _ := dispatchRan(&recorder{}, op, params); !ran {
			t.Errorf("%s with an allowing authorizer did not run", op)
		}
	}
}

// The operations of a Service that embeds UnimplementedIAMService answer
// NotImplemented after authorization; its own methods win.
func TestUnimplementedService(t *testing.T) {
	allow := &recorder{}
	f := &fake{}
	svc := fakeService{fake: f}
	_, err := iamapi.Dispatch(context.Background(), svc, allow, "DeleteUser", url.Values{"UserName": {"bob"}})
	if e, ok := awserr.As(err); !ok || e.Code != "NotImplemented" || e.Message != "The operation DeleteUser is not implemented by iamd." {
		t.Errorf("DeleteUser: %v", err)
	}
	if _, err := iamapi.Dispatch(context.Background(), svc, allow, "AddUserToGroup", url.Values{"UserName": {"bob"}, "GroupName": {"g"}}); err != nil || f.lastInput() == nil {
		t.Errorf("AddUserToGroup: %v", err)
	}
	if !reflect.DeepEqual(allow.ops, []string{"DeleteUser", "AddUserToGroup"}) {
		t.Errorf("authorized %v", allow.ops)
	}
}
