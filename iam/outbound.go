package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/iamd/iamd/api/iamapi"
)

// Outbound identity federation: the account's principals obtain JWTs
// (sts:GetWebIdentityToken) that services elsewhere verify with the keys
// published at the account's issuer, as on AWS.

// OutboundFederation is an account's issuer and its signing keys.
type OutboundFederation struct {
	Enabled bool          `json:"enabled"`
	Issuer  string        `json:"issuer"`
	Keys    []OutboundKey `json:"keys"`
}

// OutboundKey is a signing key: its public part (PKIX DER, for the JWKS)
// and its private part sealed at rest.
type OutboundKey struct {
	Kid    string `json:"kid"`
	Alg    string `json:"alg"` // RS256 | ES384
	Public []byte `json:"public"`
	Sealed string `json:"sealed"`
}

// outboundPath is where the issuers of the server's accounts live.
const outboundPath = "/outbound/"

// EnableOutboundWebIdentityFederation turns token vending on and, the
// first time, creates the account's issuer (on the endpoint the call came
// to) and its RS256 and ES384 keys.
func (s *Service) EnableOutboundWebIdentityFederation(ctx context.Context, _ *iamapi.EnableOutboundWebIdentityFederationInput) (*iamapi.EnableOutboundWebIdentityFederationOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var fresh *OutboundFederation
	if a, err := s.GetAccount(ctx, c.Account); err != nil {
		return nil, err
	} else if a.Outbound == nil {
		// Key generation takes a while: outside the transaction.
		if fresh, err = s.newOutbound(c); err != nil {
			return nil, err
		}
	}
	var issuer string
	err = s.updateAccount(ctx, c.Account, func(_ Tx, a *Account) error {
		switch {
		case a.Outbound != nil && a.Outbound.Enabled:
			return iamapi.FeatureEnabled("Outbound identity federation is already enabled for this account. Use GetOutboundWebIdentityFederationInfo to read its issuer.")
		case a.Outbound == nil:
			if fresh == nil {
				return errors.New("iam: outbound federation changed concurrently; retry")
			}
			a.Outbound = fresh
		}
		a.Outbound.Enabled = true
		issuer = a.Outbound.Issuer
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.EnableOutboundWebIdentityFederationOutput{IssuerIdentifier: &issuer}, nil
}

// DisableOutboundWebIdentityFederation turns token vending off; the
// issuer and its keys stay, so tokens already issued still verify.
func (s *Service) DisableOutboundWebIdentityFederation(ctx context.Context, _ *iamapi.DisableOutboundWebIdentityFederationInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.updateAccount(ctx, c.Account, func(_ Tx, a *Account) error {
		if a.Outbound == nil || !a.Outbound.Enabled {
			return iamapi.FeatureDisabled("Outbound identity federation is already disabled for this account.")
		}
		a.Outbound.Enabled = false
		return nil
	})
}

// GetOutboundWebIdentityFederationInfo reads the issuer and whether
// tokens are vended.
func (s *Service) GetOutboundWebIdentityFederationInfo(ctx context.Context, _ *iamapi.GetOutboundWebIdentityFederationInfoInput) (*iamapi.GetOutboundWebIdentityFederationInfoOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.GetAccount(ctx, c.Account)
	if err != nil {
		return nil, err
	}
	if a.Outbound == nil {
		return nil, iamapi.FeatureDisabled("Outbound identity federation has never been enabled for this account.")
	}
	return &iamapi.GetOutboundWebIdentityFederationInfoOutput{IssuerIdentifier: &a.Outbound.Issuer, JwtVendingEnabled: optional(a.Outbound.Enabled)}, nil
}

func (s *Service) newOutbound(c *Caller) (*OutboundFederation, error) {
	endpoint := strings.TrimRight(c.Endpoint, "/")
	if endpoint == "" {
		endpoint = "http://localhost"
	}
	o := &OutboundFederation{Issuer: endpoint + outboundPath + c.Account}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	for _, k := range []struct {
		alg string
		key crypto.Signer
	}{{"RS256", rsaKey}, {"ES384", ecKey}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return nil, err
		}
		pub, err := x509.MarshalPKIXPublicKey(k.key.Public())
		if err != nil {
			return nil, err
		}
		kid := uuid.NewString()
		o.Keys = append(o.Keys, OutboundKey{Kid: kid, Alg: k.alg, Public: pub,
			Sealed: s.sealer.Seal(base64.StdEncoding.EncodeToString(der), "outbound|"+c.Account+"|"+kid)})
	}
	return o, nil
}

// ErrOutboundDisabled is returned by OutboundSigner when the account
// vends no tokens.
var ErrOutboundDisabled = errors.New("iam: outbound identity federation is not enabled")

// OutboundSigner returns the account's issuer and its key for an
// algorithm, for STS to sign a token with. A key is unsealed once and
// kept: its kid names it for good.
func (s *Service) OutboundSigner(ctx context.Context, account, alg string) (issuer, kid string, key crypto.Signer, err error) {
	a, err := s.GetAccount(ctx, account)
	if err != nil {
		return "", "", nil, err
	}
	if a.Outbound == nil || !a.Outbound.Enabled {
		return "", "", nil, ErrOutboundDisabled
	}
	for _, k := range a.Outbound.Keys {
		if k.Alg != alg {
			continue
		}
		if cached, ok := s.outboundSigners.Load(k.Kid); ok {
			return a.Outbound.Issuer, k.Kid, cached.(crypto.Signer), nil
		}
		priv, err := s.openOutboundKey(account, k)
		if err != nil {
			return "", "", nil, err
		}
		s.outboundSigners.Store(k.Kid, priv)
		return a.Outbound.Issuer, k.Kid, priv, nil
	}
	return "", "", nil, ErrOutboundDisabled
}

// OutboundKeys are the issuer and public keys an account publishes (also
// while vending is disabled, so issued tokens still verify); ErrNotFound
// when the account does not exist or never enabled the feature.
func (s *Service) OutboundKeys(ctx context.Context, account string) (issuer string, keys map[string]crypto.PublicKey, err error) {
	var a *Account
	if err := s.view(ctx, func(tx Tx) error { a, err = s.account(tx, account); return err }); err != nil {
		return "", nil, err
	}
	if a.Outbound == nil {
		return "", nil, ErrNotFound
	}
	keys = map[string]crypto.PublicKey{}
	for _, k := range a.Outbound.Keys {
		pub, err := x509.ParsePKIXPublicKey(k.Public)
		if err != nil {
			return "", nil, err
		}
		keys[k.Kid] = pub
	}
	return a.Outbound.Issuer, keys, nil
}

func (s *Service) openOutboundKey(account string, k OutboundKey) (crypto.Signer, error) {
	plain, err := s.sealer.Open(k.Sealed, "outbound|"+account+"|"+k.Kid)
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(plain)
	if err != nil {
		return nil, err
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, errors.New("iam: outbound key is not a signer")
	}
	return signer, nil
}
