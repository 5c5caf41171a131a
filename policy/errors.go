package policy

import "fmt"

// Error codes, as the IAM API returns them.
const (
	CodeMalformed = "MalformedPolicyDocument"
	CodeLimit     = "LimitExceeded"
)

// AWS's messages (section 10). Kept verbatim: clients and tests match them.
const (
	MsgSyntax            = "Syntax errors in policy."
	MsgVersion           = "Policy document must be version 2012-10-17 or greater."
	MsgLegacy            = "The policy failed legacy parsing"
	MsgSidUnique         = "Statement IDs (SID) in a single policy must be unique."
	MsgSidAlnum          = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	MsgNoActions         = "Policy statement must contain actions."
	MsgNoResources       = "Policy statement must contain resources."
	MsgVendor            = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	MsgOneColon          = "Actions/Condition can contain only one colon."
	MsgResourceVendor    = "Resource vendor must be fully qualified and cannot contain regexes."
	MsgIAMResourcePath   = `IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`
	MsgIAMRegionFormat   = "IAM resource %s cannot contain region information." // with the resource, as AWS says it
	MsgHasPrincipal      = "Policy document should not specify a principal."
	MsgHasNotPrincipal   = "Policy document should not specify a NotPrincipal."
	MsgMissingPrincipal  = "Missing required field Principal"
	MsgTrustResource     = "Has prohibited field Resource" // no period, as AWS (recorded)
	MsgTrustNotPrincipal = "Has prohibited field NotPrincipal."
	MsgTrustSTSActions   = "AssumeRole policy may only specify STS AssumeRole actions."
	MsgTrustActions      = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
)

// Error is a policy that the write APIs reject, with AWS's code and message.
// Detail and Pos say more, for people reading iamd's own tools.
type Error struct {
	Code    string
	Message string
	Detail  string   // what exactly is wrong, when Message is terse
	Pos     Position // where, when known (zero otherwise)
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Describe renders the error for a person: message, detail and position.
func (e *Error) Describe() string {
	s := e.Message
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	if e.Pos.Line > 0 {
		s = fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Column, s)
	}
	return s
}
