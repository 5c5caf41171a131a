package authz

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Delegated is a decision another service asks iamd for: a principal of
// this server, an action on that service's resource, the resource's own
// policy and the request's context keys.
type Delegated struct {
	Caller          *iam.Caller
	Action          string
	Resource        string
	ResourceAccount string // "" means the principal's account
	ResourcePolicy  string // JSON; "" for none
	Context         map[string][]string
}

// DecideDelegated decides and explains a delegated request. The resource
// policy is validated as AWS validates a resource-based policy.
func (d *Decider) DecideDelegated(ctx context.Context, r *Delegated) (*policy.Explanation, error) {
	if r.Action == "" || !strings.Contains(r.Action, ":") {
		return nil, awserr.ValidationError("Action must be service:Action, e.g. s3:GetObject.")
	}
	if r.Resource == "" {
		return nil, awserr.ValidationError("Resource is required (an ARN, or * for actions on no resource).")
	}
	var set *policy.Set
	if r.ResourcePolicy != "" {
		doc, err := policy.Check([]byte(r.ResourcePolicy), policy.KindResource, policy.Options{Partition: "*"})
		if err != nil {
			return nil, malformed("ResourcePolicy", err)
		}
		set = policy.NewSet(policy.Compile(doc, policy.Source{ID: "ResourcePolicy", Type: "resource"}))
	}
	account := r.ResourceAccount
	if account == "" {
		account = r.Caller.Account
	}
	return d.Decide(ctx, &iam.AuthzRequest{Caller: r.Caller, Action: r.Action, Resource: r.Resource, ResourceAccount: account, Keys: r.Context}, set)
}

// CallerFor describes a principal of this server named by its ARN: the
// root user, an IAM user, a role (as a session of it) or a role session.
func (d *Decider) CallerFor(ctx context.Context, principalARN string) (*iam.Caller, error) {
	a, err := arn.Parse(principalARN)
	if err != nil || a.AccountID == "" {
		return nil, awserr.ValidationError(fmt.Sprintf("Principal %q is not the ARN of a user, role, role session or root user.", principalARN))
	}
	c := &iam.Caller{Account: a.AccountID, Partition: a.Partition, ARN: principalARN}
	noSuch := func() error {
		return awserr.Newf("NoSuchEntity", http.StatusNotFound, "The principal %s does not exist.", principalARN)
	}
	if _, err := d.iam.GetAccount(ctx, a.AccountID); err != nil {
		return nil, noSuch()
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	switch {
	case a.Service == "iam" && a.Resource == "root":
		c.Root, c.UserID = true, a.AccountID
	case a.Service == "iam" && kind == "user" && name != "":
		u, err := d.iam.LookupUser(ctx, a.AccountID, name)
		if err != nil {
			return nil, noSuch()
		}
		c.UserName, c.UserID, c.ARN = u.Name, u.ID, arn.ARN{Partition: a.Partition, Service: "iam", AccountID: a.AccountID, Resource: "user" + u.Path + u.Name}.String()
	case a.Service == "iam" && kind == "role" && name != "":
		return d.roleSession(ctx, c, name, "iamd-authorize")
	case a.Service == "sts" && kind == "assumed-role":
		role, session, ok := strings.Cut(rest, "/")
		if !ok || role == "" || session == "" {
			return nil, noSuch()
		}
		return d.roleSession(ctx, c, role, session)
	default:
		return nil, awserr.ValidationError(fmt.Sprintf("Principal %q is not the ARN of a user, role, role session or root user.", principalARN))
	}
	return c, nil
}

// roleSession is a session of the role with no session policy: the role's
// own permissions.
func (d *Decider) roleSession(ctx context.Context, c *iam.Caller, role, session string) (*iam.Caller, error) {
	p, err := d.view.principal(ctx, c.Account, "role", role)
	if err != nil {
		return nil, awserr.Newf("NoSuchEntity", http.StatusNotFound, "The principal %s does not exist.", c.ARN)
	}
	c.Session = &iam.Session{Type: iam.SessionAssumedRole, Account: c.Account, RoleName: p.data.Name, RolePath: p.data.Path, RoleID: p.data.ID, SessionName: session}
	c.ARN = arn.ARN{Partition: c.Partition, Service: "sts", AccountID: c.Account, Resource: "assumed-role/" + p.data.Name + "/" + session}.String()
	c.UserID = p.data.ID + ":" + session
	return c, nil
}
