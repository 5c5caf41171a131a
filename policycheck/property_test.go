package policycheck

import (
	"encoding/json"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/catalog"
	"github.com/iamd/iamd/policy"
)

// gen builds random identity policies from catalogue actions, action and
// ARN patterns and conditions.
type gen struct {
	r       *rand.Rand
	actions []string // catalogue actions the policies draw on
}

// newGen seeds the generator; POLICYCHECK_SEED shifts every seed, to run
// the properties on other policies.
func newGen(seed int64) *gen {
	if v, err := strconv.ParseInt(os.Getenv("POLICYCHECK_SEED"), 10, 64); err == nil {
		seed += v * 1000
	}
	g := &gen{r: rand.New(rand.NewSource(seed))}
	cat := catalog.MustLoad()
	for _, svc := range []string{"s3", "sqs", "iam", "kms", "dynamodb"} {
		names := cat.Services[svc].ActionNames()
		for i := 0; i < 12; i++ {
			g.actions = append(g.actions, names[g.r.Intn(len(names))])
		}
	}
	return g
}

var (
	actionPatterns   = []string{"s3:*", "s3:Get*", "s3:List*", "s3:*Object", "s3:Put*", "sqs:*", "sqs:Send*", "iam:*", "iam:Get*", "iam:*Policy", "kms:*", "kms:Describe?ey", "dynamodb:*", "*"}
	resourcePatterns = []string{"arn:aws:s3:::b1", "arn:aws:s3:::b1/*", "arn:aws:s3:::b?", "arn:aws:s3:::b1/x/*", "arn:aws:s3:::*", "arn:aws:s3:::*/logs/*",
		"arn:aws:sqs:us-east-1:111122223333:q1", "arn:aws:sqs:*:111122223333:q*", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/app-?",
		"arn:aws:kms:*:*:key/*", "arn:aws:dynamodb:us-east-1:111122223333:table/t*", "arn:aws:*:*:111122223333:*", "*"}
	conditions = []map[string]map[string]any{
		{"Bool": {"aws:SecureTransport": "true"}},
		{"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
		{"StringEquals": {"aws:RequestedRegion": []string{"us-east-1", "eu-west-1"}}},
		{"StringLike": {"s3:prefix": "home/*"}},
		{"StringNotEquals": {"aws:RequestedRegion": "ap-south-1"}},
		{"NumericLessThan": {"s3:max-keys": "10"}},
		{"StringLike": {"aws:RequestedRegion": "us-*"}},
		{"StringNotLike": {"aws:RequestedRegion": "ap-*"}},
		{"StringLike": {"s3:prefix": []string{"home/a*", "home/b"}}},
	}
)

type jstmt struct {
	Sid          string         `json:"Sid,omitempty"`
	Effect       string         `json:"Effect"`
	Principal    any            `json:"Principal,omitempty"`
	NotPrincipal any            `json:"NotPrincipal,omitempty"`
	Action       []string       `json:"Action,omitempty"`
	NotAction    []string       `json:"NotAction,omitempty"`
	Resource     []string       `json:"Resource,omitempty"`
	NotResource  []string       `json:"NotResource,omitempty"`
	Condition    map[string]any `json:"Condition,omitempty"`
}

type jdoc struct {
	Version   string  `json:"Version"`
	Statement []jstmt `json:"Statement"`
}

func (d jdoc) String() string {
	b, _ := json.Marshal(d)
	return string(b)
}

func (g *gen) pick(from []string, n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, from[g.r.Intn(len(from))])
	}
	return out
}

func (g *gen) action() string {
	if g.r.Intn(2) == 0 {
		return g.actions[g.r.Intn(len(g.actions))]
	}
	return actionPatterns[g.r.Intn(len(actionPatterns))]
}

func (g *gen) stmt(denies bool) jstmt {
	s := jstmt{Effect: "Allow"}
	if denies && g.r.Intn(4) == 0 {
		s.Effect = "Deny"
	}
	acts := make([]string, 1+g.r.Intn(3))
	for i := range acts {
		acts[i] = g.action()
	}
	if g.r.Intn(10) == 0 {
		s.NotAction = acts
	} else {
		s.Action = acts
	}
	res := g.pick(resourcePatterns, 1+g.r.Intn(3))
	if g.r.Intn(10) == 0 {
		s.NotResource = res
	} else {
		s.Resource = res
	}
	if g.r.Intn(3) == 0 {
		c := map[string]any{}
		for op, kv := range conditions[g.r.Intn(len(conditions))] {
			c[op] = kv
		}
		s.Condition = c
	}
	return s
}

func (g *gen) doc(n int, denies bool) jdoc {
	d := jdoc{Version: "2012-10-17"}
	for i := 0; i < n; i++ {
		d.Statement = append(d.Statement, g.stmt(denies))
	}
	return d
}

// mustCheck runs the check both ways, with and without the syntactic
// shortcut, which must agree; every counterexample is confirmed.
func mustCheck(t *testing.T, old, new string) *Result {
	t.Helper()
	var out *Result
	for _, walkAll := range []bool{true, false} {
		r, err := checkNoNewAccess(old, new, IdentityPolicy, walkAll)
		if err != nil {
			t.Fatalf("%v\nold %s\nnew %s", err, old, new)
		}
		if r.Counterexample != nil {
			confirm(t, IdentityPolicy, new, old, r.Counterexample)
		}
		if out != nil && out.Result != r.Result {
			t.Fatalf("the shortcut changes the result: %s vs %s\nold %s\nnew %s", out.Result, r.Result, old, new)
		}
		if out == nil {
			out = r
		}
	}
	return out
}

func TestPropertyNoNewAccessOverItself(t *testing.T) {
	g := newGen(1)
	for i := 0; i < 150; i++ {
		p := g.doc(1+g.r.Intn(5), true).String()
		if r := mustCheck(t, p, p); r.Result != Pass {
			t.Fatalf("policy has new access over itself: %+v\n%s", r, p)
		}
	}
}

func TestPropertyRemovingAnAllowNeverFails(t *testing.T) {
	g := newGen(2)
	for i := 0; i < 150; i++ {
		p := g.doc(2+g.r.Intn(4), true)
		var allows []int
		for j, s := range p.Statement {
			if s.Effect == "Allow" {
				allows = append(allows, j)
			}
		}
		if len(allows) == 0 {
			continue
		}
		k := allows[g.r.Intn(len(allows))]
		smaller := p
		smaller.Statement = append(append([]jstmt(nil), p.Statement[:k]...), p.Statement[k+1:]...)
		if r := mustCheck(t, p.String(), smaller.String()); r.Result != Pass {
			t.Fatalf("removing statement %d fails: %+v\nold %s\nnew %s", k, r, p, smaller)
		}
	}
}

func TestPropertyAddingAnAllowOnANewActionFails(t *testing.T) {
	g := newGen(3)
	cat := catalog.MustLoad()
	all := cat.Services["ec2"].ActionNames()
	all = append(all, cat.Services["s3"].ActionNames()...)
	tried := 0
	for i := 0; i < 400 && tried < 120; i++ {
		p := g.doc(1+g.r.Intn(5), true)
		a := all[g.r.Intn(len(all))]
		if touches(p, a) {
			continue
		}
		tried++
		bigger := p
		bigger.Statement = append(append([]jstmt(nil), p.Statement...), jstmt{Effect: "Allow", Action: []string{a}, Resource: []string{"*"}})
		r := mustCheck(t, p.String(), bigger.String())
		if r.Result != Fail || r.Counterexample == nil {
			t.Fatalf("adding %s passes or has no counterexample: %+v\n%s", a, r, p)
		}
		if !strings.EqualFold(r.Counterexample.Action, a) {
			t.Errorf("counterexample %+v, want action %s", r.Counterexample, a)
		}
		if last := r.Reasons[len(r.Reasons)-1]; last.StatementIndex != len(bigger.Statement)-1 {
			t.Errorf("reasons %+v do not name the added statement", r.Reasons)
		}
	}
	if tried < 50 {
		t.Fatalf("only %d cases", tried)
	}
}

// touches reports whether any statement's actions can match a.
func touches(d jdoc, a string) bool {
	for _, s := range d.Statement {
		if s.NotAction != nil {
			return true
		}
		for _, p := range s.Action {
			if arn.GlobFold(strings.ToLower(p), strings.ToLower(a)) {
				return true
			}
		}
	}
	return false
}

// TestPropertyNeverAFalsePass compares the check with brute force: for
// random pairs of policies, requests built from the policies' own pieces
// are decided by the evaluator; one the new policy allows and the old does
// not means the check must FAIL. Every counterexample is confirmed.
func TestPropertyNeverAFalsePass(t *testing.T) {
	g := newGen(4)
	fails, withCex, witnessed := 0, 0, 0
	for i := 0; i < 120; i++ {
		old := g.doc(1+g.r.Intn(4), true)
		new := old
		// Mutate: change, add or drop statements, so that pairs are close.
		new.Statement = append([]jstmt(nil), old.Statement...)
		switch g.r.Intn(3) {
		case 0:
			new.Statement[g.r.Intn(len(new.Statement))] = g.stmt(true)
		case 1:
			new.Statement = append(new.Statement, g.stmt(true))
		default:
			new = g.doc(1+g.r.Intn(4), true)
		}
		r := mustCheck(t, old.String(), new.String())
		if r.Result == Fail {
			fails++
			if r.Counterexample != nil {
				withCex++
			}
		}
		oldSet, newSet := setOf(t, old.String()), setOf(t, new.String())
		for _, req := range g.requests(old, new, 300) {
			if decideID(newSet, req) == policy.Allowed && decideID(oldSet, req) != policy.Allowed {
				witnessed++
				if r.Result != Pass {
					break
				}
				t.Fatalf("false PASS: %s on %s (%v) is new access\nold %s\nnew %s", req.Action, req.Resource, req.Context, old, new)
			}
		}
	}
	t.Logf("%d FAIL (%d with a counterexample); brute force found new access in %d pairs", fails, withCex, witnessed)
	if fails > 0 && withCex*10 < fails*9 {
		t.Errorf("only %d of %d failures have a counterexample", withCex, fails)
	}
}

func setOf(t *testing.T, text string) *policy.Set {
	d, err := policy.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return policy.NewSet(policy.Compile(d, policy.Source{ID: "p"}))
}

func decideID(s *policy.Set, req *policy.Request) policy.Decision {
	return policy.Evaluate(&policy.Input{Identity: s}, req)
}

// requests draws requests from the pieces of the policies: their actions
// and the catalogue's, their resource patterns instantiated, and context
// values their conditions name.
func (g *gen) requests(ds ...any) []*policy.Request {
	var acts, res []string
	acts = append(acts, g.actions...)
	for _, p := range actionPatterns {
		acts = append(acts, strings.NewReplacer("*", "Zz", "?", "K").Replace(p))
	}
	for _, p := range resourcePatterns {
		for _, fill := range []string{"", "x", "b1/logs/y", "q1"} {
			res = append(res, strings.NewReplacer("*", fill, "?", "1").Replace(p))
		}
	}
	res = append(res, "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "*")
	sort.Strings(res)
	ctxs := []map[string][]string{
		nil,
		{"aws:SecureTransport": {"true"}},
		{"aws:RequestedRegion": {"us-east-1"}},
		{"aws:RequestedRegion": {"eu-west-1"}, "aws:SecureTransport": {"false"}},
		{"aws:RequestedRegion": {"ap-south-1"}, "s3:prefix": {"home/a"}, "s3:max-keys": {"5"}},
		{"s3:prefix": {"other"}, "s3:max-keys": {"50"}, "aws:SecureTransport": {"true"}},
		{"aws:RequestedRegion": {"us-west-2"}, "s3:prefix": {"home/b"}},
		{"aws:RequestedRegion": {"ap-east-1"}, "s3:prefix": {"home/ab"}},
	}
	var out []*policy.Request
	p := policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/u", Account: "123456789012"}
	for i := 0; i < 300; i++ {
		out = append(out, &policy.Request{Principal: p, Action: acts[g.r.Intn(len(acts))], Resource: res[g.r.Intn(len(res))],
			Context: policy.NewContext(ctxs[g.r.Intn(len(ctxs))])})
	}
	return out
}

// bigPolicy is a policy of about 6 KB with wildcards throughout.
func bigPolicy(seed int64) string {
	g := newGen(seed)
	d := jdoc{Version: "2012-10-17"}
	for len(d.String()) < 6000 {
		s := g.stmt(false)
		s.Condition = nil
		s.NotAction, s.NotResource = nil, nil
		s.Action = append(g.pick(g.actions, 3), actionPatterns[g.r.Intn(len(actionPatterns)-1)])
		s.Resource = g.pick(resourcePatterns[:len(resourcePatterns)-1], 3)
		d.Statement = append(d.Statement, s)
	}
	return d.String()
}

func BenchmarkCheckNoNewAccess6KB(b *testing.B) {
	old := bigPolicy(10)
	// The new policy: the old one reordered with one statement narrowed,
	// which passes only after the whole search.
	var d jdoc
	_ = json.Unmarshal([]byte(old), &d)
	for i, j := 0, len(d.Statement)-1; i < j; i, j = i+1, j-1 {
		d.Statement[i], d.Statement[j] = d.Statement[j], d.Statement[i]
	}
	d.Statement[0].Resource = []string{"arn:aws:s3:::b1/x/*"}
	newDoc := d.String()
	b.Logf("policies of %d and %d bytes", len(old), len(newDoc))
	for _, walkAll := range []bool{false, true} {
		name := "shortcut"
		if walkAll {
			name = "walk"
		}
		b.Run(name, func(b *testing.B) {
			r, err := checkNoNewAccess(old, newDoc, IdentityPolicy, walkAll)
			if err != nil || r.Result != Pass {
				b.Fatalf("%+v %v", r, err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := checkNoNewAccess(old, newDoc, IdentityPolicy, walkAll); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckNoNewAccess6KBFail(b *testing.B) {
	old, newDoc := bigPolicy(11), bigPolicy(12)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := CheckNoNewAccess(old, newDoc, IdentityPolicy)
		if err != nil || r.Result != Fail {
			b.Fatalf("%+v %v", r, err)
		}
	}
}

var principals = []any{"*", map[string]any{"AWS": "111122223333"}, map[string]any{"AWS": "arn:aws:iam::111122223333:user/alice"},
	map[string]any{"AWS": []string{"arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:role/app"}},
	map[string]any{"Service": "sns.amazonaws.com"}, map[string]any{"AWS": "*"}}

// resourceDoc is a random resource policy: every statement names callers.
func (g *gen) resourceDoc(n int) jdoc {
	d := g.doc(n, true)
	for i := range d.Statement {
		st := &d.Statement[i]
		if st.Effect == "Deny" && g.r.Intn(3) == 0 {
			st.NotPrincipal = map[string]any{"AWS": []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/alice"}}
		} else {
			st.Principal = principals[g.r.Intn(len(principals))]
		}
		if g.r.Intn(4) == 0 {
			st.Condition = map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": "111122223333"}}
		}
	}
	return d
}

// TestPropertyResourcePoliciesNeverAFalsePass is the brute-force
// comparison for resource policies, with callers of every kind.
func TestPropertyResourcePoliciesNeverAFalsePass(t *testing.T) {
	g := newGen(5)
	callers := []policy.Principal{
		{Type: policy.TypeAnonymous},
		{Type: policy.TypeUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", ID: "AIDAALICE"},
		{Type: policy.TypeUser, ARN: "arn:aws:iam::111122223333:user/bob", Account: "111122223333", ID: "AIDABOB"},
		{Type: policy.TypeAccount, ARN: "arn:aws:iam::111122223333:root", Account: "111122223333"},
		{Type: policy.TypeUser, ARN: "arn:aws:iam::444455556666:user/carol", Account: "444455556666", ID: "AIDACAROL"},
		{Type: policy.TypeAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/app/s", RoleARN: "arn:aws:iam::111122223333:role/app", Account: "111122223333", ID: "AROAAPP:s"},
		{Type: policy.TypeService, ARN: "sns.amazonaws.com", Service: "sns.amazonaws.com"},
		{Type: policy.TypeService, ARN: "events.amazonaws.com", Service: "events.amazonaws.com"},
		{Type: policy.TypeUser, ARN: "arn:aws:iam::777788889999:user/dave", Account: "777788889999", ID: "AIDADAVE"},
	}
	all := policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.Source{ID: "all"}))
	decide := func(s *policy.Set, req *policy.Request) policy.Decision {
		return policy.Evaluate(&policy.Input{Identity: all, Resource: s}, req)
	}
	fails, witnessed := 0, 0
	for i := 0; i < 100; i++ {
		old := g.resourceDoc(1 + g.r.Intn(4))
		new := old
		new.Statement = append([]jstmt(nil), old.Statement...)
		switch g.r.Intn(3) {
		case 0:
			k := g.r.Intn(len(new.Statement))
			new.Statement[k].Principal, new.Statement[k].NotPrincipal = principals[g.r.Intn(len(principals))], nil
		case 1:
			new.Statement = append(new.Statement, g.resourceDoc(1).Statement[0])
		default:
			new = g.resourceDoc(1 + g.r.Intn(4))
		}
		r, err := CheckNoNewAccess(old.String(), new.String(), ResourcePolicy)
		if err != nil {
			t.Fatal(err)
		}
		if r.Result == Fail {
			fails++
			if r.Counterexample != nil {
				confirm(t, ResourcePolicy, new.String(), old.String(), r.Counterexample)
			}
		}
		oldSet, newSet := setOf(t, old.String()), setOf(t, new.String())
		for _, req := range g.requests(300) {
			req.Principal = callers[g.r.Intn(len(callers))]
			policy.AddPrincipalKeys(&req.Context, &req.Principal)
			req.ResourceAccount = "999999999999"
			if decide(newSet, req) == policy.Allowed && decide(oldSet, req) != policy.Allowed {
				witnessed++
				if r.Result != Pass {
					break
				}
				t.Fatalf("false PASS: %s calling %s on %s is new access\nold %s\nnew %s", req.Principal.ARN, req.Action, req.Resource, old, new)
			}
		}
		if self, _ := CheckNoNewAccess(old.String(), old.String(), ResourcePolicy); self.Result != Pass {
			t.Fatalf("resource policy has new access over itself: %+v\n%s", self, old)
		}
	}
	t.Logf("%d FAIL; brute force found new access in %d pairs", fails, witnessed)
}
