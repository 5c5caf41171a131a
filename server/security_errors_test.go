package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/api/awserr"
	iamd "github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// lockedBuffer is a log sink the server writes to from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// failingStore fails, while armed, every write and every read of the
// kinds in failKinds, with an error that names the server's insides.
type failingStore struct {
	iamd.Store
	armed     *atomic.Bool
	failKinds map[string]bool
}

// storeFault is what the store says; none of it may reach a client.
const storeFault = "sqlite: disk I/O error on /srv/secret-volume/iamd.db (SQLITE_IOERR_WRITE)"

func (s failingStore) Update(ctx context.Context, fn func(tx iamd.Tx) error) error {
	if s.armed.Load() {
		return errors.New(storeFault)
	}
	return s.Store.Update(ctx, fn)
}

func (s failingStore) View(ctx context.Context, fn func(tx iamd.Tx) error) error {
	return s.Store.View(ctx, func(tx iamd.Tx) error { return fn(failingTx{tx, s}) })
}

type failingTx struct {
	iamd.Tx
	s failingStore
}

func (t failingTx) Get(account, kind, key string) ([]byte, error) {
	if t.s.armed.Load() && t.s.failKinds[kind] {
		return nil, errors.New(storeFault)
	}
	return t.Tx.Get(account, kind, key)
}

// TestInternalErrorsAnswerServiceFailure: a store failure reaches IAM and
// STS clients as AWS's ServiceFailure message only, and the log line
// carries the cause and the request id the client was given.
func TestInternalErrorsAnswerServiceFailure(t *testing.T) {
	var armed atomic.Bool
	logs := &lockedBuffer{}
	s := testServerWith(t, func(o *server.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		o.WrapStore = func(st iamd.Store) iamd.Store {
			return failingStore{Store: st, armed: &armed, failKinds: map[string]bool{"role": true}}
		}
	})
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))

	_, userKey, userSecret := newUser(t, s, root, "caller")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("caller"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))

	armed.Store(true)
	calls := []struct {
		name string
		call func() error
	}{
		{"iam CreateUser (a failed write)", func() error {
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
			return err
		}},
		{"iam GetRole (a failed read)", func() error {
			_, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker")})
			return err
		}},
		{"sts AssumeRole (a failed read)", func() error {
			_, err := stsClient(s, userKey, userSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::123456789012:role/worker"), RoleSessionName: aws.String("session")})
			return err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceFailure" || ae.ErrorMessage() != awserr.MsgServiceFailure {
				t.Fatalf("got %v, want ServiceFailure with AWS's message", err)
			}
			if strings.Contains(err.Error(), "sqlite") || strings.Contains(err.Error(), "secret-volume") {
				t.Fatalf("the client learnt the cause: %v", err)
			}
			id := requestIDOf(err)
			if id == "" {
				t.Fatalf("no request id in %v", err)
			}
			line := logLineWith(logs.String(), id)
			if !strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, "secret-volume") || !strings.Contains(line, `"msg":"internal error"`) {
				t.Fatalf("the log has no error line with the cause for request %s:\n%s", id, logs.String())
			}
		})
	}

	// Nothing was written, and the server serves again once the store does.
	armed.Store(false)
	_, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	wantCode(t, err, "NoSuchEntity")
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
}

// requestIDOf is the request id the server answered an SDK error with.
func requestIDOf(err error) string {
	var re interface{ ServiceRequestID() string }
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

// logLineWith is the "internal error" log line that names the request.
func logLineWith(logs, requestID string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"request_id":"`+requestID+`"`) && strings.Contains(line, "internal error") {
			return line
		}
	}
	return ""
}
