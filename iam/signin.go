package iam

import (
	"context"
	"time"
)

// What a console sign-in needs of the domain beyond the API: recording
// the password's use, and the password policy's expiry.

// RecordPasswordUse notes that a user signed in with its password at t,
// as AWS does (GetUser's PasswordLastUsed, the credential report's
// password_last_used).
func (s *Service) RecordPasswordUse(ctx context.Context, account, userName string, t time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, account, userName)
		if err != nil {
			return err
		}
		at := t.UTC().Truncate(time.Second)
		u.PasswordLastUsed = &at
		return putJSON(tx, account, kindUser, lower(u.Name), u)
	})
}

// PasswordExpiry is what the password policy says of a user's password
// at sign-in.
type PasswordExpiry int

// The answers of CheckPasswordExpiry.
const (
	PasswordCurrent     PasswordExpiry = iota // within MaxPasswordAge, or no expiry
	PasswordMustChange                        // expired: change it before going on
	PasswordHardExpired                       // expired under HardExpiry: an administrator must reset it
)

// MsgPasswordHardExpired is AWS's sign-in page's answer to a password
// expired under HardExpiry.
const MsgPasswordHardExpired = "Your password has expired. Contact your administrator to reset your password."

// CheckPasswordExpiry tells whether a user's password is older than the
// account's MaxPasswordAge at now. Its age counts from when it was last
// set (created, reset by an administrator, or changed by the user).
func (s *Service) CheckPasswordExpiry(ctx context.Context, account, userName string, now time.Time) (PasswordExpiry, error) {
	var out PasswordExpiry
	err := s.view(ctx, func(tx Tx) error {
		a, err := s.account(tx, account)
		if err != nil {
			return err
		}
		p := a.PasswordPolicy
		if p == nil || p.MaxPasswordAge <= 0 {
			return nil
		}
		lp, err := getLoginProfile(tx, account, userName)
		if err != nil {
			return err
		}
		if now.Before(lp.passwordSet().AddDate(0, 0, p.MaxPasswordAge)) {
			return nil
		}
		out = PasswordMustChange
		if p.HardExpiry != nil && *p.HardExpiry {
			out = PasswordHardExpired
		}
		return nil
	})
	return out, err
}

// passwordSet is when the password was last set.
func (p *LoginProfile) passwordSet() time.Time {
	if p.Changed != nil && p.Changed.After(p.Created) {
		return *p.Changed
	}
	return p.Created
}
