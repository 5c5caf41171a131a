package analysis

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// Kind is what an entity of the account is.
type Kind string

const (
	KindUser      Kind = "user"
	KindGroup     Kind = "group"
	KindRole      Kind = "role"
	KindAccount   Kind = "account" // another account's root, as trust policies name it
	KindService   Kind = "service" // a service principal, e.g. lambda.amazonaws.com
	KindAnyone    Kind = "anyone"  // "*": any principal of any account
	KindFederated Kind = "federated"
)

// PolicyRef is one policy an entity has, compiled once.
type PolicyRef struct {
	Name   string // inline policy name or managed policy name
	ARN    string // managed policies only
	Inline bool
	Owner  string // the ARN of the user, group or role an inline policy is in
	Doc    *policy.Document
	Policy *policy.Policy
	Text   Document
	Err    error // the document does not parse: it grants nothing

	// The optimistic compilation (see optimistic), once per policy: managed
	// policies are shared by many principals, and a later model of the
	// account may share the policy too (NewAccountReusing).
	opt        *policy.Policy
	optChanged bool
	optOnce    sync.Once
}

// ID names the policy in findings and explanations.
func (p *PolicyRef) ID() string {
	if p.Inline {
		return p.Owner + "#" + p.Name
	}
	return p.ARN
}

// Entity is a user, group or role with its policies.
type Entity struct {
	Kind     Kind
	Name     string
	Path     string
	ID       string
	ARN      string
	Inline   []*PolicyRef
	Attached []*PolicyRef
	Boundary *PolicyRef
	Groups   []*Entity  // users: the groups they are in
	Members  []*Entity  // groups: their users
	Trust    *PolicyRef // roles: the trust policy
	Tags     []Tag
	Profiles []string // roles: instance profile names

	identity *policy.Set
	boundary *policy.Set
	// optimistic and optBoundary are the same policies with every
	// condition taken to hold: Allow statements lose their conditions,
	// conditional Deny statements are dropped. Set only when some
	// statement has a condition; who-can uses them to report access that
	// depends on the request (MFA, source IP, tags ...).
	optimistic  *policy.Set
	optBoundary *policy.Set
	ctx         policy.Context // principal keys, built on first use
	ctxDone     bool
	// fingerprint identifies the policies (ids and text) and boundary
	// that decide for the principal: equal fingerprints, equal answers.
	fingerprint string
	trust       *policy.Set
	caller      policy.Principal
}

// Policies lists every identity policy that applies to a principal: its
// own inline and attached ones, and for users those of its groups.
func (e *Entity) Policies() []*PolicyRef {
	out := append(append([]*PolicyRef{}, e.Inline...), e.Attached...)
	for _, g := range e.Groups {
		out = append(out, g.Inline...)
		out = append(out, g.Attached...)
	}
	return out
}

// Account is the in-memory model of one account.
type Account struct {
	ID        string
	Partition string
	Users     []*Entity
	Groups    []*Entity
	Roles     []*Entity
	// Managed are the managed policies the dump lists, and AWS managed
	// policies it attaches without listing (from the embedded catalogue).
	Managed map[string]*PolicyRef
	// Unresolved are managed policy ARNs attached but found nowhere.
	Unresolved []string
	// SCPs are the service control policies over the account, one set per
	// organization level, outermost first; set before BuildGraph. A dump
	// holds none: nil means no organization.
	SCPs []*policy.Set
	// Resources are the resource-based policies given beside the dump
	// (see AddResourcePolicies), by resource ARN; they may be other
	// accounts' resources.
	Resources map[string]*ResourcePolicy
	// Runners are the existing resources that run code as a role (from
	// the "role" of resource policies lines), for the existing-PassRole
	// techniques.
	Runners []Runner
	// Credentials is the credential report joined to the users (nil when
	// none was given): lint's key, MFA and idleness rules read it.
	Credentials []CredentialRow

	byARN map[string]*Entity
	dump  *Dump
	// compiled are the policies compiled for this model, by type and ID,
	// for a later model to reuse (NewAccountReusing); prev is that earlier
	// model while this one is built.
	compiled map[string]*PolicyRef
	prev     *Account
	// pre are the policies compiled ahead, side by side (precompile), by
	// compiled's key, each taken once while this model is built.
	pre map[string]*PolicyRef
	// sets are the principals' policy sets by fingerprint, for a later
	// model to reuse.
	sets map[string]*principalSets
}

// principalSets are the policy sets of the principals with one fingerprint,
// and the policies (and boundary, last) they were made of.
type principalSets struct {
	refs                                        []*PolicyRef
	identity, boundary, optimistic, optBoundary *policy.Set
}

// setRefs are the policies a principal's sets are made of.
func setRefs(e *Entity) []*PolicyRef { return append(e.Policies(), e.Boundary) }

// Entity finds a user, group or role by ARN.
func (a *Account) Entity(arnText string) (*Entity, bool) {
	e, ok := a.byARN[arnText]
	return e, ok
}

// Principals are the users and roles: the entities that make requests.
func (a *Account) Principals() []*Entity {
	return append(append([]*Entity{}, a.Users...), a.Roles...)
}

// Dump is the dump the account was built from.
func (a *Account) Dump() *Dump { return a.dump }

// NewAccount builds the model of a dump. AWS managed policies the dump
// attaches but does not list (it lists them only with the AWSManagedPolicy
// filter) come from the embedded catalogue.
func NewAccount(d *Dump) (*Account, error) {
	return NewAccountReusing(d, nil)
}

// NewAccountReusing is NewAccount reusing the compiled policies of prev, an
// earlier model of the same account, that are unchanged (same type, place,
// name and text): after a change to a few entities most of an account's
// policies are, and parsing and compiling them is most of the model's
// cost. prev may be nil, and stays usable: what is shared is not changed.
func NewAccountReusing(d *Dump, prev *Account) (*Account, error) {
	a := &Account{Managed: map[string]*PolicyRef{}, byARN: map[string]*Entity{}, dump: d, compiled: map[string]*PolicyRef{}, prev: prev}
	defer func() { a.prev, a.pre = nil, nil }()
	a.precompile(d)
	for _, first := range firstARNs(d) {
		if p, err := arn.Parse(first); err == nil && p.AccountID != "" {
			a.ID, a.Partition = p.AccountID, p.Partition
			break
		}
	}
	if a.Partition == "" {
		a.Partition = "aws"
	}
	for i := range d.Policies {
		p := &d.Policies[i]
		a.Managed[p.Arn] = a.compile(managedRef(p), "managed")
	}
	managed := func(refs []AttachedPolicy) []*PolicyRef {
		var out []*PolicyRef
		for _, r := range refs {
			if p := a.managed(r.PolicyArn); p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	inline := func(owner string, list []PolicyDetail, typ string) []*PolicyRef {
		var out []*PolicyRef
		for _, p := range list {
			out = append(out, a.compile(inlineRef(owner, p), typ))
		}
		return out
	}
	boundary := func(b *PermissionsBound) *PolicyRef {
		if b == nil || b.PermissionsBoundaryArn == "" {
			return nil
		}
		return a.managed(b.PermissionsBoundaryArn)
	}
	groupByName := map[string]*Entity{}
	for _, g := range d.GroupDetailList {
		e := &Entity{Kind: KindGroup, Name: g.GroupName, Path: g.Path, ID: g.GroupId, ARN: g.Arn}
		e.Inline = inline(g.Arn, g.GroupPolicyList, "group")
		e.Attached = managed(g.AttachedManagedPolicies)
		a.Groups = append(a.Groups, e)
		a.byARN[e.ARN] = e
		groupByName[strings.ToLower(g.GroupName)] = e
	}
	for _, u := range d.UserDetailList {
		e := &Entity{Kind: KindUser, Name: u.UserName, Path: u.Path, ID: u.UserId, ARN: u.Arn, Tags: u.Tags}
		e.Inline = inline(u.Arn, u.UserPolicyList, "user")
		e.Attached = managed(u.AttachedManagedPolicies)
		e.Boundary = boundary(u.PermissionsBoundary)
		for _, gn := range u.GroupList {
			if g := groupByName[strings.ToLower(gn)]; g != nil {
				e.Groups = append(e.Groups, g)
				g.Members = append(g.Members, e)
			}
		}
		e.caller = policy.Principal{Type: policy.TypeUser, ARN: e.ARN, Account: a.ID, ID: e.ID}
		a.Users = append(a.Users, e)
		a.byARN[e.ARN] = e
	}
	for _, r := range d.RoleDetailList {
		e := &Entity{Kind: KindRole, Name: r.RoleName, Path: r.Path, ID: r.RoleId, ARN: r.Arn, Tags: r.Tags}
		e.Inline = inline(r.Arn, r.RolePolicyList, "role")
		e.Attached = managed(r.AttachedManagedPolicies)
		e.Boundary = boundary(r.PermissionsBoundary)
		if len(r.AssumeRolePolicyDocument) > 0 {
			e.Trust = a.compile(trustRef(&r), "trust")
		}
		for _, p := range r.InstanceProfileList {
			e.Profiles = append(e.Profiles, p.InstanceProfileName)
		}
		// A role acts through sessions: the engine sees an assumed-role ARN
		// with the role behind it.
		session := arn.ARN{Partition: a.Partition, Service: "sts", AccountID: a.ID, Resource: "assumed-role/" + r.RoleName + "/iamd-analysis"}.String()
		e.caller = policy.Principal{Type: policy.TypeAssumedRole, ARN: session, Account: a.ID, ID: r.RoleId + ":iamd-analysis", RoleARN: r.Arn}
		a.Roles = append(a.Roles, e)
		a.byARN[e.ARN] = e
	}
	// Principals with the same policies share their sets (and so the
	// engine's per-set plan cache): most users have only their groups'.
	// Indexing the sets is a good part of a model's cost, and after a
	// change most principals have the very policies they had: the earlier
	// model's sets made of them serve (a Set is safe to share). The rest
	// are made side by side.
	shared := map[string]*principalSets{}
	a.sets = shared
	var fresh []*Entity // one principal of each fingerprint whose sets are new
	var trusts []*Entity
	principals := a.Principals()
	for _, e := range principals {
		var before *Entity
		if prev != nil {
			before = prev.byARN[e.ARN]
		}
		if e.Trust != nil && e.Trust.Policy != nil {
			if before != nil && before.Trust == e.Trust && before.trust != nil {
				e.trust = before.trust
			} else {
				trusts = append(trusts, e)
			}
		}
		e.fingerprint = fingerprint(e)
		if _, ok := shared[e.fingerprint]; ok {
			continue
		}
		if prev != nil {
			if old := prev.sets[e.fingerprint]; old != nil && slices.Equal(old.refs, setRefs(e)) {
				shared[e.fingerprint] = old
				continue
			}
		}
		shared[e.fingerprint] = nil
		fresh = append(fresh, e)
	}
	made := make([]*principalSets, len(fresh))
	parallel(len(fresh)+len(trusts), func(i int) {
		if i < len(fresh) {
			made[i] = makeSets(fresh[i])
		} else {
			e := trusts[i-len(fresh)]
			e.trust = policy.NewSet(e.Trust.Policy)
		}
	})
	for i, e := range fresh {
		shared[e.fingerprint] = made[i]
	}
	for _, e := range principals {
		s := shared[e.fingerprint]
		e.identity, e.boundary, e.optimistic, e.optBoundary = s.identity, s.boundary, s.optimistic, s.optBoundary
	}
	sort.Strings(a.Unresolved)
	return a, nil
}

// makeSets makes a principal's policy sets: its policies, its boundary,
// and when a condition is among them their optimistic compilations.
func makeSets(e *Entity) *principalSets {
	s := &principalSets{refs: setRefs(e)}
	var pols []*policy.Policy
	for _, p := range e.Policies() {
		if p.Policy != nil {
			pols = append(pols, p.Policy)
		}
	}
	s.identity = policy.NewSet(pols...)
	if e.Boundary != nil && e.Boundary.Policy != nil {
		s.boundary = policy.NewSet(e.Boundary.Policy)
	}
	var opt []*policy.Policy
	conditional := false
	for _, p := range e.Policies() {
		if o, changed := optimistic(p); o != nil {
			opt = append(opt, o)
			conditional = conditional || changed
		}
	}
	if e.Boundary != nil {
		if o, changed := optimistic(e.Boundary); changed {
			s.optBoundary = policy.NewSet(o)
			conditional = true
		}
	}
	if conditional {
		s.optimistic = policy.NewSet(opt...)
		if s.optBoundary == nil {
			s.optBoundary = s.boundary
		}
	}
	return s
}

// parallel runs fn(0) … fn(n-1) on all the machine's cores, or in this
// goroutine when n is too few to be worth more.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin)
	if workers < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				fn(int(i))
			}
		})
	}
	wg.Wait()
}

// parallelMin is the jobs per core below which running them side by side
// is not worth its goroutines (a variable for the tests).
var parallelMin = 64

func fingerprint(e *Entity) string {
	var b strings.Builder
	for _, p := range e.Policies() {
		b.WriteString(p.ID())
		b.WriteByte(0)
		b.Write(p.Text)
		b.WriteByte(0)
	}
	if e.Boundary != nil {
		b.WriteString("boundary\x00")
		b.Write(e.Boundary.Text)
	}
	return b.String()
}

// optimistic compiles a policy with every condition taken to hold; changed
// reports whether any statement had one.
func optimistic(p *PolicyRef) (*policy.Policy, bool) {
	p.optOnce.Do(func() { p.opt, p.optChanged = compileOptimistic(p) })
	return p.opt, p.optChanged
}

func compileOptimistic(p *PolicyRef) (*policy.Policy, bool) {
	if p.Doc == nil {
		return nil, false
	}
	doc := *p.Doc
	doc.Statements = nil
	changed := false
	for _, st := range p.Doc.Statements {
		if !st.HasCondition {
			doc.Statements = append(doc.Statements, st)
			continue
		}
		changed = true
		if !strings.EqualFold(st.Effect, policy.Allow) {
			continue // a conditional Deny: assume its condition fails
		}
		c := *st
		c.Condition, c.HasCondition = nil, false
		doc.Statements = append(doc.Statements, &c)
	}
	if !changed {
		return p.Policy, false
	}
	return policy.Compile(&doc, p.Policy.Source), true
}

func firstARNs(d *Dump) []string {
	var out []string
	for _, u := range d.UserDetailList {
		out = append(out, u.Arn)
	}
	for _, g := range d.GroupDetailList {
		out = append(out, g.Arn)
	}
	for _, r := range d.RoleDetailList {
		out = append(out, r.Arn)
	}
	for _, p := range d.Policies {
		if !strings.Contains(p.Arn, ":aws:policy/") {
			out = append(out, p.Arn)
		}
	}
	return out
}

// managed resolves a managed policy ARN: the dump first, then the AWS
// managed catalogue for arn:PARTITION:iam::aws:policy/...
func (a *Account) managed(arnText string) *PolicyRef {
	if p, ok := a.Managed[arnText]; ok {
		return p
	}
	if parsed, err := arn.Parse(arnText); err == nil && parsed.AccountID == "aws" && strings.HasPrefix(parsed.Resource, "policy/") {
		if m, ok := iam.EmbeddedManagedPolicies().Lookup(strings.TrimPrefix(parsed.Resource, "policy")); ok {
			p := a.compile(&PolicyRef{Name: m.Name, ARN: arnText, Text: Document(m.Document)}, "managed")
			a.Managed[arnText] = p
			return p
		}
	}
	a.Unresolved = append(a.Unresolved, arnText)
	a.Managed[arnText] = nil
	return nil
}

// The policies of a dump, as the model holds them before they are compiled.
func managedRef(p *ManagedPolicyDetail) *PolicyRef {
	return &PolicyRef{Name: p.PolicyName, ARN: p.Arn, Text: p.DefaultDocument()}
}

func inlineRef(owner string, p PolicyDetail) *PolicyRef {
	return &PolicyRef{Name: p.PolicyName, Inline: true, Owner: owner, Text: p.PolicyDocument}
}

func trustRef(r *RoleDetail) *PolicyRef {
	return &PolicyRef{Name: "AssumeRolePolicyDocument", Inline: true, Owner: r.Arn, Text: r.AssumeRolePolicyDocument}
}

// compileKey is where compiled and pre keep a policy.
func compileKey(p *PolicyRef, typ string) string { return typ + "\x00" + p.ID() }

// sameRef tells whether a compiled policy is p's: the same place, name and
// text.
func sameRef(c, p *PolicyRef) bool {
	return c != nil && c.Name == p.Name && c.ARN == p.ARN && c.Owner == p.Owner && c.Inline == p.Inline && bytes.Equal(c.Text, p.Text)
}

// compile is compileRef, or the earlier model's compilation of the same
// policy, or the one precompile made of it.
func (a *Account) compile(p *PolicyRef, typ string) *PolicyRef {
	k := compileKey(p, typ)
	if a.prev != nil {
		if old := a.prev.compiled[k]; sameRef(old, p) {
			a.compiled[k] = old
			return old
		}
	}
	if c := a.pre[k]; sameRef(c, p) {
		delete(a.pre, k) // a second copy of the policy is compiled on its own, as before
		a.compiled[k] = c
		return c
	}
	p = compileRef(p, typ)
	a.compiled[k] = p
	return p
}

// precompile compiles the dump's policies that the earlier model does not
// lend, on all the machine's cores: parsing and compiling them is most of
// a first model's cost, and each is independent of the others (the policy
// package is pure). compile takes them from a.pre.
func (a *Account) precompile(d *Dump) {
	type job struct {
		ref *PolicyRef
		typ string
	}
	var jobs []job
	add := func(p *PolicyRef, typ string) {
		if a.prev == nil || !sameRef(a.prev.compiled[compileKey(p, typ)], p) {
			jobs = append(jobs, job{p, typ})
		}
	}
	for i := range d.Policies {
		add(managedRef(&d.Policies[i]), "managed")
	}
	for _, g := range d.GroupDetailList {
		for _, p := range g.GroupPolicyList {
			add(inlineRef(g.Arn, p), "group")
		}
	}
	for _, u := range d.UserDetailList {
		for _, p := range u.UserPolicyList {
			add(inlineRef(u.Arn, p), "user")
		}
	}
	for i := range d.RoleDetailList {
		r := &d.RoleDetailList[i]
		for _, p := range r.RolePolicyList {
			add(inlineRef(r.Arn, p), "role")
		}
		if len(r.AssumeRolePolicyDocument) > 0 {
			add(trustRef(r), "trust")
		}
	}
	if len(jobs)/parallelMin < 2 {
		return // compile does them one by one, as they come
	}
	parallel(len(jobs), func(i int) { compileRef(jobs[i].ref, jobs[i].typ) })
	a.pre = make(map[string]*PolicyRef, len(jobs))
	for _, j := range jobs {
		k := compileKey(j.ref, j.typ)
		if _, dup := a.pre[k]; !dup {
			a.pre[k] = j.ref
		}
	}
}

func compileRef(p *PolicyRef, typ string) *PolicyRef {
	if len(p.Text) == 0 {
		p.Err = fmt.Errorf("no document")
		return p
	}
	doc, err := policy.Parse(p.Text)
	if err != nil {
		p.Err = err
		return p
	}
	p.Doc = doc
	p.Policy = policy.Compile(doc, policy.Source{ID: p.ID(), Type: typ})
	return p
}
