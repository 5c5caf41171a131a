package iam

import (
	"net/http"

	"github.com/iamd/iamd/api/awserr"
)

// Guard is the enforcement point of the IAM API: the generated dispatcher
// has it authorize every decoded call before the operation runs
// (iamapi.Authorizer), and Check authorizes the actions iamd checks
// outside the API (iam:PassRole, sts:GetFederationToken, ...). It has no
// "allow everything" mode: without an authorizer it refuses every call.
type Guard struct {
	svc   *Service
	authz Authorizer
	dir   EntityDirectory
}

// NewGuard returns the guard of svc's operations: authz decides (required),
// dir finds users and roles without a store read (nil: read the store).
func NewGuard(svc *Service, authz Authorizer, dir EntityDirectory) *Guard {
	return &Guard{svc: svc, authz: authz, dir: dir}
}

// wired refuses when the guard lacks what it needs to decide (a nil
// guard or authorizer): fail closed.
func (g *Guard) wired() error {
	if g == nil || g.svc == nil || g.authz == nil {
		return awserr.New("AccessDenied", http.StatusForbidden, "No authorizer is configured: iamd refuses every call.")
	}
	return nil
}

// noRule refuses an operation that has no authorization rule (an entry
// in actionResource): what is not known to be authorized does not run.
// Only operations iamd does not implement lack one (a test checks the
// others), so the refusal says NotImplemented, as their stubs would.
func noRule(operation string) error {
	return awserr.NotImplemented("The operation " + operation + " is not implemented by iamd (it has no authorization rule).")
}

// AuthorizationRule is the resource type an IAM operation is authorized
// on ("" for "*"), and whether the operation has a rule at all; an
// operation without one is refused.
func AuthorizationRule(operation string) (resourceType string, ok bool) {
	resourceType, ok = actionResource[operation]
	return resourceType, ok
}
