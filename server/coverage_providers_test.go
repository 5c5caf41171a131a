package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func thumbprint(c byte) string { return strings.Repeat(string(c), 40) }

func TestOIDCProviderLifecycle(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	var arns []string
	for _, u := range []string{"https://a.example.com", "https://b.example.com/tenant/1"} {
		o := must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url: aws.String(u), ClientIDList: []string{"one", "two", "three"}, ThumbprintList: []string{thumbprint('a')}}))
		arns = append(arns, *o.OpenIDConnectProviderArn)
	}
	listed := func() []string {
		t.Helper()
		var out []string
		for _, e := range must[*iam.ListOpenIDConnectProvidersOutput](t)(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})).OpenIDConnectProviderList {
			out = append(out, *e.Arn)
		}
		slices.Sort(out)
		return out
	}
	if got := listed(); fmt.Sprint(got) != fmt.Sprint([]string{"arn:aws:iam::123456789012:oidc-provider/a.example.com", "arn:aws:iam::123456789012:oidc-provider/b.example.com/tenant/1"}) {
		t.Fatalf("ListOpenIDConnectProviders: %v", got)
	}
	arn := aws.String(arns[0])
	get := func() *iam.GetOpenIDConnectProviderOutput {
		t.Helper()
		return must[*iam.GetOpenIDConnectProviderOutput](t)(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	}

	// Remove a client ID; removing one that is not there is not an error.
	must[*iam.RemoveClientIDFromOpenIDConnectProviderOutput](t)(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("two")}))
	must[*iam.RemoveClientIDFromOpenIDConnectProviderOutput](t)(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("never-added")}))
	if ids := get().ClientIDList; fmt.Sprint(ids) != "[one three]" {
		t.Fatalf("client IDs: %v", ids)
	}
	_, err := c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String(strings.Repeat("x", 256))})
	wantErr(t, err, "ValidationError", 400)

	// A hundred client IDs per provider.
	for i := len(get().ClientIDList); i < 100; i++ {
		must[*iam.AddClientIDToOpenIDConnectProviderOutput](t)(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String(fmt.Sprintf("app-%d", i))}))
	}
	_, err = c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("app-101")})
	wantErr(t, err, "LimitExceeded", 409)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("aud-", i)
	}
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://c.example.com"), ClientIDList: many, ThumbprintList: []string{thumbprint('a')}})
	wantErr(t, err, "LimitExceeded", 409)

	// Replace the thumbprints: exactly what was given, duplicates once.
	must[*iam.UpdateOpenIDConnectProviderThumbprintOutput](t)(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn,
		ThumbprintList: []string{thumbprint('b'), thumbprint('c'), thumbprint('b')}}))
	if tp := get().ThumbprintList; fmt.Sprint(tp) != fmt.Sprint([]string{thumbprint('b'), thumbprint('c')}) {
		t.Fatalf("thumbprints: %v", tp)
	}
	for _, bad := range []struct {
		list []string
		code string
	}{
		{[]string{"abc"}, "ValidationError"}, // a thumbprint is 40 hex characters
		{[]string{thumbprint('1'), thumbprint('2'), thumbprint('3'), thumbprint('4'), thumbprint('5'), thumbprint('6')}, "InvalidInput"}, // five at most
	} {
		_, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: bad.list})
		wantErr(t, err, bad.code, 400)
	}
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://d.example.com"), ClientIDList: []string{"x"},
		ThumbprintList: []string{thumbprint('1'), thumbprint('2'), thumbprint('3'), thumbprint('4'), thumbprint('5'), thumbprint('6')}})
	wantErr(t, err, "InvalidInput", 400) // as AWS answers it (recorded)
	if tp := get().ThumbprintList; len(tp) != 2 {
		t.Fatalf("a refused update changed the thumbprints: %v", tp)
	}

	// Providers that do not exist, or ARNs of other accounts.
	for _, missing := range []string{"arn:aws:iam::123456789012:oidc-provider/nowhere.example.com", "arn:aws:iam::210987654321:oidc-provider/a.example.com"} {
		_, err := c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(missing), ClientID: aws.String("one")})
		wantErr(t, err, "NoSuchEntity", 404)
		_, err = c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(missing), ThumbprintList: []string{thumbprint('a')}})
		wantErr(t, err, "NoSuchEntity", 404)
		_, err = c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(missing)})
		wantErr(t, err, "NoSuchEntity", 404)
	}
	_, err = c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("short")})
	wantErr(t, err, "ValidationError", 400)

	// Delete: gone from Get and List, and the URL can be registered again.
	must[*iam.DeleteOpenIDConnectProviderOutput](t)(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn})
	wantErr(t, err, "NoSuchEntity", 404)
	if got := listed(); len(got) != 1 || got[0] != arns[1] {
		t.Fatalf("after delete: %v", got)
	}
	must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://a.example.com"), ThumbprintList: []string{thumbprint('a')}}))
}

func TestSAMLProviderLifecycle(t *testing.T) {
	c := iamClient(testServer(t), rootKey, rootSecret)
	var arns []string
	for _, n := range []string{"corp", "partner"} {
		p := must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String(n), SAMLMetadataDocument: aws.String(samlMetadata("2030-01-01T00:00:00Z"))}))
		arns = append(arns, *p.SAMLProviderArn)
	}
	list := must[*iam.ListSAMLProvidersOutput](t)(c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))
	if len(list.SAMLProviderList) != 2 {
		t.Fatalf("ListSAMLProviders: %d", len(list.SAMLProviderList))
	}
	for _, e := range list.SAMLProviderList {
		if !slices.Contains(arns, *e.Arn) || e.ValidUntil.Year() != 2030 || e.CreateDate == nil || time.Since(*e.CreateDate) > time.Minute {
			t.Fatalf("entry %s valid until %v created %v", *e.Arn, e.ValidUntil, e.CreateDate)
		}
	}
	arn := aws.String(arns[0])

	// Update the metadata; read it back with its new validity.
	doc := samlMetadata("2032-06-30T12:00:00Z")
	up := must[*iam.UpdateSAMLProviderOutput](t)(c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(doc)}))
	if *up.SAMLProviderArn != *arn {
		t.Fatal(*up.SAMLProviderArn)
	}
	g := must[*iam.GetSAMLProviderOutput](t)(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn}))
	if *g.SAMLMetadataDocument != doc || !g.ValidUntil.Equal(time.Date(2032, 6, 30, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("after update: valid until %v", g.ValidUntil)
	}
	for _, bad := range []struct {
		doc, code string
	}{
		{strings.Repeat("x", 1000), "InvalidInput"}, // not SAML metadata
		{"<EntityDescriptor/>", "ValidationError"},  // under the model's 1000 characters
	} {
		_, err := c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(bad.doc)})
		wantErr(t, err, bad.code, 400)
	}
	if g := must[*iam.GetSAMLProviderOutput](t)(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})); *g.SAMLMetadataDocument != doc {
		t.Fatal("a refused update changed the metadata")
	}
	missing := aws.String("arn:aws:iam::123456789012:saml-provider/nosuch")
	_, err := c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: missing, SAMLMetadataDocument: aws.String(doc)})
	wantErr(t, err, "NoSuchEntity", 404)

	// Delete.
	must[*iam.DeleteSAMLProviderOutput](t)(c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: arn}))
	_, err = c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})
	wantErr(t, err, "NoSuchEntity", 404)
	for _, a := range []*string{arn, missing, aws.String("arn:aws:iam::210987654321:saml-provider/partner")} {
		_, err = c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: a})
		wantErr(t, err, "NoSuchEntity", 404)
	}
	list = must[*iam.ListSAMLProvidersOutput](t)(c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))
	if len(list.SAMLProviderList) != 1 || *list.SAMLProviderList[0].Arn != arns[1] {
		t.Fatalf("after delete: %+v", list.SAMLProviderList)
	}
	// The name is free again.
	must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(doc)}))
}
