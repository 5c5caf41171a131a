package iam_test

import (
	"context"
	"testing"

	"github.com/iamd/iamd/iam"
)

// TestCallState: a call's caller and event noter travel in one context
// value; WithCaller and WithEventNoter each keep what the other set.
func TestCallState(t *testing.T) {
	alice := &iam.Caller{Account: "123456789012", UserName: "alice"}
	bob := &iam.Caller{Account: "123456789012", UserName: "bob"}
	notes := &iam.EventNotes{}
	other := &iam.EventNotes{}
	bg := context.Background()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		caller *iam.Caller
		noter  iam.EventNoter
	}{
		{"nothing", bg, nil, nil},
		{"state", iam.WithCallState(bg, &iam.CallState{Caller: alice, Events: notes}), alice, notes},
		{"state without caller", iam.WithCallState(bg, &iam.CallState{Events: notes}), nil, notes},
		{"caller", iam.WithCaller(bg, alice), alice, nil},
		{"noter", iam.WithEventNoter(bg, notes), nil, notes},
		{"caller over noter", iam.WithCaller(iam.WithEventNoter(bg, notes), alice), alice, notes},
		{"noter over caller", iam.WithEventNoter(iam.WithCaller(bg, alice), notes), alice, notes},
		{"caller over state", iam.WithCaller(iam.WithCallState(bg, &iam.CallState{Caller: alice, Events: notes}), bob), bob, notes},
		{"noter over state", iam.WithEventNoter(iam.WithCallState(bg, &iam.CallState{Caller: alice, Events: notes}), other), alice, other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := iam.CallerFrom(tc.ctx)
			if c != tc.caller || ok != (tc.caller != nil) {
				t.Errorf("CallerFrom = %v, %v, want %v", c, ok, tc.caller)
			}
			if n := iam.EventNoterFrom(tc.ctx); n != tc.noter {
				t.Errorf("EventNoterFrom = %v, want %v", n, tc.noter)
			}
		})
	}
}

// TestCallStateParentUnchanged: deriving a context with another caller
// leaves the parent's state as it was.
func TestCallStateParentUnchanged(t *testing.T) {
	alice := &iam.Caller{Account: "123456789012", UserName: "alice"}
	state := &iam.CallState{Caller: alice}
	parent := iam.WithCallState(context.Background(), state)
	_ = iam.WithCaller(parent, &iam.Caller{Account: "123456789012", UserName: "bob"})
	if c, _ := iam.CallerFrom(parent); c != alice || state.Caller != alice {
		t.Errorf("parent's caller = %v", c)
	}
}
