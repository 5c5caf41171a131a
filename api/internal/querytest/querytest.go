// Package querytest serves a generated Dispatch over HTTP the way AWS
// serves a query API, so tests can drive it with the real SDKs and the aws
// CLI.
package querytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/query"
)

// DispatchFunc is a generated package's Dispatch bound to a service and
// an authorizer.
type DispatchFunc func(ctx context.Context, action string, params url.Values) (query.Output, error)

// RequestID is the request id every response carries.
const RequestID = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"

// Handler answers POSTed (or GET) query requests with dispatch.
func Handler(namespace string, dispatch DispatchFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		qw := query.NewWriter(nil)
		status := http.StatusOK
		if err := r.ParseForm(); err != nil {
			e := awserr.MalformedQueryString(err.Error())
			query.WriteError(qw, namespace, RequestID, e)
			status = e.Status
		} else if out, err := dispatch(r.Context(), r.Form.Get("Action"), r.Form); err != nil {
			e := awserr.From(err)
			query.WriteError(qw, namespace, RequestID, e)
			status = e.Status
		} else {
			query.WriteResponse(qw, r.Form.Get("Action"), namespace, RequestID, out)
		}
		w.Header().Set("Content-Type", query.ContentType)
		w.Header().Set("X-Amzn-RequestId", RequestID)
		w.WriteHeader(status)
		w.Write(qw.Bytes())
	})
}

// Server starts a test server for dispatch and returns it with an SDK
// config that talks to it: static credentials, no retries.
func Server(t testing.TB, namespace string, dispatch DispatchFunc) (*httptest.Server, aws.Config) {
	t.Helper()
	srv := httptest.NewServer(Handler(namespace, dispatch))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		BaseEndpoint: aws.String(srv.URL),
	}
	return srv, cfg
}
