package policy

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestParseDate(t *testing.T) {
	epoch := func(sec int64) instant { return instant{sec: sec} }
	tests := []struct {
		in   string
		want instant
		ok   bool
	}{
		{"0", epoch(0), true},
		{"1700000000", epoch(1700000000), true},
		{"1970-01-02", epoch(86400), true},
		{"1970", epoch(1970), true}, // a bare number is epoch seconds, not a year
		{"1970-02", epoch(31 * 86400), true},
		{"2024-01-01T00:00:00Z", epoch(1704067200), true},
		{"2024-01-01T01:00:00+01:00", epoch(1704067200), true},
		{"2024-01-01T01:00:00+0100", epoch(1704067200), true},
		{"2023-12-31T23:00-01", epoch(1704067200), true},
		{"2024-01-01t00:00:00z", epoch(1704067200), true},
		{"2024-01-01T00:00:00.5Z", instant{1704067200, 500000000}, true},
		{"2016-12-13t2:00:00.593194+23", instant{1481594400 - 23*3600, 593194000}, true},
		{"-292275054", instant{}, true},
		{"sdfdsf", instant{}, false},
		{"2024-13-01", instant{}, false},
		{"2024-01-01T25:00:00Z", instant{}, false},
		{"9223372036854775808", instant{}, false},
		{"2024-01-01-01", instant{}, false},
		{"", instant{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || ok && tt.in != "-292275054" && got != tt.want {
			t.Errorf("parseDate(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { parseDate("2024-01-01T01:00:00.25+01:00") }); n != 0 {
		t.Errorf("parseDate allocates %v times", n)
	}
}

func TestPlainDecimal(t *testing.T) {
	for s, want := range map[string]bool{"10": true, "-1.5": true, "+2": true, "0.0": true, "1e3": false, "0x10": false, " 5": false, "": false, ".5": false, "5.": false} {
		if got := isPlainDecimal(s); got != want {
			t.Errorf("isPlainDecimal(%q) = %v", s, got)
		}
	}
}

func TestPatternVariables(t *testing.T) {
	ctx := NewContext(map[string][]string{"aws:username": {"alice"}, "aws:PrincipalTag/team": {"red"}, "aws:TagKeys": {"a", "b"}})
	tests := []struct {
		pattern, value string
		wildcards      bool
		want           bool
	}{
		{"home/${aws:username}/*", "home/alice/x/y", true, true},
		{"home/${AWS:UserName}/*", "home/alice/x", true, true},
		{"home/${aws:username}/*", "home/bob/x", true, false},
		{"home/${aws:missing}/*", "home//x", true, false},
		{"${aws:missing, 'dflt'}", "dflt", false, true},
		{"${aws:PrincipalTag/team,'dflt'}", "red", false, true},
		{"${aws:TagKeys}", "a", false, false}, // multivalued keys are no variables
		{"a${*}b", "a*b", true, true},
		{"a${*}b", "axb", true, false},
		{"a${?}b", "a?b", true, true},
		{"a${$}b", "a$b", true, true},
		{"${unterminated", "${unterminated", true, true},
		{"x*${aws:username}", "xyzalice", true, true},
		{"x*${aws:username}?", "xyzalice!", true, true},
		{"*${aws:username}*", "alice", true, true},
	}
	for _, tt := range tests {
		p := compilePattern(tt.pattern, tt.wildcards, true)
		if got := p.match(tt.value, false, &ctx, nil); got != tt.want {
			t.Errorf("%q ~ %q = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
	// Version 2008: no substitution.
	p := compilePattern("home/${aws:username}/*", true, false)
	if !p.match("home/${aws:username}/x", false, &ctx, nil) || p.match("home/alice/x", false, &ctx, nil) {
		t.Error("variables must be literal when not enabled")
	}
}

func TestParseOperator(t *testing.T) {
	good := []string{"StringEquals", "ForAllValues:StringLikeIfExists", "ForAnyValue:NumericLessThan", "Null", "ArnNotLikeIfExists", "BinaryEquals"}
	bad := []string{"stringEquals", "NullIfExists", "ForAllValues:Null", "ForAnyValue::StringEquals", "Foo:StringEquals", "StringEqualsIfExistsIfExists", ""}
	for _, s := range good {
		if _, err := parseOperator(s); err != nil {
			t.Errorf("parseOperator(%q): %v", s, err)
		}
	}
	for _, s := range bad {
		if _, err := parseOperator(s); err == nil {
			t.Errorf("parseOperator(%q) accepted", s)
		}
	}
}

func TestExplain(t *testing.T) {
	identity := MustParse(`{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "NoMFA", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "StringEquals": {"aws:PrincipalTag/team": "x"}}}
  ]
}`, Source{ID: "reader", Type: "user"})
	in := &Input{Identity: NewSet(identity)}
	req := &Request{
		Principal: Principal{Type: TypeUser, ARN: "arn:aws:iam::1:user/a", Account: "111122223333"},
		Action:    "s3:GetObject", Resource: "arn:aws:s3:::b/k",
	}
	e := Explain(in, req)
	if e.Decision != Allowed || len(e.Matched) != 1 {
		t.Fatalf("got %s with %+v", e.Decision, e.Matched)
	}
	m := e.Matched[0]
	if m.Sid != "Read" || m.Index != 0 || m.Source.ID != "reader" || m.Start != (Position{4, 5}) || m.Role != RoleIdentity {
		t.Errorf("matched %+v", m)
	}
	if !slices.Equal(e.MissingContextKeys, []string{"aws:multifactorauthpresent", "aws:principaltag/team"}) {
		t.Errorf("missing keys %v", e.MissingContextKeys)
	}

	req.Context.Set("aws:PrincipalTag/team", "x")
	e = Explain(in, req)
	if e.Decision != ExplicitDeny || len(e.Matched) != 1 || e.Matched[0].Sid != "NoMFA" {
		t.Fatalf("got %s with %+v", e.Decision, e.Matched)
	}

	bnd := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`, Source{ID: "b"})
	in.Boundary = NewSet(bnd)
	req.Context.Set("aws:PrincipalTag/team")
	e = Explain(in, req)
	if e.Decision != ImplicitDeny || e.AllowedByBoundary == nil || *e.AllowedByBoundary || len(e.Matched) != 0 {
		t.Fatalf("boundary: got %s, %+v, %v", e.Decision, e.AllowedByBoundary, e.Matched)
	}
}

func TestPlanCacheBounded(t *testing.T) {
	s := NewSet(MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Source{}))
	s.planCap = 3
	for i := range 10 {
		if s.planFor(string(rune('a'+i))+":x") == nil {
			t.Fatal("nil plan")
		}
	}
	if n := s.plans.Load().n; n != 3 {
		t.Fatalf("cache holds %d plans, want 3", n)
	}
}

func TestContextKeys(t *testing.T) {
	doc, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/${*}",
		 "Condition":{"StringEquals":{"aws:SourceVpc":"v","AWS:sourcevpc":"w"},"StringLike":{"s3:prefix":"${aws:PrincipalTag/team, 'x'}/*"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := doc.ContextKeys()
	want := []string{"aws:SourceVpc", "s3:prefix", "aws:PrincipalTag/team", "aws:username"}
	if !slices.Equal(got, want) {
		t.Fatalf("ContextKeys = %v, want %v", got, want)
	}
}

func TestContextSetDefault(t *testing.T) {
	var c Context
	c.SetDefault("aws:SourceIp", "203.0.113.5")
	c.SetDefault("AWS:SOURCEIP", "198.51.100.1") // present: kept
	c.SetDefault("aws:UserAgent", "")            // empty: not set
	c.Set("aws:TagKeys")                         // no values: absent
	c.SetDefault("aws:TagKeys", "a")
	if got := c.Get("aws:sourceip"); !slices.Equal(got, []string{"203.0.113.5"}) {
		t.Errorf("aws:SourceIp = %v", got)
	}
	if c.Get("aws:UserAgent") != nil || !slices.Equal(c.Get("aws:tagkeys"), []string{"a"}) || c.Len() != 2 {
		t.Errorf("context %v", c.Keys())
	}
}

func TestGrantsService(t *testing.T) {
	tests := []struct {
		doc  string
		ns   string
		want bool
	}{
		{`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "s3", true},
		{`{"Statement":{"Effect":"Allow","Action":"S3:Get*","Resource":"*"}}`, "s3", true},
		{`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "ec2", false},
		{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "ec2", true},
		{`{"Statement":{"Effect":"Allow","Action":"e?2:*","Resource":"*"}}`, "ec2", true},
		{`{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`, "s3", false},
		{`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "s3", true},
		{`{"Statement":{"Effect":"Allow","NotAction":["iam:*","s3:*"],"Resource":"*"}}`, "s3", false},
	}
	for _, tc := range tests {
		doc, err := Parse([]byte(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.GrantsService(tc.ns); got != tc.want {
			t.Errorf("%s grants %s: %v, want %v", tc.doc, tc.ns, got, tc.want)
		}
	}
}

// TestPlanCacheConcurrent: plans built by many goroutines at once are all
// found again (run it with -race).
func TestPlanCacheConcurrent(t *testing.T) {
	s := NewSet(MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`, Source{}))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				action := fmt.Sprintf("s3:Action%d", (i*7+g)%300)
				if p := s.planFor(action); p == nil || len(p.allow) != 1 {
					t.Errorf("%s: plan %+v", action, p)
					return
				}
			}
		}()
	}
	wg.Wait()
	if p := s.planFor("s3:DeleteObject"); len(p.deny) != 1 {
		t.Fatalf("deny plan %+v", p)
	}
	if n := s.plans.Load().n + len(s.pending); n != 301 {
		t.Fatalf("%d plans cached, want 301", n)
	}
}

// BenchmarkPlanManyActions meets 4,096 new actions, as an analysis of an
// administrator does.
func BenchmarkPlanManyActions(b *testing.B) {
	p := MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Source{})
	actions := make([]string, maxPlans)
	for i := range actions {
		actions[i] = fmt.Sprintf("svc%d:Action%d", i%50, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		s := NewSet(p)
		for _, a := range actions {
			s.planFor(a)
		}
	}
}
