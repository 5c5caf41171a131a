package sts

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/oidc"
	"github.com/iamd/iamd/policy"
)

func (s *Service) verifier() *oidc.Verifier { return s.webIdentity }

// clockSkew is the allowance past a token's exp (and before its nbf) that
// IAM gives for clocks that differ, as the OIDC core standard permits.
const clockSkew = 5 * time.Minute

// The claims AWS reads for session tags and source identity.
const (
	claimTags           = "https://aws.amazon.com/tags"
	claimSourceIdentity = "https://aws.amazon.com/source_identity"
)

// couldNotRetrieveKey is AWS's message when the issuer's keys cannot be
// had or do not include the token's key id.
const couldNotRetrieveKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"

// AssumeRoleWithWebIdentity exchanges an OpenID Connect ID token from a
// provider registered in the role's account for a role session. The
// request is unsigned: the token is the proof. Its signature is verified
// against the issuer's published keys, its audience against the
// provider's client ids, its lifetime against the clock; then the role's
// trust policy decides, with the token's claims as condition keys
// (PROVIDER:aud, PROVIDER:sub, PROVIDER:amr, PROVIDER:oaud).
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput) (*stsapi.AssumeRoleWithWebIdentityOutput, error) {
	roleARN, err := arn.Parse(in.RoleArn)
	if err != nil || roleARN.Service != "iam" || !strings.HasPrefix(roleARN.Resource, "role/") {
		return nil, validation("%s is not a valid role ARN.", in.RoleArn)
	}
	account := roleARN.AccountID
	if in.ProviderId != nil {
		// ProviderId is for OAuth 2.0 access tokens of the legacy providers
		// (Amazon, Facebook), which iamd does not federate with.
		return nil, stsapi.InvalidIdentityToken("ProviderId is only for OAuth 2.0 access tokens of www.amazon.com and graph.facebook.com, which iamd does not support; pass an OpenID Connect ID token without it.")
	}
	tok, err := oidc.Parse(in.WebIdentityToken)
	if err != nil {
		return nil, stsapi.InvalidIdentityToken("The web identity token is not a valid JSON Web Token.")
	}
	v := s.verifier()
	iss := tok.Claims.String("iss")
	issURL, err := v.IssuerURL(iss)
	if err != nil {
		return nil, stsapi.InvalidIdentityToken("The token's issuer %q is not an https URL.", iss)
	}
	providerKey := strings.TrimSuffix(issURL.Host+issURL.Path, "/")
	provider, err := s.iam.LookupOIDCProvider(ctx, account, "https://"+providerKey)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, stsapi.InvalidIdentityToken("No OpenIDConnect provider found in your account for %s", strings.TrimSuffix(issURL.String(), "/"))
	}
	if err != nil {
		return nil, err
	}
	switch err := v.Verify(ctx, tok, issURL, provider.Thumbprints); {
	case err == nil:
	case errors.Is(err, oidc.ErrFetch):
		return nil, stsapi.IDPCommunicationError("%s", couldNotRetrieveKey)
	case errors.Is(err, oidc.ErrUnknownKey):
		return nil, stsapi.InvalidIdentityToken("%s", couldNotRetrieveKey)
	case errors.Is(err, oidc.ErrAlgorithm):
		return nil, stsapi.InvalidIdentityToken("The token is signed with %q; the supported algorithms are RS256 and ES256.", tok.Header.Alg)
	default:
		return nil, stsapi.InvalidIdentityToken("The signature of the web identity token could not be verified.")
	}

	now := s.now().UTC().Truncate(time.Second)
	exp, ok := tok.Claims.Time("exp")
	if !ok {
		return nil, stsapi.InvalidIdentityToken("The web identity token has no exp claim.")
	}
	if now.Unix() > exp+int64(clockSkew/time.Second) {
		// AWS's message, its missing space included.
		return nil, stsapi.ExpiredToken("Token expired: current date/time %d must be before the expiration date/time%d", now.Unix(), exp)
	}
	if nbf, ok := tok.Claims.Time("nbf"); ok && now.Unix()+int64(clockSkew/time.Second) < nbf {
		return nil, stsapi.InvalidIdentityToken("The web identity token is not valid before %d.", nbf)
	}
	if iat, ok := tok.Claims.Time("iat"); ok && now.Unix()+int64(clockSkew/time.Second) < iat {
		return nil, stsapi.InvalidIdentityToken("The web identity token was issued in the future (iat %d).", iat)
	}
	sub := tok.Claims.String("sub")
	if sub == "" {
		return nil, stsapi.InvalidIdentityToken("The web identity token has no sub claim.")
	}
	// The audience: the token's aud must name one of the provider's client
	// ids. When azp (the authorized party) is set, AWS's aud key is azp and
	// the token's own aud goes to oaud.
	auds, azp := tok.Claims.Strings("aud"), tok.Claims.String("azp")
	audience := ""
	for _, a := range append(auds, azp) {
		if a != "" && slices.Contains(provider.ClientIDs, a) {
			audience = a
			break
		}
	}
	if audience == "" {
		return nil, stsapi.InvalidIdentityToken("Incorrect token audience")
	}

	denied := awserr.New("AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	role, duration, err := s.federatedRole(ctx, in.RoleArn, in.DurationSeconds, denied)
	if err != nil {
		return nil, err
	}
	policyText, policyARNs, err := s.sessionPolicy(ctx, account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}

	providerARN := arn.ARN{Partition: roleARN.Partition, Service: "iam", AccountID: account, Resource: "oidc-provider/" + providerKey}.String()
	claimKeys := map[string][]string{providerKey + ":sub": {sub}}
	if azp != "" {
		claimKeys[providerKey+":aud"] = []string{azp}
		claimKeys[providerKey+":oaud"] = auds
	} else {
		claimKeys[providerKey+":aud"] = []string{audience}
	}
	if amr := tok.Claims.Strings("amr"); len(amr) > 0 {
		claimKeys[providerKey+":amr"] = amr
	}
	keys := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}, "aws:FederatedProvider": {providerARN}}
	for k, v := range claimKeys {
		keys[k] = v
	}
	sess := &iam.Session{Type: iam.SessionAssumedRole, Account: account, IssuedAt: now, Expires: now.Add(duration),
		RoleName: role.Name, RoleID: role.ID, RolePath: role.Path, SessionName: in.RoleSessionName,
		Policy: policyText, PolicyARNs: policyARNs, WebIdentity: map[string]string{"aws:FederatedProvider": providerARN}}
	for k, v := range claimKeys {
		if len(v) == 1 {
			sess.WebIdentity[k] = v[0] // later requests see single-valued claims
		}
	}
	actions := []string{"sts:AssumeRoleWithWebIdentity"}
	if err := webIdentityTags(tok.Claims, sess, keys); err != nil {
		return nil, err
	}
	if len(sess.Tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if si := tok.Claims.String(claimSourceIdentity); si != "" {
		sess.SourceIdentity = si
		keys["sts:SourceIdentity"] = []string{si}
		actions = append(actions, "sts:SetSourceIdentity")
	}
	principal := policy.Principal{Type: policy.TypeWebIdentity, Federated: providerARN}
	creds, err := s.admitFederated(ctx, role, principal, actions, in.RoleArn, account, keys, sess, now, denied)
	if err != nil {
		return nil, err
	}
	sessionARN := arn.ARN{Partition: roleARN.Partition, Service: "sts", AccountID: account, Resource: "assumed-role/" + role.Name + "/" + in.RoleSessionName}.String()
	out := &stsapi.AssumeRoleWithWebIdentityOutput{Credentials: creds, PackedPolicySize: packedSize(sess),
		SubjectFromWebIdentityToken: &sub, Audience: &audience, Provider: &providerARN,
		AssumedRoleUser: &stsapi.AssumedRoleUser{AssumedRoleId: role.ID + ":" + in.RoleSessionName, Arn: sessionARN}}
	if sess.SourceIdentity != "" {
		out.SourceIdentity = &sess.SourceIdentity
	}
	return out, nil
}

// webIdentityTags reads session tags from the token's
// https://aws.amazon.com/tags claim: {"principal_tags": {"K": ["V"]},
// "transitive_tag_keys": ["K"]}, as AWS does.
func webIdentityTags(c oidc.Claims, sess *iam.Session, keys map[string][]string) error {
	raw, ok := c[claimTags]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(raw)
	var t struct {
		PrincipalTags     map[string][]string `json:"principal_tags"`
		TransitiveTagKeys []string            `json:"transitive_tag_keys"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return stsapi.InvalidIdentityToken("The %s claim is not of the form {\"principal_tags\": {\"key\": [\"value\"]}, \"transitive_tag_keys\": [...]}.", claimTags)
	}
	if len(t.PrincipalTags) > 50 {
		return stsapi.PackedPolicyTooLarge("Packed size of session policies and session tags exceeds the maximum: more than 50 session tags.")
	}
	sess.Tags = map[string]string{}
	var tagKeys []string
	for k, vs := range t.PrincipalTags {
		if len(vs) != 1 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return stsapi.InvalidIdentityToken("Session tag %q in the %s claim must have exactly one value and a key not starting with aws:.", k, claimTags)
		}
		sess.Tags[k] = vs[0]
		keys["aws:RequestTag/"+k] = vs
		tagKeys = append(tagKeys, k)
	}
	slices.Sort(tagKeys)
	if len(tagKeys) > 0 {
		keys["aws:TagKeys"] = tagKeys
	}
	for _, k := range t.TransitiveTagKeys {
		if _, ok := sess.Tags[k]; !ok {
			return stsapi.InvalidIdentityToken("The transitive tag key %s is not among the session tags.", k)
		}
		sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
	}
	if len(t.TransitiveTagKeys) > 0 {
		keys["sts:TransitiveTagKeys"] = t.TransitiveTagKeys
	}
	if len(sess.Tags) == 0 {
		sess.Tags = nil
	}
	return nil
}

// federatedRole reads the role a federated principal assumes and the
// session's duration, within the role's maximum. A missing role is the
// caller's refusal: no telling whether it exists.
//
// The role is found only by its canonical ARN, as for AssumeRole: the
// trust policy decides on that ARN, and a differently spelled one (case,
// path, region) names no role.
func (s *Service) federatedRole(ctx context.Context, roleARN string, seconds *int32, denied error) (*iam.PrincipalData, time.Duration, error) {
	role, _, err := s.iam.RoleByARN(ctx, "", roleARN)
	if errors.Is(err, iam.ErrNotFound) || errors.Is(err, iam.ErrBadRoleARN) {
		return nil, 0, denied
	}
	if err != nil {
		return nil, 0, err
	}
	duration := time.Duration(orDefault(seconds, 3600)) * time.Second
	if duration > time.Duration(role.MaxSessionDuration)*time.Second {
		return nil, 0, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return role, duration, nil
}

// admitFederated checks that the role's trust policy allows the federated
// principal every action the request needs (sts:AssumeRoleWith*, and
// sts:TagSession or sts:SetSourceIdentity when it sets them), then issues
// the session's credentials.
func (s *Service) admitFederated(ctx context.Context, role *iam.PrincipalData, principal policy.Principal, actions []string, roleARN, account string,
	keys map[string][]string, sess *iam.Session, now time.Time, denied error) (*stsapi.Credentials, error) {
	for _, action := range actions {
		if !trustAllows(role.TrustPolicy, principal, action, roleARN, account, keys, requestInfo(ctx), now) {
			return nil, denied
		}
	}
	creds, err := s.issue(sess)
	if err != nil {
		return nil, err
	}
	s.iam.RecordRoleUse(account, role.Name, "", now)
	return creds, nil
}
