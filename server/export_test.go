package server

import (
	"context"
	"net/http"

	"github.com/iamd/iamd/iam"
)

// Handler exposes the instance's HTTP handler to the benchmarks, which
// serve requests without a network round trip.
func (i *Instance) Handler() http.Handler { return i.http.Handler }

// AuthenticateAndDecide is the data plane alone: verify the request's
// signature, resolve its caller, and decide action on resource for it.
func (i *Instance) AuthenticateAndDecide(r *http.Request, body []byte, action, resource string) error {
	ctx := context.Background()
	c, _, err := i.srv.auth.Authenticate(ctx, r, body)
	if err != nil {
		return err
	}
	c.SourceIP, c.Time = "127.0.0.1", i.srv.now()
	return i.srv.decider.Authorize(ctx, &iam.AuthzRequest{Caller: c, Action: action, Resource: resource, ResourceAccount: c.Account, Keys: map[string][]string{}})
}

// AuditRecent is what the console's audit view reads.
func (i *Instance) AuditRecent() []AuditEvent { return i.audit.Recent() }
