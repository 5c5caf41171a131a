package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// apply is the reader's side of delta (iam/managed.go's applyDelta).
func apply(t *testing.T, prev []string, d string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(d, "\n") {
		if !strings.HasPrefix(l, "\x01") {
			out = append(out, l)
			continue
		}
		a, b, _ := strings.Cut(l[1:], ",")
		s, _ := strconv.Atoi(a)
		n, _ := strconv.Atoi(b)
		out = append(out, prev[s:s+n]...)
	}
	return out
}

func TestDeltaRoundTrip(t *testing.T) {
	newer := strings.Split(indent([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)), "\n")
	for _, older := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"},{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*"],"Resource":"*"}],"Version":"2012-10-17"}`,
		`{"Version":"2008-10-17","Statement":{"Effect":"Allow","NotAction":"x:*","Resource":"*"}}`,
	} {
		cur := strings.Split(indent([]byte(older)), "\n")
		d := delta(newer, cur)
		if got := apply(t, newer, d); !slices.Equal(got, cur) {
			t.Errorf("round trip of %s:\n%q\nwant\n%q", older, got, cur)
		}
		if len(d) >= len(strings.Join(cur, "\n")) && strings.Contains(older, "s3:List*") {
			t.Errorf("delta of %d bytes for %d", len(d), len(strings.Join(cur, "\n")))
		}
	}
}

func TestFixDates(t *testing.T) {
	const created = "2015-02-06T18:39:47Z"
	vs := []version{{ID: "v4", Date: created}, {ID: "v3", Date: created}, {ID: "v2", Date: "2016-12-06T18:11:16Z"}, {ID: "v1", Date: created}}
	n := fixDates(vs, created, basePolicy{Version: "v4", Updated: "2026-02-12T17:59:14+00:00"})
	got := []string{vs[0].Date, vs[1].Date, vs[2].Date, vs[3].Date}
	want := []string{"2026-02-12T17:59:14Z", "2016-12-06T18:11:16Z", "2016-12-06T18:11:16Z", created}
	if n != 1 || !slices.Equal(got, want) {
		t.Errorf("fixDates: %d %v, want 1 %v", n, got, want)
	}
}

func TestReadFloyd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.js")
	src := "/** Provides names of all AWS managed policies. */\nclass AwsManagedPolicy {\n}\n" +
		"/** Provides full access to AWS services and resources. */\nAwsManagedPolicy.AdministratorAccess = 'AdministratorAccess';\n" +
		"/** Grants full access permissions necessary for resources required for application and development operations. */\n" +
		"AwsManagedPolicy.SystemAdministrator = 'job-function/SystemAdministrator';\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := readFloyd(path)
	if err != nil || len(m) != 2 || m["AdministratorAccess"] != "Provides full access to AWS services and resources." ||
		!strings.HasPrefix(m["job-function/SystemAdministrator"], "Grants full access") {
		t.Errorf("%v %v", m, err)
	}
}
