package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/auth"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/gateway"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/store/feed"
)

// GatewayOptions put iamd in front of backends for the services it does
// not serve itself (iamd serve --backend).
type GatewayOptions struct {
	// Backend receives every other service's requests ("" and no
	// Backends: no gateway).
	Backend string
	// Backends are per-service backends (signing name → URL).
	Backends map[string]string
	// Credentials sign the forwarded requests, KEY:SECRET (default
	// test:test, which moto accepts).
	Credentials string
	// Enforcement is enforce (default) or observe.
	Enforcement string
	// S3Hosts are iamd's host names for virtual-hosted-style S3
	// (BUCKET.HOST); default localhost.
	S3Hosts []string
}

// newGateway builds the gateway the options ask for (nil when none).
func newGateway(opt Options, authn *auth.Authenticator, decider *authz.Decider, owners gateway.Owners, subscribe func(func([]iam.Change)), auditor *Auditor, metrics *Metrics) (http.Handler, ResourceInventory, error) {
	g := opt.Gateway
	if g.Backend == "" && len(g.Backends) == 0 {
		return nil, nil, nil
	}
	mode, err := gateway.ParseMode(g.Enforcement)
	if err != nil {
		return nil, nil, err
	}
	cfg := gateway.Config{Backend: g.Backend, Backends: g.Backends, Authn: authn, Decider: decider, Mode: mode,
		Partition: opt.Partition, S3Hosts: g.S3Hosts, Logger: opt.Logger, Now: opt.Now}
	if g.Credentials != "" {
		k, s, ok := strings.Cut(g.Credentials, ":")
		if !ok || k == "" || s == "" {
			return nil, nil, fmt.Errorf("backend credentials: want KEY:SECRET")
		}
		cfg.AccessKey, cfg.Secret = k, s
	}
	// Resource policies are read from the backends; owners live in the store.
	resources := gateway.NewBackendPolicies(gateway.BackendConfig{
		Endpoint: func(service string) string {
			for k, u := range g.Backends {
				if strings.EqualFold(k, service) {
					return u
				}
			}
			return g.Backend
		},
		AccessKey: cfg.AccessKey, Secret: cfg.Secret, Owners: owners, Logger: opt.Logger, Now: opt.Now})
	cfg.Resources = resources
	// Owners, and policy and tag writes, made through any node reach this
	// node's caches through the store's change feed.
	subscribe(func(changes []iam.Change) {
		byWhat := map[string][]string{}
		for _, c := range changes {
			switch c.Kind {
			case feed.KindReset:
				resources.Forget()
			case iam.KindResourceOwner:
				byWhat[gateway.ChangedOwner] = append(byWhat[gateway.ChangedOwner], c.Key)
			case iam.KindResourcePolicy:
				byWhat[gateway.ChangedPolicy] = append(byWhat[gateway.ChangedPolicy], c.Key)
			case iam.KindResourceTags:
				byWhat[gateway.ChangedTags] = append(byWhat[gateway.ChangedTags], c.Key)
			}
		}
		for what, keys := range byWhat {
			resources.ResourcesChanged(what, keys)
		}
	})
	// Metrics as the call ends; its audit record off the request path
	// (see auditQueue), drained when the instance closes.
	var q *auditQueue
	if auditor != nil {
		q = auditor.queue
	}
	cfg.Record = func(ev *gateway.Event) {
		metrics.observeGateway(ev)
		if q != nil {
			q.add(queued{gateway: ev, mode: mode})
		}
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return gw, resources, nil
}

// ownPaths are iamd's own endpoints: an unsigned request for them is
// never the gateway's.
var ownPaths = []string{"/healthz", "/readyz", "/metrics", "/iamd/", "/outbound/", "/console", "/console/"}

// gatewayRouter sends the requests for other services to the gateway, and
// every other one (IAM, STS, iamd's endpoints) to iamd's own handler.
func gatewayRouter(own, gw http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := gateway.Route(r); ok && !(unsigned(r) && isOwnPath(r.URL.Path)) {
			gw.ServeHTTP(w, r)
			return
		}
		own.ServeHTTP(w, r)
	})
}

func unsigned(r *http.Request) bool {
	return r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Credential") == ""
}

func isOwnPath(p string) bool {
	if p == "/" {
		return true // an unsigned request to the root is IAM's (MissingAuthenticationToken)
	}
	for _, o := range ownPaths {
		if p == o || strings.HasSuffix(o, "/") && strings.HasPrefix(p, o) {
			return true
		}
	}
	return false
}

// observeGateway counts a gateway call and its decisions. Labels name
// only services and operations the mapper knows: a client cannot grow
// the metrics by signing for made-up services.
func (m *Metrics) observeGateway(ev *gateway.Event) {
	service, op := "unknown", "unknown"
	if ev.Operation != "" {
		service, op = ev.Service, ev.Operation
	}
	m.requests.WithLabelValues(service, op, ev.ErrorCode).Inc()
	m.latency.WithLabelValues(service, op).Observe(ev.Duration.Seconds())
	for _, c := range ev.Checks {
		m.decision(c.Action, c.Decision)
	}
}

// gatewayReadOnly tells the operations that change nothing.
func gatewayReadOnly(op string) bool {
	for _, p := range []string{"Get", "List", "Head", "Describe", "Query", "Scan", "BatchGet", "Receive", "Lookup", "Search", "Filter", "Select"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// gatewayRecord is the audit record of a gateway call: every call,
// read-only or not (generate-policy learns from them), with CloudTrail's
// eventSource of the service called and one resource per authorization.
// authorizations lists the checks (the IAM actions, e.g. s3:ListBucket
// for ListObjectsV2), as for IAM's own calls; additionalEventData carries
// the enforcement mode, and for a denial let through in observe mode
// wouldBeDenied and the denial's message.
func gatewayRecord(ev *gateway.Event, mode gateway.Mode) *AuditEvent {
	name := ev.Operation
	if name == "" {
		name = "Unknown"
	}
	rec := AuditEvent{
		EventVersion: "1.08", EventTime: ev.Time.UTC().Format(time.RFC3339), EventSource: ev.Service + ".amazonaws.com",
		EventName: name, AWSRegion: ev.Region, SourceIPAddress: ev.SourceIP, UserAgent: ev.UserAgent,
		RequestID: ev.RequestID, EventID: newRequestID(), ReadOnly: gatewayReadOnly(ev.Operation), EventType: "AwsApiCall",
		Decision: ev.Decision, ErrorCode: ev.ErrorCode, ErrorMessage: ev.ErrorMessage,
	}
	if rec.AWSRegion == "" {
		rec.AWSRegion = "us-east-1"
	}
	if cl := ev.Caller; cl != nil {
		rec.UserIdentity = &AuditIdentity{Type: identityType(cl), PrincipalID: cl.UserID, ARN: cl.ARN, AccountID: cl.Account, AccessKeyID: cl.AccessKey, UserName: cl.UserName}
		rec.RecipientAccountID = cl.Account
	} else {
		rec.UserIdentity = &AuditIdentity{Type: "AWSAccount", AccountID: "ANONYMOUS_PRINCIPAL"} // CloudTrail's anonymous caller
	}
	data := map[string]string{"enforcement": mode.String(), "status": strconv.Itoa(ev.Status)}
	for _, c := range ev.Checks {
		if len(rec.Authorizations) < maxAuditChecks {
			rec.Authorizations = append(rec.Authorizations, AuditAuthorization{Action: c.Action, Resource: c.Resource, ResourceAccount: c.Account, Decision: c.Decision})
		}
		if c.Resource != "" && c.Resource != "*" {
			rec.Resources = append(rec.Resources, AuditResource{ARN: c.Resource, AccountID: c.Account})
		}
	}
	if ev.WouldBeDenied {
		data["wouldBeDenied"] = "true"
		data["denialMessage"] = ev.DenialMessage
	}
	rec.AdditionalEventData = data
	return &rec
}
