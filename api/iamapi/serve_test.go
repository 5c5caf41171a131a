package iamapi_test

import (
	"context"
	"net/url"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/internal/querytest"
	"github.com/iamd/iamd/api/query"
)

// fakeService is the fake as an iamapi.Service: the operations it lacks
// answer NotImplemented.
type fakeService struct {
	*fake
	iamapi.UnimplementedIAMService
}

// allowAll authorizes every call, as the fake's tests need.
type allowAll struct{}

func (allowAll) Authorize(context.Context, string, iamapi.Input) error { return nil }

// dispatchTo is Dispatch to the fake with every call allowed.
func dispatchTo(f *fake) querytest.DispatchFunc {
	svc := fakeService{fake: f}
	return func(ctx context.Context, action string, params url.Values) (query.Output, error) {
		return iamapi.Dispatch(ctx, svc, allowAll{}, action, params)
	}
}
