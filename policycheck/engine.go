package policycheck

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/catalog"
	"github.com/iamd/iamd/policy"
)

// mode is the kind of comparison: identity policies have one (unnamed)
// principal; resource policies name theirs, and who they name is part of
// the access; the public check looks only at callers nobody vouches for.
type mode int

const (
	modeIdentity mode = iota
	modeResource
	modePublic
)

// The accounts and names the checks invent for their callers. They are
// replaced when a policy happens to name them.
const (
	checkAccount = "123456789012"
	checkUser    = "iamd-check"
)

// cstmt is a statement of either policy, reduced to what the search needs.
type cstmt struct {
	isNew, deny bool
	src         *policy.Statement
	acts        []int
	notAction   bool
	res         []int
	notResource bool
	anyResource bool
	block       int
}

type dimAtom struct {
	witness []rune
	pats    bitset // pattern-level membership
	stmts   bitset // statement-level membership
}

type engine struct {
	mode           mode
	newDoc, oldDoc *policy.Document
	stmts          []*cstmt

	actText    []string
	actPats    []glob
	actIdx     map[string]int
	filters    []glob // the actions the check is about (public check); nil: all
	filterText []string

	resPats []glob
	resText []string
	resIdx  map[string]int
	vs      vars

	blocks   [][]entry
	blockIdx map[string]int

	principals []policy.Principal
	fixed      []map[string][]string // per principal: the context keys that are not free

	ce             condEval
	newSet, oldSet *policy.Set
	allowAll       *policy.Set
	accountGrant   *policy.Set

	alphabet     map[rune]bool
	catalogCache map[*dimAtom]string
	incomplete   bool
	walkAll      bool // tests: decide every statement by the walk, no syntactic shortcut
}

// finding is the outcome of the search for one new Allow statement.
type finding struct {
	stmt *policy.Statement
	cex  *Counterexample
}

func newEngine(m mode, newDoc, oldDoc *policy.Document, subst map[string]string) *engine {
	e := &engine{mode: m, newDoc: newDoc, oldDoc: oldDoc, actIdx: map[string]int{}, resIdx: map[string]int{}, blockIdx: map[string]int{}}
	e.vs.subst = subst
	e.blocks = [][]entry{nil}
	e.blockIdx[""] = 0
	e.add(newDoc, true)
	e.add(oldDoc, false)
	return e
}

func (e *engine) add(doc *policy.Document, isNew bool) {
	withVars := doc.Version == policy.Version2012
	for _, st := range doc.Statements {
		c := &cstmt{isNew: isNew, deny: st.IsDeny(), src: st}
		acts := st.Action.List
		if st.NotAction.Present {
			c.notAction, acts = true, st.NotAction.List
		}
		for _, a := range acts {
			l := strings.ToLower(a)
			i, ok := e.actIdx[l]
			if !ok {
				i = len(e.actPats)
				e.actIdx[l] = i
				e.actPats = append(e.actPats, globOf(l))
				e.actText = append(e.actText, l)
			}
			c.acts = append(c.acts, i)
		}
		res := st.Resource.List
		switch {
		case st.NotResource.Present:
			c.notResource, res = true, st.NotResource.List
		case !st.Resource.Present:
			c.anyResource = true
		}
		for _, r := range res {
			k := r
			if withVars {
				k = "v\x00" + r
			}
			i, ok := e.resIdx[k]
			if !ok {
				i = len(e.resPats)
				e.resIdx[k] = i
				e.resPats = append(e.resPats, resourceGlob(r, withVars, &e.vs))
				e.resText = append(e.resText, r)
			}
			c.res = append(c.res, i)
		}
		b := blockOf(st, doc.Version)
		id := blockID(b)
		bi, ok := e.blockIdx[id]
		if !ok {
			bi = len(e.blocks)
			e.blockIdx[id] = bi
			e.blocks = append(e.blocks, b)
		}
		c.block = bi
		e.stmts = append(e.stmts, c)
	}
}

// check runs the search. Policy variables first take a fresh value (one
// equal to no literal of the policies); when that finds nothing, each
// variable in turn takes each literal piece of the policies' resources,
// since access may appear only when a variable equals one (a Deny on
// home/alice against an Allow on home/${aws:username}).
func check(m mode, newDoc, oldDoc *policy.Document, setup func(*engine)) []finding {
	e := newEngine(m, newDoc, oldDoc, nil)
	setup(e)
	fs := e.run()
	if len(fs) > 0 || len(e.vs.names) == 0 {
		return fs
	}
	pieces := literalPieces(e.resText)
	for _, name := range e.vs.names {
		for _, v := range pieces {
			e2 := newEngine(m, newDoc, oldDoc, map[string]string{name: v})
			setup(e2)
			if fs := e2.run(); len(fs) > 0 {
				return fs
			}
		}
	}
	return nil
}

// maxPieces bounds the second pass.
const maxPieces = 48

// literalPieces are the runs of literal text in resource patterns, cut at
// wildcards, variables, colons and slashes, and the empty value.
func literalPieces(texts []string) []string {
	seen := map[string]bool{"": true}
	out := []string{""}
	for _, t := range texts {
		for _, p := range strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune("*?:/${}", r) }) {
			if !seen[p] && len(out) < maxPieces {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// dimension turns pattern-level atoms into statement-level ones, keeping
// one atom per distinct statement vector.
func (e *engine) dimension(pats []glob, domain []glob, filters []glob, member func(c *cstmt, a bitset) bool) []dimAtom {
	all := append(append([]glob(nil), pats...), filters...)
	as, complete := atoms(domain, all)
	if !complete {
		e.incomplete = true
		as = directed(domain, all, as)
	}
	var out []dimAtom
	seen := map[string]bool{}
	for _, a := range as {
		if len(filters) > 0 {
			hit := false
			for i := range filters {
				if a.match.has(len(pats) + i) {
					hit = true
				}
			}
			if !hit {
				continue
			}
		}
		sv := newBitset(len(e.stmts))
		for i, c := range e.stmts {
			if member(c, a.match) {
				sv.set(i)
			}
		}
		k := sv.key()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, dimAtom{witness: a.witness, pats: a.match, stmts: sv})
	}
	return out
}

func anyOf(idx []int, a bitset) bool {
	for _, i := range idx {
		if a.has(i) {
			return true
		}
	}
	return false
}

// run searches every new Allow statement for access the old policy does
// not grant and returns those that have some.
func (e *engine) run() []finding {
	e.prepare()
	covered := make([]bool, len(e.stmts))
	if !e.walkAll {
		covered = e.covered()
	}
	pending := false
	for i, s := range e.stmts {
		pending = pending || s.isNew && !s.deny && !covered[i]
	}
	if !pending {
		return nil
	}
	acts := e.dimension(e.actPats, actionDomain, e.filters, func(c *cstmt, a bitset) bool { return anyOf(c.acts, a) != c.notAction })
	ress := e.dimension(e.resPats, resourceDomain, nil, func(c *cstmt, a bitset) bool {
		return c.anyResource || anyOf(c.res, a) != c.notResource
	})
	prins := e.principalAtoms()

	var out []finding
	m := newBitset(len(e.stmts))
	for i, s := range e.stmts {
		if !s.isNew || s.deny || covered[i] {
			continue
		}
		var f *finding
		attempts := 0
	search:
		for ai := range acts {
			if !acts[ai].stmts.has(i) {
				continue
			}
			for ri := range ress {
				if !ress[ri].stmts.has(i) {
					continue
				}
				for pi := range prins {
					if !prins[pi].has(i) {
						continue
					}
					and3(m, acts[ai].stmts, ress[ri].stmts, prins[pi])
					t, fl, ok := e.cell(i, m, pi)
					if !ok {
						continue
					}
					if f == nil {
						f = &finding{stmt: s.src}
					}
					attempts++
					if cex := e.confirm(&acts[ai], &ress[ri], pi, t, fl); cex != nil {
						f.cex = cex
						break search
					}
					if attempts >= maxConfirmAttempts {
						break search
					}
				}
			}
		}
		if f != nil {
			out = append(out, *f)
		}
	}
	if e.incomplete && len(out) == 0 {
		// The walk was cut short: no proof of PASS, so every new Allow
		// statement is reported (no counterexample).
		for i, s := range e.stmts {
			if s.isNew && !s.deny && !covered[i] {
				out = append(out, finding{stmt: s.src})
			}
		}
	}
	return out
}

const maxConfirmAttempts = 64

// covered marks the new Allow statements that some old Allow statement
// contains as written (its actions and resources among the old one's, the
// same caller, the old one's conditions implied), when every old Deny
// statement is also in the new policy. Such a statement allows nothing new:
// a request it allows the old statement allows, and only an old Deny could
// refuse it, which the new policy has too. This spares the walk for the
// common case of a policy compared with itself or with a subset of it.
func (e *engine) covered() []bool {
	out := make([]bool, len(e.stmts))
	for _, od := range e.stmts {
		if od.isNew || !od.deny {
			continue
		}
		kept := false
		for _, nd := range e.stmts {
			if nd.isNew && nd.deny && e.sameStatement(od, nd) {
				kept = true
				break
			}
		}
		if !kept {
			return out
		}
	}
	for i, n := range e.stmts {
		if !n.isNew || n.deny {
			continue
		}
		for _, o := range e.stmts {
			if !o.isNew && !o.deny && e.contains(o, n) {
				out[i] = true
				break
			}
		}
	}
	return out
}

func (e *engine) sameStatement(a, b *cstmt) bool {
	return a.notAction == b.notAction && a.notResource == b.notResource && a.anyResource == b.anyResource &&
		sameInts(a.acts, b.acts) && sameInts(a.res, b.res) && a.block == b.block && e.samePrincipal(a, b)
}

// contains reports whether statement o contains statement n as written.
func (e *engine) contains(o, n *cstmt) bool {
	if o.notAction || n.notAction || o.notResource || n.notResource {
		return e.sameStatement(o, n)
	}
	for _, a := range n.acts {
		if !e.someSubsumes(o.acts, e.actText, a, false) {
			return false
		}
	}
	if !o.anyResource {
		if n.anyResource {
			return false
		}
		for _, r := range n.res {
			if !e.someSubsumes(o.res, e.resText, r, true) {
				return false
			}
		}
	}
	if !e.samePrincipal(o, n) {
		return false
	}
	for _, en := range e.blocks[o.block] {
		implied := false
		for _, f := range e.blocks[n.block] {
			if en.impliedBy(f) {
				implied = true
				break
			}
		}
		if !implied {
			return false
		}
	}
	return true
}

// someSubsumes reports whether one of the patterns set names every string
// pattern p does, by a test that is sound but not complete: the same
// pattern, "*", or a literal prefix and a trailing star (in an ARN, only
// after its five colons, where the star crosses colons) that p's own
// literal lead begins with.
func (e *engine) someSubsumes(set []int, text []string, p int, isARN bool) bool {
	for _, q := range set {
		if q == p || subsumes(text[q], text[p], isARN) {
			return true
		}
	}
	return false
}

func subsumes(q, p string, isARN bool) bool {
	if q == "*" {
		return true
	}
	head, ok := strings.CutSuffix(q, "*")
	if !ok || strings.ContainsAny(head, "*?$") || isARN && strings.Count(head, ":") < 5 {
		return false
	}
	lead := p
	if i := strings.IndexAny(p, "*?$"); i >= 0 {
		lead = p[:i]
	}
	return strings.HasPrefix(lead, head)
}

func (e *engine) samePrincipal(a, b *cstmt) bool {
	if e.mode == modeIdentity {
		return true
	}
	return principalKey(a.src) == principalKey(b.src)
}

func principalKey(st *policy.Statement) string {
	var b strings.Builder
	for i, pe := range []*policy.PrincipalElement{st.Principal, st.NotPrincipal} {
		fmt.Fprintf(&b, "%d:", i)
		if pe == nil {
			continue
		}
		if pe.Wildcard {
			b.WriteString("*")
		}
		var parts []string
		for _, en := range pe.Entries {
			for _, v := range en.Values.List {
				parts = append(parts, en.Type+"="+v)
			}
		}
		sort.Strings(parts)
		b.WriteString(strings.Join(parts, ","))
	}
	return b.String()
}

func sameInts(a, b []int) bool { return subset(a, b) && subset(b, a) }

// cell decides whether the requests of one (action, resource, principal)
// cell that new Allow statement i matches can, for some context, be
// allowed by the new policy and not by the old. It returns the condition
// blocks that must hold and those that must fail.
func (e *engine) cell(i int, m bitset, pi int) (want, avoid []int, ok bool) {
	var nd, oa, od []int
	for j, s := range e.stmts {
		if !m.has(j) {
			continue
		}
		switch {
		case s.isNew && s.deny:
			nd = append(nd, s.block)
		case !s.isNew && !s.deny:
			oa = append(oa, s.block)
		case !s.isNew && s.deny:
			od = append(od, s.block)
		}
	}
	bi := e.stmts[i].block
	// Either every matching old Allow fails (and every new Deny) ...
	f := append(append([]int(nil), nd...), oa...)
	if e.feasible([]int{bi}, f, pi) {
		return []int{bi}, f, true
	}
	// ... or an old Deny applies that no new Deny mirrors.
	for _, l := range od {
		if e.feasible([]int{bi, l}, nd, pi) {
			return []int{bi, l}, nd, true
		}
	}
	return nil, nil, false
}

// feasible reports whether the blocks of want can all hold while each
// block of avoid fails, as far as implications between entries and the
// keys the principal fixes tell.
func (e *engine) feasible(want, avoid []int, pi int) bool {
	var ts []entry
	for _, b := range want {
		for _, en := range e.blocks[b] {
			if v, fixed := e.forced(en, pi); fixed && !v {
				return false
			}
			ts = append(ts, en)
		}
	}
	for _, b := range avoid {
		canFail := false
		for _, en := range e.blocks[b] {
			implied := false
			for _, t := range ts {
				if en.impliedBy(t) {
					implied = true
					break
				}
			}
			if implied {
				continue
			}
			if v, fixed := e.forced(en, pi); fixed && v {
				continue
			}
			canFail = true
			break
		}
		if !canFail {
			return false
		}
	}
	return true
}

// forced evaluates an entry whose key the principal (or a variable) fixes.
func (e *engine) forced(en entry, pi int) (value, fixed bool) {
	fx := e.fixed[pi]
	if _, ok := fx[en.key]; !ok {
		return false, false
	}
	return e.ce.holds(en, fx), true
}

// principalKeys are the context keys a caller's identity sets.
var principalKeys = []string{"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username", "aws:userid", "aws:principalisawsservice"}

// limitingKeys are the keys that, in an Allow's condition, tie access to
// known accounts, organizations or networks: a caller who is merely
// "anyone" does not have them (Access Analyzer's notion of public).
var limitingKeys = []string{
	"aws:principalorgid", "aws:principalorgpaths", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid",
	"aws:sourceorgpaths", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:principalservicename",
	"aws:principalservicenameslist", "kms:calleraccount", "s3:dataaccesspointaccount", "s3:dataaccesspointarn",
	"aws:resourceorgid", "lambda:functionurlauthtype", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
	"cognito-identity.amazonaws.com:aud", "sts:externalid",
}

// prepare builds the callers, their fixed keys, and the policy sets the
// evaluator confirms counterexamples with.
func (e *engine) prepare() {
	e.alphabet = map[rune]bool{}
	for _, gs := range [][]glob{e.actPats, e.resPats, e.filters} {
		for _, g := range gs {
			for _, t := range g {
				if t.kind == tLit {
					e.alphabet[unicode.ToLower(t.r)] = true
					e.alphabet[unicode.ToUpper(t.r)] = true
				}
			}
		}
	}
	newDoc, oldDoc := e.newDoc, e.oldDoc
	if e.mode == modeIdentity {
		newDoc, oldDoc = stripPrincipals(newDoc), stripPrincipals(oldDoc)
	}
	e.newSet = policy.NewSet(policy.Compile(newDoc, policy.Source{ID: "new", Type: "none"}))
	e.oldSet = policy.NewSet(policy.Compile(oldDoc, policy.Source{ID: "existing", Type: "none"}))
	e.allowAll = policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.Source{ID: "allow-all"}))

	varVals := map[string][]string{}
	for i, name := range e.vs.names {
		if v, ok := e.vs.subst[name]; ok {
			varVals[name] = []string{v}
			continue
		}
		varVals[name] = []string{string(e.concrete(varRune + rune(i)))}
	}
	switch e.mode {
	case modeIdentity:
		e.principals = []policy.Principal{{Type: policy.TypeUser, ARN: "arn:aws:iam::" + checkAccount + ":user/" + checkUser, Account: checkAccount, ID: "AIDAIAMDCHECKUSER"}}
		e.accountGrant = policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+checkAccount+`:root"},"Action":"*","Resource":"*"}]}`, policy.Source{ID: "account"}))
		e.fixed = []map[string][]string{varVals}
	default:
		e.principals = e.candidates()
		for _, p := range e.principals {
			fx := map[string][]string{}
			for k, v := range varVals {
				fx[k] = v
			}
			keys := principalKeys
			if e.mode == modePublic {
				keys = append(append([]string(nil), principalKeys...), limitingKeys...)
			}
			for _, k := range keys {
				fx[k] = nil
			}
			ctx := policy.NewContext(nil)
			policy.AddPrincipalKeys(&ctx, &p)
			for _, k := range ctx.Keys() {
				fx[k] = ctx.Get(k)
			}
			if e.mode == modePublic && p.Type != policy.TypeAnonymous {
				// A stranger's organization, source account, source ARN,
				// endpoint...: values of its own, equal to none the
				// policy names.
				for _, k := range limitingKeys {
					fx[k] = []string{strangerValue(k, p.Account)}
				}
			}
			e.fixed = append(e.fixed, fx)
		}
	}
}

// strangerValue is a plausible value of a limiting key for a caller from
// an account nobody named.
func strangerValue(key, account string) string {
	switch {
	case strings.HasSuffix(key, "account") || key == "aws:sourceowner":
		return account
	case strings.HasSuffix(key, "arn"):
		return "arn:aws:iamdcheck:us-east-1:" + account + ":stranger"
	case strings.HasSuffix(key, "orgid"):
		return "o-iamdcheckstranger"
	case strings.HasSuffix(key, "orgpaths"):
		return "o-iamdcheckstranger/r-iamd/ou-iamd-stranger/"
	case key == "aws:sourcevpc":
		return "vpc-iamdcheckstranger"
	case key == "aws:sourcevpce":
		return "vpce-iamdcheckstranger"
	}
	return "iamd-check-stranger"
}

func stripPrincipals(d *policy.Document) *policy.Document {
	c := *d
	c.Statements = make([]*policy.Statement, len(d.Statements))
	for i, st := range d.Statements {
		s := *st
		s.Principal, s.NotPrincipal = nil, nil
		c.Statements[i] = &s
	}
	return &c
}

// candidates are callers that, between them, fall in every combination
// of Principal elements the policies can tell apart: each principal they
// name, a principal of each account they name that they do not name, a
// principal of an account they do not name, anonymous callers, services
// and web identities named and not.
func (e *engine) candidates() []policy.Principal {
	accounts := map[string]bool{}
	var arns, ids, services, federated []string
	for _, s := range e.stmts {
		for _, pe := range []*policy.PrincipalElement{s.src.Principal, s.src.NotPrincipal} {
			if pe == nil {
				continue
			}
			for _, en := range pe.Entries {
				for _, v := range en.Values.List {
					switch en.Type {
					case "AWS":
						switch {
						case v == "*":
						case len(v) == 12 && isDigits(v):
							accounts[v] = true
						case strings.HasPrefix(v, "arn:"):
							if a, err := arn.Parse(v); err == nil {
								accounts[a.AccountID] = true
								if a.Resource != "root" {
									arns = append(arns, v)
								}
							}
						default:
							ids = append(ids, v)
						}
					case "Service":
						services = append(services, v)
					case "Federated":
						federated = append(federated, v)
					}
				}
			}
		}
	}
	// Callers the conditions on principal keys describe: an ArnLike on
	// aws:PrincipalArn names principals as surely as a Principal element.
	for _, b := range e.blocks {
		for _, en := range b {
			switch en.key {
			case "aws:principalarn", "aws:sourcearn":
				for _, v := range en.values {
					for _, inst := range valueVariants(v) {
						if a, err := arn.Parse(inst); err == nil {
							if isDigits(a.AccountID) && len(a.AccountID) == 12 {
								accounts[a.AccountID] = true
							}
							if a.Resource != "root" {
								arns = append(arns, inst)
							}
						}
					}
				}
			case "aws:principalaccount", "aws:sourceaccount", "kms:calleraccount":
				for _, v := range en.values {
					for _, inst := range valueVariants(v) {
						if len(inst) == 12 && isDigits(inst) {
							accounts[inst] = true
						}
					}
				}
			}
		}
	}
	other := "000000000000"
	for n := 0; accounts[other]; n++ {
		other = strings.Repeat(string(rune('1'+n%9)), 12)
	}
	user := func(acct, name, id string) policy.Principal {
		return policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::" + acct + ":user/" + name, Account: acct, ID: id}
	}
	out := []policy.Principal{{Type: policy.TypeAnonymous, ARN: "*"}, user(other, checkUser+"-other", "AIDAIAMDCHECKOTHER")}
	if e.mode == modePublic {
		return out
	}
	var accts []string
	for a := range accounts {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	for _, a := range accts {
		out = append(out, policy.Principal{Type: policy.TypeAccount, ARN: "arn:aws:iam::" + a + ":root", Account: a, ID: a},
			user(a, checkUser+"-other", "AIDAIAMDCHECKOTHER"))
	}
	for _, v := range arns {
		a, _ := arn.Parse(v)
		if kind, rest, _ := strings.Cut(a.Resource, "/"); a.Service == "iam" && kind == "role" {
			name := rest[strings.LastIndexByte(rest, '/')+1:]
			out = append(out, policy.Principal{Type: policy.TypeAssumedRole, ARN: "arn:" + a.Partition + ":sts::" + a.AccountID + ":assumed-role/" + name + "/" + checkUser,
				Account: a.AccountID, RoleARN: v, ID: "AROAIAMDCHECK:" + checkUser})
			continue
		}
		if p, err := policy.PrincipalFromARN(v); err == nil {
			if p.Type == policy.TypeUser {
				p.ID = "AIDAIAMDCHECKNAMED"
			}
			out = append(out, p)
		}
	}
	for _, id := range ids {
		out = append(out, user(other, checkUser+"-id", id))
	}
	for _, s := range append(services, "iamd-check.amazonaws.com") {
		out = append(out, policy.Principal{Type: policy.TypeService, ARN: s, Service: s})
	}
	for _, f := range append(federated, "iamd-check.example.com") {
		out = append(out, policy.Principal{Type: policy.TypeWebIdentity, ARN: f, Federated: f})
	}
	return out
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// principalAtoms returns, per caller, the statements whose Principal
// element names it, as the evaluator decides.
func (e *engine) principalAtoms() []bitset {
	out := make([]bitset, len(e.principals))
	for pi, p := range e.principals {
		b := newBitset(len(e.stmts))
		for i, s := range e.stmts {
			if e.mode == modeIdentity || e.principalMatches(s.src, p) {
				b.set(i)
			}
		}
		out[pi] = b
	}
	return out
}

func (e *engine) principalMatches(st *policy.Statement, p policy.Principal) bool {
	if st.Principal == nil && st.NotPrincipal == nil {
		return true
	}
	doc := &policy.Document{Version: policy.Version2012, Statements: []*policy.Statement{{
		Effect: policy.Allow, Principal: st.Principal, NotPrincipal: st.NotPrincipal,
		Action: policy.Values{List: []string{"*"}, Present: true}, Resource: policy.Values{List: []string{"*"}, Present: true},
	}}}
	set := policy.NewSet(policy.Compile(doc, policy.Source{ID: "principal"}))
	req := &policy.Request{Principal: p, Action: "iamdcheck:Probe", Resource: "arn:aws:iamdcheck:::x", ResourceAccount: resourceAccountFor(p)}
	return policy.Evaluate(&policy.Input{Identity: e.allowAll, Resource: set}, req) == policy.Allowed
}

// resourceAccountFor is an account other than the caller's, so that only
// the resource policy can grant access.
func resourceAccountFor(p policy.Principal) string {
	if p.Account == "999999999999" {
		return "888888888888"
	}
	return "999999999999"
}

// concrete is the rune a witness uses for a reserved rune: one no pattern
// names (in either case), distinct per reserved rune.
func (e *engine) concrete(r rune) rune {
	if r != otherRune && (r < varRune || r >= otherRune) {
		return r
	}
	n := 0
	if r != otherRune {
		n = int(r-varRune) + 1
	}
	for _, c := range "zqxjkvwy0123456789" + "ξψωφχ" + "абвгд" {
		if e.alphabet[c] || e.alphabet[unicode.ToUpper(c)] {
			continue
		}
		if n == 0 {
			return c
		}
		n--
	}
	return 0x4E00 + r - varRune // CJK: no policy will name these
}

func (e *engine) materialize(w []rune) string {
	var b strings.Builder
	for _, r := range w {
		b.WriteRune(e.concrete(r))
	}
	return b.String()
}

// catalogActions is the catalogue's actions, lower-cased beside their
// spelling, by service; built once (the catalogue never changes).
var catalogActions = sync.OnceValue(func() map[string][][2]string {
	out := map[string][][2]string{}
	cat, err := catalog.Load()
	if err != nil {
		return out
	}
	for _, p := range cat.Prefixes() {
		for _, n := range cat.Services[p].ActionNames() {
			out[p] = append(out[p], [2]string{strings.ToLower(n), n})
		}
	}
	return out
})

// catalogAction finds a real action with the same pattern memberships as
// an action atom, for a friendlier counterexample.
func (e *engine) catalogAction(a *dimAtom) string {
	if n, ok := e.catalogCache[a]; ok {
		return n
	}
	var ones, zeros []int
	for i := range e.actPats {
		if a.pats.has(i) {
			ones = append(ones, i)
		} else {
			zeros = append(zeros, i)
		}
	}
	matches := func(l string) bool {
		for _, i := range ones {
			if !arn.GlobFold(e.actText[i], l) {
				return false
			}
		}
		for _, i := range zeros {
			if arn.GlobFold(e.actText[i], l) {
				return false
			}
		}
		for i := range e.filters {
			if a.pats.has(len(e.actPats)+i) != arn.GlobFold(e.filterText[i], l) {
				return false
			}
		}
		return true
	}
	acts := catalogActions()
	// The witness's service first: it is usually the one.
	w := e.materialize(a.witness)
	svc, _, _ := strings.Cut(w, ":")
	found := ""
	for _, n := range acts[svc] {
		if matches(n[0]) {
			found = n[1]
			break
		}
	}
	if found == "" {
		prefixes := make([]string, 0, len(acts))
		for p := range acts {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
	outer:
		for _, p := range prefixes {
			if p == svc {
				continue
			}
			for _, n := range acts[p] {
				if matches(n[0]) {
					found = n[1]
					break outer
				}
			}
		}
	}
	if e.catalogCache == nil {
		e.catalogCache = map[*dimAtom]string{}
	}
	e.catalogCache[a] = found
	return found
}

// confirm builds a concrete request for a cell and has the evaluator
// decide it under both policies. It returns nil unless the new policy
// allows it and the old one does not.
func (e *engine) confirm(a, r *dimAtom, pi int, want, avoid []int) *Counterexample {
	var ws []entry
	for _, b := range want {
		ws = append(ws, e.blocks[b]...)
	}
	var av [][]entry
	for _, b := range avoid {
		av = append(av, e.blocks[b])
	}
	ctx, ok := e.ce.buildContext(ws, av, e.fixed[pi])
	if !ok {
		return nil
	}
	resources := []string{e.materialize(r.witness)}
	if strings.HasSuffix(resources[0], "/") {
		// The shortest witness ends at an empty name; a named one reads
		// better and is tried first (the evaluator decides either way).
		resources = append([]string{resources[0] + "example"}, resources...)
	}
	actions := []string{}
	if n := e.catalogAction(a); n != "" {
		actions = append(actions, n)
	}
	actions = append(actions, e.materialize(a.witness))
	p := e.principals[pi]
	for _, action := range actions {
		for _, resource := range resources {
			if cex := e.tryRequest(p, action, resource, ctx); cex != nil {
				return cex
			}
		}
	}
	return nil
}

// tryRequest decides one concrete request under both policies.
func (e *engine) tryRequest(p policy.Principal, action, resource string, ctx map[string][]string) *Counterexample {
	req := &policy.Request{Principal: p, Action: action, Resource: resource, Context: policy.NewContext(ctx)}
	if e.decide(e.newSet, req) != policy.Allowed || e.decide(e.oldSet, req) == policy.Allowed {
		return nil
	}
	spelling := map[string]string{}
	for _, b := range e.blocks {
		for _, en := range b {
			if _, ok := spelling[en.key]; !ok {
				spelling[en.key] = en.name
			}
		}
	}
	shown := map[string][]string{}
	for k, v := range ctx {
		if len(v) > 0 && (e.mode == modeIdentity || !isPrincipalKey(k)) {
			if n, ok := spelling[k]; ok {
				k = n
			}
			shown[k] = v
		}
	}
	return &Counterexample{Action: action, Resource: resource, Context: shown, Principal: principalName(p, e.mode)}
}

func isPrincipalKey(k string) bool {
	for _, p := range principalKeys {
		if p == k {
			return true
		}
	}
	return false
}

func principalName(p policy.Principal, m mode) string {
	if m == modeIdentity {
		return ""
	}
	switch p.Type {
	case policy.TypeAnonymous:
		return "*"
	case policy.TypeAssumedRole:
		return p.RoleARN
	}
	return p.ARN
}

// decide evaluates a request against one side as the check's mode reads a
// policy: an identity policy as the caller's only policy; a resource
// policy for a caller from another account whose own policies allow
// everything, so that the resource policy alone decides.
func (e *engine) decide(s *policy.Set, req *policy.Request) policy.Decision {
	if e.mode == modeIdentity {
		return policy.Evaluate(&policy.Input{Identity: s, Resource: e.accountGrant}, req)
	}
	r := *req
	r.ResourceAccount = resourceAccountFor(req.Principal)
	return policy.Evaluate(&policy.Input{Identity: e.allowAll, Resource: s}, &r)
}
