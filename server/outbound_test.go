package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/oidc"
)

// TestOutboundIdentityFederation: an account's principals get JWTs that a
// verifier elsewhere checks with nothing but the issuer's published keys.
func TestOutboundIdentityFederation(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, err := root.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	wantCode(t, err, "FeatureDisabled")

	_, key, secret := newUser(t, s, root, "alice")
	must[*iam.TagUserOutput](t)(root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}}))
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("jwt"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*",
		  "Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":"https://api.example.com"},"NumericLessThanEquals":{"sts:DurationSeconds":"900"}}}]}`)}))
	alice := stsClient(s, key, secret, "")
	get := func(alg string, audience ...string) (*sts.GetWebIdentityTokenOutput, error) {
		return alice.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: audience, SigningAlgorithm: aws.String(alg),
			DurationSeconds: aws.Int32(600), Tags: []ststypes.Tag{{Key: aws.String("job"), Value: aws.String("nightly")}}})
	}
	_, err = get("ES384", "https://api.example.com")
	wantCode(t, err, "OutboundWebIdentityFederationDisabledException")

	enabled := must[*iam.EnableOutboundWebIdentityFederationOutput](t)(root.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{}))
	issuer := s.URL + "/outbound/123456789012"
	if *enabled.IssuerIdentifier != issuer {
		t.Fatalf("issuer %s, want %s", *enabled.IssuerIdentifier, issuer)
	}
	_, err = root.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	wantCode(t, err, "FeatureEnabled")

	verifier := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	issuerURL, err := verifier.IssuerURL(issuer)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"ES384", "RS256"} {
		out := must[*sts.GetWebIdentityTokenOutput](t)(get(alg, "https://api.example.com"))
		tok, err := oidc.Parse(*out.WebIdentityToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifier.Verify(context.Background(), tok, issuerURL, nil); err != nil {
			t.Fatalf("%s token does not verify with the issuer's keys: %v", alg, err)
		}
		aws, _ := tok.Claims["https://sts.amazonaws.com/"].(map[string]any)
		tags, _ := aws["principal_tags"].(map[string]any)
		req, _ := aws["request_tags"].(map[string]any)
		if tok.Header.Alg != alg || tok.Claims.String("iss") != issuer || tok.Claims.String("sub") != "arn:aws:iam::123456789012:user/alice" ||
			tok.Claims.String("aud") != "https://api.example.com" || aws["aws_account"] != "123456789012" || tags["team"] != "data" || req["job"] != "nightly" {
			t.Fatalf("%s claims %v", alg, tok.Claims)
		}
		if exp, _ := tok.Claims.Time("exp"); exp != out.Expiration.Unix() {
			t.Fatalf("exp %d, Expiration %v", exp, out.Expiration)
		}
	}
	// The policy's conditions on the audience and the duration hold.
	_, err = get("ES384", "https://elsewhere.example.com")
	wantCode(t, err, "AccessDenied")
	_, err = alice.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"https://api.example.com"}, SigningAlgorithm: aws.String("ES384"), DurationSeconds: aws.Int32(3600)})
	wantCode(t, err, "AccessDenied")
	_, err = get("HS256", "https://api.example.com")
	wantCode(t, err, "ValidationError")

	// A role session's token is about the role, with the session's tags.
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("exporter"), Path: aws.String("/jobs/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("exporter"), PolicyName: aws.String("jwt"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*"}]}`)}))
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`)}))
	creds := must[*sts.AssumeRoleOutput](t)(alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/jobs/exporter"),
		RoleSessionName: aws.String("run-7"), Tags: []ststypes.Tag{{Key: aws.String("run"), Value: aws.String("7")}}})).Credentials
	session := stsClient(s, *creds.AccessKeyId, *creds.SecretAccessKey, *creds.SessionToken)
	out := must[*sts.GetWebIdentityTokenOutput](t)(session.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"a", "b"}, SigningAlgorithm: aws.String("RS256")}))
	tok, _ := oidc.Parse(*out.WebIdentityToken)
	if err := verifier.Verify(context.Background(), tok, issuerURL, nil); err != nil {
		t.Fatal(err)
	}
	claims := tok.Claims["https://sts.amazonaws.com/"].(map[string]any)
	if tok.Claims.String("sub") != "arn:aws:iam::123456789012:role/jobs/exporter" || len(tok.Claims.Strings("aud")) != 2 ||
		claims["principal_tags"].(map[string]any)["run"] != "7" {
		t.Fatalf("role session claims %v", tok.Claims)
	}

	// Disabled: no more tokens, but the keys stay published.
	must[*iam.DisableOutboundWebIdentityFederationOutput](t)(root.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}))
	_, err = get("ES384", "https://api.example.com")
	wantCode(t, err, "OutboundWebIdentityFederationDisabledException")
	info := must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(root.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
	if *info.IssuerIdentifier != issuer || info.JwtVendingEnabled {
		t.Fatalf("info %+v", info)
	}
	for path, want := range map[string]int{"/outbound/123456789012/.well-known/jwks.json": 200, "/outbound/123456789012/.well-known/openid-configuration": 200,
		"/outbound/999999999999/.well-known/jwks.json": 404} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
