package console

import (
	"net/http"
	"net/url"
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

func (h *Handler) serveOIDCProvider(w http.ResponseWriter, r *http.Request, q *req) {
	a := r.URL.Query().Get("arn")
	d := &providerData{Kind: "oidc", ARN: a, Name: providerName(a)}
	out, err := h.call(r, q, "GetOpenIDConnectProvider", url.Values{"OpenIDConnectProviderArn": {a}})
	if err == nil {
		d.OIDC = out.(*iamapi.GetOpenIDConnectProviderOutput)
	}
	h.render(w, r, q.s, "provider", statusOf(err), "Identity provider "+d.Name, d, err)
}

func (h *Handler) serveSAMLProvider(w http.ResponseWriter, r *http.Request, q *req) {
	a := r.URL.Query().Get("arn")
	d := &providerData{Kind: "saml", ARN: a, Name: providerName(a)}
	out, err := h.call(r, q, "GetSAMLProvider", url.Values{"SAMLProviderArn": {a}})
	if err == nil {
		d.SAML = out.(*iamapi.GetSAMLProviderOutput)
	}
	h.render(w, r, q.s, "provider", statusOf(err), "Identity provider "+d.Name, d, err)
}
