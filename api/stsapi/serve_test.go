package stsapi_test

import (
	"context"
	"net/url"

	"github.com/iamd/iamd/api/internal/querytest"
	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/api/stsapi"
)

// fakeService is the fake as an stsapi.Service: the operations it lacks
// answer NotImplemented.
type fakeService struct {
	*fake
	stsapi.UnimplementedSTSService
}

// allowAll authorizes every call, as the fake's tests need.
type allowAll struct{}

func (allowAll) Authorize(context.Context, string, stsapi.Input) error { return nil }

// dispatchTo is Dispatch to the fake with every call allowed.
func dispatchTo(f *fake) querytest.DispatchFunc {
	svc := fakeService{fake: f}
	return func(ctx context.Context, action string, params url.Values) (query.Output, error) {
		return stsapi.Dispatch(ctx, svc, allowAll{}, action, params)
	}
}
