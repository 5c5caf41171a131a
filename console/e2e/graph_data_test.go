package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/server"
)

// The graph's data as the page reads it (no browser): the clustered
// view, the escalation paths, the who-can, what-can and path answers, a
// kept graph that follows the account's changes, and one that is not
// shown to a user who may not read the account.

type viewData struct {
	Items []struct {
		ID, Kind, Column, Label string
		Cluster, Open, Admin    bool
		Depth, Size, Admins     int
		Hits                    int
	}
	Edges []struct {
		From, To, Kind string
		N              int
	}
	Open        []string
	Nodes       int
	Matches     int
	Escalations bool
}

func (v *viewData) item(id string) int {
	for i, it := range v.Items {
		if it.ID == id {
			return i
		}
	}
	return -1
}

func (v *viewData) edge(from, to, kind string) bool {
	for _, e := range v.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return true
		}
	}
	return false
}

type queryData struct {
	Title, Subject string
	Total          int
	Results        []struct {
		Principal string
		Steps     []struct{ Text, Kind, From, To string }
		Pairs     [][2]string
	}
	Focus []string
}

// browser is a signed-in console session without JavaScript.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signedIn(t testing.TB, base, account, user, password string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	_, page := b.get("/console/signin")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	resp, err := b.c.PostForm(base+"/console/signin", url.Values{"csrf": {m[1]}, "kind": {"iam"}, "account": {account}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(resp.Request.URL.Path, "/console/home") {
		t.Fatalf("sign-in of %s ended at %s", user, resp.Request.URL)
	}
	return b
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) json(path string, v any) int {
	b.t.Helper()
	code, body := b.get(path)
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			b.t.Fatalf("%s: %v\n%.500s", path, err, body)
		}
	}
	return code
}

// fixtureServer is a server holding the analysis fixture's account, with
// console users: "viewer" (reads IAM) and "lister" (ListUsers only).
func fixtureServer(t *testing.T) (*server.Instance, *iam.Client) {
	inst := startServer(t)
	root := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(inst.URL),
		Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")})
	dump, err := analysis.LoadDump("../../analysis/testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamsync.Push(context.Background(), root, dump); err != nil {
		t.Fatal(err)
	}
	consoleUser(t, root, "viewer", readOnlyPolicy, false)
	consoleUser(t, root, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`, false)
	return inst, root
}

func TestGraphDataFixture(t *testing.T) {
	inst, root := fixtureServer(t)
	acct := "arn:aws:iam::" + inst.Account + ":"
	b := signedIn(t, inst.URL, inst.Account, "viewer", consolePassword)

	// A small account opens whole: every user, group and role is a node.
	var v viewData
	if code := b.json("/console/api/graph", &v); code != http.StatusOK {
		t.Fatalf("graph: %d", code)
	}
	for _, id := range []string{"user/heidi", "group/admins", "role/admin-role", "user/viewer"} {
		if i := v.item(acct + id); i < 0 || v.Items[i].Cluster {
			t.Errorf("%s is not a node of the first view", id)
		}
	}
	if !v.edge(acct+"user/heidi", acct+"group/developers", "member") && !v.edge(acct+"user/alice", acct+"group/admins", "member") {
		t.Errorf("no membership edge drawn")
	}
	if v.Escalations {
		t.Errorf("escalation edges in a view that did not ask for them")
	}
	var esc struct {
		Total       int
		Escalations []analysis.Escalation
	}
	if code := b.json("/console/api/graph/escalations", &esc); code != http.StatusOK || esc.Total == 0 {
		t.Fatalf("escalations: %d %+v", code, esc)
	}
	heidi := -1
	for i, e := range esc.Escalations {
		if e.Principal == acct+"user/heidi" {
			heidi = i
		}
	}
	if heidi < 0 || len(esc.Escalations[heidi].Steps) == 0 {
		t.Fatalf("heidi's escalation: %+v", esc.Escalations)
	}
	var ve viewData
	b.json("/console/api/graph?esc=1", &ve)
	found := false
	for _, e := range ve.Edges {
		found = found || (e.Kind == "escalate" && e.From == acct+"user/heidi")
	}
	if !ve.Escalations || !found {
		t.Errorf("heidi's escalation edge is not drawn: %+v", ve.Edges)
	}

	// Who can delete admin-role: admin-role's own admins among them, each
	// with the edges that grant it.
	var wc queryData
	if code := b.json("/console/api/graph/query?mode=who-can&action=iam:DeleteRole&resource="+url.QueryEscape(acct+"role/admin-role"), &wc); code != http.StatusOK || wc.Total == 0 {
		t.Fatalf("who-can: %d %+v", code, wc)
	}
	viaGroup := false
	for _, r := range wc.Results {
		for _, p := range r.Pairs {
			viaGroup = viaGroup || (p[0] == acct+"user/alice" && p[1] == acct+"group/admins")
		}
	}
	if !viaGroup {
		t.Errorf("alice's way through the admins group is not among the pairs: %+v", wc.Results)
	}
	// What can heidi do, and how she reaches an administrator.
	var what queryData
	if code := b.json("/console/api/graph/query?mode=what-can&principal="+url.QueryEscape(acct+"user/heidi"), &what); code != http.StatusOK || what.Total == 0 || what.Subject != acct+"user/heidi" {
		t.Fatalf("what-can: %d %+v", code, what)
	}
	var path queryData
	if code := b.json("/console/api/graph/query?mode=path&from="+url.QueryEscape(acct+"user/heidi")+"&to=ADMIN", &path); code != http.StatusOK || path.Total != 1 || len(path.Results[0].Pairs) == 0 {
		t.Fatalf("path: %d %+v", code, path)
	}
	// Bad questions are refused as AWS would, not with a 500.
	for _, q := range []string{"mode=nope", "mode=who-can", "mode=what-can", "mode=path&from=x"} {
		if code, body := b.get("/console/api/graph/query?" + q); code != http.StatusBadRequest || !strings.Contains(body, "ValidationError") {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	if code, body := b.get("/console/api/graph/query?mode=what-can&principal=arn:aws:iam::" + inst.Account + ":user/nobody"); code != http.StatusNotFound || !strings.Contains(body, "NoSuchEntity") {
		t.Errorf("what-can of nobody: %d %s", code, body)
	}

	// Odd questions get an answer, never a failure of the server.
	for _, q := range []string{"mode=who-can&action=*&resource=*", "mode=who-can&action=nonsense", "mode=who-can&action=iam:GetUser&resource=%00%ff",
		"mode=path&from=nobody&to=ADMIN", "mode=path&from=" + url.QueryEscape(acct+"user/heidi") + "&to=s3:GetObject&resource=arn:aws:s3:::b/k",
		"mode=what-can&principal=" + url.QueryEscape(acct+"group/admins"), "mode=what-can&principal=" + url.QueryEscape(acct+"role/admin-role") + "&service=nosuch"} {
		if code, body := b.get("/console/api/graph/query?" + q); code >= 500 {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	for _, q := range []string{"open=nope&focus=nope&q=%00", "open=&open=c:user&esc=1&q=" + strings.Repeat("x", 5000)} {
		if code, body := b.get("/console/api/graph?" + q); code != http.StatusOK {
			t.Errorf("%s: %d %.300s", q, code, body)
		}
	}

	// Filter by path or tag: the matches' clusters open and are marked.
	var f viewData
	b.json("/console/api/graph?q=heidi", &f)
	if f.Matches != 1 || f.item(acct+"user/heidi") < 0 || f.Items[f.item(acct+"user/heidi")].Hits != 1 {
		t.Errorf("filter heidi: %d matches", f.Matches)
	}

	// The kept graph follows the account: a user made (and tagged) since
	// shows at once.
	ctx := context.Background()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("newcomer"), Path: aws.String("/contractors/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	var after viewData
	b.json("/console/api/graph?q=team%3Dblue", &after)
	if after.Matches != 1 || after.item(acct+"user/contractors/newcomer") < 0 {
		t.Errorf("the new user is not in the graph: %d matches", after.Matches)
	}
	// And by its path.
	var byPath viewData
	b.json("/console/api/graph?q=%2Fcontractors%2F", &byPath)
	if byPath.Matches != 1 || byPath.item(acct+"user/contractors/newcomer") < 0 {
		t.Errorf("filter by path /contractors/: %d matches", byPath.Matches)
	}

	// A user who may not read the account is refused, kept graph or not,
	// with AWS's message; nothing of the account is in the answer.
	l := signedIn(t, inst.URL, inst.Account, "lister", consolePassword)
	for _, path := range []string{"/console/api/graph", "/console/api/graph/escalations", "/console/api/graph/query?mode=who-can&action=iam:DeleteRole"} {
		code, body := l.get(path)
		if code != http.StatusForbidden || !strings.Contains(body, `"code":"AccessDenied"`) || !strings.Contains(body, "iam:GetAccountAuthorizationDetails") || strings.Contains(body, "heidi") {
			t.Errorf("lister %s: %d %.300s", path, code, body)
		}
	}
	// And the reader still is not.
	if code, _ := b.get("/console/api/graph"); code != http.StatusOK {
		t.Errorf("viewer after the refusal: %d", code)
	}
}
