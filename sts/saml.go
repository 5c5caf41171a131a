package sts

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/saml"
)

// The SAML attributes AWS reads.
const (
	samlAttrRole           = "https://aws.amazon.com/SAML/Attributes/Role"
	samlAttrSessionName    = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlAttrTagPrefix      = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
	samlAttrTransitiveTags = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
	samlAttrSourceIdentity = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
)

// AssumeRoleWithSAML exchanges a SAML 2.0 response from an IdP registered
// as a SAML provider in the role's account for a role session. The
// request is unsigned: the response, signed by a certificate of the
// provider's metadata, is the proof. Its Role attribute must pair the
// role with the provider; the trust policy decides with saml:aud,
// saml:iss, saml:sub, saml:sub_type, saml:namequalifier and saml:doc.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, in *stsapi.AssumeRoleWithSAMLInput) (*stsapi.AssumeRoleWithSAMLOutput, error) {
	roleARN, err := arn.Parse(in.RoleArn)
	if err != nil || roleARN.Service != "iam" || !strings.HasPrefix(roleARN.Resource, "role/") {
		return nil, validation("%s is not a valid role ARN.", in.RoleArn)
	}
	account := roleARN.AccountID
	provARN, err := arn.Parse(in.PrincipalArn)
	// The provider by its canonical ARN only (the role's partition, no
	// region, the exact name): the trust policy sees PrincipalArn.
	if err != nil || provARN.Service != "iam" || !strings.HasPrefix(provARN.Resource, "saml-provider/") || provARN.AccountID != account ||
		provARN.Partition != roleARN.Partition || provARN.Region != "" {
		return nil, stsapi.InvalidIdentityToken("Specified provider doesn't exist")
	}
	providerName := strings.TrimPrefix(provARN.Resource, "saml-provider/")
	provider, err := s.iam.SAMLProviderByName(ctx, account, providerName)
	if errors.Is(err, iam.ErrNotFound) || err == nil && provider.Name != providerName {
		return nil, stsapi.InvalidIdentityToken("Specified provider doesn't exist")
	}
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	if !provider.ValidUntil.IsZero() && !now.Before(provider.ValidUntil) {
		return nil, stsapi.InvalidIdentityToken("The SAML provider's metadata expired on %s.", provider.ValidUntil.Format(time.RFC3339))
	}
	md, err := saml.ParseMetadata([]byte(provider.Metadata))
	if err != nil {
		return nil, stsapi.InvalidIdentityToken("The SAML provider's metadata cannot be used: %v", err)
	}
	doc, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(in.SAMLAssertion), ""))
	if err != nil {
		return nil, stsapi.InvalidIdentityToken("Invalid SAML response: SAMLAssertion is not base64.")
	}
	a, err := saml.Verify(doc, md, now)
	switch {
	case err == nil:
	case errors.Is(err, saml.ErrSignature):
		return nil, stsapi.InvalidIdentityToken("Response signature invalid")
	case errors.Is(err, saml.ErrExpired):
		return nil, stsapi.ExpiredToken("Token expired: current date/time %d must be before the expiration date/time%d", now.Unix(), a.Expires.Unix())
	default:
		return nil, stsapi.InvalidIdentityToken("Invalid SAML response: %s", strings.TrimPrefix(err.Error(), saml.ErrInvalid.Error()+": "))
	}

	denied := awserr.New("AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithSAML")
	if !samlRolePaired(a.Attributes[samlAttrRole], in.RoleArn, in.PrincipalArn) {
		return nil, denied
	}
	sessionNames := a.Attributes[samlAttrSessionName]
	if len(sessionNames) != 1 || !sessionNamePattern.MatchString(sessionNames[0]) {
		return nil, stsapi.InvalidIdentityToken("The SAML response must have one RoleSessionName attribute of 2 to 64 characters of letters, digits and +=,.@_-.")
	}
	sessionName := sessionNames[0]
	role, duration, err := s.federatedRole(ctx, in.RoleArn, in.DurationSeconds, denied)
	if err != nil {
		return nil, err
	}
	expires := now.Add(duration)
	if t := a.SessionNotOnOrAfter; !t.IsZero() && t.Before(expires) {
		expires = t.UTC().Truncate(time.Second) // the IdP's bound on the session
	}
	policyText, policyARNs, err := s.sessionPolicy(ctx, account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}

	subType := a.NameIDFormat
	if i := strings.LastIndexByte(subType, ':'); strings.HasPrefix(subType, "urn:oasis:names:tc:SAML:2.0:nameid-format:") && i >= 0 {
		subType = subType[i+1:] // persistent, transient
	}
	sum := sha1.Sum([]byte(a.Issuer + account + "/" + providerName))
	nameQualifier := base64.StdEncoding.EncodeToString(sum[:])
	claims := map[string]string{"saml:aud": a.Recipient, "saml:iss": a.Issuer, "saml:sub": a.NameID, "saml:sub_type": subType,
		"saml:namequalifier": nameQualifier, "saml:doc": account + "/" + providerName, "aws:FederatedProvider": in.PrincipalArn}
	keys := map[string][]string{"sts:RoleSessionName": {sessionName}}
	for k, v := range claims {
		if v != "" {
			keys[k] = []string{v}
		}
	}
	sess := &iam.Session{Type: iam.SessionAssumedRole, Account: account, IssuedAt: now, Expires: expires,
		RoleName: role.Name, RoleID: role.ID, RolePath: role.Path, SessionName: sessionName,
		Policy: policyText, PolicyARNs: policyARNs, WebIdentity: claims}
	actions := []string{"sts:AssumeRoleWithSAML"}
	var tagKeys []string
	for name, vs := range a.Attributes {
		k, ok := strings.CutPrefix(name, samlAttrTagPrefix)
		if !ok {
			continue
		}
		if len(vs) != 1 || k == "" || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, stsapi.InvalidIdentityToken("The session tag attribute %s must have one value and a key not starting with aws:.", name)
		}
		if sess.Tags == nil {
			sess.Tags = map[string]string{}
		}
		sess.Tags[k] = vs[0]
		keys["aws:RequestTag/"+k] = vs
		tagKeys = append(tagKeys, k)
	}
	if len(tagKeys) > 0 {
		sort.Strings(tagKeys)
		keys["aws:TagKeys"] = tagKeys
		actions = append(actions, "sts:TagSession")
		for _, k := range a.Attributes[samlAttrTransitiveTags] {
			if _, ok := sess.Tags[k]; !ok {
				return nil, stsapi.InvalidIdentityToken("The transitive tag key %s is not among the session tags.", k)
			}
			sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
		}
	}
	if si := a.Attributes[samlAttrSourceIdentity]; len(si) == 1 {
		sess.SourceIdentity = si[0]
		keys["sts:SourceIdentity"] = si
		actions = append(actions, "sts:SetSourceIdentity")
	}
	principal := policy.Principal{Type: policy.TypeSAML, Federated: in.PrincipalArn}
	creds, err := s.admitFederated(ctx, role, principal, actions, in.RoleArn, account, keys, sess, now, denied)
	if err != nil {
		return nil, err
	}
	sessionARN := arn.ARN{Partition: roleARN.Partition, Service: "sts", AccountID: account, Resource: "assumed-role/" + role.Name + "/" + sessionName}.String()
	out := &stsapi.AssumeRoleWithSAMLOutput{Credentials: creds, PackedPolicySize: packedSize(sess),
		AssumedRoleUser: &stsapi.AssumedRoleUser{AssumedRoleId: role.ID + ":" + sessionName, Arn: sessionARN},
		Subject:         &a.NameID, SubjectType: &subType, Issuer: &a.Issuer, Audience: &a.Recipient, NameQualifier: &nameQualifier}
	if sess.SourceIdentity != "" {
		out.SourceIdentity = &sess.SourceIdentity
	}
	return out, nil
}

// samlRolePaired reports whether the Role attribute pairs the role with
// the provider ("ROLE_ARN,PROVIDER_ARN", in either order).
func samlRolePaired(values []string, roleARN, providerARN string) bool {
	for _, v := range values {
		a, b, ok := strings.Cut(strings.TrimSpace(v), ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if ok && (a == roleARN && b == providerARN || a == providerARN && b == roleARN) {
			return true
		}
	}
	return false
}
