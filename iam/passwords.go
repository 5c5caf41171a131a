package iam

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/iamd/iamd/api/iamapi"
)

// Console passwords (login profiles) and the account password policy.
// Passwords are stored as salted PBKDF2-SHA256 hashes sealed with the
// seal key (sealedHashPrefix + Sealer.Seal(hash, passwordContext)), so a
// copy of the store without the key gives nothing to guess offline and a
// hash cannot be moved to another user. Hashes stored before they were
// sealed ("pbkdf2-sha256$…") still verify and are rewritten sealed when
// the password is next checked successfully.

const pbkdf2Iterations = 100_000

// sealedHashPrefix marks a sealed hash.
const sealedHashPrefix = "sealed:"

// passwordContext binds a sealed hash to its user, by unique id (stable
// across renames).
func passwordContext(account, userID string) string {
	return "login-profile|" + account + "|" + userID
}

func (s *Service) hashPassword(account, userID, password string) string {
	salt := make([]byte, 16)
	mustRead(salt)
	key, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		panic(err)
	}
	hash := "pbkdf2-sha256$" + strconv.Itoa(pbkdf2Iterations) + "$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	return sealedHashPrefix + s.sealer.Seal(hash, passwordContext(account, userID))
}

// checkPassword tells whether password is the one hashed, and whether the
// stored hash is of the old, unsealed form and should be rewritten.
func (s *Service) checkPassword(account, userID, stored, password string) (ok, rewrite bool) {
	hash := stored
	if sealed, isSealed := strings.CutPrefix(stored, sealedHashPrefix); isSealed {
		opened, err := s.sealer.Open(sealed, passwordContext(account, userID))
		if err != nil {
			return false, false
		}
		hash = opened
	} else {
		rewrite = true
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false, false
	}
	iter, err1 := strconv.Atoi(parts[1])
	salt, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err3 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || iter < 1 || iter > 10*pbkdf2Iterations {
		return false, false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	ok = err == nil && subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (rewrite || iter != pbkdf2Iterations)
}

// CheckLoginPassword tells whether password is a user's console password
// (for a sign-in page), rewriting an old-form hash sealed when it is.
func (s *Service) CheckLoginPassword(ctx context.Context, account, userName, password string) (bool, error) {
	var ok bool
	err := s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, account, userName)
		if err != nil {
			return err
		}
		p, err := getLoginProfile(tx, account, u.Name)
		if err != nil {
			return err
		}
		var rewrite bool
		if ok, rewrite = s.checkPassword(account, u.ID, p.PasswordHash, password); !rewrite {
			return nil
		}
		p.PasswordHash = s.hashPassword(account, u.ID, password)
		return putJSON(tx, account, kindLoginProfile, lower(p.User), p)
	})
	return ok, err
}

var errPolicyViolation = iamapi.PasswordPolicyViolation("Password does not conform to the account password policy.")

// checkPasswordPolicy applies the account's policy, or AWS's default one
// (at least 8 characters, three of: upper case, lower case, digits,
// symbols) when the account has none.
func checkPasswordPolicy(p *PasswordPolicy, password string) error {
	var upper, lowerC, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lowerC = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	if p == nil {
		kinds := 0
		for _, b := range []bool{upper, lowerC, digit, symbol} {
			if b {
				kinds++
			}
		}
		if len(password) < 8 || kinds < 3 {
			return errPolicyViolation
		}
		return nil
	}
	if len(password) < p.MinimumPasswordLength || p.RequireUppercaseCharacters && !upper || p.RequireLowercaseCharacters && !lowerC ||
		p.RequireNumbers && !digit || p.RequireSymbols && !symbol {
		return errPolicyViolation
	}
	return nil
}

// updateAccount changes an account's record in one transaction.
func (s *Service) updateAccount(ctx context.Context, id string, change func(tx Tx, a *Account) error) error {
	return s.update(ctx, func(tx Tx) error {
		a, err := s.account(tx, id)
		if err != nil {
			return err
		}
		if err := change(tx, a); err != nil {
			return err
		}
		return putJSON(tx, "", kindAccount, a.ID, a)
	})
}

func (s *Service) account(tx Tx, id string) (*Account, error) {
	var a Account
	if err := getJSON(tx, "", kindAccount, id, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func (p *LoginProfile) api() iamapi.LoginProfile {
	return iamapi.LoginProfile{UserName: p.User, CreateDate: p.Created, PasswordResetRequired: ptr(p.ResetRequired)}
}

func getLoginProfile(tx Tx, account, user string) (*LoginProfile, error) {
	var p LoginProfile
	if err := getJSON(tx, account, kindLoginProfile, lower(user), &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, iamapi.NoSuchEntity("Login Profile for User %s cannot be found.", user)
		}
		return nil, err
	}
	return &p, nil
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, in *iamapi.CreateLoginProfileInput) (*iamapi.CreateLoginProfileOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if in.Password == nil {
		return nil, iamapi.InvalidInput("Password is required to create a login profile.")
	}
	var p *LoginProfile
	err = s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, user)
		if err != nil {
			return err
		}
		a, err := s.account(tx, c.Account)
		if err != nil {
			return err
		}
		if err := checkPasswordPolicy(a.PasswordPolicy, *in.Password); err != nil {
			return err
		}
		p = &LoginProfile{User: u.Name, PasswordHash: s.hashPassword(c.Account, u.ID, *in.Password), Created: s.now().UTC().Truncate(time.Second),
			ResetRequired: orDefault(in.PasswordResetRequired, false)}
		if err := insertJSON(tx, c.Account, kindLoginProfile, lower(u.Name), p); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("Login Profile for user %s already exists.", u.Name)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateLoginProfileOutput{LoginProfile: p.api()}, nil
}

// GetLoginProfile tells whether a user has a console password.
func (s *Service) GetLoginProfile(ctx context.Context, in *iamapi.GetLoginProfileInput) (*iamapi.GetLoginProfileOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	var p *LoginProfile
	err = s.view(ctx, func(tx Tx) error {
		if _, err := getUser(tx, c.Account, user); err != nil {
			return err
		}
		p, err = getLoginProfile(tx, c.Account, user)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetLoginProfileOutput{LoginProfile: p.api()}, nil
}

// UpdateLoginProfile changes a user's password or its reset flag.
func (s *Service) UpdateLoginProfile(ctx context.Context, in *iamapi.UpdateLoginProfileInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		p, err := getLoginProfile(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if in.Password != nil {
			a, err := s.account(tx, c.Account)
			if err != nil {
				return err
			}
			if err := checkPasswordPolicy(a.PasswordPolicy, *in.Password); err != nil {
				return err
			}
			p.PasswordHash = s.hashPassword(c.Account, u.ID, *in.Password)
			p.Changed = ptr(s.now().UTC().Truncate(time.Second))
		}
		if in.PasswordResetRequired != nil {
			p.ResetRequired = *in.PasswordResetRequired
		}
		return putJSON(tx, c.Account, kindLoginProfile, lower(p.User), p)
	})
}

// DeleteLoginProfile removes a user's console password.
func (s *Service) DeleteLoginProfile(ctx context.Context, in *iamapi.DeleteLoginProfileInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getUser(tx, c.Account, user); err != nil {
			return err
		}
		if _, err := getLoginProfile(tx, c.Account, user); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindLoginProfile, lower(user))
	})
}

// ChangePassword lets an IAM user change their own password.
func (s *Service) ChangePassword(ctx context.Context, in *iamapi.ChangePasswordInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	if c.UserName == "" {
		return iamapi.InvalidUserType("Only IAM users can change their own password.")
	}
	// Wrong old passwords are guesses: limited per user as MFA codes are.
	now, guessKey := s.now(), "password|"+c.Account+"|"+c.UserID
	if s.callerLocked(guessKey, now) {
		return iamapi.LimitExceeded("Too many incorrect passwords; try again later.")
	}
	err = s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, c.UserName)
		if err != nil {
			return err
		}
		p, err := getLoginProfile(tx, c.Account, c.UserName)
		if err != nil {
			return err
		}
		if ok, _ := s.checkPassword(c.Account, u.ID, p.PasswordHash, in.OldPassword); !ok {
			return errWrongPassword
		}
		a, err := s.account(tx, c.Account)
		if err != nil {
			return err
		}
		if a.PasswordPolicy != nil && !a.PasswordPolicy.AllowUsersToChangePassword {
			return iamapi.InvalidInput("The account password policy does not allow users to change their password.")
		}
		if err := checkPasswordPolicy(a.PasswordPolicy, in.NewPassword); err != nil {
			return err
		}
		p.PasswordHash, p.ResetRequired = s.hashPassword(c.Account, u.ID, in.NewPassword), false // sealed, whatever the old form
		p.Changed = ptr(s.now().UTC().Truncate(time.Second))
		return putJSON(tx, c.Account, kindLoginProfile, lower(p.User), p)
	})
	if errors.Is(err, errWrongPassword) {
		s.callerFailed(guessKey, now)
		noteEvent(ctx, "PasswordFailure", "incorrectOldPassword")
	}
	return err
}

// usersMayChangePassword reports whether the account's password policy
// lets users change their own password (false when it cannot be read:
// the grant is then left to the user's policies).
func (s *Service) usersMayChangePassword(ctx context.Context, account string) bool {
	var a *Account
	err := s.view(ctx, func(tx Tx) error {
		var err error
		a, err = s.account(tx, account)
		return err
	})
	return err == nil && a != nil && a.PasswordPolicy != nil && a.PasswordPolicy.AllowUsersToChangePassword
}

var errWrongPassword = iamapi.InvalidInput("The old password is incorrect.")

// UpdateAccountPasswordPolicy sets the password policy; parameters left
// out take AWS's defaults.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, in *iamapi.UpdateAccountPasswordPolicyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	p := &PasswordPolicy{
		MinimumPasswordLength:      int(orDefault(in.MinimumPasswordLength, 6)),
		RequireSymbols:             orDefault(in.RequireSymbols, false),
		RequireNumbers:             orDefault(in.RequireNumbers, false),
		RequireUppercaseCharacters: orDefault(in.RequireUppercaseCharacters, false),
		RequireLowercaseCharacters: orDefault(in.RequireLowercaseCharacters, false),
		AllowUsersToChangePassword: orDefault(in.AllowUsersToChangePassword, false),
		MaxPasswordAge:             int(orDefault(in.MaxPasswordAge, 0)),
		PasswordReusePrevention:    int(orDefault(in.PasswordReusePrevention, 0)),
		HardExpiry:                 in.HardExpiry,
	}
	return s.updateAccount(ctx, c.Account, func(_ Tx, a *Account) error {
		a.PasswordPolicy = p
		return nil
	})
}

// GetAccountPasswordPolicy returns the password policy.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, _ *iamapi.GetAccountPasswordPolicyInput) (*iamapi.GetAccountPasswordPolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var a *Account
	if err := s.view(ctx, func(tx Tx) error { a, err = s.account(tx, c.Account); return err }); err != nil {
		return nil, err
	}
	p := a.PasswordPolicy
	if p == nil {
		return nil, iamapi.NoSuchEntity("The Password Policy with domain name %s cannot be found.", c.Account)
	}
	out := iamapi.PasswordPolicy{
		MinimumPasswordLength: ptr(int32(p.MinimumPasswordLength)), RequireSymbols: ptr(p.RequireSymbols),
		RequireNumbers: ptr(p.RequireNumbers), RequireUppercaseCharacters: ptr(p.RequireUppercaseCharacters),
		RequireLowercaseCharacters: ptr(p.RequireLowercaseCharacters), AllowUsersToChangePassword: ptr(p.AllowUsersToChangePassword),
		ExpirePasswords: ptr(p.MaxPasswordAge > 0), HardExpiry: p.HardExpiry,
	}
	if p.MaxPasswordAge > 0 {
		out.MaxPasswordAge = ptr(int32(p.MaxPasswordAge))
	}
	if p.PasswordReusePrevention > 0 {
		out.PasswordReusePrevention = ptr(int32(p.PasswordReusePrevention))
	}
	return &iamapi.GetAccountPasswordPolicyOutput{PasswordPolicy: out}, nil
}

// DeleteAccountPasswordPolicy removes the password policy.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, _ *iamapi.DeleteAccountPasswordPolicyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.updateAccount(ctx, c.Account, func(_ Tx, a *Account) error {
		if a.PasswordPolicy == nil {
			return iamapi.NoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
		}
		a.PasswordPolicy = nil
		return nil
	})
}
