package stsapi_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/internal/querytest"
	"github.com/iamd/iamd/api/stsapi"
)

// recorder records each authorization and answers err.
type recorder struct {
	err    error
	ops    []string
	inputs []stsapi.Input
}

func (r *recorder) Authorize(_ context.Context, op string, in stsapi.Input) error {
	r.ops = append(r.ops, op)
	r.inputs = append(r.inputs, in)
	return r.err
}

// untouchable is a Service whose every method panics (its embedded
// Service is nil): an operation that runs shows as a panic.
type untouchable struct{ stsapi.Service }

// dispatchRan dispatches and reports whether the operation ran.
func dispatchRan(authz stsapi.Authorizer, op string, params url.Values) (ran bool, err error) {
	defer func() {
		if recover() != nil {
			ran = true
		}
	}()
	_, err = stsapi.Dispatch(context.Background(), untouchable{}, authz, op, params)
	return false, err
}

// Authorization is a step of every operation: for each operation of the
// model, with a valid input, a refusing authorizer is asked once with the
// decoded input and its refusal is the answer, and the operation never
// runs; without an authorizer every call is refused; an allowing one lets
// the operation run (so the checks above could fail).
func TestDispatchAuthorizesEveryOperation(t *testing.T) {
	m, err := querytest.LoadModel("../model/sts-2011-06-15.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	refusal := awserr.New("AccessDenied", 403, "refused by the test")
	for _, op := range stsapi.Operations {
		params, err := m.ValidParams(op)
		if err != nil {
			t.Errorf("%s: %v", op, err)
			continue
		}
		in, err := stsapi.DecodeInput(op, params)
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
