package genpolicy

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/policy"
)

const acct = "123456789012"

// line is an audit record as iamd writes it.
func line(t testing.TB, caller, source, name, decision, code string, resources []string, params map[string]string, auths ...Authorization) string {
	t.Helper()
	ev := map[string]any{"eventVersion": "1.08", "eventTime": "2026-03-01T10:00:00Z", "eventSource": source, "eventName": name,
		"userIdentity": map[string]string{"type": "IAMUser", "arn": caller, "accountId": acct}}
	if decision != "" {
		ev["decision"] = decision
	}
	if code != "" {
		ev["errorCode"] = code
	}
	var rs []map[string]string
	for _, r := range resources {
		rs = append(rs, map[string]string{"ARN": r})
	}
	if rs != nil {
		ev["resources"] = rs
	}
	if params != nil {
		ev["requestParameters"] = params
	}
	if auths != nil {
		ev["authorizations"] = auths
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func read(t testing.TB, lines ...string) []Record {
	t.Helper()
	recs, skipped, err := ReadRecords(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil || skipped != 0 {
		t.Fatalf("read: %v, %d skipped", err, skipped)
	}
	return recs
}

func mustPrincipal(t testing.TB, s string) Principal {
	t.Helper()
	p, err := ParsePrincipal(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrincipalMatches(t *testing.T) {
	cases := []struct {
		principal, caller string
		want              bool
	}{
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice", true},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/ALICE", true}, // IAM names are case-insensitive
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/dev/alice", true},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alicia", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::210987654321:user/alice", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws-cn:iam::123456789012:user/alice", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/alice", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/alice/s", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:federated-user/alice", false},
		{"arn:aws:iam::123456789012:role/app/worker", "arn:aws:sts::123456789012:assumed-role/worker/s1", true},
		{"arn:aws:iam::123456789012:role/app/worker", "arn:aws:sts::123456789012:assumed-role/worker/other-session", true},
		{"arn:aws:iam::123456789012:role/worker", "arn:aws:iam::123456789012:role/worker", true},
		{"arn:aws:iam::123456789012:role/worker", "arn:aws:sts::123456789012:assumed-role/worker2/s1", false},
		{"arn:aws:iam::123456789012:role/worker", "arn:aws:iam::123456789012:user/worker", false},
		// A session stands for its role: all of the role's sessions count.
		{"arn:aws:sts::123456789012:assumed-role/worker/s1", "arn:aws:sts::123456789012:assumed-role/worker/s2", true},
		{"arn:aws:sts::123456789012:assumed-role/worker/s1", "arn:aws:sts::123456789012:assumed-role/builder/s1", false},
		{"arn:aws:iam::123456789012:user/alice", "not an arn", false},
	}
	for _, c := range cases {
		if got := mustPrincipal(t, c.principal).Matches(c.caller); got != c.want {
			t.Errorf("%s matches %s = %v, want %v", c.principal, c.caller, got, c.want)
		}
	}
	p := mustPrincipal(t, "arn:aws:sts::123456789012:assumed-role/worker/s1")
	if p.Kind != "role" || p.Name != "worker" || p.Account != acct {
		t.Errorf("session principal %+v", p)
	}
	for _, bad := range []string{"", "alice", "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:group/devs",
		"arn:aws:sts::123456789012:federated-user/bob", "arn:aws:sts::123456789012:assumed-role/worker", "arn:aws:iam::123456789012:user/",
		"arn:aws:s3:::bucket"} {
		if _, err := ParsePrincipal(bad); err == nil {
			t.Errorf("ParsePrincipal(%q) accepted", bad)
		}
	}
}

func TestReadRecordsSkipsMalformed(t *testing.T) {
	good := line(t, "arn:aws:iam::123456789012:user/alice", "iam.amazonaws.com", "CreateUser", "allowed", "", nil, nil)
	cases := []struct {
		name    string
		lines   []string
		records int
		skipped int
	}{
		{"good", []string{good, good}, 2, 0},
		{"blank lines ignored", []string{"", good, "   ", good, ""}, 2, 0},
		{"not JSON", []string{good, "hello", good}, 2, 1},
		{"truncated", []string{good[:len(good)/2], good}, 1, 1},
		{"JSON but not a record", []string{"{}", "[]", `"x"`, "null", good}, 1, 4},
		{"no eventName", []string{`{"eventSource":"iam.amazonaws.com","eventTime":"2026-03-01T10:00:00Z"}`}, 0, 1},
		{"bad eventTime", []string{strings.Replace(good, "2026-03-01T10:00:00Z", "yesterday", 1)}, 0, 1},
		{"wrong types", []string{strings.Replace(good, `"eventName":"CreateUser"`, `"eventName":7`, 1), good}, 1, 1},
		{"longer than the line bound", []string{good, `{"eventName":"` + strings.Repeat("x", maxLine+10) + `"}`, good}, 2, 1},
		{"no final newline", []string{good}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, skipped, err := ReadRecords(strings.NewReader(strings.Join(c.lines, "\n")))
			if err != nil || len(recs) != c.records || skipped != c.skipped {
				t.Fatalf("%d records, %d skipped, %v; want %d, %d", len(recs), skipped, err, c.records, c.skipped)
			}
		})
	}
}

func TestCallsOfARecord(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	cases := []struct {
		name string
		line string
		want []Call
	}{
		{"authorizations first", line(t, alice, "iam.amazonaws.com", "AddRoleToInstanceProfile", "allowed", "", []string{"arn:aws:iam::123456789012:instance-profile/p"}, nil,
			Authorization{"iam:AddRoleToInstanceProfile", "arn:aws:iam::123456789012:instance-profile/p", "allowed"},
			Authorization{"iam:PassRole", "arn:aws:iam::123456789012:role/r", "implicitDeny"}),
			[]Call{{"iam:AddRoleToInstanceProfile", "arn:aws:iam::123456789012:instance-profile/p", false}, {"iam:PassRole", "arn:aws:iam::123456789012:role/r", true}}},
		{"gateway shape", line(t, alice, "s3.amazonaws.com", "ListObjectsV2", "allowed", "", []string{"arn:aws:s3:::b"}, nil,
			Authorization{"s3:ListBucket", "arn:aws:s3:::b", "allowed"}),
			[]Call{{"s3:ListBucket", "arn:aws:s3:::b", false}}},
		{"observe mode: let through but would be denied", line(t, alice, "s3.amazonaws.com", "GetObject", "implicitDeny", "", nil, nil,
			Authorization{"s3:GetObject", "arn:aws:s3:::b/k", "implicitDeny"}),
			[]Call{{"s3:GetObject", "arn:aws:s3:::b/k", true}}},
		{"older record: source and name", line(t, alice, "iam.amazonaws.com", "DeleteUser", "implicitDeny", "AccessDenied", []string{"arn:aws:iam::123456789012:user/bob"}, nil),
			[]Call{{"iam:DeleteUser", "arn:aws:iam::123456789012:user/bob", true}}},
		{"older record without resources", line(t, alice, "iam.amazonaws.com", "ListUsers", "allowed", "", nil, nil),
			[]Call{{"iam:ListUsers", "*", false}}},
		{"AssumeRole", line(t, alice, "sts.amazonaws.com", "AssumeRole", "", "", nil, map[string]string{"RoleArn": "arn:aws:iam::123456789012:role/r"}),
			[]Call{{"sts:AssumeRole", "arn:aws:iam::123456789012:role/r", false}}},
		{"AssumeRole denied", line(t, alice, "sts.amazonaws.com", "AssumeRole", "", "AccessDenied", nil, map[string]string{"RoleArn": "arn:aws:iam::123456789012:role/r"}),
			[]Call{{"sts:AssumeRole", "arn:aws:iam::123456789012:role/r", true}}},
		{"AssumeRole of a missing role", line(t, alice, "sts.amazonaws.com", "AssumeRole", "", "ValidationError", nil, map[string]string{"RoleArn": "x"}), nil},
		{"no permission needed", line(t, alice, "sts.amazonaws.com", "GetCallerIdentity", "", "", nil, nil), nil},
		{"refused before authorization", line(t, alice, "iam.amazonaws.com", "CreateUser", "", "SignatureDoesNotMatch", nil, nil), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := read(t, c.line)
			if got := recs[0].calls(); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("calls %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestGenerateGroupsByServiceAndResource(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	s3 := func(op, action, res string) string {
		return line(t, alice, "s3.amazonaws.com", op, "allowed", "", []string{res}, nil, Authorization{action, res, "allowed"})
	}
	recs := read(t,
		s3("GetObject", "s3:GetObject", "arn:aws:s3:::data/a.csv"),
		s3("GetObject", "s3:GetObject", "arn:aws:s3:::data/b.csv"),
		s3("PutObject", "s3:PutObject", "arn:aws:s3:::data/b.csv"),
		s3("HeadObject", "s3:GetObject", "arn:aws:s3:::data/a.csv"), // the same need twice
		s3("ListObjectsV2", "s3:ListBucket", "arn:aws:s3:::data"),
		line(t, alice, "iam.amazonaws.com", "ListUsers", "allowed", "", nil, nil, Authorization{"iam:listusers", "*", "allowed"}),
		line(t, alice, "iam.amazonaws.com", "CreateUser", "allowed", "", []string{"arn:aws:iam::123456789012:user/bob"},
			map[string]string{"UserName": "bob", "Tags.member.1.Key": "team"}, Authorization{"iam:CreateUser", "arn:aws:iam::123456789012:user/bob", "allowed"}),
		line(t, alice, "iam.amazonaws.com", "DeleteUser", "explicitDeny", "AccessDenied", []string{"arn:aws:iam::123456789012:user/carol"}, nil,
			Authorization{"iam:DeleteUser", "arn:aws:iam::123456789012:user/carol", "explicitDeny"}),
		line(t, "arn:aws:iam::123456789012:user/bob", "iam.amazonaws.com", "DeleteRole", "allowed", "", nil, nil), // someone else's
	)
	res, err := Generate(recs, Options{Principal: mustPrincipal(t, alice)})
	if err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(res.Policy, &doc); err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{"IamAccess1", "Allow", []string{"iam:ListUsers"}, []string{"*"}},
		{"IamAccess2", "Allow", []string{"iam:CreateUser", "iam:TagUser"}, []string{"arn:aws:iam::123456789012:user/bob"}},
		{"IamAccess3", "Allow", []string{"iam:DeleteUser"}, []string{"arn:aws:iam::123456789012:user/carol"}},
		{"S3Access1", "Allow", []string{"s3:ListBucket"}, []string{"arn:aws:s3:::data"}},
		{"S3Access2", "Allow", []string{"s3:GetObject"}, []string{"arn:aws:s3:::data/a.csv"}},
		{"S3Access3", "Allow", []string{"s3:GetObject", "s3:PutObject"}, []string{"arn:aws:s3:::data/b.csv"}},
	}
	if doc.Version != "2012-10-17" || !reflect.DeepEqual(doc.Statement, want) {
		t.Fatalf("policy:\n%s", res.Policy)
	}
	if res.Records != 8 || len(res.Widened) != 0 || res.OverLimit {
		t.Errorf("records %d, widened %v, over %v", res.Records, res.Widened, res.OverLimit)
	}
	if want := []Call{{"iam:DeleteUser", "arn:aws:iam::123456789012:user/carol", false}}; !reflect.DeepEqual(res.Denied, want) {
		t.Errorf("denied %+v", res.Denied)
	}
	if want := []Call{{"iam:TagUser", "arn:aws:iam::123456789012:user/bob", false}}; !reflect.DeepEqual(res.Dependent, want) {
		t.Errorf("dependent %+v", res.Dependent)
	}
	if _, err := policy.Check(res.Policy, policy.KindManaged, policy.Options{}); err != nil {
		t.Errorf("not a valid managed policy: %v", err)
	}
	// Stable: the same records in any order give the same bytes.
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		r.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		again, err := Generate(recs, Options{Principal: mustPrincipal(t, alice)})
		if err != nil || string(again.Policy) != string(res.Policy) {
			t.Fatalf("output changed with the order of records:\n%s", again.Policy)
		}
	}
}

func TestGenerateSessionsCountForTheRole(t *testing.T) {
	mk := func(session, key string) string {
		return line(t, "arn:aws:sts::123456789012:assumed-role/worker/"+session, "s3.amazonaws.com", "GetObject", "allowed", "", nil, nil,
			Authorization{"s3:GetObject", "arn:aws:s3:::b/" + key, "allowed"})
	}
	recs := read(t, mk("s1", "one"), mk("s2", "two"),
		line(t, "arn:aws:sts::123456789012:assumed-role/other/s1", "s3.amazonaws.com", "GetObject", "allowed", "", nil, nil,
			Authorization{"s3:GetObject", "arn:aws:s3:::b/three", "allowed"}))
	for _, p := range []string{"arn:aws:iam::123456789012:role/svc/worker", "arn:aws:sts::123456789012:assumed-role/worker/s1"} {
		res, err := Generate(recs, Options{Principal: mustPrincipal(t, p)})
		if err != nil {
			t.Fatal(err)
		}
		want := []Call{{"s3:GetObject", "arn:aws:s3:::b/one", false}, {"s3:GetObject", "arn:aws:s3:::b/two", false}}
		if !reflect.DeepEqual(res.Calls, want) || res.Records != 2 {
			t.Errorf("%s: calls %+v (%d records)", p, res.Calls, res.Records)
		}
	}
}

func TestGenerateSince(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	at := func(ts, user string) string {
		return strings.Replace(line(t, alice, "iam.amazonaws.com", "GetUser", "allowed", "", nil, nil,
			Authorization{"iam:GetUser", "arn:aws:iam::123456789012:user/" + user, "allowed"}), "2026-03-01T10:00:00Z", ts, 1)
	}
	recs := read(t, at("2026-03-01T09:59:59Z", "early"), at("2026-03-01T10:00:00Z", "exact"), at("2026-03-01T12:00:00+02:00", "zone"), at("2026-03-02T00:00:00Z", "late"))
	cases := []struct {
		since string
		want  []string
	}{
		{"", []string{"early", "exact", "late", "zone"}},
		{"2026-03-01T10:00:00Z", []string{"exact", "late", "zone"}}, // at T counts
		{"2026-03-01T10:00:01Z", []string{"late"}},                  // 12:00+02:00 is 10:00Z
		{"2026-03-03T00:00:00Z", nil},
	}
	for _, c := range cases {
		var since time.Time
		if c.since != "" {
			since, _ = time.Parse(time.RFC3339, c.since)
		}
		res, err := Generate(recs, Options{Principal: mustPrincipal(t, alice), Since: since})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, call := range res.Calls {
			got = append(got, strings.TrimPrefix(call.Resource, "arn:aws:iam::123456789012:user/"))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("since %q: %v, want %v", c.since, got, c.want)
		}
		if (res.Policy == nil) != (len(c.want) == 0) {
			t.Errorf("since %q: policy %s", c.since, res.Policy)
		}
	}
}

func TestGenerateEscapesWildcardsInNames(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	recs := read(t, line(t, alice, "s3.amazonaws.com", "GetObject", "allowed", "", nil, nil,
		Authorization{"s3:GetObject", "arn:aws:s3:::b/a*b?c$d", "allowed"}))
	res, err := Generate(recs, Options{Principal: mustPrincipal(t, alice)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Policy), `"arn:aws:s3:::b/a${*}b${?}c${$}d"`) {
		t.Fatalf("policy:\n%s", res.Policy)
	}
	doc, err := policy.Check(res.Policy, policy.KindManaged, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The escaped name matches itself only, not what its characters would
	// match as wildcards.
	in := &policy.Input{Identity: policy.NewSet(policy.Compile(doc, policy.Source{ID: "generated"}))}
	for res, want := range map[string]policy.Decision{"arn:aws:s3:::b/a*b?c$d": policy.Allowed, "arn:aws:s3:::b/aXXbYc$d": policy.ImplicitDeny} {
		req := &policy.Request{Principal: policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/alice", Account: acct}, Action: "s3:GetObject", Resource: res}
		if got := policy.Evaluate(in, req); got != want {
			t.Errorf("%s: %v, want %v", res, got, want)
		}
	}
}

func TestGenerateWidensOnlyWhenTooLarge(t *testing.T) {
	alice := "arn:aws:iam::123456789012:user/alice"
	var lines []string
	for i := 0; i < 200; i++ {
		res := fmt.Sprintf("arn:aws:s3:::bucket/logs/2026/03/object-with-a-long-name-%03d.json", i)
		lines = append(lines, line(t, alice, "s3.amazonaws.com", "GetObject", "allowed", "", nil, nil, Authorization{"s3:GetObject", res, "allowed"}))
	}
	lines = append(lines, line(t, alice, "s3.amazonaws.com", "PutObject", "allowed", "", nil, nil, Authorization{"s3:PutObject", "arn:aws:s3:::bucket/out/x", "allowed"}))
	recs := read(t, lines...)
	full, err := Generate(recs, Options{Principal: mustPrincipal(t, alice), SizeLimit: 1 << 20})
	if err != nil || len(full.Widened) != 0 || strings.Contains(string(full.Policy), "*") {
		t.Fatalf("under a large limit nothing is widened: %v %v", full.Widened, err)
	}
	res, err := Generate(recs, Options{Principal: mustPrincipal(t, alice)})
	if err != nil {
		t.Fatal(err)
	}
	if res.OverLimit || res.Size > 6144 || len(res.Widened) != 1 || !strings.Contains(res.Widened[0], "200 resources as arn:aws:s3:::bucket/logs/2026/03/*") {
		t.Fatalf("size %d, widened %v:\n%s", res.Size, res.Widened, res.Policy)
	}
	var doc document
	_ = json.Unmarshal(res.Policy, &doc)
	want := []Statement{
		{"S3Access1", "Allow", []string{"s3:GetObject"}, []string{"arn:aws:s3:::bucket/logs/2026/03/*"}},
		{"S3Access2", "Allow", []string{"s3:PutObject"}, []string{"arn:aws:s3:::bucket/out/x"}},
	}
	if !reflect.DeepEqual(doc.Statement, want) {
		t.Fatalf("policy:\n%s", res.Policy)
	}
}

func TestUnused(t *testing.T) {
	grants := []Grant{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*"},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::data/*"},
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::other/*"},
		{Action: "iam:ListUsers", Resource: "*"},
		{Action: "iam:DeleteUser", Resource: "*"},
	}
	calls := []Call{{"s3:getobject", "arn:aws:s3:::data/a", false}, {"iam:ListUsers", "*", false}, {"s3:PutObject", "arn:aws:s3:::elsewhere/a", false}}
	got := Unused(grants, calls)
	want := []Grant{grants[4], grants[2], grants[1]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unused %+v", got)
	}
	by := ByService(grants, got)
	if len(by) != 2 || by[0].Service != "iam" || by[0].Granted != 2 || by[0].Used != 1 || by[1].Service != "s3" || by[1].Granted != 3 || by[1].Used != 1 {
		t.Fatalf("by service %+v", by)
	}
}
