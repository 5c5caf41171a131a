package sts

import (
	"bytes"
	"testing"
	"time"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
)

// A token carries the id of the user or role it was issued for, which
// authentication compares with the principal's current id.
func TestTokenCarriesPrincipalID(t *testing.T) {
	sealer, err := seal.NewSealer(map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := NewTokens(sealer)
	now := time.Now().UTC().Truncate(time.Second)
	for _, sess := range []*iam.Session{
		{Type: iam.SessionToken, Account: "123456789012", UserName: "bob", UserID: "AIDABOB", Expires: now.Add(time.Hour)},
		{Type: iam.SessionFederatedUser, Account: "123456789012", UserName: "bob", UserID: "AIDABOB", FederatedName: "f", Expires: now.Add(time.Hour)},
		{Type: iam.SessionAssumedRole, Account: "123456789012", RoleName: "r", RoleID: "AROAR", SessionName: "s", Expires: now.Add(time.Hour)},
	} {
		sess.AccessKeyID = newSessionKeyID(sess.Account)
		tok, err := tokens.Seal(sess)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tokens.Open(tok, sess.AccessKeyID, now)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != sess.UserID || got.RoleID != sess.RoleID || got.UserName != sess.UserName || got.RoleName != sess.RoleName {
			t.Errorf("%s: opened %+v", sess.Type, got)
		}
	}
}

// userIDOf binds a session to the calling user's id, and to no user for
// the root user.
func TestUserIDOf(t *testing.T) {
	for _, c := range []struct {
		caller iam.Caller
		want   string
	}{
		{iam.Caller{UserName: "bob", UserID: "AIDABOB"}, "AIDABOB"},
		{iam.Caller{Root: true, UserID: "123456789012"}, ""},
	} {
		if got := userIDOf(&c.caller); got != c.want {
			t.Errorf("userIDOf(%+v) = %q, want %q", c.caller, got, c.want)
		}
	}
}
