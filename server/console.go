package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/console"
	"github.com/iamd/iamd/iam"
)

// The web console's backend: its calls go through the same Dispatch and
// Guard as a signed API call, with the signed-in principal as the caller,
// and are audited, counted and logged the same way. Nothing else of the
// server is reachable from the console.

// consoleBackend is what the console sees of the server.
type consoleBackend struct{ s *Server }

func (b consoleBackend) Partition() string { return b.s.auth.Partition() }

func (b consoleBackend) Domain() *iam.Service { return b.s.svc }

// Call makes one IAM API call for the console as caller.
func (b consoleBackend) Call(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values) (query.Output, error) {
	s := b.s
	start := time.Now()
	if params == nil {
		params = url.Values{}
	}
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	c := &call{id: newRequestID(), service: "iam", namespace: iamapi.Namespace, action: action, params: params, caller: caller}
	caller.SourceIP, caller.UserAgent, caller.SecureTransport = sourceIP(r), r.UserAgent(), r.TLS != nil
	caller.Time, caller.Endpoint = s.now(), endpointOf(r)
	ctx = c.context(ctx, caller)
	out, err := iamapi.Dispatch(ctx, s.iam, s.guard, action, params)
	code := ""
	if err != nil {
		e := s.awsError(c, err)
		c.errText, code, err = e.Message, e.Code, e
	}
	elapsed := time.Since(start)
	s.audit.record(c, &c.audit, code, s.now(), sourceIP(r), r.UserAgent())
	s.metrics.observe(c.service, c.action, code, elapsed)
	attrs := []any{"request_id", c.id, "service", "iam", "action", action, "console", true, "caller", caller.ARN, "duration", elapsed}
	if code != "" {
		attrs = append(attrs, "error", code)
	}
	s.log.LogAttrs(ctx, slogLevelForCode(code), "request", slogAttrs(attrs)...)
	return out, err
}

// errProbeAllowed stops a probe's Dispatch once the Guard has allowed the
// call: the operation itself never runs.
var errProbeAllowed = errors.New("console probe: authorized")

// probeGuard is the Guard, and a stop right after it.
type probeGuard struct{ g *iam.Guard }

func (p probeGuard) Authorize(ctx context.Context, operation string, in iamapi.Input) error {
	if err := p.g.Authorize(ctx, operation, in); err != nil {
		return err
	}
	return errProbeAllowed
}

// Authorized tells whether caller may make the call, decided as Call
// would decide it (the same decoding, Guard and keys) without making it:
// nil when allowed, else the refusal. It is neither audited nor counted:
// nothing was asked of the API.
func (b consoleBackend) Authorized(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values) error {
	return b.probe(ctx, r, caller, action, params, b.s.guard)
}

// probe decodes the call as Call would and asks guard about it, stopping
// before the operation runs.
func (b consoleBackend) probe(ctx context.Context, r *http.Request, caller *iam.Caller, action string, params url.Values, guard *iam.Guard) error {
	s := b.s
	if params == nil {
		params = url.Values{}
	}
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	caller.SourceIP, caller.UserAgent, caller.SecureTransport = sourceIP(r), r.UserAgent(), r.TLS != nil
	caller.Time, caller.Endpoint = s.now(), endpointOf(r)
	_, err := iamapi.Dispatch(iam.WithCaller(ctx, caller), s.iam, probeGuard{guard}, action, params)
	if errors.Is(err, errProbeAllowed) {
		return nil
	}
	if err == nil {
		// Only an operation with no input checks skips the Guard: refuse.
		return errors.New("console probe: not decided")
	}
	return err
}

func slogLevelForCode(code string) slog.Level {
	if code == "ServiceFailure" || code == "InternalFailure" {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Check authorizes an action outside the IAM API (the audit log view's
// cloudtrail:LookupEvents) with the Guard.
func (b consoleBackend) Check(ctx context.Context, caller *iam.Caller, action, resource string) error {
	return b.s.guard.Check(iam.WithCaller(ctx, caller), action, resource, nil)
}

// SignIn audits a console sign-in attempt as CloudTrail's ConsoleLogin.
func (b consoleBackend) SignIn(r *http.Request, ev console.SignInEvent) {
	a := b.s.audit
	if a == nil {
		return
	}
	rec := AuditEvent{
		EventVersion: "1.08", EventTime: b.s.now().UTC().Format(time.RFC3339), EventSource: "signin.amazonaws.com",
		EventName: "ConsoleLogin", AWSRegion: "us-east-1", SourceIPAddress: sourceIP(r), UserAgent: r.UserAgent(),
		RequestID: newRequestID(), EventID: newRequestID(), EventType: "AwsConsoleSignIn", RecipientAccountID: ev.Account,
		ResponseElements:    map[string]string{"ConsoleLogin": "Success"},
		AdditionalEventData: map[string]string{"MFAUsed": map[bool]string{true: "Yes", false: "No"}[ev.MFAUsed]},
	}
	if ev.Failure != "" {
		rec.ResponseElements["ConsoleLogin"] = "Failure"
		rec.ErrorMessage = ev.Failure
		rec.AdditionalEventData["Reason"] = ev.Reason
	}
	id := &AuditIdentity{Type: "IAMUser", ARN: ev.ARN, AccountID: ev.Account, UserName: ev.UserName, PrincipalID: ev.UserID}
	if ev.Root {
		id.Type = "Root"
	}
	rec.UserIdentity = id
	a.add(&rec)
}

// AuditEvents are account's recent audit records (CloudTrail's
// recipientAccountId) among those the server keeps in memory: another
// account's calls and sign-ins on the same server are not its business.
func (b consoleBackend) AuditEvents(account string) []console.AuditEntry {
	a := b.s.audit
	if a == nil {
		return nil
	}
	evs := a.Recent()
	out := make([]console.AuditEntry, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- { // newest first
		ev := evs[i]
		if ev.RecipientAccountID != account {
			continue
		}
		e := console.AuditEntry{Time: ev.EventTime, Source: ev.EventSource, Action: ev.EventName, Decision: ev.Decision, ErrorCode: ev.ErrorCode, ErrorMessage: ev.ErrorMessage, SourceIP: ev.SourceIPAddress}
		if ev.UserIdentity != nil {
			e.Principal = ev.UserIdentity.ARN
		}
		if len(ev.Resources) > 0 {
			e.Resource = ev.Resources[0].ARN
		}
		if ev.ResponseElements["ConsoleLogin"] != "" {
			e.Decision = ev.ResponseElements["ConsoleLogin"]
		}
		out = append(out, e)
	}
	return out
}

// ReadOnlyConsole is the console's views of the instance's account with
// no sign-in and no writes, for `iamd console --from`: it is served on
// its own listener, without the API.
func (i *Instance) ReadOnlyConsole() http.Handler {
	s := i.srv
	mux := http.NewServeMux()
	mux.Handle(console.Prefix+"/", console.New(console.Config{Backend: consoleBackend{s}, Logger: s.log, Now: s.now, ReadOnly: true, ReadOnlyAccount: i.Account}))
	mux.Handle("/", http.RedirectHandler(console.Prefix+"/home", http.StatusSeeOther))
	return mux
}
