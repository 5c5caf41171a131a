package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Property tests over random policies and requests drawn from a small
// vocabulary, so that statements often apply. Seeds are fixed: a failure
// names its iteration and reproduces.

var (
	propActions   = []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:GetUser", "sts:AssumeRole"}
	propPatterns  = []string{"s3:*", "s3:Get*", "*", "iam:*", "s3:?utObject", "sts:AssumeRole", "s3:GetObject", "iam:GetUser"}
	propResources = []string{"*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:s3:::b/${aws:username}/*", "arn:aws:iam::111122223333:role/r", "arn:aws:iam::*:user/*"}
	propRequestRs = []string{"arn:aws:s3:::b/alice/k", "arn:aws:s3:::b", "arn:aws:iam::111122223333:role/r", "arn:aws:iam::111122223333:user/alice"}
	propConds     = []string{
		`"StringEquals":{"aws:PrincipalTag/team":"red"}`,
		`"Bool":{"aws:MultiFactorAuthPresent":"true"}`,
		`"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}`,
		`"StringNotEquals":{"aws:username":"bob"}`,
		`"ForAnyValue:StringLike":{"aws:TagKeys":"a*"}`,
		`"Null":{"aws:TokenIssueTime":"true"}`,
	}
	propPrincipals = []string{`"*"`, `{"AWS":"111122223333"}`, `{"AWS":"arn:aws:iam::111122223333:user/alice"}`,
		`{"AWS":"arn:aws:iam::111122223333:role/r"}`, `{"AWS":"arn:aws:sts::111122223333:assumed-role/r/s"}`, `{"AWS":"444455556666"}`}
)

type propStatement struct {
	deny      bool
	notAction bool
	actions   []string
	resources []string
	principal string // resource policies only
	notPrinc  bool
	cond      string
}

func (s propStatement) json() string {
	effect := "Allow"
	if s.deny {
		effect = "Deny"
	}
	quote := func(list []string) string { return `["` + strings.Join(list, `","`) + `"]` }
	b := fmt.Sprintf(`{"Effect":%q`, effect)
	if s.notAction {
		b += `,"NotAction":` + quote(s.actions)
	} else {
		b += `,"Action":` + quote(s.actions)
	}
	b += `,"Resource":` + quote(s.resources)
	if s.principal != "" {
		key := "Principal"
		if s.notPrinc {
			key = "NotPrincipal"
		}
		b += fmt.Sprintf(`,%q:%s`, key, s.principal)
	}
	if s.cond != "" {
		b += `,"Condition":{` + s.cond + `}`
	}
	return b + "}"
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func randomStatement(r *rand.Rand, resourcePolicy bool) propStatement {
	s := propStatement{deny: r.IntN(4) == 0, notAction: r.IntN(8) == 0}
	for range 1 + r.IntN(2) {
		s.actions = append(s.actions, pick(r, propPatterns))
	}
	for range 1 + r.IntN(2) {
		s.resources = append(s.resources, pick(r, propResources))
	}
	if r.IntN(3) == 0 {
		s.cond = pick(r, propConds)
	}
	if resourcePolicy {
		s.principal = pick(r, propPrincipals)
		s.notPrinc = s.deny && r.IntN(5) == 0
	}
	return s
}

func compileStatements(t *testing.T, stmts []propStatement, id string) *Policy {
	parts := make([]string, len(stmts))
	for i, s := range stmts {
		parts[i] = s.json()
	}
	text := `{"Version":"2012-10-17","Statement":[` + strings.Join(parts, ",") + `]}`
	doc, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("generated policy does not parse: %v\n%s", err, text)
	}
	return Compile(doc, Source{ID: id})
}

// scenario is a random input in statement form, so it can be altered.
type scenario struct {
	identity, boundary, session, resource [][]propStatement // nil slice = absent (boundary/session/resource)
	req                                   Request
}

func randomScenario(r *rand.Rand) scenario {
	var sc scenario
	gen := func(n int, res bool) [][]propStatement {
		var ps [][]propStatement
		for range n {
			var p []propStatement
			for range 1 + r.IntN(3) {
				p = append(p, randomStatement(r, res))
			}
			ps = append(ps, p)
		}
		return ps
	}
	sc.identity = gen(r.IntN(3), false)
	if r.IntN(3) == 0 {
		sc.boundary = gen(1, false)
	}
	if r.IntN(4) == 0 {
		sc.session = gen(1, false)
	}
	if r.IntN(2) == 0 {
		sc.resource = gen(1, true)
	}
	ctx := NewContext(map[string][]string{"aws:username": {"alice"}, "aws:PrincipalTag/team": {pick(r, []string{"red", "blue"})}})
	if r.IntN(2) == 0 {
		ctx.Set("aws:SourceIp", pick(r, []string{"10.1.2.3", "192.0.2.1"}))
	}
	if r.IntN(2) == 0 {
		ctx.Set("aws:MultiFactorAuthPresent", pick(r, []string{"true", "false"}))
	}
	if r.IntN(2) == 0 {
		ctx.Set("aws:TagKeys", "abc", "x")
	}
	principals := []Principal{
		{Type: TypeUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"},
		{Type: TypeAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/r/s", RoleARN: "arn:aws:iam::111122223333:role/r", Account: "111122223333"},
		{Type: TypeAccount, ARN: "arn:aws:iam::111122223333:root", Account: "111122223333"},
	}
	sc.req = Request{
		Principal: pick(r, principals), Action: pick(r, propActions), Resource: pick(r, propRequestRs),
		ResourceAccount: pick(r, []string{"", "111122223333", "444455556666"}), Context: ctx,
	}
	return sc
}

func (sc scenario) input(t *testing.T) *Input {
	set := func(ps [][]propStatement, id string) *Set {
		var pols []*Policy
		for i, p := range ps {
			if len(p) > 0 { // a policy whose last statement was removed
				pols = append(pols, compileStatements(t, p, fmt.Sprintf("%s%d", id, i)))
			}
		}
		return NewSet(pols...)
	}
	in := &Input{Identity: set(sc.identity, "id")}
	if sc.boundary != nil {
		in.Boundary = set(sc.boundary, "boundary")
	}
	if sc.session != nil {
		in.Session = set(sc.session, "session")
	}
	if sc.resource != nil {
		in.Resource = set(sc.resource, "resource")
	}
	return in
}

func (sc scenario) decide(t *testing.T) Decision {
	in := sc.input(t)
	d := Evaluate(in, &sc.req)
	if e := Explain(in, &sc.req); e.Decision != d {
		t.Fatalf("Evaluate says %s, Explain %s", d, e.Decision)
	}
	return d
}

const propIterations = 3000

func TestPropertyMatchingDenyWins(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range propIterations {
		sc := randomScenario(r)
		deny := propStatement{deny: true, actions: []string{sc.req.Action}, resources: []string{sc.req.Resource}}
		switch r.IntN(3) {
		case 0:
			sc.identity = append(sc.identity, []propStatement{deny})
		case 1:
			if sc.boundary == nil {
				sc.boundary = [][]propStatement{}
			}
			sc.boundary = append(sc.boundary, []propStatement{deny})
		case 2:
			deny.principal = `"*"`
			sc.resource = append(sc.resource, []propStatement{deny})
		}
		if got := sc.decide(t); got != ExplicitDeny {
			t.Fatalf("iteration %d: a matching Deny gave %s for %+v", i, got, sc.req)
		}
	}
}

func TestPropertyRemovingAllowNeverAllows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for i := range propIterations {
		sc := randomScenario(r)
		before := sc.decide(t)
		if before == Allowed {
			continue
		}
		// Drop one Allow statement from some policy.
		lists := []*[][]propStatement{&sc.identity, &sc.boundary, &sc.session, &sc.resource}
		target := lists[r.IntN(len(lists))]
		removed := false
		for pi := range *target {
			p := (*target)[pi]
			for si := range p {
				if !p[si].deny {
					(*target)[pi] = append(append([]propStatement{}, p[:si]...), p[si+1:]...)
					removed = true
					break
				}
			}
			if removed {
				break
			}
		}
		if !removed {
			continue
		}
		checked++
		if after := sc.decide(t); after == Allowed {
			t.Fatalf("iteration %d: removing an Allow turned %s into allowed", i, before)
		}
	}
	if checked < propIterations/10 {
		t.Fatalf("only %d scenarios exercised", checked)
	}
}

func TestPropertyBoundaryNeverWidens(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	allowedWith := 0
	for i := range propIterations {
		sc := randomScenario(r)
		if sc.boundary == nil {
			sc.boundary = [][]propStatement{{randomStatement(r, false)}}
		}
		with := sc.decide(t)
		sc.boundary = nil
		without := sc.decide(t)
		if with == Allowed {
			allowedWith++
			if without != Allowed {
				t.Fatalf("iteration %d: allowed with a boundary, %s without", i, without)
			}
		}
	}
	if allowedWith == 0 {
		t.Fatal("no scenario was allowed: the generator exercises nothing")
	}
}

func TestPropertyDecisionsAreMixed(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	counts := map[Decision]int{}
	for range 1000 {
		sc := randomScenario(r)
		counts[sc.decide(t)]++
	}
	for _, d := range []Decision{Allowed, ExplicitDeny, ImplicitDeny} {
		if counts[d] < 50 {
			t.Errorf("only %d %s decisions of 1000: the generator is lopsided (%v)", counts[d], d, counts)
		}
	}
}
