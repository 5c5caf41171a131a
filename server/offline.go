package server

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
)

// Offline is a store opened by a command that writes it without serving
// it (iamd import --data): the IAM operations, the Guard they are
// authorized by, and the account's root user as the caller.
//
// The caller is the root user because whoever can write the data
// directory (or holds the database's credentials) owns every account in
// it already; the Guard still runs every call, and its authorizer refuses
// all that the root user's own rule does not let through, so a caller
// other than root would fail closed.
type Offline struct {
	IAM     *iam.Service
	Guard   *iam.Guard
	Account string
	Created bool // the store held no account: this open created it
	Caller  iam.Caller

	closers []io.Closer
}

// OpenOffline opens the store the options name for an offline writer:
// SQLite in opt.DataDir only when no other process holds the directory
// (LockDataDir: iamd serve holds it while it runs), or PostgreSQL
// (opt.Store), whose nodes see the writes through the change feed like
// any other node's. The account is opt.AccountID, else the store's
// default one; a store without accounts gets one (opt.AccountID, else a
// random id) without root keys.
func OpenOffline(ctx context.Context, opt Options) (*Offline, error) {
	o := &Offline{}
	if opt.Store == "" {
		lock, err := LockDataDir(opt.DataDir)
		if err != nil {
			return nil, err
		}
		o.closers = append(o.closers, lock)
	}
	st, sealer, _, err := openKeyedStore(ctx, opt)
	if err != nil {
		o.Close()
		return nil, err
	}
	// The store closes before the lock is released.
	o.closers = append([]io.Closer{st}, o.closers...)
	o.IAM = iam.New(st, iam.Options{Sealer: sealer, Quotas: opt.Quotas, Now: opt.Now})
	o.Guard = iam.NewGuard(o.IAM, refuseAll{}, nil)
	if err := o.useAccount(ctx, opt.AccountID); err != nil {
		o.Close()
		return nil, err
	}
	partition := opt.Partition
	if partition == "" {
		partition = "aws"
	}
	o.Caller = iam.Caller{Account: o.Account, Partition: partition, Root: true,
		ARN: arn.ARN{Partition: partition, Service: "iam", AccountID: o.Account, Resource: "root"}.String()}
	return o, nil
}

func (o *Offline) useAccount(ctx context.Context, id string) error {
	accounts, err := o.IAM.Accounts(ctx)
	if err != nil {
		return err
	}
	first, ok := iam.DefaultAccount(accounts)
	switch {
	case !ok:
		newID := id
		if newID == "" {
			newID = iam.NewAccountID()
		}
		acct, created, err := o.IAM.CreateFirstAccount(ctx, newID, "", "")
		if err != nil || created || id == "" {
			o.Account, o.Created = acct.ID, created
			return err
		}
		// Another node made the first account meanwhile: the named one
		// must exist, as below.
	case id == "":
		o.Account = first.ID
		return nil
	}
	if _, err := o.IAM.GetAccount(ctx, id); err != nil {
		return err
	}
	o.Account = id
	return nil
}

// Close closes the store and releases the data directory.
func (o *Offline) Close() error {
	var err error
	for _, c := range o.closers {
		err = errors.Join(err, c.Close())
	}
	o.closers = nil
	return err
}

// refuseAll is the authorizer behind an offline Guard: it decides
// nothing but refusal, so only what the root user's own rule admits runs.
type refuseAll struct{}

func (refuseAll) Authorize(context.Context, *iam.AuthzRequest) error {
	return awserr.New("AccessDenied", http.StatusForbidden, "An offline import acts only as the account's root user.")
}
