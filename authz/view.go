// Package authz is the decision point: it builds the evaluation input for
// a caller (identity policies, boundary, session policies, the resource's
// policy, the request context) from an in-memory view of the accounts, and
// asks package policy to decide and explain.
package authz

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/store/feed"
)

// View keeps each principal's policies compiled, and drops them when the
// store's change feed says something they depend on changed. Policies are
// compiled once per text and source and shared between principals (the AWS
// managed ones especially).
type View struct {
	iam *iam.Service

	mu         sync.Mutex
	principals map[principalKey]*principal
	loading    map[principalKey]*loading // principals being read from the store
	compiled   map[compiledKey]*policy.Policy
}

// loading marks a principal being read, so that an invalidation arriving
// meanwhile keeps the (possibly older) result out of the cache.
type loading struct {
	readers int
	stale   bool
}

type compiledKey struct {
	source policy.Source
	sum    [32]byte
}

// principal is a user or role with its compiled policies.
type principal struct {
	data     *iam.PrincipalData
	identity *policy.Set
	boundary *policy.Set // nil: none
	tags     map[string]string
}

// maxCompiled bounds the compiled-policy cache.
const maxCompiled = 50000

// NewView returns a view over the service, kept current by the watcher.
func NewView(svc *iam.Service, w *feed.Watcher) *View {
	v := &View{iam: svc, principals: map[principalKey]*principal{}, loading: map[principalKey]*loading{}, compiled: map[compiledKey]*policy.Policy{}}
	if w != nil {
		w.Subscribe(v.invalidate)
	}
	return v
}

// invalidate drops what a batch of changes may affect. A change to one
// user or role drops that principal; a change to a group, a managed policy
// or a relation drops the account's principals (they are rebuilt on their
// next request).
func (v *View) invalidate(changes []iam.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range changes {
		switch c.Kind {
		case feed.KindReset:
			v.principals = map[principalKey]*principal{}
			for _, l := range v.loading {
				l.stale = true
			}
		case "user", "role":
			v.drop(principalKey{c.Account, c.Kind, c.Key})
		case "inline", "attached":
			kind, rest, _ := strings.Cut(c.Key, "|")
			name, _, _ := strings.Cut(rest, "|")
			if kind == "group" {
				v.dropAccount(c.Account)
			} else {
				v.drop(principalKey{c.Account, kind, name})
			}
		case "user-group", "member":
			v.dropAccount(c.Account)
		case "policy", "policy-version", "group":
			v.dropAccount(c.Account)
		}
	}
}

// principalKey names a principal of the view: a struct, not a joined
// string, so that finding one builds nothing. The name is lower case
// (IAM's names are unique regardless of case; the feed's keys are so too).
type principalKey struct{ account, kind, name string }

func (v *View) drop(k principalKey) {
	delete(v.principals, k)
	if l := v.loading[k]; l != nil {
		l.stale = true
	}
}

func (v *View) dropAccount(account string) {
	for k := range v.principals {
		if k.account == account {
			delete(v.principals, k)
		}
	}
	for k, l := range v.loading {
		if k.account == account {
			l.stale = true
		}
	}
}

// principal returns a user's or role's compiled policies.
func (v *View) principal(ctx context.Context, account, kind, name string) (*principal, error) {
	k := principalKey{account, kind, strings.ToLower(name)}
	v.mu.Lock()
	p := v.principals[k]
	var l *loading
	if p == nil {
		if l = v.loading[k]; l == nil {
			l = &loading{}
			v.loading[k] = l
		}
		l.readers++
	}
	v.mu.Unlock()
	if p != nil {
		return p, nil
	}
	defer func() {
		v.mu.Lock()
		if l.readers--; l.readers == 0 {
			delete(v.loading, k)
		}
		v.mu.Unlock()
	}()
	data, err := v.iam.PrincipalPolicies(ctx, account, kind, name)
	if err != nil {
		return nil, err
	}
	p = &principal{data: data, tags: map[string]string{}}
	var pols []*policy.Policy
	for _, d := range data.Policies {
		pols = append(pols, v.compile(d))
	}
	p.identity = policy.NewSet(pols...)
	if data.Boundary != nil {
		p.boundary = policy.NewSet(v.compile(*data.Boundary))
	}
	for _, t := range data.Tags {
		p.tags[t.Key] = t.Value
	}
	v.mu.Lock()
	if len(v.principals) > 200000 {
		v.principals = map[principalKey]*principal{}
	}
	// What was read may predate a change whose invalidation came while it
	// was read: use it for this request, keep it only if none came.
	if !l.stale {
		v.principals[k] = p
	}
	v.mu.Unlock()
	return p, nil
}

// compile parses and compiles a stored policy. Stored policies were valid
// when written; one that no longer parses becomes an empty policy (it
// grants nothing) rather than an error.
func (v *View) compile(d iam.PolicyDoc) *policy.Policy {
	src := policy.Source{ID: d.ID, Type: d.Type}
	k := compiledKey{source: src, sum: sha256.Sum256([]byte(d.Text))}
	v.mu.Lock()
	p := v.compiled[k]
	v.mu.Unlock()
	if p != nil {
		return p
	}
	doc, err := policy.Parse([]byte(d.Text))
	if err != nil {
		doc = &policy.Document{}
	}
	p = policy.Compile(doc, src)
	v.mu.Lock()
	if len(v.compiled) > maxCompiled {
		v.compiled = map[compiledKey]*policy.Policy{}
	}
	v.compiled[k] = p
	v.mu.Unlock()
	return p
}
