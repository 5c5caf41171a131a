package sts

// authorization is how each STS operation iamd serves is authorized, as
// AWS does it; Authorize refuses an operation with no entry, so a new
// operation cannot run before its rule is written down (a test checks
// that every operation the service implements has one).
var authorization = map[string]string{
	"AssumeRole":                 "sts:AssumeRole on the role: the caller's policies and the role's trust policy (in the operation)",
	"AssumeRoleWithSAML":         "unsigned: the role's trust policy for the SAML provider (in the operation)",
	"AssumeRoleWithWebIdentity":  "unsigned: the role's trust policy for the OIDC provider (in the operation)",
	"DecodeAuthorizationMessage": "sts:DecodeAuthorizationMessage on * (in the operation)",
	"GetAccessKeyInfo":           "none: AWS needs no permission",
	"GetCallerIdentity":          "none: AWS needs no permission",
	"GetFederationToken":         "sts:GetFederationToken on the federated user (in the operation)",
	"GetSessionToken":            "none: AWS needs no permission (refused to session credentials)",
	"GetWebIdentityToken":        "sts:GetWebIdentityToken on * (in the operation)",
}

// AuthorizationRule says how an STS operation is authorized, and whether
// it has a rule at all.
func AuthorizationRule(operation string) (string, bool) {
	rule, ok := authorization[operation]
	return rule, ok
}
