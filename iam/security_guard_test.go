package iam

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
)

// recordingAuthorizer keeps each request and answers err.
type recordingAuthorizer struct {
	err  error
	reqs []*AuthzRequest
}

func (r *recordingAuthorizer) Authorize(_ context.Context, req *AuthzRequest) error {
	r.reqs = append(r.reqs, req)
	return r.err
}

// directory answers users and roles from a map, without a store.
type directory map[string]*PrincipalData

func (d directory) Entity(_ context.Context, account, kind, name string) (*PrincipalData, error) {
	if p, ok := d[kind+"/"+name]; ok {
		return p, nil
	}
	return nil, ErrNotFound
}

const guardAccount = "123456789012"

func userCtx() context.Context {
	return WithCaller(context.Background(), &Caller{Account: guardAccount, Partition: "aws", ARN: "arn:aws:iam::" + guardAccount + ":user/alice", UserName: "alice", UserID: "AIDAALICE"})
}

func rootCtx() context.Context {
	return WithCaller(context.Background(), &Caller{Account: guardAccount, Partition: "aws", ARN: "arn:aws:iam::" + guardAccount + ":root", Root: true})
}

// The guard has no "allow everything" mode: a nil guard, or one without
// an authorizer, refuses every call and every check, the root user's too.
func TestGuardWithoutAuthorizerRefuses(t *testing.T) {
	svc := New(nil, Options{})
	in := &iamapi.CreateAccountAliasInput{AccountAlias: "alias"}
	for name, g := range map[string]*Guard{"nil guard": nil, "nil authorizer": NewGuard(svc, nil, nil), "nil service": NewGuard(nil, &recordingAuthorizer{}, nil)} {
		for ctxName, ctx := range map[string]context.Context{"user": userCtx(), "root": rootCtx()} {
			if e, ok := awserr.As(g.Authorize(ctx, "CreateAccountAlias", in)); !ok || e.Code != "AccessDenied" || e.Status != 403 {
				t.Errorf("%s, %s: Authorize answered %v", name, ctxName, e)
			}
			if e, ok := awserr.As(g.Check(ctx, "iam:PassRole", "*", nil)); !ok || e.Code != "AccessDenied" {
				t.Errorf("%s, %s: Check answered %v", name, ctxName, e)
			}
		}
	}
}

// An operation without an authorization rule is refused without asking
// the authorizer (which would allow it); one with a rule is decided by it.
func TestGuardRefusesOperationWithoutRule(t *testing.T) {
	allow := &recordingAuthorizer{}
	g := NewGuard(New(nil, Options{}), allow, nil)
	if _, ok := AuthorizationRule("UpdateDelegationRequest"); ok {
		t.Fatal("UpdateDelegationRequest has a rule: pick another operation without one")
	}
	err := g.Authorize(userCtx(), "UpdateDelegationRequest", &iamapi.UpdateDelegationRequestInput{})
	if e, ok := awserr.As(err); !ok || e.Code != "NotImplemented" || len(allow.reqs) != 0 {
		t.Errorf("no rule: %v, authorizer asked %d times", err, len(allow.reqs))
	}
	if err := g.Authorize(userCtx(), "CreateAccountAlias", &iamapi.CreateAccountAliasInput{AccountAlias: "alias"}); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	if len(allow.reqs) != 1 || allow.reqs[0].Action != "iam:CreateAccountAlias" || allow.reqs[0].Resource != "*" {
		t.Errorf("asked %+v", allow.reqs)
	}
	refusal := awserr.New("AccessDenied", 403, "no")
	g = NewGuard(New(nil, Options{}), &recordingAuthorizer{err: refusal}, nil)
	if err := g.Authorize(userCtx(), "CreateAccountAlias", &iamapi.CreateAccountAliasInput{AccountAlias: "alias"}); !errors.Is(err, refusal) {
		t.Errorf("refused: %v", err)
	}
	if err := g.Check(userCtx(), "iam:PassRole", "arn:aws:iam::123456789012:role/r", nil); !errors.Is(err, refusal) {
		t.Errorf("Check refused: %v", err)
	}
}

// The generated accessors give the authorizer what reflection gave it:
// the entity named (with its path and tags from the directory), the tags
// a request sets and the tag keys it removes, the boundary it sets.
func TestGuardReadsInputsThroughAccessors(t *testing.T) {
	dir := directory{"user/bob": {Kind: "user", Name: "bob", Path: "/eng/", Tags: []Tag{{Key: "team", Value: "blue"}}}}
	rec := &recordingAuthorizer{}
	g := NewGuard(New(emptyStore{}, Options{}), rec, dir)
	boundary := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	calls := []struct {
		op   string
		in   iamapi.Input
		res  string
		keys map[string][]string
	}{
		{"TagUser", &iamapi.TagUserInput{UserName: "bob", Tags: []iamapi.Tag{{Key: "env", Value: "dev"}}},
			"arn:aws:iam::123456789012:user/eng/bob", map[string][]string{
				"aws:RequestTag/env": {"dev"}, "aws:TagKeys": {"env"},
				"aws:ResourceTag/team": {"blue"}, "iam:ResourceTag/team": {"blue"}}},
		{"UntagUser", &iamapi.UntagUserInput{UserName: "bob", TagKeys: []string{"team"}},
			"arn:aws:iam::123456789012:user/eng/bob", map[string][]string{
				"aws:TagKeys": {"team"}, "aws:ResourceTag/team": {"blue"}, "iam:ResourceTag/team": {"blue"}}},
		{"PutUserPermissionsBoundary", &iamapi.PutUserPermissionsBoundaryInput{UserName: "bob", PermissionsBoundary: boundary},
			"arn:aws:iam::123456789012:user/eng/bob", map[string][]string{
				"iam:PermissionsBoundary": {boundary}, "aws:ResourceTag/team": {"blue"}, "iam:ResourceTag/team": {"blue"}}},
		{"CreateUser", &iamapi.CreateUserInput{UserName: "carol", Path: new("/ops/")},
			"arn:aws:iam::123456789012:user/ops/carol", nil}, // no keys: the map is not even made
		{"ListUsers", &iamapi.ListUsersInput{PathPrefix: new("/eng/")},
			"arn:aws:iam::123456789012:user/eng/", nil},
	}
	for _, c := range calls {
		rec.reqs = nil
		if err := g.Authorize(userCtx(), c.op, c.in); err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if len(rec.reqs) != 1 {
			t.Fatalf("%s: asked %d times", c.op, len(rec.reqs))
		}
		r := rec.reqs[0]
		if r.Action != "iam:"+c.op || r.Resource != c.res || !reflect.DeepEqual(r.Keys, c.keys) {
			t.Errorf("%s: asked %s on %s with %v\nwant %s with %v", c.op, r.Action, r.Resource, r.Keys, c.res, c.keys)
		}
	}
}

// emptyStore is a store with nothing in it, for guard tests that need no
// records but resolve names through a transaction.
type emptyStore struct{}

func (emptyStore) Update(_ context.Context, fn func(Tx) error) error { return fn(emptyTx{}) }
func (emptyStore) View(_ context.Context, fn func(Tx) error) error   { return fn(emptyTx{}) }
func (emptyStore) Changes(context.Context, int64, int) ([]Change, error) {
	return nil, nil
}
func (emptyStore) Close() error { return nil }

type emptyTx struct{}

func (emptyTx) Get(string, string, string) ([]byte, error)  { return nil, ErrNotFound }
func (emptyTx) Put(string, string, string, []byte) error    { return nil }
func (emptyTx) Insert(string, string, string, []byte) error { return nil }
func (emptyTx) Delete(string, string, string) error         { return ErrNotFound }
func (emptyTx) Count(string, string, string) (int, error)   { return 0, nil }
func (emptyTx) Scan(string, string, string, string, int, func(string, []byte) error) error {
	return nil
}
