package sts_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/sqlite"
	"github.com/iamd/iamd/sts"
	"github.com/iamd/iamd/totp"
)

const account = "123456789012"

// fixture is the STS service as the server wires it, over a real IAM
// service on SQLite, with a clock the test moves.
type fixture struct {
	t       *testing.T
	svc     *iam.Service
	decider *authz.Decider
	tokens  *sts.Tokens
	sts     *sts.Service
	root    context.Context

	mu  sync.Mutex
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := seal.NewSealer(map[string][]byte{"k1": seal.NewSealKey()}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := feed.NewWatcher(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, now: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)}
	f.svc = iam.New(st, iam.Options{Sealer: sealer, Watcher: w, Now: f.clock})
	if _, _, err := f.svc.CreateFirstAccount(ctx, account, "AKIAROOTKEY000000001", "root-secret"); err != nil {
		t.Fatal(err)
	}
	f.decider = authz.New(f.svc, authz.NewView(f.svc, w))
	guard := iam.NewGuard(f.svc, f.decider, f.decider)
	f.tokens = sts.NewTokens(sealer)
	f.sts = sts.New(f.svc, guard, f.decider, f.tokens, sts.Options{Now: f.clock})
	f.root = iam.WithCaller(ctx, rootCaller())
	return f
}

func rootCaller() *iam.Caller {
	return &iam.Caller{Account: account, Partition: "aws", Root: true, UserID: account, ARN: "arn:aws:iam::" + account + ":root", Region: "us-east-1"}
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// user creates a user with inline policies and returns a context with it
// as the caller.
func (f *fixture) user(name string, inline ...string) (context.Context, *iam.Caller) {
	f.t.Helper()
	out, err := f.svc.CreateUser(f.root, &iamapi.CreateUserInput{UserName: name})
	f.must(err)
	for i, doc := range inline {
		f.must(f.svc.PutUserPolicy(f.root, &iamapi.PutUserPolicyInput{UserName: name, PolicyName: name + "-" + string(rune('a'+i)), PolicyDocument: doc}))
	}
	c := &iam.Caller{Account: account, Partition: "aws", ARN: out.User.Arn, UserName: name, UserID: out.User.UserId, Region: "us-east-1"}
	return iam.WithCaller(context.Background(), c), c
}

// role creates a role; maxSession 0 keeps AWS's default (an hour).
func (f *fixture) role(name, trust string, maxSession int32, inline ...string) string {
	f.t.Helper()
	in := &iamapi.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust}
	if maxSession > 0 {
		in.MaxSessionDuration = &maxSession
	}
	out, err := f.svc.CreateRole(f.root, in)
	f.must(err)
	for i, doc := range inline {
		f.must(f.svc.PutRolePolicy(f.root, &iamapi.PutRolePolicyInput{RoleName: name, PolicyName: name + "-" + string(rune('a'+i)), PolicyDocument: doc}))
	}
	return out.Role.Arn
}

// mfa gives the user an enabled virtual MFA device and returns its serial
// and a function for the device's code now.
func (f *fixture) mfa(user string) (string, func() string) {
	f.t.Helper()
	out, err := f.svc.CreateVirtualMFADevice(f.root, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: user + "-mfa"})
	f.must(err)
	seed := string(out.VirtualMFADevice.Base32StringSeed)
	code := func(counter int64) string {
		c, err := totp.Code(seed, counter)
		f.must(err)
		return c
	}
	n := totp.Counter(f.clock())
	f.must(f.svc.EnableMFADevice(f.root, &iamapi.EnableMFADeviceInput{UserName: user, SerialNumber: out.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: code(n - 1), AuthenticationCode2: code(n)}))
	f.advance(totp.Step) // the codes used to enable are spent
	return out.VirtualMFADevice.SerialNumber, func() string { return code(totp.Counter(f.clock())) }
}

// open reads back the session of issued credentials.
func (f *fixture) open(accessKeyID, token string) *iam.Session {
	f.t.Helper()
	s, err := f.tokens.Open(token, accessKeyID, f.clock())
	f.must(err)
	return s
}

// as is a context whose caller acts through the session of credentials.
func (f *fixture) as(accessKeyID, token string) context.Context {
	f.t.Helper()
	s := f.open(accessKeyID, token)
	c := &iam.Caller{Account: s.Account, Partition: "aws", AccessKey: accessKeyID, Session: s, Region: "us-east-1"}
	switch s.Type {
	case iam.SessionAssumedRole:
		c.ARN = "arn:aws:sts::" + s.Account + ":assumed-role/" + s.RoleName + "/" + s.SessionName
		c.UserID = s.RoleID + ":" + s.SessionName
	case iam.SessionFederatedUser:
		c.ARN = "arn:aws:sts::" + s.Account + ":federated-user/" + s.FederatedName
		c.UserID = s.Account + ":" + s.FederatedName
	case iam.SessionToken:
		c.UserName, c.UserID = s.UserName, s.UserID
		c.ARN = "arn:aws:iam::" + s.Account + ":user/" + s.UserName
		if s.UserName == "" {
			c.Root, c.UserID, c.ARN = true, s.Account, "arn:aws:iam::"+s.Account+":root"
		}
	}
	return iam.WithCaller(context.Background(), c)
}

func awsCode(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code, e.Message
	}
	return "not an AWS error", err.Error()
}

func is(err error, code, msg string) bool {
	c, m := awsCode(err)
	return c == code && (msg == "" || m == msg)
}

func ptr[T any](v T) *T { return &v }

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}
