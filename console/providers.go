package console

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// Identity providers, OIDC and SAML: one list of both, as AWS's console
// shows them, and a page per provider. ListOpenIDConnectProviders and
// ListSAMLProviders do not page (an account has at most a few hundred),
// so the list is read whole and searched and paged by offset (pageOf).

// providerRow is one provider in the list.
type providerRow struct {
	Kind       string // "oidc" or "saml": the detail page's path
	ARN, Name  string
	Created    *time.Time // SAML only: ListOpenIDConnectProviders gives the ARN alone
	ValidUntil *time.Time
}

type providersData struct {
	List             listPage[providerRow]
	OIDCErr, SAMLErr *apiError
}

// providerName is the part of a provider's ARN after its type: the OIDC
// provider's host and path, the SAML provider's name.
func providerName(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":oidc-provider/"); ok {
		return rest
	}
	if _, rest, ok := strings.Cut(arn, ":saml-provider/"); ok {
		return rest
	}
	return arn
}

func (h *Handler) serveProviders(w http.ResponseWriter, r *http.Request, q *req) {
	h.providersPage(w, r, q, http.StatusOK, nil)
}

// providersPage shows the identity providers, with err (a refused form)
// above them. Each list's refusal is shown in place; the other's
// providers are still listed.
func (h *Handler) providersPage(w http.ResponseWriter, r *http.Request, q *req, status int, err error) {
	d := providersData{List: listPage[providerRow]{Query: strings.TrimSpace(r.URL.Query().Get("q"))}}
	var rows []providerRow
	if o, err := h.call(r, q, "ListOpenIDConnectProviders", nil); err == nil {
		for _, p := range o.(*iamapi.ListOpenIDConnectProvidersOutput).OpenIDConnectProviderList {
			rows = append(rows, providerRow{Kind: "oidc", ARN: deref(p.Arn), Name: providerName(deref(p.Arn))})
		}
	} else {
		d.OIDCErr = toAPIError(err)
	}
	if o, err := h.call(r, q, "ListSAMLProviders", nil); err == nil {
		for _, p := range o.(*iamapi.ListSAMLProvidersOutput).SAMLProviderList {
			rows = append(rows, providerRow{Kind: "saml", ARN: deref(p.Arn), Name: providerName(deref(p.Arn)), Created: p.CreateDate, ValidUntil: p.ValidUntil})
		}
	} else {
		d.SAMLErr = toAPIError(err)
	}
	pageOf(r, &d.List, filter(rows, d.List.Query, func(p providerRow) bool { return contains(p.ARN, d.List.Query) }), nil)
	h.render(w, r, q.s, "providers", status, "Identity providers", d, err)
}

// providerData is a provider's page: GetOpenIDConnectProvider's or
// GetSAMLProvider's answer, as the CLI gets it.
type providerData struct {
	Kind, ARN, Name string
	OIDC            *iamapi.GetOpenIDConnectProviderOutput
	SAML            *iamapi.GetSAMLProviderOutput
}

// Tags are the provider's tags, of either kind.
func (d *providerData) Tags() []iamapi.Tag {
	switch {
	case d.OIDC != nil:
		return d.OIDC.Tags
	case d.SAML != nil:
		return d.SAML.Tags
	}
	return nil
}

// providerCall is what differs between the two kinds' calls: the read,
// the tag calls, and the parameter naming the provider.
type providerCall struct{ Get, Tag, Untag, Param string }

var providerCalls = map[string]providerCall{
	"oidc": {"GetOpenIDConnectProvider", "TagOpenIDConnectProvider", "UntagOpenIDConnectProvider", "OpenIDConnectProviderArn"},
	"saml": {"GetSAMLProvider", "TagSAMLProvider", "UntagSAMLProvider", "SAMLProviderArn"},
}

// Calls are the provider's kind's calls, for its page's tag forms.
func (d *providerData) Calls() providerCall { return providerCalls[d.Kind] }

// ThumbprintLines are the OIDC provider's thumbprints, one a line: the
// thumbprint form's starting text.
func (d *providerData) ThumbprintLines() string {
	if d.OIDC == nil {
		return ""
	}
	return strings.Join(d.OIDC.ThumbprintList, "\n")
}

func (h *Handler) serveOIDCProvider(w http.ResponseWriter, r *http.Request, q *req) {
	h.providerPage(w, r, q, "oidc", r.URL.Query().Get("arn"), nil)
}

func (h *Handler) serveSAMLProvider(w http.ResponseWriter, r *http.Request, q *req) {
	h.providerPage(w, r, q, "saml", r.URL.Query().Get("arn"), nil)
}

// providerPage shows a provider of the kind ("oidc" or "saml"), with
// ferr (a refused form) above it.
func (h *Handler) providerPage(w http.ResponseWriter, r *http.Request, q *req, kind, a string, ferr error) {
	d := &providerData{Kind: kind, ARN: a, Name: providerName(a)}
	out, err := h.call(r, q, d.Calls().Get, url.Values{d.Calls().Param: {a}})
	switch o := out.(type) {
	case *iamapi.GetOpenIDConnectProviderOutput:
		d.OIDC = o
	case *iamapi.GetSAMLProviderOutput:
		d.SAML = o
	}
	if ferr != nil {
		err = ferr
	}
	h.render(w, r, q.s, "provider", statusOf(err), "Identity provider "+d.Name, d, err)
}

// A provider's forms, on its page, name it by the form's "arn": its tags
// (tagForms), an OIDC provider's audiences and thumbprints, a SAML
// provider's metadata document. Each is the call the CLI makes; a refusal
// shows the provider's page again with AWS's error.
func providerPageForms(kind string, forms map[string]formAction) *formSet {
	c := providerCalls[kind]
	maps.Copy(forms, tagForms("", c.Tag, c.Untag))
	for op, fa := range forms {
		fa.nameField = "arn"
		forms[op] = fa
	}
	return &formSet{
		param: c.Param,
		page:  func(a string) string { return Prefix + "/identity-providers/" + kind + "?arn=" + url.QueryEscape(a) },
		failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, a string, err error) {
			h.providerPage(w, r, q, kind, a, err)
		},
		forms: forms,
	}
}

var (
	oidcForms = providerPageForms("oidc", map[string]formAction{
		"addclient":    {call: "AddClientIDToOpenIDConnectProvider", fields: map[string]string{"ClientID": "client"}, msg: "Audience {ClientID} added."},
		"removeclient": {call: "RemoveClientIDFromOpenIDConnectProvider", fields: map[string]string{"ClientID": "client"}, msg: "Audience {ClientID} removed."},
		// The thumbprints are replaced as a whole, as the call does.
		"thumbprints": {call: "UpdateOpenIDConnectProviderThumbprint", msg: "Thumbprints updated.",
			extra: func(r *http.Request, p url.Values) {
				for i, t := range splitList(r.PostFormValue("thumbprints")) {
					p.Set("ThumbprintList.member."+strconv.Itoa(i+1), t)
				}
			}},
	})
	samlForms = providerPageForms("saml", map[string]formAction{
		"metadata": {call: "UpdateSAMLProvider", raw: map[string]string{"SAMLMetadataDocument": "metadata"}, msg: "Metadata document updated."},
	})
)
