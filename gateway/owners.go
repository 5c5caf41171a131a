package gateway

import (
	"context"
	"strings"

	"github.com/iamd/iamd/gateway/actions"
)

// Ownership: one backend serves many iamd accounts, and a resource
// created through the gateway belongs to the account of the principal
// that created it. The backend knows one account (moto's 123456789012),
// so the ARNs it hands out (queue URLs, key and topic ARNs) name that
// account whoever owns the resource: the gateway names a resource by its
// ARN without the account (its key), and puts the owner's account back.

// Owners keeps who owns each resource (iam.Service implements it, in the
// store: it survives restarts and is shared by a cluster's nodes). Keys
// are resource ARNs without their account.
type Owners interface {
	// ResourceOwner is the owner's account, "" when none is recorded.
	ResourceOwner(ctx context.Context, key string) (string, error)
	// SetResourceOwner records the owner unless one is recorded already;
	// it returns the owner that holds.
	SetResourceOwner(ctx context.Context, key, account string) (string, error)
	// DeleteResourceOwner forgets the owner.
	DeleteResourceOwner(ctx context.Context, key string) error
}

// ChangeNoter is an Owners that also carries the news of a policy or
// tag write to a cluster's other nodes (iam.Service: a record in the
// store, whose change every node's feed delivers to ResourcesChanged).
type ChangeNoter interface {
	NoteResourceChange(ctx context.Context, key, what string) error // what: ChangedPolicy or ChangedTags
}

// ownedServices are the services whose resources have an owner.
var ownedServices = map[string]bool{"s3": true, "sqs": true, "sns": true, "kms": true, "secretsmanager": true,
	"lambda": true, "ecr": true, "dynamodb": true, "ssm": true, "logs": true}

// resourceRef is a resource ARN taken apart: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type resourceRef struct {
	partition, service, region, account string
	root                                string // the resource that owns the policy: bucket, table, function, ...
}

// parseResource splits an ARN; ok is false for "*", non-ARNs and the
// services without owners.
func parseResource(s string) (resourceRef, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return resourceRef{}, false
	}
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || !ownedServices[p[2]] || p[5] == "" {
		return resourceRef{}, false
	}
	r := resourceRef{partition: p[1], service: p[2], region: p[3], account: p[4], root: p[5]}
	switch r.service {
	case "s3": // bucket or bucket/key: the bucket's
		r.root, _, _ = strings.Cut(r.root, "/")
		r.region, r.account = "", ""
		if r.root == "" || strings.ContainsAny(r.root, ":*?") {
			return resourceRef{}, false
		}
	case "dynamodb": // table/T[/index/I, /stream/S, /backup/B]: the table's
		if rest, ok := strings.CutPrefix(r.root, "table/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			r.root = "table/" + name
		}
	case "lambda": // function:NAME[:QUALIFIER]: the function's
		if rest, ok := strings.CutPrefix(r.root, "function:"); ok {
			name, _, _ := strings.Cut(rest, ":")
			r.root = "function:" + name
		}
	case "logs": // log-group:NAME[:*][:log-stream:S]: the group's
		if rest, ok := strings.CutPrefix(r.root, "log-group:"); ok {
			name, _, _ := strings.Cut(rest, ":")
			r.root = "log-group:" + name
		}
	}
	if strings.ContainsAny(r.root, "*?") {
		return resourceRef{}, false // a pattern names no one resource
	}
	return r, true
}

// key is the resource's name in the backend's single namespace.
func (r resourceRef) key() string {
	return "arn:" + r.partition + ":" + r.service + ":" + r.region + "::" + r.root
}

// arn is the resource's ARN in the given account ("" for S3's).
func (r resourceRef) arn(account string) string {
	if r.service == "s3" {
		account = ""
	}
	return "arn:" + r.partition + ":" + r.service + ":" + r.region + ":" + account + ":" + r.root
}

// withAccount rewrites the account of a (possibly longer) ARN.
func withAccount(s, account string) string {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[4] == account || p[2] == "s3" {
		return s
	}
	p[4] = account
	return strings.Join(p, ":")
}

// resourceOwners is a ResourcePolicies that knows owners: the gateway
// names each resource with its owner's account before deciding.
type resourceOwners interface {
	ownedARN(ctx context.Context, resource string) string
}

// resolveOwners puts the owner's account in the resource ARNs of a
// mapped call (a queue of account A addressed by B by its URL is A's).
func (g *Gateway) resolveOwners(ctx context.Context, res *actions.Result) {
	ro, ok := g.cfg.Resources.(resourceOwners)
	if !ok {
		return
	}
	for i := range res.Authorizations {
		res.Authorizations[i].Resource = ro.ownedARN(ctx, res.Authorizations[i].Resource)
	}
}
