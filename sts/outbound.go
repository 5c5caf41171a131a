package sts

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/oidc"
)

// claimNamespace holds the AWS claims of an outbound token, as on AWS.
const claimNamespace = "https://sts.amazonaws.com/"

// maxTokenPayload bounds a token's claims (JWTPayloadSizeExceeded).
const maxTokenPayload = 4096

// GetWebIdentityToken signs a JWT that says who the caller is, for
// services outside that verify it with the keys at the account's issuer
// (outbound identity federation, enabled with
// iam:EnableOutboundWebIdentityFederation). It needs
// sts:GetWebIdentityToken, with the condition keys AWS sets for it.
func (s *Service) GetWebIdentityToken(ctx context.Context, in *stsapi.GetWebIdentityTokenInput) (*stsapi.GetWebIdentityTokenOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.Root && c.Session == nil || c.Session != nil && c.Session.Type != iam.SessionAssumedRole {
		return nil, accessDenied("GetWebIdentityToken is for IAM users and role sessions.")
	}
	if in.SigningAlgorithm != "RS256" && in.SigningAlgorithm != "ES384" {
		return nil, validation("SigningAlgorithm must be RS256 or ES384.")
	}
	duration := time.Duration(orDefault(in.DurationSeconds, 300)) * time.Second
	keys := map[string][]string{
		"sts:IdentityTokenAudience": in.Audience,
		"sts:SigningAlgorithm":      {in.SigningAlgorithm},
		"sts:DurationSeconds":       {strconv.Itoa(int(duration.Seconds()))},
	}
	requestTags := map[string]string{}
	if len(in.Tags) > 0 {
		tagKeys := make([]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			keys["aws:RequestTag/"+t.Key] = []string{t.Value}
			tagKeys = append(tagKeys, t.Key)
			requestTags[t.Key] = t.Value
		}
		keys["aws:TagKeys"] = tagKeys
	}
	if err := s.guard.Check(ctx, "sts:GetWebIdentityToken", "*", keys); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	expires := now.Add(duration)
	if c.Session != nil && expires.After(c.Session.Expires) {
		return nil, stsapi.SessionDurationEscalation("The requested DurationSeconds would make the token outlive the session.")
	}
	issuer, kid, key, err := s.iam.OutboundSigner(ctx, c.Account, in.SigningAlgorithm)
	if errors.Is(err, iam.ErrOutboundDisabled) || errors.Is(err, iam.ErrNotFound) {
		return nil, stsapi.OutboundWebIdentityFederationDisabled("Outbound identity federation is not enabled for account %s.", c.Account)
	}
	if err != nil {
		return nil, err
	}
	subject, tags, err := s.tokenSubject(ctx, c)
	if err != nil {
		return nil, err
	}
	aws := map[string]any{"aws_account": c.Account}
	if c.Region != "" {
		aws["source_region"] = c.Region
	}
	if len(tags) > 0 {
		aws["principal_tags"] = tags
	}
	if len(requestTags) > 0 {
		aws["request_tags"] = requestTags
	}
	claims := map[string]any{"iss": issuer, "sub": subject, "iat": now.Unix(), "nbf": now.Unix(), "exp": expires.Unix(),
		"jti": uuid.NewString(), claimNamespace: aws}
	if len(in.Audience) == 1 {
		claims["aud"] = in.Audience[0]
	} else {
		claims["aud"] = in.Audience
	}
	if payload, _ := json.Marshal(claims); len(payload) > maxTokenPayload {
		return nil, stsapi.JWTPayloadSizeExceeded("The token's claims take %d bytes, more than %d: pass fewer or shorter tags.", len(payload), maxTokenPayload)
	}
	token, err := oidc.Sign(kid, key, claims)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetWebIdentityTokenOutput{WebIdentityToken: &token, Expiration: &expires}, nil
}

// tokenSubject is who a token is about: the user, or the role behind a
// session, and the principal's tags (a session's own override the role's).
func (s *Service) tokenSubject(ctx context.Context, c *iam.Caller) (string, map[string]string, error) {
	kind, name := "user", c.UserName
	if c.Session != nil {
		kind, name = "role", c.Session.RoleName
	}
	p, err := s.decider.Entity(ctx, c.Account, kind, name)
	if err != nil {
		return "", nil, err
	}
	tags := map[string]string{}
	for _, t := range p.Tags {
		tags[t.Key] = t.Value
	}
	if c.Session != nil {
		for k, v := range c.Session.Tags {
			tags[k] = v
		}
	}
	subject := arn.ARN{Partition: c.Partition, Service: "iam", AccountID: c.Account, Resource: kind + p.Path + p.Name}.String()
	return subject, tags, nil
}
