package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// putID records which entity a unique id belongs to, so principals stored
// by id in trust policies can be found again.
func putID(tx Tx, account, id, kind, name string) error {
	return tx.Put(account, kindByID, id, []byte(kind+"|"+name))
}

func deleteID(tx Tx, account, id string) error {
	err := tx.Delete(account, kindByID, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// EntityByID returns the kind ("user", "role", ...) and name an id belongs
// to.
func (s *Service) EntityByID(ctx context.Context, account, id string) (kind, name string, err error) {
	err = s.view(ctx, func(tx Tx) error {
		v, err := tx.Get(account, kindByID, id)
		if err != nil {
			return err
		}
		kind, name, _ = strings.Cut(string(v), "|")
		return nil
	})
	return kind, name, err
}

// CreateAccount creates an account with its root access key. It is
// idempotent for the same id, which keeps an existing account as it is.
func (s *Service) CreateAccount(ctx context.Context, id, rootKeyID, rootSecret string) (*Account, error) {
	var acct Account
	err := s.update(ctx, func(tx Tx) error {
		if err := getJSON(tx, "", kindAccount, id, &acct); err == nil {
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		acct = Account{ID: id, Created: s.now().UTC().Truncate(time.Second)}
		if err := insertJSON(tx, "", kindAccount, id, &acct); err != nil {
			return err
		}
		if rootKeyID == "" {
			return nil
		}
		return s.insertAccessKey(tx, &AccessKey{ID: rootKeyID, Account: id, Status: "Active", Created: acct.Created}, rootSecret)
	})
	return &acct, storeErr(err)
}

// CreateFirstAccount creates the account unless the store holds one
// already, in one transaction, so nodes starting together on an empty
// database agree on one account. It returns the account there is and
// whether this call created it.
func (s *Service) CreateFirstAccount(ctx context.Context, id, rootKeyID, rootSecret string) (*Account, bool, error) {
	var acct Account
	var created bool
	err := s.update(ctx, func(tx Tx) error {
		created = false
		found := false
		err := scanJSON(tx, "", kindAccount, "", "", 1, func(_ string, a *Account) error {
			acct, found = *a, true
			return nil
		})
		if err != nil || found {
			return err
		}
		acct = Account{ID: id, Created: s.now().UTC().Truncate(time.Second), First: true}
		if err := insertJSON(tx, "", kindAccount, id, &acct); err != nil {
			return err
		}
		created = true
		if rootKeyID == "" {
			return nil
		}
		return s.insertAccessKey(tx, &AccessKey{ID: rootKeyID, Account: id, Status: "Active", Created: acct.Created}, rootSecret)
	})
	return &acct, created, storeErr(err)
}

// Accounts lists the accounts hosted here.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := s.view(ctx, func(tx Tx) error {
		return scanJSON(tx, "", kindAccount, "", "", 0, func(_ string, a *Account) error {
			out = append(out, *a)
			return nil
		})
	})
	return out, err
}

// DefaultAccount is the account a store serves when none is named: the
// one it was created with (marked First), else (a store from before the
// mark) the oldest, the lowest id among those created in the same second.
// Accounts that iamd account create adds later never displace it, whatever
// their ids. ok is false when there are none.
func DefaultAccount(accounts []Account) (Account, bool) {
	if len(accounts) == 0 {
		return Account{}, false
	}
	best := accounts[0]
	for _, a := range accounts[1:] {
		switch {
		case a.First != best.First:
			if a.First {
				best = a
			}
		case a.Created.Before(best.Created), a.Created.Equal(best.Created) && a.ID < best.ID:
			best = a
		}
	}
	return best, true
}

// GetAccount returns one account.
func (s *Service) GetAccount(ctx context.Context, id string) (*Account, error) {
	shared, err := cachedRecord[Account](ctx, s, "", kindAccount, id)
	if errors.Is(err, ErrNotFound) {
		return &Account{}, iamapi.NoSuchEntity("The account %s cannot be found.", id)
	}
	if err != nil {
		return &Account{}, err
	}
	a := *shared // callers may change theirs
	return &a, nil
}

func (s *Service) accountCreated(ctx context.Context, id string) time.Time {
	if a, err := s.GetAccount(ctx, id); err == nil {
		return a.Created
	}
	return time.Time{}
}

// kindDeletedRootKey remembers the root keys deleted through the API
// (global: key id), so that a start-up given the key does not bring it
// back.
const kindDeletedRootKey = "deleted-root-key"

type deletedRootKey struct {
	Account string    `json:"account"`
	Deleted time.Time `json:"deleted"`
}

func (s *Service) rememberDeletedRootKey(tx Tx, k *AccessKey) error {
	return putJSON(tx, "", kindDeletedRootKey, k.ID, &deletedRootKey{Account: k.Account, Deleted: s.now().UTC().Truncate(time.Second)})
}

// What EnsureRootKey found instead of a usable key: the key stays as it
// is, and the operator should be told.
var (
	// ErrRootKeyDeleted: the key was deleted through the API; it is not
	// created again (a new key id gives the account a root key again).
	ErrRootKeyDeleted = errors.New("the root access key was deleted through the API")
	// ErrRootKeyInactive: the key exists but was deactivated.
	ErrRootKeyInactive = errors.New("the root access key is inactive")
	// ErrRootSecretMismatch: the key exists with another secret, which
	// stays the key's secret.
	ErrRootSecretMismatch = errors.New("the root access key exists with another secret")
)

// EnsureRootKey adds a root access key to an account unless it exists.
// A key deleted through the API is not added again: EnsureRootKey returns
// an error wrapping ErrRootKeyDeleted. ErrRootKeyInactive and
// ErrRootSecretMismatch say that the key exists but that id and secret
// do not sign requests.
func (s *Service) EnsureRootKey(ctx context.Context, account, id, secret string) error {
	var found error // not a failure of the transaction: update would turn it into ServiceFailure
	err := s.update(ctx, func(tx Tx) error {
		found = nil
		var k AccessKey
		err := getJSON(tx, "", kindAccessKey, id, &k)
		switch {
		case err == nil && k.Account == account && k.User == "":
			if stored, err := s.sealer.Open(k.Secret, k.ID); err != nil || subtle.ConstantTimeCompare([]byte(stored), []byte(secret)) != 1 {
				found = fmt.Errorf("access key %s: %w", id, ErrRootSecretMismatch)
			} else if k.Status != "Active" {
				found = fmt.Errorf("access key %s: %w", id, ErrRootKeyInactive)
			}
			return nil
		case err == nil:
			return iamapi.EntityAlreadyExists("Access key %s belongs to another principal.", id)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		var gone deletedRootKey
		if err := getJSON(tx, "", kindDeletedRootKey, id, &gone); err == nil {
			found = fmt.Errorf("access key %s of account %s, on %s: %w", id, gone.Account, gone.Deleted.Format(time.RFC3339), ErrRootKeyDeleted)
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if _, err := tx.Get("", kindAccount, account); err != nil {
			return err
		}
		return s.insertAccessKey(tx, &AccessKey{ID: id, Account: account, Status: "Active", Created: s.now().UTC().Truncate(time.Second)}, secret)
	})
	if err != nil {
		return err
	}
	return found
}
