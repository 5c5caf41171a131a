package server

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
)

// Auditor writes the audit log: one JSON line per mutating call and per
// call refused for authentication or authorization (and, with reads set,
// per allowed read too), with CloudTrail's field names so that tools
// reading CloudTrail records read these.
type Auditor struct {
	mu sync.Mutex // the log's writes and recent
	w  io.Writer
	// reads records allowed read-only calls too, so that the log holds
	// every call made (iamd generate-policy needs them all).
	reads bool
	// failed is told when a record cannot be written (logged and counted).
	failed func(error)
	// recent keeps the last records for the console's audit log view.
	recent []AuditEvent
	next   int
	// queue writes the records off the request path.
	queue *auditQueue
}

// recentMax is how many records the console's audit view can show.
const recentMax = 2000

// NewAuditor writes records to w (nil: no audit log) from a goroutine of
// its own, which closeQueue stops once it has written every record.
func NewAuditor(w io.Writer) *Auditor {
	if w == nil {
		return nil
	}
	a := &Auditor{w: w}
	a.queue = newAuditQueue(a)
	return a
}

// AuditEvent is one record, shaped like a CloudTrail event.
type AuditEvent struct {
	EventVersion       string            `json:"eventVersion"`
	EventTime          string            `json:"eventTime"`
	EventSource        string            `json:"eventSource"`
	EventName          string            `json:"eventName"`
	AWSRegion          string            `json:"awsRegion"`
	SourceIPAddress    string            `json:"sourceIPAddress"`
	UserAgent          string            `json:"userAgent"`
	UserIdentity       *AuditIdentity    `json:"userIdentity,omitempty"`
	RequestParameters  map[string]string `json:"requestParameters,omitempty"`
	Resources          []AuditResource   `json:"resources,omitempty"`
	Decision           string            `json:"decision,omitempty"` // iamd: allowed, explicitDeny, implicitDeny
	ErrorCode          string            `json:"errorCode,omitempty"`
	ErrorMessage       string            `json:"errorMessage,omitempty"`
	RequestID          string            `json:"requestID"`
	EventID            string            `json:"eventID"`
	ReadOnly           bool              `json:"readOnly"`
	EventType          string            `json:"eventType"`
	RecipientAccountID string            `json:"recipientAccountId,omitempty"`
	// ResponseElements carry a console sign-in's outcome (ConsoleLogin:
	// Success or Failure), as CloudTrail's do.
	ResponseElements map[string]string `json:"responseElements,omitempty"`
	// AdditionalEventData holds what the operation noted, such as why an
	// MFA code was refused (MFAFailure, MFASerialNumber, MFALockedUntil).
	AdditionalEventData map[string]string `json:"additionalEventData,omitempty"`
	// Authorizations (iamd) are every check the call was decided by, in
	// order: the call's own action first, then the others AWS also makes
	// (iam:PassRole for AddRoleToInstanceProfile; for a service call
	// through a gateway, s3:ListBucket for ListObjectsV2, a read and a
	// write for CopyObject, ...). Absent in records written before it
	// existed and for calls that decided nothing; readers then take
	// eventSource's prefix, eventName and resources (see analysis/genpolicy).
	Authorizations []AuditAuthorization `json:"authorizations,omitempty"`
}

// AuditAuthorization is one decision a call needed: the IAM action on a
// resource, and the engine's decision (allowed, explicitDeny,
// implicitDeny; a writer in observe mode may record the decision of a
// call it let through, the record's errorCode then being empty).
type AuditAuthorization struct {
	Action          string `json:"action"`
	Resource        string `json:"resource"`
	ResourceAccount string `json:"resourceAccount,omitempty"`
	Decision        string `json:"decision"`
}

// maxAuditChecks bounds the authorizations one record keeps.
const maxAuditChecks = 1000

// AuditIdentity is CloudTrail's userIdentity.
type AuditIdentity struct {
	Type        string `json:"type"` // Root, IAMUser, AssumedRole, FederatedUser
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// AuditResource is an entry of CloudTrail's resources.
type AuditResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
}

// audited collects what the authorizer learns about a call, for its record.
type audited struct {
	resource string
	account  string
	decision string
	checks   []AuditAuthorization  // every decision, in order
	notes    iam.EventNotes        // what the operation noted about itself
	first    [1]AuditAuthorization // backs checks for the usual one decision
}

// NoteEvent takes what the operation notes about itself (iam.EventNoter):
// the record is the call's event noter, so that the authorizer finds it
// in the one value the call's context carries (see call.context).
func (a *audited) NoteEvent(key, value string) { a.notes.NoteEvent(key, value) }

// auditingAuthorizer records the first authorization of each call (the
// call's own action on its resource) before passing the decision on,
// counts every decision and notes the caller's service access.
type auditingAuthorizer struct {
	next    iam.Authorizer
	metrics *Metrics
	svc     *iam.Service // notes service last accessed data
}

// BoundsRoot passes the decider's answer on (iam.RootBounder): SCPs bound
// a member account's root.
func (a auditingAuthorizer) BoundsRoot(account string) bool {
	b, ok := a.next.(iam.RootBounder)
	return ok && b.BoundsRoot(account)
}

func (a auditingAuthorizer) Authorize(ctx context.Context, req *iam.AuthzRequest) error {
	err := a.next.Authorize(ctx, req)
	decision := decisionOf(err)
	a.metrics.decision(req.Action, decision)
	if decision != "" {
		a.svc.NoteServiceAccess(req.Caller, req.Action)
	}
	if rec, ok := iam.EventNoterFrom(ctx).(*audited); ok && decision != "" {
		if rec.decision == "" {
			rec.resource, rec.account = req.Resource, req.ResourceAccount
			rec.decision = decision
		}
		if rec.checks == nil {
			rec.checks = rec.first[:0]
		}
		if len(rec.checks) < maxAuditChecks {
			rec.checks = append(rec.checks, AuditAuthorization{Action: req.Action, Resource: req.Resource, ResourceAccount: req.ResourceAccount, Decision: decision})
		}
	}
	return err
}

// decisionOf is the decision behind the authorizer's answer ("" for an
// error that is not a decision).
func decisionOf(err error) string {
	if err == nil {
		return "allowed" // before d, which escapes: an allowed call allocates nothing here
	}
	var d *authz.Denial
	if errors.As(err, &d) {
		return d.Decision.String()
	}
	return ""
}

// readOnly tells the calls that change nothing, which are audited only
// when refused (unless the auditor records reads).
func readOnly(action string) bool {
	for _, p := range []string{"Get", "List", "Simulate", "Decode", "Validate", "Check"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// refused are the error codes of calls refused for who made them.
var refused = map[string]bool{
	"AccessDenied": true, "InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "IncompleteSignature": true,
	"MissingAuthenticationToken": true, "ExpiredToken": true, "RequestExpired": true,
}

// secretParams are parameters never written to the log.
var secretParams = map[string]bool{
	"Password": true, "NewPassword": true, "OldPassword": true, "PrivateKey": true, "AuthenticationCode1": true,
	"AuthenticationCode2": true, "TokenCode": true, "WebIdentityToken": true, "SAMLAssertion": true, "EncodedMessage": true,
}

// record writes the call's event when it must be audited.
func (a *Auditor) record(c *call, rec *audited, code string, now time.Time, sourceIP, userAgent string) {
	if a == nil || c.action == "" || readOnly(c.action) && !refused[code] && !a.reads {
		return
	}
	ev := AuditEvent{
		EventVersion: "1.08", EventTime: now.UTC().Format(time.RFC3339), EventSource: c.service + ".amazonaws.com",
		EventName: c.action, AWSRegion: "us-east-1", SourceIPAddress: sourceIP, UserAgent: userAgent,
		RequestID: c.id, EventID: newRequestID(), ReadOnly: readOnly(c.action), EventType: "AwsApiCall",
		ErrorCode: code, Decision: rec.decision, AdditionalEventData: rec.notes.Map(), Authorizations: rec.checks,
	}
	if code != "" {
		ev.ErrorMessage = c.errText
	}
	if cl := c.caller; cl != nil {
		ev.UserIdentity = &AuditIdentity{Type: identityType(cl), PrincipalID: cl.UserID, ARN: cl.ARN, AccountID: cl.Account, AccessKeyID: cl.AccessKey, UserName: cl.UserName}
		ev.RecipientAccountID = cl.Account
		if cl.Region != "" {
			ev.AWSRegion = cl.Region
		}
	}
	if rec.resource != "" && rec.resource != "*" {
		ev.Resources = []AuditResource{{ARN: rec.resource, AccountID: rec.account}}
	}
	ev.RequestParameters = map[string]string{}
	for k, v := range c.params {
		if k == "Action" || k == "Version" || secretParams[k] || len(v) == 0 {
			continue
		}
		ev.RequestParameters[k] = v[0]
	}
	a.add(&ev)
}

// add hands a record to the log's writer: it reaches the log and the
// console's view a moment later, in the order added (flushQueued waits
// for it).
func (a *Auditor) add(ev *AuditEvent) { a.queue.add(queued{rec: ev}) }

// remember keeps a record for the console's view; a.mu is held.
func (a *Auditor) remember(ev *AuditEvent) {
	if len(a.recent) < recentMax {
		a.recent = append(a.recent, *ev)
	} else {
		a.recent[a.next] = *ev
	}
	a.next = (a.next + 1) % recentMax
}

// Recent returns the records kept in memory, oldest first, including
// those of every call answered before it.
func (a *Auditor) Recent() []AuditEvent {
	a.flushQueued()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.recent) < recentMax {
		return append([]AuditEvent(nil), a.recent...)
	}
	return append(append([]AuditEvent(nil), a.recent[a.next:]...), a.recent[:a.next]...)
}

func identityType(c *iam.Caller) string {
	switch {
	case c.Session != nil && strings.Contains(c.ARN, ":assumed-role/"):
		return "AssumedRole"
	case c.Session != nil && strings.Contains(c.ARN, ":federated-user/"):
		return "FederatedUser"
	case c.Root:
		return "Root"
	}
	return "IAMUser"
}
