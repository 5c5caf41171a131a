package analysis

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const acct = "arn:aws:iam::111122223333:"

func fixture(t testing.TB) *Graph {
	t.Helper()
	d, err := LoadDump("testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Unresolved) > 0 {
		t.Fatalf("unresolved managed policies: %v", a.Unresolved)
	}
	return BuildGraph(a)
}

func TestLintFixture(t *testing.T) {
	g := fixture(t)
	f, err := os.Open("testdata/credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadCredentialReport(f)
	if err != nil {
		t.Fatal(err)
	}
	findings := Lint(g.Account, LintOptions{Credentials: rows, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	type key struct{ rule, arn, stmt string }
	got := map[key]Severity{}
	for _, f := range findings {
		got[key{f.Rule, f.ARN, f.Statement}] = f.Severity
		if f.Message == "" || f.Fix == "" {
			t.Errorf("finding without message or fix: %+v", f)
		}
	}
	want := []struct {
		rule, arn, stmt string
		sev             Severity
	}{
		{"trust-any-principal", acct + "role/public-role", "0", Error},
		{"trust-cross-account-no-condition", acct + "role/partner-role", "0", Warning},
		{"trust-oidc-no-subject", acct + "role/github-any", "0", Error},
		{"passrole-wildcard", acct + "user/mallory", "1 (Sid PassAny)", Error},
		{"unknown-action", acct + "user/oscar", "0 (Sid Typo)", Warning}, // a typo in an Allow fails closed
		{"resource-type-mismatch", acct + "user/oscar", "1 (Sid WrongResource)", Warning},
		{"condition-key-not-applicable", acct + "user/oscar", "3 (Sid WrongKey)", Warning},
		{"service-wildcard", acct + "user/oscar", "4 (Sid IamAll)", Warning},
		{"wildcard-resource-write", acct + "policy/DeployPolicy", "0 (Sid Lambda)", Warning},
		{"redundant-statement", acct + "user/oscar", "2 (Sid Again)", Info},
		{"shadowed-statement", acct + "user/peggy", "0 (Sid Read)", Warning},
		{"inline-policy", acct + "user/ci-deploy", "", Warning},
		{"inline-policy", acct + "group/iam-helpers", "", Info},
		{"user-attached-policy", acct + "user/frank", "", Warning},
		{"user-no-group", acct + "user/frank", "", Warning}, // with a policy of its own
		{"root-access-key", acct + "root", "", Error},
		{"root-no-mfa", acct + "root", "", Error},
		{"console-without-mfa", acct + "user/frank", "", Error},
		{"access-key-old", acct + "user/alice", "", Warning},
		{"access-key-unused", acct + "user/ci-deploy", "", Warning},
		{"two-active-keys", acct + "user/ci-deploy", "", Warning},
		{"access-key-never-used", acct + "user/frank", "", Info},
		{"idle-user", acct + "user/erin", "", Warning},
		{"idle-user", acct + "user/walter", "", Warning},
	}
	for _, w := range want {
		sev, ok := got[key{w.rule, w.arn, w.stmt}]
		if !ok {
			t.Errorf("missing %s on %s statement %q", w.rule, w.arn, w.stmt)
		} else if sev != w.sev {
			t.Errorf("%s on %s: severity %s, want %s", w.rule, w.arn, sev, w.sev)
		}
	}
	// Things that are fine must stay quiet.
	for k := range got {
		switch {
		case k.rule == "resource-type-mismatch" && strings.Contains(k.arn, "DevAccess"):
			t.Errorf("bucket ARN with s3:ListBucket flagged: %+v", k)
		case k.rule == "trust-any-principal" && !strings.HasSuffix(k.arn, "public-role"):
			t.Errorf("trust flagged: %+v", k)
		case k.rule == "trust-cross-account-no-condition" && strings.HasSuffix(k.arn, "cross-account-audit"):
			t.Errorf("role with sts:ExternalId flagged: %+v", k)
		case k.rule == "trust-oidc-no-subject" && strings.HasSuffix(k.arn, "github-deploy"):
			t.Errorf("OIDC trust with a sub condition flagged")
		case k.rule == "idle-user" && strings.HasSuffix(k.arn, "alice"):
			t.Errorf("active user flagged idle")
		}
	}
	if findings[0].Severity != Error {
		t.Errorf("not sorted worst first: %+v", findings[0])
	}
}

func TestWhoCan(t *testing.T) {
	g := fixture(t)
	tests := []struct {
		action, resource string
		want             []string // principals (short)
		via              map[string]int
	}{
		{"s3:PutObject", "arn:aws:s3:::artifacts/build.zip",
			[]string{"user/alice", "user/frank", "user/dave", "user/ci-deploy", "role/admin-role", "role/dev-sandbox", "role/ec2-admin", "role/lambda-admin",
				"user/bob", "user/carol", "user/oscar", "user/victor", "user/xena", "user/yusuf", "user/mallory", "user/nina"},
			map[string]int{"user/carol": 2, "user/bob": 2, "user/nina": 1}},
		{"s3:DeleteObject", "arn:aws:s3:::website/index.html",
			[]string{"user/alice", "user/frank", "user/ci-deploy", "user/bob", "user/carol", "user/oscar", "user/victor", "user/xena", "user/yusuf", "user/nina",
				"role/admin-role", "role/dev-sandbox", "role/ec2-admin", "role/lambda-admin", "role/ci/ci-role", "user/mallory", "user/dave"}, nil},
		{"s3:GetObject", "arn:aws:s3:::partner-exchange/f.csv", nil, map[string]int{"arn:aws:iam::777788889999:root": 2}},
		{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/app", nil, map[string]int{"role/lambda-app": 1}},
		{"iam:CreateAccessKey", acct + "user/alice", nil, map[string]int{"user/grace": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			res := g.WhoCan(tt.action, tt.resource, nil)
			got := map[string]Access{}
			for _, r := range res {
				got[short(r.Principal)] = r
				got[r.Principal] = r
				if len(r.Via) == 0 {
					t.Errorf("%s without a chain", r.Principal)
				}
			}
			if tt.want != nil {
				var names []string
				for _, r := range res {
					names = append(names, short(r.Principal))
				}
				sort.Strings(names)
				w := append([]string{}, tt.want...)
				sort.Strings(w)
				if !reflect.DeepEqual(names, w) {
					t.Errorf("principals\n got %v\nwant %v", names, w)
				}
			}
			for p, n := range tt.via {
				if len(got[p].Via) != n {
					t.Errorf("%s: via %v, want %d steps", p, got[p].Via, n)
				}
			}
			// nina is an administrator with MFA: always listed, conditional
			// unless another policy allows it outright.
			n, ok := got["user/nina"]
			condStep := false
			for _, st := range n.Via {
				condStep = condStep || st.Conditional
			}
			if !ok || n.Conditional != condStep || tt.action == "s3:PutObject" && !n.Conditional {
				t.Errorf("nina (admin with MFA): %+v", n)
			}
			if _, ok := got["user/peggy"]; ok {
				t.Errorf("peggy is denied s3 by her own policy")
			}
		})
	}
	// The cross-account role's ExternalId condition: conditional, and
	// unconditional once the caller supplies the key.
	res := g.WhoCan("iam:GetAccountAuthorizationDetails", "*", nil)
	found := false
	for _, r := range res {
		if r.Principal == "arn:aws:iam::444455556666:root" {
			found = true
			if !r.Conditional {
				t.Errorf("ExternalId trust not marked conditional: %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("auditor account missing from who-can GetAccountAuthorizationDetails")
	}
}

func TestEscalations(t *testing.T) {
	g := fixture(t)
	got := map[string]Escalation{}
	for _, e := range g.Escalations() {
		got[short(e.Principal)] = e
	}
	want := map[string]string{ // principal -> technique of the first step
		"user/heidi":       "iam:AttachUserPolicy",
		"user/ivan":        "iam:CreatePolicyVersion",
		"user/grace":       "iam:CreateAccessKey",
		"user/judy":        "iam:UpdateAssumeRolePolicy",
		"user/mallory":     "iam:PassRole",
		"user/dave":        "iam:PassRole",
		"user/ci-deploy":   "iam:PassRole",
		"user/trent":       "iam:AddUserToGroup",
		"user/oscar":       "iam:AttachUserPolicy",
		"user/carol":       "assume",
		"user/yusuf":       "assume",
		"user/bob":         "assume",
		"role/dev-sandbox": "assume",
	}
	for p, tech := range want {
		e, ok := got[p]
		if !ok {
			t.Errorf("%s cannot escalate, want %s", p, tech)
			continue
		}
		if e.Steps[0].Kind != tech {
			t.Errorf("%s: first step %+v, want %s", p, e.Steps[0], tech)
		}
	}
	for _, p := range []string{"user/alice", "role/admin-role", "user/bounded-bea", "user/erin", "user/peggy", "role/lambda-app", "user/svc-backup"} {
		if e, ok := got[p]; ok {
			t.Errorf("%s should not be listed: %+v", p, e)
		}
	}
	if got["user/bob"].Reaches != acct+"role/admin-role" || len(got["user/bob"].Steps) != 2 {
		t.Errorf("bob: %+v", got["user/bob"])
	}
}

func TestWhatCanAndPath(t *testing.T) {
	g := fixture(t)
	dave, _ := g.Account.Entity(acct + "user/dave")
	c := g.WhatCan(dave, "")
	have := map[string]string{}
	for _, p := range c.Actions {
		have[p.Action+" "+p.Resource] = p.AccessLevel
	}
	for k, lvl := range map[string]string{
		"lambda:CreateFunction *": "Write", "iam:PassRole " + acct + "role/lambda-*": "Write",
		"s3:PutObject arn:aws:s3:::artifacts/*": "Write", "lambda:GetFunction *": "Read",
	} {
		if have[k] != lvl {
			t.Errorf("dave: %s = %q, want %q", k, have[k], lvl)
		}
	}
	if _, ok := have["s3:GetObject arn:aws:s3:::artifacts/*"]; ok {
		t.Errorf("dave cannot read artifacts")
	}
	s3only := g.WhatCan(dave, "s3")
	if len(s3only.Actions) != 1 {
		t.Errorf("--service s3: %+v", s3only.Actions)
	}
	peggy, _ := g.Account.Entity(acct + "user/peggy")
	for _, p := range g.WhatCan(peggy, "s3").Actions {
		t.Errorf("peggy is denied all of s3, got %+v", p)
	}

	// A boundary that allows no IAM action leaves none, conditions or not.
	bea, _ := g.Account.Entity(acct + "user/bounded-bea")
	for _, p := range g.WhatCan(bea, "iam").Actions {
		t.Errorf("bounded-bea's boundary allows no iam action, got %+v", p)
	}

	steps, ok := g.Path(acct+"user/bob", acct+"role/admin-role", "")
	if !ok || len(steps) != 2 || steps[0].To != acct+"role/dev-sandbox" {
		t.Errorf("path bob -> admin-role: %v %v", ok, steps)
	}
	steps, ok = g.Path(acct+"user/mallory", "iam:DeleteRole", acct+"role/x")
	if !ok || steps[0].Kind != "iam:PassRole" || steps[len(steps)-1].Kind != "policy" {
		t.Errorf("path mallory -> iam:DeleteRole: %v %v", ok, steps)
	}
	if _, ok := g.Path(acct+"user/erin", acct+"role/admin-role", ""); ok {
		t.Errorf("erin (read only) reaches admin-role")
	}
}

func TestDumpRoundTrip(t *testing.T) {
	raw, err := os.ReadFile("testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDump(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the dump")
	}
	// The Query API's form: URL-encoded documents.
	enc := strings.ReplaceAll(url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), "+", "%20")
	d2, err := ReadDump(strings.NewReader(`{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::111122223333:user/u","UserPolicyList":[{"PolicyName":"p","PolicyDocument":"` + enc + `"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(d2.UserDetailList[0].UserPolicyList[0].PolicyDocument); !strings.HasPrefix(got, `{"Version"`) {
		t.Fatalf("decoded %q", got)
	}
	for _, bad := range []string{`[]`, `{}`, `{"UserDetailList":[{"UserName":"u","UserPolicyList":[{"PolicyName":"p","PolicyDocument":"%7Bnot"}]}]}`} {
		if _, err := ReadDump(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestGlobsIntersect(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"arn:*:s3:::*/*", "arn:aws:s3:::b/*", true},
		{"arn:*:s3:::*", "arn:aws:ec2:*:*:instance/*", false},
		{"arn:*:s3:::*/*", "arn:aws:s3:::bucket", false},
		{"arn:*:lambda:*:*:function:*", "arn:aws:lambda:us-east-1:1:function:f:prod", true},
		{"arn:*:iam::*:role/*", "arn:aws:iam::1:role/x", true},
		{"a?c", "abc", true},
		{"*x", "*y", false},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := globsIntersect(tt.a, tt.b); got != tt.want {
			t.Errorf("globsIntersect(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestCredentialReportErrors(t *testing.T) {
	for _, bad := range []string{"", "a,b\n1,2\n", "user,arn,user_creation_time\nu,arn:x,yesterday\n"} {
		if _, err := ReadCredentialReport(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	old := fixture(t)
	d, _ := LoadDump("testdata/account.json")
	// Dave leaves the deployers; frank loses S3 full access for read only.
	for i := range d.UserDetailList {
		u := &d.UserDetailList[i]
		switch u.UserName {
		case "dave":
			u.GroupList = []string{}
		case "frank":
			u.AttachedManagedPolicies = []AttachedPolicy{{PolicyName: "AmazonS3ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}
		}
	}
	// ci-role now trusts bob too: bob's own policies are unchanged.
	for i := range d.RoleDetailList {
		if r := &d.RoleDetailList[i]; r.RoleName == "ci-role" {
			r.AssumeRolePolicyDocument = Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/ci-deploy","arn:aws:iam::111122223333:user/bob"]},"Action":"sts:AssumeRole"}]}`)
		}
	}
	a, _ := NewAccount(d)
	changes := Diff(old, BuildGraph(a), "s3") // one service: what-can over the whole catalogue is slow (see WhatCan)
	by := map[string]Change{}
	for _, c := range changes {
		by[short(c.Principal)] = c
	}
	if b := by["user/bob"]; len(b.GainedRoles) != 1 || b.GainedRoles[0] != acct+"role/ci/ci-role" || len(b.Gained)+len(b.Lost) != 0 {
		t.Errorf("bob: %+v", b)
	}
	if len(by) != 3 {
		t.Errorf("changed: %v", slices.Collect(func(yield func(string) bool) {
			for k := range by {
				yield(k)
			}
		}))
	}
	if len(by["user/dave"].Lost) == 0 || len(by["user/dave"].Gained) != 0 {
		t.Errorf("dave: %+v", by["user/dave"])
	}
	lostPut := false
	for _, p := range by["user/frank"].Lost {
		lostPut = lostPut || p.Action == "s3:PutObject"
	}
	if !lostPut {
		t.Errorf("frank did not lose s3:PutObject")
	}
}
