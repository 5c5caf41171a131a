package iam

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/totp"
)

// Guessing MFA codes. A six-digit code accepted in three time steps is
// guessed once in about 333,000 tries; what stops guessing is the number
// of tries. AWS does not publish its limits; iamd's:
//   - a sign-in code (STS SerialNumber+TokenCode) is accepted one step
//     (30 s) either side of now, as RFC 6238 advises for network delay;
//     EnableMFADevice and ResyncMFADevice, which exist for drifted
//     clocks, search five steps either side for two consecutive codes;
//   - a code (time step) accepted once is never accepted again;
//   - five wrong codes for one device within five minutes lock the
//     device for five minutes, and ten for one caller (over all devices)
//     lock the caller for as long; while locked even the right code is
//     refused, with the same answer as a wrong one; a success clears the
//     count. A refusal while locked does not extend the lock, so a
//     device's owner is back in when it ends.
//
// The device's count lives in its record, so every node of a cluster
// shares it and a restart keeps it. The caller's count is in memory, per
// node, in a bounded LRU: at worst it allows each node its ten tries and
// forgets the least recent callers first; the device's lock still holds.
const (
	mfaSignInWindow   = 1
	mfaSyncWindow     = 5
	mfaDeviceFailures = 5
	mfaCallerFailures = 10
	mfaFailWindow     = 5 * time.Minute
	mfaLockout        = 5 * time.Minute
	mfaCallersMax     = 10_000
)

// attempts counts wrong codes since a moment, and the lock they caused.
type attempts struct {
	Failures    int       `json:"failures"`
	Since       time.Time `json:"since"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

func (a *attempts) locked(now time.Time) bool { return a != nil && now.Before(a.LockedUntil) }

// fail is a after one more wrong code: a count older than the window or
// whose lock has ended starts again.
func (a *attempts) fail(now time.Time, limit int) *attempts {
	next := attempts{Since: now}
	if a != nil && now.Sub(a.Since) <= mfaFailWindow && a.LockedUntil.IsZero() {
		next = *a
	}
	next.Failures++
	if next.Failures >= limit {
		next.LockedUntil = now.Add(mfaLockout)
	}
	return &next
}

// Why a code was refused, for the audit log.
const (
	mfaInvalidCode   = "invalidCode"
	mfaReusedCode    = "reusedCode"
	mfaUnknownDevice = "unknownDevice"
	mfaDeviceLocked  = "deviceLockedOut"
	mfaCallerLocked  = "callerLockedOut"
)

// STS's answers (AccessDenied, as AWS gives them).
var (
	errMFACode   = awserr.New("AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	errMFASerial = awserr.New("AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.")
)

// IAM's answers to EnableMFADevice and ResyncMFADevice.
func errSyncCode() error {
	return iamapi.InvalidAuthenticationCode("Authentication code for device is not valid.")
}

func errSyncLocked() error {
	return iamapi.LimitExceeded("Too many invalid authentication codes for this MFA device; try again later.")
}

// mfaCallerKey names the principal trying codes: a user or role by unique
// id (not the session name, which the caller picks), else the ARN.
func mfaCallerKey(ctx context.Context, account, user string) string {
	c, ok := CallerFrom(ctx)
	switch {
	case !ok:
		return account + "|user|" + lower(user)
	case c.Session != nil && c.Session.RoleID != "":
		return c.Account + "|role|" + c.Session.RoleID
	case c.UserID != "":
		return c.Account + "|id|" + c.UserID
	}
	return c.Account + "|arn|" + c.ARN
}

func (s *Service) callerLocked(key string, now time.Time) bool {
	a, ok := s.mfaCallers.Get(key)
	return ok && a.locked(now)
}

func (s *Service) callerFailed(key string, now time.Time) {
	s.mfaCallers.Update(key, func(old attempts, found bool) attempts {
		var prev *attempts
		if found {
			prev = &old
		}
		return *prev.fail(now, mfaCallerFailures)
	})
}

// noteMFAFailure writes why a code was refused into the call's audit
// record.
func noteMFAFailure(ctx context.Context, serial, reason string, lockedUntil time.Time) {
	noteEvent(ctx, "MFAFailure", reason)
	noteEvent(ctx, "MFASerialNumber", serial)
	if !lockedUntil.IsZero() {
		noteEvent(ctx, "MFALockedUntil", lockedUntil.UTC().Format(time.RFC3339))
	}
}

// verifyCodes checks codes against d under d's lock: one code within the
// sign-in window, or two consecutive codes within the sync window. On
// success it consumes the codes' steps; on a wrong code it counts the
// failure in d. save tells whether d changed and must be written, even
// when the check failed. reason is "" on success.
func (s *Service) verifyCodes(d *MFADevice, now time.Time, codes ...string) (reason string, save bool, err error) {
	if d.Guard.locked(now) {
		return mfaDeviceLocked, false, nil
	}
	seed, err := s.sealer.Open(d.Seed, d.Serial)
	if err != nil {
		return "", false, err
	}
	window := mfaSignInWindow
	if len(codes) > 1 {
		window = mfaSyncWindow
	}
	counter, ok := totp.Find(seed, strings.TrimSpace(codes[0]), now, window)
	if ok && len(codes) > 1 {
		want, _ := totp.Code(seed, counter+1)
		ok = want == strings.TrimSpace(codes[1])
		counter++
	}
	switch {
	case ok && counter-int64(len(codes)-1) > d.LastCounter:
		d.LastCounter, d.Guard = counter, nil
		return "", true, nil
	case ok:
		return mfaReusedCode, false, nil // known already: not a guess, not counted
	}
	d.Guard = d.Guard.fail(now, mfaDeviceFailures)
	return mfaInvalidCode, true, nil
}

// EventNoter receives facts about a call for its audit record
// (CloudTrail's additionalEventData).
type EventNoter interface {
	NoteEvent(key, value string)
}

// WithEventNoter returns a context whose calls note their facts to n (and
// which carries the caller ctx carries).
func WithEventNoter(ctx context.Context, n EventNoter) context.Context {
	s := &CallState{Events: n}
	if prev := callStateFrom(ctx); prev != nil {
		s.Caller = prev.Caller
	}
	return WithCallState(ctx, s)
}

// EventNoterFrom returns what takes the facts of the call (nil when none).
func EventNoterFrom(ctx context.Context) EventNoter {
	if s := callStateFrom(ctx); s != nil {
		return s.Events
	}
	return nil
}

func noteEvent(ctx context.Context, key, value string) {
	if n := EventNoterFrom(ctx); n != nil {
		n.NoteEvent(key, value)
	}
}

// EventNotes is a ready EventNoter: a map safe for concurrent use.
type EventNotes struct {
	mu sync.Mutex
	m  map[string]string
}

// NoteEvent records a fact.
func (n *EventNotes) NoteEvent(key, value string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]string{}
	}
	n.m[key] = value
}

// Map returns a copy of the facts (nil when none).
func (n *EventNotes) Map() map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.m) == 0 {
		return nil
	}
	out := make(map[string]string, len(n.m))
	for k, v := range n.m {
		out[k] = v
	}
	return out
}
