package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// The audit view shows an account its own records only, as CloudTrail
// does: another account's calls and sign-ins on the same server are not
// in it, whatever the filters say.
func TestConsoleAuditViewOwnAccountOnly(t *testing.T) {
	inst := testServerWith(t, func(o *server.Options) { o.AuditLog = &syncBuffer{} })
	ctx := context.Background()
	const other, otherKey, otherSecret = "210987654321", "AKIAOTHERROOT0000001", "other-root-secret-other-root-secret-0001"
	if _, err := inst.IAM.CreateAccount(ctx, other, otherKey, otherSecret); err != nil {
		t.Fatal(err)
	}
	// The other account's root makes a user there (a record of that account).
	if _, err := iamClient(inst, otherKey, otherSecret).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("secret-project-user")}); err != nil {
		t.Fatal(err)
	}
	// An auditor of the other account signs in too (a ConsoleLogin of it).
	otherRoot := iamClient(inst, otherKey, otherSecret)
	consoleUser(t, otherRoot, "other-auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:LookupEvents","iam:List*"],"Resource":"*"}]}`, false)
	oc := newConsoleClient(t, inst.URL)
	oc.mustSignIn(other, "other-auditor", consolePassword)

	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:LookupEvents","iam:List*"],"Resource":"*"}]}`, false)
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("own-user")}); err != nil {
		t.Fatal(err)
	}
	ac := newConsoleClient(t, inst.URL)
	ac.mustSignIn(inst.Account, "auditor", consolePassword)
	for _, q := range []string{"", "?action=CreateUser", "?principal=" + other, "?action=ConsoleLogin"} {
		resp, body := ac.get("/console/audit" + q)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("audit%s: %d", q, resp.StatusCode)
		}
		table := between(body, `id="audit"`, "</table>") // the filter form echoes the query
		if table == "" || strings.Contains(table, other) || strings.Contains(table, "other-auditor") {
			t.Errorf("audit%s shows the other account's records:\n%s", q, body)
		}
	}
	// The account's own records are there.
	_, body := ac.get("/console/audit?action=CreateUser")
	if !strings.Contains(body, "<td>CreateUser</td>") || !strings.Contains(body, "arn:aws:iam::"+inst.Account+":root") {
		t.Fatalf("the account's own CreateUser is missing:\n%s", body)
	}
	// And the other account sees its own, not this one's.
	_, body = oc.get("/console/audit?" + url.Values{"action": {"CreateUser"}}.Encode())
	if table := between(body, `id="audit"`, "</table>"); !strings.Contains(table, "arn:aws:iam::"+other+":root") || strings.Contains(table, inst.Account) {
		t.Fatalf("the other account's view:\n%s", body)
	}
}
