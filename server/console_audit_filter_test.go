package server_test

import (
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/server"
)

// The audit view's time filter: records before "since" are left out.
func TestConsoleAuditSinceFilter(t *testing.T) {
	var clock atomic.Int64
	start := time.Now().UTC().Truncate(time.Minute)
	clock.Store(start.UnixNano())
	inst := testServerWith(t, func(o *server.Options) {
		o.AuditLog = &syncBuffer{}
		o.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "noaudit", readOnlyPolicy, false)
	consoleUser(t, root, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:LookupEvents","iam:List*"],"Resource":"*"}]}`, false)
	nc := newConsoleClient(t, inst.URL)
	nc.mustSignIn(inst.Account, "noaudit", consolePassword)
	nc.post("/console/users", url.Values{"username": {"early"}}) // refused at start
	// Within the signature's 15 minutes of skew, for the SDK's calls.
	clock.Add(int64(10 * time.Minute))
	nc.get("/console/groups")
	nc.post("/console/groups", url.Values{"group": {"late"}}) // refused 10 minutes later
	ac := newConsoleClient(t, inst.URL)
	ac.mustSignIn(inst.Account, "auditor", consolePassword)
	_, all := ac.get("/console/audit?principal=noaudit")
	if !strings.Contains(all, "<td>CreateUser</td>") || !strings.Contains(all, "<td>CreateGroup</td>") {
		t.Fatalf("unfiltered: both refusals expected\n%s", all)
	}
	since := start.Add(5 * time.Minute).Format("2006-01-02T15:04")
	_, body := ac.get("/console/audit?principal=noaudit&since=" + since)
	if strings.Contains(body, "<td>CreateUser</td>") || !strings.Contains(body, "<td>CreateGroup</td>") {
		t.Fatalf("since %s: only CreateGroup expected\n%s", since, body)
	}
	if !strings.Contains(body, `value="`+since+`"`) {
		t.Errorf("the filter's value is not kept in the form")
	}
}
