package iam

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
)

// OpenID Connect and SAML identity providers, for web-identity and SAML
// federation (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).

const (
	kindOIDC = "oidc-provider" // host/path
	kindSAML = "saml-provider" // name
)

// AWS's limits on one OIDC provider.
const (
	maxClientIDs   = 100
	maxThumbprints = 5
)

// checkOIDCLists refuses more client IDs or thumbprints than a provider
// may hold. tooMany makes the error: AWS's operations differ in the code
// they model for it.
func checkOIDCLists(clientIDs, thumbprints []string, tooMany func(string, ...any) error) error {
	if len(clientIDs) > maxClientIDs {
		return tooMany("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxClientIDs)
	}
	if len(thumbprints) > maxThumbprints {
		// InvalidInput whatever the operation, in AWS's words (recorded).
		return iamapi.InvalidInput("Thumbprint list must contain fewer than %d entries.", maxThumbprints)
	}
	return nil
}

// OIDCProvider is an OpenID Connect identity provider.
type OIDCProvider struct {
	URL         string    `json:"url"` // without https://
	ClientIDs   []string  `json:"client_ids"`
	Thumbprints []string  `json:"thumbprints"`
	Created     time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
}

// SAMLProvider is a SAML identity provider.
type SAMLProvider struct {
	Name       string    `json:"name"`
	Metadata   string    `json:"metadata"`
	Created    time.Time `json:"created"`
	ValidUntil time.Time `json:"valid_until"`
	UUID       string    `json:"uuid"`
	Tags       []Tag     `json:"tags,omitempty"`
}

// oidcKey is the provider's identity: its URL without scheme or trailing
// slash, as in its ARN (oidc-provider/HOST/PATH).
func oidcKey(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", awserr.ValidationError("Invalid Open ID Connect Provider URL")
	}
	return strings.TrimSuffix(u.Host+u.Path, "/"), nil
}

// oidcFromARN reads the provider key from the canonical ARN of a provider
// of this account (see canonical.go); the key is matched exactly.
func oidcFromARN(c *Caller, providerARN string) (string, error) {
	a, ok := parseEntityARN(c.Partition, providerARN, "oidc-provider")
	if !ok || a.AccountID != c.Account {
		return "", iamapi.NoSuchEntity("OpenIDConnect Provider not found for arn %s", providerARN)
	}
	return strings.TrimPrefix(a.Resource, "oidc-provider/"), nil
}

func getOIDC(tx Tx, account, k, providerARN string) (*OIDCProvider, error) {
	var p OIDCProvider
	if err := getJSON(tx, account, kindOIDC, k, &p); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, iamapi.NoSuchEntity("OpenIDConnect Provider not found for arn %s", providerARN)
		}
		return nil, err
	}
	return &p, nil
}

// CreateOpenIDConnectProvider registers an OIDC identity provider.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, in *iamapi.CreateOpenIDConnectProviderInput) (*iamapi.CreateOpenIDConnectProviderOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	k, err := oidcKey(in.Url)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	p := &OIDCProvider{URL: k, ClientIDs: dedupe(in.ClientIDList), Thumbprints: dedupe(in.ThumbprintList), Created: s.now().UTC().Truncate(time.Second), Tags: tags}
	if err := checkOIDCLists(p.ClientIDs, p.Thumbprints, limitExceeded); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindOIDC, k, p); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("Provider with url %s already exists.", in.Url)
			}
			return err
		}
		return reserve(tx, c.Account, kindOIDC, "OpenIdConnectProvidersPerAccount", s.quotas.OIDCProviders)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: ptr(entityARN(c, "oidc-provider/", "", k)), Tags: apiTags(tags)}, nil
}

func dedupe(list []string) []string {
	out := []string{}
	for _, v := range list {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// GetOpenIDConnectProvider describes an OIDC provider.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, in *iamapi.GetOpenIDConnectProviderInput) (*iamapi.GetOpenIDConnectProviderOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	k, err := oidcFromARN(c, in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	var p *OIDCProvider
	if err := s.view(ctx, func(tx Tx) error { p, err = getOIDC(tx, c.Account, k, in.OpenIDConnectProviderArn); return err }); err != nil {
		return nil, err
	}
	return &iamapi.GetOpenIDConnectProviderOutput{Url: ptr(p.URL), ClientIDList: p.ClientIDs, ThumbprintList: p.Thumbprints,
		CreateDate: ptr(p.Created), Tags: alwaysTags(p.Tags)}, nil
}

// LookupOIDCProvider finds an account's provider by its issuer URL (for
// AssumeRoleWithWebIdentity).
func (s *Service) LookupOIDCProvider(ctx context.Context, account, issuer string) (*OIDCProvider, error) {
	k := strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
	var p OIDCProvider
	err := s.view(ctx, func(tx Tx) error { return getJSON(tx, account, kindOIDC, k, &p) })
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ListOpenIDConnectProviders lists the OIDC providers.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, _ *iamapi.ListOpenIDConnectProvidersInput) (*iamapi.ListOpenIDConnectProvidersOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []iamapi.OpenIDConnectProviderListEntry{}}
	err = s.view(ctx, func(tx Tx) error {
		return scanJSON(tx, c.Account, kindOIDC, "", "", 0, func(k string, _ *OIDCProvider) error {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamapi.OpenIDConnectProviderListEntry{Arn: ptr(entityARN(c, "oidc-provider/", "", k))})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) modifyOIDC(ctx context.Context, providerARN string, fn func(*OIDCProvider) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	k, err := oidcFromARN(c, providerARN)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		p, err := getOIDC(tx, c.Account, k, providerARN)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindOIDC, k, p)
	})
}

// AddClientIDToOpenIDConnectProvider adds an audience.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, in *iamapi.AddClientIDToOpenIDConnectProviderInput) error {
	return s.modifyOIDC(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		if !slices.Contains(p.ClientIDs, in.ClientID) {
			p.ClientIDs = append(p.ClientIDs, in.ClientID)
		}
		return checkOIDCLists(p.ClientIDs, nil, limitExceeded)
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes an audience.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, in *iamapi.RemoveClientIDFromOpenIDConnectProviderInput) error {
	return s.modifyOIDC(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(id string) bool { return id == in.ClientID })
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprints.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iamapi.UpdateOpenIDConnectProviderThumbprintInput) error {
	return s.modifyOIDC(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		p.Thumbprints = dedupe(in.ThumbprintList)
		return checkOIDCLists(nil, p.Thumbprints, invalidInput) // the operation models no LimitExceeded
	})
}

// TagOpenIDConnectProvider adds tags to an OIDC provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, in *iamapi.TagOpenIDConnectProviderInput) error {
	return s.modifyOIDC(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		tags, err := mergeTags(p.Tags, in.Tags, false)
		p.Tags = tags
		return err
	})
}

// UntagOpenIDConnectProvider removes tags from an OIDC provider.
func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, in *iamapi.UntagOpenIDConnectProviderInput) error {
	return s.modifyOIDC(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		p.Tags = removeTags(p.Tags, in.TagKeys, false)
		return nil
	})
}

// ListOpenIDConnectProviderTags lists an OIDC provider's tags.
func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, in *iamapi.ListOpenIDConnectProviderTagsInput) (*iamapi.ListOpenIDConnectProviderTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	k, err := oidcFromARN(c, in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	var p *OIDCProvider
	if err := s.view(ctx, func(tx Tx) error { p, err = getOIDC(tx, c.Account, k, in.OpenIDConnectProviderArn); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(p.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListOpenIDConnectProviderTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// DeleteOpenIDConnectProvider deletes an OIDC provider.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, in *iamapi.DeleteOpenIDConnectProviderInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	k, err := oidcFromARN(c, in.OpenIDConnectProviderArn)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := tx.Delete(c.Account, kindOIDC, k); err != nil {
			if errors.Is(err, ErrNotFound) {
				// DeleteOpenIDConnectProvider words it differently from the reads (recorded).
				return iamapi.NoSuchEntity("OpenId connect Provider %s cannot be found.", in.OpenIDConnectProviderArn)
			}
			return err
		}
		return release(tx, c.Account, kindOIDC)
	})
}

// SAML providers.

// samlValidUntil checks that metadata is a SAML EntityDescriptor and reads
// its validUntil (a year from now when absent).
func samlValidUntil(doc string, now time.Time) (time.Time, error) {
	var ed struct {
		XMLName    xml.Name
		ValidUntil string `xml:"validUntil,attr"`
	}
	if err := xml.Unmarshal([]byte(doc), &ed); err != nil || ed.XMLName.Local != "EntityDescriptor" {
		return time.Time{}, iamapi.InvalidInput("Could not parse metadata: the document must be a SAML EntityDescriptor.")
	}
	if ed.ValidUntil != "" {
		if t, err := time.Parse(time.RFC3339, ed.ValidUntil); err == nil {
			return t.UTC(), nil
		}
	}
	return now.AddDate(1, 0, 0), nil
}

// samlFromARN reads the provider name from the canonical ARN of a provider
// of this account (see canonical.go); getSAML matches the name exactly.
func samlFromARN(c *Caller, providerARN string) (string, error) {
	a, ok := parseEntityARN(c.Partition, providerARN, "saml-provider")
	if !ok || a.AccountID != c.Account {
		return "", iamapi.NoSuchEntity("Manifest not found for arn %s", providerARN)
	}
	return strings.TrimPrefix(a.Resource, "saml-provider/"), nil
}

// getSAML reads the provider of that exact name: names are unique without
// regard to case, but an ARN in another case names no provider.
func getSAML(tx Tx, account, name, providerARN string) (*SAMLProvider, error) {
	var p SAMLProvider
	err := getJSON(tx, account, kindSAML, lower(name), &p)
	if errors.Is(err, ErrNotFound) || err == nil && p.Name != name {
		return nil, iamapi.NoSuchEntity("Manifest not found for arn %s", providerARN)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateSAMLProvider registers a SAML identity provider.
func (s *Service) CreateSAMLProvider(ctx context.Context, in *iamapi.CreateSAMLProviderInput) (*iamapi.CreateSAMLProviderOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	until, err := samlValidUntil(in.SAMLMetadataDocument, now)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	p := &SAMLProvider{Name: in.Name, Metadata: in.SAMLMetadataDocument, Created: now, ValidUntil: until, UUID: newUUID(), Tags: tags}
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindSAML, lower(p.Name), p); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("SAMLProvider %s already exists.", p.Name)
			}
			return err
		}
		return reserve(tx, c.Account, kindSAML, "SamlProvidersPerAccount", s.quotas.SAMLProviders)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateSAMLProviderOutput{SAMLProviderArn: ptr(entityARN(c, "saml-provider/", "", p.Name)), Tags: apiTags(tags)}, nil
}

func newUUID() string {
	b := make([]byte, 16)
	mustRead(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}

// GetSAMLProvider describes a SAML provider.
func (s *Service) GetSAMLProvider(ctx context.Context, in *iamapi.GetSAMLProviderInput) (*iamapi.GetSAMLProviderOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, err := samlFromARN(c, in.SAMLProviderArn)
	if err != nil {
		return nil, err
	}
	var p *SAMLProvider
	if err := s.view(ctx, func(tx Tx) error { p, err = getSAML(tx, c.Account, name, in.SAMLProviderArn); return err }); err != nil {
		return nil, err
	}
	return &iamapi.GetSAMLProviderOutput{SAMLProviderUUID: ptr(p.UUID), SAMLMetadataDocument: ptr(p.Metadata), CreateDate: ptr(p.Created),
		ValidUntil: ptr(p.ValidUntil), Tags: alwaysTags(p.Tags),
		// iamd takes plain assertions and holds no decryption keys: AWS's
		// default mode, and an empty key list, which AWS always sends.
		AssertionEncryptionMode: ptr("Allowed"), PrivateKeyList: []iamapi.SAMLPrivateKey{}}, nil
}

// ListSAMLProviders lists the SAML providers.
func (s *Service) ListSAMLProviders(ctx context.Context, _ *iamapi.ListSAMLProvidersInput) (*iamapi.ListSAMLProvidersOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSAMLProvidersOutput{SAMLProviderList: []iamapi.SAMLProviderListEntry{}}
	err = s.view(ctx, func(tx Tx) error {
		return scanJSON(tx, c.Account, kindSAML, "", "", 0, func(_ string, p *SAMLProvider) error {
			out.SAMLProviderList = append(out.SAMLProviderList, iamapi.SAMLProviderListEntry{
				Arn: ptr(entityARN(c, "saml-provider/", "", p.Name)), ValidUntil: ptr(p.ValidUntil), CreateDate: ptr(p.Created)})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) modifySAML(ctx context.Context, providerARN string, fn func(*SAMLProvider) error) (*Caller, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, err := samlFromARN(c, providerARN)
	if err != nil {
		return nil, err
	}
	return c, s.update(ctx, func(tx Tx) error {
		p, err := getSAML(tx, c.Account, name, providerARN)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindSAML, lower(p.Name), p)
	})
}

// UpdateSAMLProvider replaces a SAML provider's metadata.
func (s *Service) UpdateSAMLProvider(ctx context.Context, in *iamapi.UpdateSAMLProviderInput) (*iamapi.UpdateSAMLProviderOutput, error) {
	_, err := s.modifySAML(ctx, in.SAMLProviderArn, func(p *SAMLProvider) error {
		if in.SAMLMetadataDocument != nil {
			until, err := samlValidUntil(*in.SAMLMetadataDocument, s.now())
			if err != nil {
				return err
			}
			p.Metadata, p.ValidUntil = *in.SAMLMetadataDocument, until
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSAMLProviderOutput{SAMLProviderArn: ptr(in.SAMLProviderArn)}, nil
}

// TagSAMLProvider adds tags to a SAML provider.
func (s *Service) TagSAMLProvider(ctx context.Context, in *iamapi.TagSAMLProviderInput) error {
	_, err := s.modifySAML(ctx, in.SAMLProviderArn, func(p *SAMLProvider) error {
		tags, err := mergeTags(p.Tags, in.Tags, false)
		p.Tags = tags
		return err
	})
	return err
}

// UntagSAMLProvider removes tags from a SAML provider.
func (s *Service) UntagSAMLProvider(ctx context.Context, in *iamapi.UntagSAMLProviderInput) error {
	_, err := s.modifySAML(ctx, in.SAMLProviderArn, func(p *SAMLProvider) error {
		p.Tags = removeTags(p.Tags, in.TagKeys, false)
		return nil
	})
	return err
}

// ListSAMLProviderTags lists a SAML provider's tags.
func (s *Service) ListSAMLProviderTags(ctx context.Context, in *iamapi.ListSAMLProviderTagsInput) (*iamapi.ListSAMLProviderTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, err := samlFromARN(c, in.SAMLProviderArn)
	if err != nil {
		return nil, err
	}
	var p *SAMLProvider
	if err := s.view(ctx, func(tx Tx) error { p, err = getSAML(tx, c.Account, name, in.SAMLProviderArn); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(p.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListSAMLProviderTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// DeleteSAMLProvider deletes a SAML provider.
func (s *Service) DeleteSAMLProvider(ctx context.Context, in *iamapi.DeleteSAMLProviderInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	name, err := samlFromARN(c, in.SAMLProviderArn)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getSAML(tx, c.Account, name, in.SAMLProviderArn); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindSAML, lower(name)); err != nil {
			return err
		}
		return release(tx, c.Account, kindSAML)
	})
}
