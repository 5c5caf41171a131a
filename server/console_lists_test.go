package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

var (
	nextRE = regexp.MustCompile(`<a href="([^"]+)"[^>]*>Next</a>`)
	prevRE = regexp.MustCompile(`<a href="([^"]+)"[^>]*>Previous</a>`)
)

// Each entity kind's list pages by 50 (the API's marker passed on) and
// searches by name (every page read, the matches paged by offset); a
// search follows the account at once (a new entity is found, a deleted
// one is not), and a kept search is no way around the list's own
// authorization.
func TestConsoleListsPageAndSearch(t *testing.T) {
	inst := testServer(t)
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Account: inst.Account, Partition: "aws", Root: true, ARN: "arn:aws:iam::" + inst.Account + ":root"})
	svc := inst.IAM
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	const n = 120
	for i := 0; i < n; i++ {
		for _, err := range []error{
			func() error {
				_, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: fmt.Sprintf("item-%03d", i)})
				return err
			}(),
			func() error {
				_, err := svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: fmt.Sprintf("item-%03d", i)})
				return err
			}(),
			func() error {
				_, err := svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: fmt.Sprintf("item-%03d", i), AssumeRolePolicyDocument: trust})
				return err
			}(),
			func() error {
				_, err := svc.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: fmt.Sprintf("item-%03d", i), PolicyDocument: doc})
				return err
			}(),
			func() error {
				_, err := svc.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: fmt.Sprintf("item-%03d", i)})
				return err
			}(),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)
	items := func(body string) []string {
		return regexp.MustCompile(`item-\d{3}`).FindAllString(between(body, "<tbody>", "</tbody>"), -1)
	}
	distinct := func(xs []string) []string {
		var out []string
		for _, x := range xs {
			if len(out) == 0 || out[len(out)-1] != x {
				out = append(out, x)
			}
		}
		return out
	}
	for _, list := range []string{"/console/users", "/console/groups", "/console/roles", "/console/policies", "/console/instance-profiles"} {
		// Paging: 50, 50, 20, every item once, in order.
		var seen []string
		path, pages := list, 0
		for {
			resp, body := cc.get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			got := distinct(items(body))
			if len(got) > 50 {
				t.Fatalf("%s: %d rows on a page", path, len(got))
			}
			seen = append(seen, got...)
			if first := regexp.MustCompile(`<a href="([^"]+)" class="first">First page</a>`).FindStringSubmatch(body); (first != nil) != (pages > 0) {
				t.Errorf("%s: a first-page link on page %d: %v", list, pages+1, first != nil)
			} else if first != nil {
				if _, b := cc.get(html.UnescapeString(first[1])); len(items(b)) == 0 || items(b)[0] != "item-000" {
					t.Errorf("%s: the first-page link leads to %v", list, items(b)[:1])
				}
			}
			pages++
			m := nextRE.FindStringSubmatch(body)
			if m == nil {
				break
			}
			path = html.UnescapeString(m[1])
			if pages > 5 {
				t.Fatalf("%s: no end to the pages", list)
			}
		}
		if pages != 3 || len(seen) != n || seen[0] != "item-000" || seen[n-1] != fmt.Sprintf("item-%03d", n-1) {
			t.Errorf("%s: %d pages, %d items (%v … %v)", list, pages, len(seen), seen[:1], seen[len(seen)-1:])
		}
		// Search: "item-0" matches item-000 … item-099, 100 rows: two pages.
		resp, body := cc.get(list + "?q=ITEM-0")
		got := distinct(items(body))
		if resp.StatusCode != http.StatusOK || len(got) != 50 || got[0] != "item-000" {
			t.Fatalf("%s search: %d, %d rows", list, resp.StatusCode, len(got))
		}
		m := nextRE.FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], "offset=50") {
			t.Fatalf("%s search: no next page", list)
		}
		_, body = cc.get(html.UnescapeString(m[1]))
		got = distinct(items(body))
		if len(got) != 50 || got[0] != "item-050" || got[49] != "item-099" || nextRE.MatchString(body) || !prevRE.MatchString(body) {
			t.Errorf("%s search, page 2: %d rows (%v)", list, len(got), got)
		}
		if _, body := cc.get(list + "?q=nomatch"); len(items(body)) != 0 {
			t.Errorf("%s: a search without a match lists %v", list, items(body))
		}
	}

	// A search follows the account: made, found; deleted, gone.
	if _, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "item-new"}); err != nil {
		t.Fatal(err)
	}
	if _, body := cc.get("/console/users?q=item-new"); !strings.Contains(body, ">item-new</a>") {
		t.Fatal("a new user is not found by a search")
	}
	if err := svc.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "item-007"}); err != nil {
		t.Fatal(err)
	}
	if _, body := cc.get("/console/users?q=item-007"); strings.Contains(body, ">item-007</a>") {
		t.Fatal("a deleted user is still found")
	}
	// A user who may not list policies is refused the search, kept or not.
	root := iamClient(inst, rootKey, rootSecret)
	consoleUser(t, root, "usersonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`, false)
	uc := newConsoleClient(t, inst.URL)
	uc.mustSignIn(inst.Account, "usersonly", consolePassword)
	if resp, body := uc.get("/console/policies?q=item"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "item-0") || !strings.Contains(body, "iam:ListPolicies") {
		t.Fatalf("a kept search to a user without ListPolicies: %d", resp.StatusCode)
	}
	if resp, body := uc.get("/console/users?q=item-01"); resp.StatusCode != http.StatusOK || !strings.Contains(body, ">item-010</a>") {
		t.Fatalf("its own search: %d", resp.StatusCode)
	}
}
