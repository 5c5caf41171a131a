package authz_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/sqlite"
)

const (
	account = "123456789012"
	other   = "210987654321"
)

// fixture is a real service over a SQLite store in a temporary directory,
// with the decider the server builds (a view fed by the change feed).
type fixture struct {
	t       *testing.T
	root    context.Context // the account's root user
	svc     *iam.Service
	watcher *feed.Watcher
	decider *authz.Decider
	sealer  *seal.Sealer
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
	svc := iam.New(st, iam.Options{Sealer: sealer, Watcher: w})
	if _, _, err := svc.CreateFirstAccount(ctx, account, "AKIAROOTKEY000000001", "root-secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateAccount(ctx, other, "AKIAROOTKEY000000002", "other-secret"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, svc: svc, watcher: w, sealer: sealer,
		root:    iam.WithCaller(ctx, rootCaller(account)),
		decider: authz.New(svc, authz.NewView(svc, w))}
	return f
}

func rootCaller(acct string) *iam.Caller {
	return &iam.Caller{Account: acct, Partition: "aws", Root: true, UserID: acct, ARN: "arn:aws:iam::" + acct + ":root"}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// in runs fn as the root user of acct.
func (f *fixture) in(acct string) context.Context {
	return iam.WithCaller(context.Background(), rootCaller(acct))
}

func (f *fixture) user(name string, inline ...string) *iam.Caller {
	return f.userIn(account, name, inline...)
}

// userIn creates a user with inline policies and returns it as a caller.
func (f *fixture) userIn(acct, name string, inline ...string) *iam.Caller {
	f.t.Helper()
	ctx := f.in(acct)
	out, err := f.svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: name})
	f.must(err)
	for i, doc := range inline {
		f.must(f.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: name, PolicyName: name + "-" + string(rune('a'+i)), PolicyDocument: doc}))
	}
	return &iam.Caller{Account: acct, Partition: "aws", ARN: out.User.Arn, UserName: name, UserID: out.User.UserId}
}

// managed creates a customer managed policy and returns its ARN.
func (f *fixture) managed(name, doc string) string {
	f.t.Helper()
	out, err := f.svc.CreatePolicy(f.root, &iamapi.CreatePolicyInput{PolicyName: name, PolicyDocument: doc})
	f.must(err)
	return *out.Policy.Arn
}

// role creates a role with inline policies.
func (f *fixture) role(name, trust string, inline ...string) *iam.Role {
	f.t.Helper()
	_, err := f.svc.CreateRole(f.root, &iamapi.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust})
	f.must(err)
	for i, doc := range inline {
		f.must(f.svc.PutRolePolicy(f.root, &iamapi.PutRolePolicyInput{RoleName: name, PolicyName: name + "-" + string(rune('a'+i)), PolicyDocument: doc}))
	}
	r, err := f.svc.LookupRole(f.root, account, name)
	f.must(err)
	return r
}

// session is a caller acting through a session of the role.
func session(r *iam.Role, name string, mod func(*iam.Session)) *iam.Caller {
	s := &iam.Session{Type: iam.SessionAssumedRole, Account: account, RoleName: r.Name, RoleID: r.ID, SessionName: name}
	if mod != nil {
		mod(s)
	}
	return &iam.Caller{Account: account, Partition: "aws", ARN: "arn:aws:sts::" + account + ":assumed-role/" + r.Name + "/" + name,
		UserID: r.ID + ":" + name, Session: s}
}

// decide explains a request of c; resourcePolicy may be "".
func (f *fixture) decide(c *iam.Caller, action, resource, resourceAccount, resourcePolicy string) (*policy.Explanation, error) {
	f.t.Helper()
	var set *policy.Set
	if resourcePolicy != "" {
		doc, err := policy.Parse([]byte(resourcePolicy))
		f.must(err)
		set = policy.NewSet(policy.Compile(doc, policy.Source{ID: "resource", Type: "resource"}))
	}
	if resourceAccount == "" {
		resourceAccount = c.Account
	}
	return f.decider.Decide(context.Background(), &iam.AuthzRequest{Caller: c, Action: action, Resource: resource, ResourceAccount: resourceAccount}, set)
}

// awsCode is the AWS code and message of err ("" for nil).
func awsCode(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code, e.Message
	}
	return "not an AWS error", err.Error()
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

func deny(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}]}`
}
