package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// The credential report's highlights, 100 days on: a user with no use for
// 90 days is idle, a key older than 90 days is old, a user without MFA is
// flagged, and the root user's active and used access key is; a user who
// signed in today and a key made today are not. The CSV is the report.
func TestConsoleCredentialReportFlags(t *testing.T) {
	var offset atomic.Int64
	inst := testServerWith(t, func(o *server.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "idler", "", false)
	consoleUser(t, root, "active", readOnlyPolicy, false)
	if _, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("idler")}); err != nil {
		t.Fatal(err)
	}
	// 100 days later (the console signs nothing with SigV4: no skew to mind).
	offset.Store(int64(100 * 24 * time.Hour))
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "active", consolePassword)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	if resp, _ := cc.post("/console/users/active/createkey", url.Values{}); resp.StatusCode != http.StatusOK {
		t.Fatalf("a new key for active: %d", resp.StatusCode)
	}
	resp, body := cc.get("/console/credential-report")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	row := func(user string) string {
		t.Helper()
		m := regexp.MustCompile(`<tr><td[^>]*>` + regexp.QuoteMeta(user) + `</td>.*?</tr>`).FindString(body)
		if m == "" {
			t.Fatalf("no row for %s in\n%s", user, body)
		}
		return m
	}
	idler, active, rootRow := row("idler"), row("active"), row("&lt;root_account&gt;")
	for _, c := range []struct {
		name, row, class string
		want             bool
	}{
		{"idler idle", idler, `class="warn idle">idler<`, true},
		{"idler's key old", idler, `class="warn oldkey"`, true},
		{"idler without MFA", idler, `class="warn nomfa"`, true},
		{"active not idle", active, `class="warn idle"`, false},
		{"active's new key not old", active, `class="warn oldkey"`, false},
		{"active without MFA", active, `class="warn nomfa"`, true},
		{"root's key in use", rootRow, `class="warn rootkey"`, true},
	} {
		if got := strings.Contains(c.row, c.class); got != c.want {
			t.Errorf("%s: %s is %v in\n%s", c.name, c.class, got, c.row)
		}
	}
	// The counts over the whole report, and the flagged rows only.
	if sum := between(body, `id="report-summary">`, "<"); !strings.HasPrefix(sum, "1 idle users,") || !strings.Contains(sum, " 2 old access keys,") { // idler's and the root user's
		t.Errorf("the summary: %q", sum)
	}
	if _, fl := cc.get("/console/credential-report?only=flagged"); !strings.Contains(fl, ">idler</td>") {
		t.Error("the flagged rows lack idler")
	}
	resp, csv := cc.get("/console/credential-report.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(csv, "user,arn,user_creation_time,password_enabled,password_last_used") ||
		!strings.Contains(csv, "\nidler,arn:aws:iam::"+inst.Account+":user/idler,") || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %v\n%.300s", resp.StatusCode, resp.Header, csv)
	}
}
