package validate

import "strings"

// referenceURL is AWS's policy check reference; each check has an anchor.
const referenceURL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

// codeTypes are the issue codes this package reports with their finding
// types, as AWS's reference lists them.
var codeTypes = map[string]FindingType{
	// Errors.
	"ARN_ACCOUNT_NOT_ALLOWED":                         Error,
	"ARN_REGION_NOT_ALLOWED":                          Error,
	"DATA_TYPE_MISMATCH":                              Error,
	"DUPLICATE_KEYS_WITH_DIFFERENT_CASE":              Error,
	"EMPTY_VARIABLE":                                  Error,
	"INVALID_ACTION":                                  Error,
	"INVALID_ARN_ACCOUNT":                             Error,
	"INVALID_ARN_PREFIX":                              Error,
	"INVALID_ARN_REGION":                              Error,
	"INVALID_ARN_RESOURCE":                            Error,
	"INVALID_ARN_SERVICE_CASE":                        Error,
	"INVALID_CONDITION_KEY_FORMAT":                    Error,
	"INVALID_CONDITION_MULTIPLE_BOOLEAN":              Error,
	"INVALID_CONDITION_OPERATOR":                      Error,
	"INVALID_EFFECT":                                  Error,
	"INVALID_GLOBAL_CONDITION_KEY":                    Error,
	"INVALID_PARTITION":                               Error,
	"INVALID_POLICY_ELEMENT":                          Error,
	"INVALID_PRINCIPAL_FORMAT":                        Error,
	"INVALID_PRINCIPAL_KEY":                           Error,
	"INVALID_SERVICE":                                 Error,
	"INVALID_SERVICE_CONDITION_KEY":                   Error,
	"INVALID_SERVICE_IN_ACTION":                       Error,
	"INVALID_VARIABLE_FOR_OPERATOR":                   Error,
	"INVALID_VERSION":                                 Error,
	"JSON_SYNTAX_ERROR":                               Error,
	"MISSING_ACTION":                                  Error,
	"MISSING_ARN_FIELD":                               Error,
	"MISSING_ARN_REGION":                              Error,
	"MISSING_BRACE_IN_VARIABLE":                       Error,
	"MISSING_EFFECT":                                  Error,
	"MISSING_PRINCIPAL":                               Error,
	"MISSING_RESOURCE":                                Error,
	"MISSING_STATEMENT":                               Error,
	"MISSING_TAG_KEY_IN_CONDITION":                    Error,
	"NULL_WITH_IF_EXISTS":                             Error,
	"POLICY_SIZE_EXCEEDS_SCP_QUOTA":                   Error,
	"PRIVATE_IP_ADDRESS":                              Error,
	"PRIVATE_NOT_IP_ADDRESS":                          Error,
	"SCP_SYNTAX_ERROR_ACTION_WILDCARD":                Error,
	"SCP_SYNTAX_ERROR_PRINCIPAL":                      Error,
	"UNIQUE_SIDS_REQUIRED":                            Error,
	"UNSUPPORTED_ELEMENT_COMBINATION":                 Error,
	"UNSUPPORTED_PRINCIPAL":                           Error,
	"UNSUPPORTED_SID":                                 Error,
	"UNSUPPORTED_WILDCARD_IN_PRINCIPAL":               Error,
	"VARIABLE_UNSUPPORTED_IN_VERSION":                 Error,
	"VARIABLE_UNSUPPORTED_IN_ELEMENT":                 Error,
	"RCP_SYNTAX_ERROR_PRINCIPAL":                      Error, // iamd: RCPs take only "Principal": "*" (AWS's own rule, no code documented)
	"UNSUPPORTED_SPACE_IN_VARIABLE":                   Error,
	"UNSUPPORTED_ACTION_IN_TRUST_POLICY":              Error, // iamd: IAM refuses it (MalformedPolicyDocument); no code documented
	"UNSUPPORTED_RESOURCE_IN_TRUST":                   Error, // iamd: IAM refuses Resource in a trust policy; no code documented
	"UNSUPPORTED_NOTPRINCIPAL_IN_TRUST":               Error, // iamd: IAM refuses NotPrincipal in a trust policy; no code documented
	"INVALID_CONDITION_MULTIPLE_NULL":                 Error, // iamd: as INVALID_CONDITION_MULTIPLE_BOOLEAN, for Null
	"POLICY_SIZE_EXCEEDS_TRUST_QUOTA":                 Error, // iamd: the 2048-character AssumeRolePolicySize quota
	"CREATE_SLR_WITH_NOT_RESOURCE":                    Warning,
	"CREATE_SLR_WITH_STAR_IN_RESOURCE":                Warning,
	"CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE":     Warning,
	"CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": Warning,
	"CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": Warning,
	"CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE":     Warning,
	"DEPRECATED_GLOBAL_CONDITION_KEY":                 Warning,
	"INVALID_DATE_VALUE":                              Warning,
	"INVALID_ROLE_REFERENCE":                          Warning,
	"INVALID_USER_REFERENCE":                          Warning,
	"MISSING_VERSION":                                 Warning,
	"UNIQUE_SIDS_RECOMMENDED":                         Warning,
	"WILDCARD_WITHOUT_LIKE_OPERATOR":                  Warning,
	"POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA":       Warning,
	"TYPE_MISMATCH":                                   Warning,
	"TYPE_MISMATCH_BOOLEAN":                           Warning,
	"TYPE_MISMATCH_DATE":                              Warning,
	"TYPE_MISMATCH_IP_RANGE":                          Warning,
	"TYPE_MISMATCH_NUMBER":                            Warning,
	// iamd: an action none of whose resource types any Resource of the
	// statement can name grants nothing (AWS documents no code for it).
	"RESOURCE_MISMATCH": Warning,
	// Security warnings.
	"ALLOW_WITH_NOT_PRINCIPAL":                       SecurityWarning,
	"FORALLVALUES_WITH_SINGLE_VALUED_KEY":            SecurityWarning,
	"MISSING_PAIRED_CONDITION_KEYS":                  SecurityWarning,
	"PASS_ROLE_WITH_NOT_RESOURCE":                    SecurityWarning,
	"PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": SecurityWarning,
	"PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE":     SecurityWarning,
	"PASS_ROLE_WITH_STAR_IN_RESOURCE":                SecurityWarning,
	"PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE":     SecurityWarning,
	"PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": SecurityWarning,
	// iamd: a trust policy that lets any principal assume the role, with
	// no condition (AWS reports it through its public-access checks).
	"TRUST_POLICY_WILDCARD_PRINCIPAL": SecurityWarning,
	// Suggestions.
	"EMPTY_ARRAY_ACTION":                 Suggestion,
	"EMPTY_ARRAY_CONDITION":              Suggestion,
	"EMPTY_ARRAY_CONDITION_FORALLVALUES": Suggestion,
	"EMPTY_ARRAY_CONDITION_FORANYVALUE":  Suggestion,
	"EMPTY_ARRAY_CONDITION_IFEXISTS":     Suggestion,
	"EMPTY_ARRAY_PRINCIPAL":              Suggestion,
	"EMPTY_ARRAY_RESOURCE":               Suggestion,
	"EMPTY_OBJECT_CONDITION":             Suggestion,
	"EMPTY_OBJECT_PRINCIPAL":             Suggestion,
	"EMPTY_SID_VALUE":                    Suggestion,
	"IMPROVE_IP_RANGE":                   Suggestion,
	"NULL_WITH_QUALIFIER":                Suggestion,
	"PRIVATE_IP_ADDRESS_SUBSET":          Suggestion,
	"PRIVATE_NOT_IP_ADDRESS_SUBSET":      Suggestion,
	"REDUNDANT_ACTION":                   Suggestion,
	"REDUNDANT_CONDITION_VALUE_NUM":      Suggestion,
	"REDUNDANT_RESOURCE":                 Suggestion,
	"REDUNDANT_STATEMENT":                Suggestion,
	"WILDCARD_IN_SERVICE_NAME":           Suggestion,
	// iamd: ...IfExists on a key every request carries tests nothing more
	// than the operator without it (AWS documents no code for it).
	"IF_EXISTS_ON_ALWAYS_PRESENT_KEY": Suggestion,
}

// learnMoreLink is the reference's anchor for a check: the finding type's
// word and the issue code's words, as AWS builds them.
func learnMoreLink(code string, t FindingType) string {
	word := map[FindingType]string{Error: "error", SecurityWarning: "security-warning", Warning: "general-warning", Suggestion: "suggestion"}[t]
	return referenceURL + "#access-analyzer-reference-policy-checks-" + word + "-" + strings.ReplaceAll(strings.ToLower(code), "_", "-")
}

// IssueCodes returns every issue code this package reports, with its
// finding type.
func IssueCodes() map[string]FindingType {
	out := make(map[string]FindingType, len(codeTypes))
	for c, t := range codeTypes {
		out[c] = t
	}
	return out
}
