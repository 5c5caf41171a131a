// Package auth authenticates requests: it verifies their SigV4 signature
// with the secret of the access key they name (the account root's, an IAM
// user's, or a session's) and says who the caller is.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/awserr"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/sigv4"
)

// Authenticator resolves the caller of a signed request.
type Authenticator struct {
	iam      *iam.Service
	verifier *sigv4.Verifier
	now      func() time.Time

	mu       sync.Mutex
	lastUsed map[string]time.Time // access key -> last recorded use
}

// New returns an authenticator over the IAM service's credentials.
func New(svc *iam.Service, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	a := &Authenticator{iam: svc, now: now, lastUsed: map[string]time.Time{}}
	a.verifier = &sigv4.Verifier{Secrets: secrets{a}, Now: now}
	return a
}

// InvalidClientTokenID is the error for an access key that does not exist
// or cannot be used.
func InvalidClientTokenID() error {
	return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
}

type secrets struct{ a *Authenticator }

func (s secrets) Secret(ctx context.Context, id, token string) (string, error) {
	cred, err := s.a.credential(ctx, id)
	if err != nil {
		return "", err
	}
	return cred.Secret, nil
}

type credKey struct{}

// credential looks a key up once per request (the verifier asks for the
// secret, Authenticate for the owner).
func (a *Authenticator) credential(ctx context.Context, id string) (*iam.Credential, error) {
	if c, ok := ctx.Value(credKey{}).(*credHolder); ok && c.cred != nil && c.cred.AccessKeyID == id {
		return c.cred, nil
	}
	cred, err := a.iam.LookupAccessKey(ctx, id)
	if err != nil {
		if errors.Is(err, iam.ErrNotFound) {
			return nil, InvalidClientTokenID()
		}
		if errors.Is(err, iam.ErrUnavailable) {
			return nil, awserr.Unavailable("The service is unavailable. Retry the request.")
		}
		return nil, awserr.ServiceFailure("credential lookup failed")
	}
	if !cred.Active {
		return nil, InvalidClientTokenID()
	}
	if c, ok := ctx.Value(credKey{}).(*credHolder); ok {
		c.cred = cred
	}
	return cred, nil
}

type credHolder struct{ cred *iam.Credential }

// Authenticate verifies the request's signature and returns its caller.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (*iam.Caller, *sigv4.Result, error) {
	holder := &credHolder{}
	ctx = context.WithValue(ctx, credKey{}, holder)
	res, err := a.verifier.Verify(ctx, r, body)
	if err != nil {
		return nil, nil, err
	}
	cred := holder.cred
	if cred == nil {
		if cred, err = a.credential(ctx, res.AccessKeyID); err != nil {
			return nil, nil, err
		}
	}
	partition := arn.PartitionForRegion(res.Region)
	c := &iam.Caller{Account: cred.Account, Partition: partition, Region: res.Region, AccessKey: cred.AccessKeyID}
	if cred.User == "" {
		c.Root = true
		c.ARN = arn.ARN{Partition: partition, Service: "iam", AccountID: cred.Account, Resource: "root"}.String()
	} else {
		u, err := a.iam.LookupUser(ctx, cred.Account, cred.User)
		if err != nil {
			return nil, nil, InvalidClientTokenID()
		}
		c.UserName = u.Name
		c.UserID = u.ID
		c.ARN = arn.ARN{Partition: partition, Service: "iam", AccountID: cred.Account, Resource: "user" + u.Path + u.Name}.String()
	}
	a.recordUse(cred.AccessKeyID, res)
	return c, res, nil
}

// recordUse notes the key's last use, at most once a minute per key so that
// reads do not become writes.
func (a *Authenticator) recordUse(id string, res *sigv4.Result) {
	now := a.now()
	a.mu.Lock()
	last, ok := a.lastUsed[id]
	if ok && now.Sub(last) < time.Minute {
		a.mu.Unlock()
		return
	}
	if len(a.lastUsed) > 100000 {
		a.lastUsed = map[string]time.Time{}
	}
	a.lastUsed[id] = now
	a.mu.Unlock()
	service := strings.ToLower(res.Service)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.iam.RecordAccessKeyUse(ctx, id, service, res.Region, now)
	}()
}
