package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/iam"
)

// Failed sign-ins are limited per source address and per account and
// user: five failures in five minutes lock the user's sign-in for five
// minutes, twenty lock the address. While locked even the right password
// is refused with the same answer.
//
// The counts are kept in the store, as sign-outs are, so that every node
// of a cluster counts the same failures: N nodes do not give N times the
// guesses. A record lasts until its window or lock ends; each failure
// drops a few that have ended (oldest first, through an index by end
// time), and past limiterMax records the oldest go first, so the store
// holds a bounded number however many addresses guess.
const (
	userFailures = 5
	ipFailures   = 20
	failWindow   = 5 * time.Minute
	lockout      = 5 * time.Minute

	// kindSignInFail is a key's failures (account "", key: the limiter
	// key); kindSignInFailEnd indexes them by when they end (key: the
	// end's Unix time, then the limiter key).
	kindSignInFail    = "console-signin-fail"
	kindSignInFailEnd = "console-signin-fail-end"
	// limiterSweep is how many ended records a failure drops.
	limiterSweep = 20
)

// limiterMax bounds the records kept (a variable for the tests).
var limiterMax = 50_000

type tries struct {
	N           int       `json:"n"`
	Since       time.Time `json:"since"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// end is when the record stops counting.
func (t tries) end() time.Time {
	return later(t.Since.Add(failWindow), t.LockedUntil)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

type limiter struct {
	store func() iam.Store
	log   *slog.Logger
}

func endKey(end time.Time, key string) string { return fmt.Sprintf("%012d|%s", end.Unix(), key) }

// locked tells whether key is locked out; a store that cannot say locks
// it (fail closed: the sign-in would need the store anyway).
func (l *limiter) locked(ctx context.Context, key string, now time.Time) bool {
	var t tries
	err := l.store().View(ctx, func(tx iam.Tx) error {
		data, err := tx.Get("", kindSignInFail, key)
		if err != nil {
			return err
		}
		return json.Unmarshal(data, &t)
	})
	if errors.Is(err, iam.ErrNotFound) {
		return false
	}
	if err != nil {
		l.log.Warn("console: reading failed sign-ins", "error", err)
		return true
	}
	return now.Before(t.LockedUntil)
}

// fail counts a failure of each key (limit failures lock it).
func (l *limiter) fail(ctx context.Context, now time.Time, keys map[string]int) {
	err := l.store().Update(ctx, func(tx iam.Tx) error {
		if err := sweep(tx, now); err != nil {
			return err
		}
		for key, limit := range keys {
			var old tries
			found := false
			if data, err := tx.Get("", kindSignInFail, key); err == nil {
				found = json.Unmarshal(data, &old) == nil
			} else if !errors.Is(err, iam.ErrNotFound) {
				return err
			}
			t := old
			if !found || now.Sub(old.Since) > failWindow || !old.LockedUntil.IsZero() && !now.Before(old.LockedUntil) {
				t = tries{Since: now}
			}
			t.N++
			if t.N >= limit {
				t.LockedUntil = now.Add(lockout)
			}
			if found && !old.end().Equal(t.end()) {
				if err := tx.Delete("", kindSignInFailEnd, endKey(old.end(), key)); err != nil && !errors.Is(err, iam.ErrNotFound) {
					return err
				}
			}
			data, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := tx.Put("", kindSignInFail, key, data); err != nil {
				return err
			}
			if err := tx.Put("", kindSignInFailEnd, endKey(t.end(), key), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.log.Error("console: recording a failed sign-in", "error", err)
	}
}

// sweep drops records that have ended, and the oldest past limiterMax.
func sweep(tx iam.Tx, now time.Time) error {
	excess := 0
	if n, err := tx.Count("", kindSignInFailEnd, ""); err != nil {
		return err
	} else if n >= limiterMax {
		excess = n - limiterMax + 1
	}
	var drop []string
	err := tx.Scan("", kindSignInFailEnd, "", "", limiterSweep+excess, func(k string, _ []byte) error {
		endText, _, _ := strings.Cut(k, "|")
		if end, err := strconv.ParseInt(endText, 10, 64); err == nil && end >= now.Unix() && len(drop) >= excess {
			return iam.ErrStop
		}
		drop = append(drop, k)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		_, key, _ := strings.Cut(k, "|")
		if err := tx.Delete("", kindSignInFailEnd, k); err != nil && !errors.Is(err, iam.ErrNotFound) {
			return err
		}
		// The record goes with its index entry only if this entry is its
		// current one (a record moved on has another).
		var t tries
		if data, err := tx.Get("", kindSignInFail, key); err == nil && json.Unmarshal(data, &t) == nil && endKey(t.end(), key) == k {
			if err := tx.Delete("", kindSignInFail, key); err != nil && !errors.Is(err, iam.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// clear forgets a key's failures (a successful sign-in).
func (l *limiter) clear(ctx context.Context, key string) {
	err := l.store().View(ctx, func(tx iam.Tx) error {
		_, err := tx.Get("", kindSignInFail, key)
		return err
	})
	if errors.Is(err, iam.ErrNotFound) {
		return // the usual case: no write
	}
	err = l.store().Update(ctx, func(tx iam.Tx) error {
		data, err := tx.Get("", kindSignInFail, key)
		if errors.Is(err, iam.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var t tries
		if json.Unmarshal(data, &t) == nil {
			if err := tx.Delete("", kindSignInFailEnd, endKey(t.end(), key)); err != nil && !errors.Is(err, iam.ErrNotFound) {
				return err
			}
		}
		return tx.Delete("", kindSignInFail, key)
	})
	if err != nil {
		l.log.Error("console: clearing failed sign-ins", "error", err)
	}
}
