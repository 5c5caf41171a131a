package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The report's rows are read once per report and kept: a sorted or
// filtered page is cut from a copy, so the next page is in the report's
// own order; and every page is still the caller's own authorized call.
func TestConsoleCredentialReportKept(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	for _, n := range []string{"bob", "carol", "alice"} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	consoleUser(t, root, "reader", readOnlyPolicy, false)
	consoleUser(t, root, "nobody", "", false)
	cc := newConsoleClient(t, inst.URL)
	cc.mustSignIn(inst.Account, "reader", consolePassword)
	firstUser := func(path string) string {
		t.Helper()
		resp, body := cc.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return between(between(body, `<tbody>`, `</tbody>`), `<tr><td`, `</td>`)
	}
	if got := firstUser("/console/credential-report"); !strings.HasSuffix(got, ">&lt;root_account&gt;") {
		t.Fatalf("the report's first row: %q", got)
	}
	if got := firstUser("/console/credential-report?sort=user&dir=asc"); !strings.HasSuffix(got, ">&lt;root_account&gt;") {
		t.Fatalf("sorted up: %q", got)
	}
	if got := firstUser("/console/credential-report?sort=user&dir=desc"); !strings.HasSuffix(got, ">reader") {
		t.Fatalf("sorted down: %q", got)
	}
	// The report's order again, not the last sort's.
	if got := firstUser("/console/credential-report"); !strings.HasSuffix(got, ">&lt;root_account&gt;") {
		t.Fatalf("after sorting, the report's first row: %q", got)
	}
	if _, body := cc.get("/console/credential-report?only=flagged"); !strings.Contains(body, `class="warn nomfa">false</td>`) {
		t.Fatal("the flagged rows lack their highlight")
	}
	// Kept rows are no way around authorization.
	nc := newConsoleClient(t, inst.URL)
	nc.mustSignIn(inst.Account, "nobody", consolePassword)
	if resp, body := nc.get("/console/credential-report"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "carol") ||
		!strings.Contains(body, "iam:GetCredentialReport") {
		t.Fatalf("the report to a user with no policy: %d", resp.StatusCode)
	}
}
