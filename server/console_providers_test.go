package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// providerAccount makes an OIDC provider and a SAML provider, both tagged,
// and extra OIDC providers idp-00 … idp-(extra-1); it returns the two ARNs.
func providerAccount(t *testing.T, root *iam.Client, extra int) (oidcARN, samlARN string) {
	t.Helper()
	ctx := context.Background()
	o, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"),
		ClientIDList: []string{"sts.amazonaws.com", "audience-two"}, ThumbprintList: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ci-oidc")}}})
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile("../saml/testdata/metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := root.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp-idp"), SAMLMetadataDocument: aws.String(string(md)),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("it-saml")}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < extra; i++ {
		if _, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(fmt.Sprintf("https://idp-%02d.example.com", i)),
			ClientIDList: []string{"sts.amazonaws.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	return *o.OpenIDConnectProviderArn, *s.SAMLProviderArn
}

var providerLinkRE = regexp.MustCompile(`<a href="(/console/identity-providers/(?:oidc|saml)\?arn=[^"]+)" class="provider-link">([^<]+)</a>`)

// The identity providers' list links each provider to its page, and is
// searched and paged as the other lists are; each page is
// GetOpenIDConnectProvider's or GetSAMLProvider's answer.
func TestConsoleProviderListAndDetail(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	oidcARN, samlARN := providerAccount(t, root, 55)
	cc := newConsoleClient(t, inst.URL)
	cc.signInRoot(inst)

	// 57 providers: 50, then 7.
	resp, body := cc.get("/console/identity-providers")
	links := providerLinkRE.FindAllStringSubmatch(body, -1)
	if resp.StatusCode != http.StatusOK || len(links) != 50 {
		t.Fatalf("list: %d, %d links\n%s", resp.StatusCode, len(links), body)
	}
	m := nextRE.FindStringSubmatch(body)
	if m == nil || prevRE.MatchString(body) {
		t.Fatal("first page: no next link, or a previous one")
	}
	_, body2 := cc.get(html.UnescapeString(m[1]))
	if n := len(providerLinkRE.FindAllStringSubmatch(body2, -1)); n != 7 || nextRE.MatchString(body2) || !prevRE.MatchString(body2) {
		t.Fatalf("second page: %d links", n)
	}
	seen := map[string]bool{}
	for _, l := range append(links, providerLinkRE.FindAllStringSubmatch(body2, -1)...) {
		u, err := url.Parse(html.UnescapeString(l[1]))
		if err != nil {
			t.Fatal(err)
		}
		seen[u.Path+"?arn="+url.QueryEscape(u.Query().Get("arn"))] = true
	}
	oidcPage := "/console/identity-providers/oidc?arn=" + url.QueryEscape(oidcARN)
	samlPage := "/console/identity-providers/saml?arn=" + url.QueryEscape(samlARN)
	if len(seen) != 57 || !seen[oidcPage] || !seen[samlPage] {
		t.Fatalf("%d distinct links; oidc %v saml %v", len(seen), seen[oidcPage], seen[samlPage])
	}

	// Search: by URL or name, either kind, case aside; the matches paged.
	for q, want := range map[string][]string{
		"CORP":              {"corp-idp"},
		"token.actions":     {"token.actions.githubusercontent.com"},
		"idp-0":             {"idp-00.example.com", "idp-01.example.com", "idp-02.example.com", "idp-03.example.com", "idp-04.example.com", "idp-05.example.com", "idp-06.example.com", "idp-07.example.com", "idp-08.example.com", "idp-09.example.com"},
		"nothing-like-this": nil,
	} {
		resp, body := cc.get("/console/identity-providers?q=" + url.QueryEscape(q))
		var got []string
		for _, l := range providerLinkRE.FindAllStringSubmatch(body, -1) {
			got = append(got, l[2])
		}
		if resp.StatusCode != http.StatusOK || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("search %q: %d %v, want %v", q, resp.StatusCode, got, want)
		}
	}
	resp, body = cc.get("/console/identity-providers?q=example.com")
	m = nextRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || len(providerLinkRE.FindAllString(body, -1)) != 50 || m == nil || !strings.Contains(m[1], "q=example.com") {
		t.Fatalf("search of 55: %d, no next page keeping the query", resp.StatusCode)
	}
	if _, body := cc.get(html.UnescapeString(m[1])); len(providerLinkRE.FindAllString(body, -1)) != 5 {
		t.Fatalf("search of 55, page 2: %d", len(providerLinkRE.FindAllString(body, -1)))
	}

	// Both add forms are shown to who may add (the SAML one was hidden:
	// its probe lacked the required metadata), and the SAML one adds.
	_, body = cc.get("/console/identity-providers")
	if !strings.Contains(body, `id="create-oidc"`) || !strings.Contains(body, `id="create-saml"`) {
		t.Fatalf("root's list: oidc form %v, saml form %v", strings.Contains(body, `id="create-oidc"`), strings.Contains(body, `id="create-saml"`))
	}
	md, err := os.ReadFile("../saml/testdata/metadata-other.xml")
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := cc.post("/console/identity-providers/createsaml", url.Values{"name": {"second-idp"}, "metadata": {string(md)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("createsaml: %d\n%s", resp.StatusCode, body)
	}
	if _, err := root.GetSAMLProvider(context.Background(), &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(strings.Replace(samlARN, "corp-idp", "second-idp", 1))}); err != nil {
		t.Fatalf("the form's SAML provider: %v", err)
	}

	// The pages.
	resp, body = cc.get(oidcPage)
	for _, want := range []string{"token.actions.githubusercontent.com", "<li>sts.amazonaws.com", "<li>audience-two",
		"6938fd4d98bab03faadb97b34396831e3780aea1", "<th>team</th><td>ci-oidc</td>", "Delete provider", oidcARN} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("OIDC page: %d, no %q", resp.StatusCode, want)
		}
	}
	created := regexp.MustCompile(`<dt>Created</dt><dd>20\d\d-\d\d-\d\d \d\d:\d\d UTC</dd>`)
	if !created.MatchString(body) {
		t.Error("OIDC page: no create date")
	}
	sp, err := root.GetSAMLProvider(context.Background(), &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(samlARN)})
	if err != nil {
		t.Fatal(err)
	}
	resp, body = cc.get(samlPage)
	for _, want := range []string{"&lt;md:EntityDescriptor", "https://idp.example.com/saml", "<th>owner</th><td>it-saml</td>",
		`<dd id="valid-until">` + sp.ValidUntil.UTC().Format("2006-01-02 15:04 UTC") + "</dd>", "Delete provider"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("SAML page: %d, no %q", resp.StatusCode, want)
		}
	}
	if !created.MatchString(body) {
		t.Error("SAML page: no create date")
	}

	// A provider that is not there, or an ARN that is not one: AWS's
	// errors, not a 500.
	for path, want := range map[string]int{
		"/console/identity-providers/oidc?arn=" + url.QueryEscape(strings.Replace(oidcARN, "token.actions", "gone", 1)): http.StatusNotFound,
		"/console/identity-providers/saml?arn=" + url.QueryEscape(samlARN+"-gone"):                                      http.StatusNotFound,
		"/console/identity-providers/oidc?arn=not-an-arn":                                                               http.StatusBadRequest,
		"/console/identity-providers/saml":                                                                              http.StatusBadRequest,
	} {
		if resp, body := cc.get(path); resp.StatusCode != want || !strings.Contains(body, `class="error"`) {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// A user who may read sees the pages without their forms; one who may
// list but not get is refused the page with AWS's explanation, and the
// list still shows.
func TestConsoleProviderDetailAuthorization(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	oidcARN, samlARN := providerAccount(t, root, 0)
	oidcPage := "/console/identity-providers/oidc?arn=" + url.QueryEscape(oidcARN)
	samlPage := "/console/identity-providers/saml?arn=" + url.QueryEscape(samlARN)

	consoleUser(t, root, "reader", readOnlyPolicy, false)
	rc := newConsoleClient(t, inst.URL)
	rc.mustSignIn(inst.Account, "reader", consolePassword)
	for page, want := range map[string]string{oidcPage: "<li>audience-two</li>", samlPage: "&lt;md:EntityDescriptor"} {
		resp, body := rc.get(page)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, "Delete provider") {
			t.Errorf("read-only %s: %d, content %v, delete form %v", page, resp.StatusCode, strings.Contains(body, want), strings.Contains(body, "Delete provider"))
		}
	}
	if _, body := rc.get("/console/identity-providers"); strings.Contains(body, ">Delete</button>") || strings.Contains(body, "create-oidc") ||
		strings.Contains(body, "create-saml") || !strings.Contains(body, "corp-idp") {
		t.Error("read-only list: a delete or add form, or no providers")
	}

	consoleUser(t, root, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListOpenIDConnectProviders","iam:ListSAMLProviders"],"Resource":"*"}]}`, false)
	lc := newConsoleClient(t, inst.URL)
	lc.mustSignIn(inst.Account, "lister", consolePassword)
	for page, action := range map[string]string{oidcPage: "iam:GetOpenIDConnectProvider", samlPage: "iam:GetSAMLProvider"} {
		resp, body := lc.get(page)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `<strong class="code">AccessDenied</strong>`) ||
			!strings.Contains(body, "is not authorized to perform: "+action) || strings.Contains(body, "audience-two") || strings.Contains(body, "EntityDescriptor") {
			t.Errorf("%s without %s: %d\n%s", page, action, resp.StatusCode, body)
		}
	}
	if resp, body := lc.get("/console/identity-providers?q=corp"); resp.StatusCode != http.StatusOK || !strings.Contains(body, ">corp-idp</a>") {
		t.Errorf("the list to a user who may list: %d", resp.StatusCode)
	}
	// Who may list neither sees both refusals and no providers.
	consoleUser(t, root, "nobody", "", false)
	nc := newConsoleClient(t, inst.URL)
	nc.mustSignIn(inst.Account, "nobody", consolePassword)
	resp, body := nc.get("/console/identity-providers")
	if resp.StatusCode != http.StatusOK || strings.Count(body, "AccessDenied") != 2 || providerLinkRE.MatchString(body) {
		t.Errorf("the list to a user who may not list: %d\n%s", resp.StatusCode, body)
	}
}

// A provider's forms are shown to who may make their calls, decided as
// the calls are: a user who may tag the OIDC provider only with the key
// "team" sees its tag form (the key still to be typed) and no other form
// of either provider; the tag is set, as the API shows, and another key,
// another audience or the SAML provider's tags are refused with AWS's
// explanation and change nothing.
func TestConsoleProviderFormsAuthorization(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	oidcARN, samlARN := providerAccount(t, root, 0)
	oidcPage := "/console/identity-providers/oidc?arn=" + url.QueryEscape(oidcARN)
	samlPage := "/console/identity-providers/saml?arn=" + url.QueryEscape(samlARN)
	consoleUser(t, root, "tagger", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:TagOpenIDConnectProvider","Resource":"`+oidcARN+`",
		 "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}`, false)
	tc := newConsoleClient(t, inst.URL)
	tc.mustSignIn(inst.Account, "tagger", consolePassword)

	_, body := tc.get(oidcPage)
	if !strings.Contains(body, `id="tag-form"`) {
		t.Fatalf("the tagger's OIDC page has no tag form:\n%s", body)
	}
	for _, f := range formsOf(body, nil) {
		if f.action != "/console/identity-providers/oidc/tag" && f.action != "/console/signout" {
			t.Errorf("the tagger sees the form %s", f.action)
		}
	}
	_, body = tc.get(samlPage)
	for _, f := range formsOf(body, nil) {
		if f.action != "/console/signout" {
			t.Errorf("the tagger sees the SAML provider's form %s", f.action)
		}
	}

	if resp, body := tc.post("/console/identity-providers/oidc/tag", url.Values{"arn": {oidcARN}, "key": {"team"}, "value": {"platform"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tag: %d\n%s", resp.StatusCode, body)
	}
	o, err := root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
	if err != nil || len(o.Tags) != 1 || *o.Tags[0].Value != "platform" {
		t.Fatalf("the tag through the API: %+v %v", o, err)
	}
	for _, c := range []struct {
		path   string
		form   url.Values
		action string
	}{
		{"/console/identity-providers/oidc/tag", url.Values{"arn": {oidcARN}, "key": {"other"}, "value": {"x"}}, "iam:TagOpenIDConnectProvider"},
		{"/console/identity-providers/oidc/addclient", url.Values{"arn": {oidcARN}, "client": {"intruder"}}, "iam:AddClientIDToOpenIDConnectProvider"},
		{"/console/identity-providers/oidc/removeclient", url.Values{"arn": {oidcARN}, "client": {"sts.amazonaws.com"}}, "iam:RemoveClientIDFromOpenIDConnectProvider"},
		{"/console/identity-providers/oidc/thumbprints", url.Values{"arn": {oidcARN}, "thumbprints": {"a031c46782e6e6c662c2c87c76da9aa62ccabd8e"}}, "iam:UpdateOpenIDConnectProviderThumbprint"},
		{"/console/identity-providers/oidc/untag", url.Values{"arn": {oidcARN}, "key": {"team"}}, "iam:UntagOpenIDConnectProvider"},
		{"/console/identity-providers/saml/tag", url.Values{"arn": {samlARN}, "key": {"team"}, "value": {"x"}}, "iam:TagSAMLProvider"},
		{"/console/identity-providers/saml/untag", url.Values{"arn": {samlARN}, "key": {"owner"}}, "iam:UntagSAMLProvider"},
		{"/console/identity-providers/saml/metadata", url.Values{"arn": {samlARN}, "metadata": {strings.Repeat("x", 1000)}}, "iam:UpdateSAMLProvider"},
	} {
		resp, body := tc.post(c.path, c.form)
		arn := c.form.Get("arn")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `<strong class="code">AccessDenied</strong>`) ||
			!strings.Contains(body, "is not authorized to perform: "+c.action+" on resource: "+arn) || !strings.Contains(body, `id="provider-facts"`) {
			t.Errorf("%s: %d\n%s", c.path, resp.StatusCode, between(body, `id="error"`, "</div>"))
		}
	}
	o2, err := root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)})
	if err != nil || strings.Join(o2.ClientIDList, ",") != strings.Join(o.ClientIDList, ",") || strings.Join(o2.ThumbprintList, ",") != strings.Join(o.ThumbprintList, ",") || len(o2.Tags) != 1 {
		t.Fatalf("the refused forms changed the OIDC provider: %+v %v", o2, err)
	}
	s, err := root.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(samlARN)})
	if err != nil || len(s.Tags) != 1 || *s.Tags[0].Key != "owner" || !strings.Contains(*s.SAMLMetadataDocument, "EntityDescriptor") {
		t.Fatalf("the refused forms changed the SAML provider: %+v %v", s, err)
	}
}
