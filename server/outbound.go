package server

import (
	"crypto"
	"errors"
	"net/http"
	"sort"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/oidc"
)

// The issuers of outbound identity federation: each account that enabled
// it publishes, without authentication as AWS does, the discovery
// document and the keys that verify the tokens of sts:GetWebIdentityToken.

func (s *Server) serveOutboundDiscovery(w http.ResponseWriter, r *http.Request) {
	issuer, _, ok := s.outboundKeys(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              issuer + "/.well-known/jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES384"},
	})
}

func (s *Server) serveOutboundKeys(w http.ResponseWriter, r *http.Request) {
	_, keys, ok := s.outboundKeys(w, r)
	if !ok {
		return
	}
	set := oidc.KeySet{Keys: []oidc.JWK{}}
	for kid, pub := range keys {
		if jwk, err := oidc.NewJWK(kid, pub); err == nil {
			set.Keys = append(set.Keys, jwk)
		}
	}
	sort.Slice(set.Keys, func(i, j int) bool { return set.Keys[i].Kid < set.Keys[j].Kid })
	w.Header().Set("Cache-Control", "max-age=300")
	writeJSON(w, http.StatusOK, set)
}

func (s *Server) outboundKeys(w http.ResponseWriter, r *http.Request) (string, map[string]crypto.PublicKey, bool) {
	issuer, keys, err := s.svc.OutboundKeys(r.Context(), r.PathValue("account"))
	switch {
	case errors.Is(err, iam.ErrNotFound):
		http.NotFound(w, r)
		return "", nil, false
	case err != nil:
		s.log.Error("outbound keys", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return "", nil, false
	}
	return issuer, keys, true
}
