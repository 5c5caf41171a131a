package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
)

// Error codes AWS answers for authentication failures. Every error Verify
// builds itself is an *awserr.Error with one of these codes; errors from the
// Credentials lookup are returned unchanged.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	// CodeExpiredToken is answered by the layer above for session tokens
	// past their expiry; this package never builds it.
	CodeExpiredToken = "ExpiredToken"
)

// Messages of real AWS responses, quoted in public bug reports, except
// msgMissingToken, AWS's wording as recalled. InvalidClientTokenId's
// message ends with a period in most reports (IAM, STS's global endpoint,
// SNS, Route 53); a regional STS endpoint was seen without it.
const (
	msgMissingToken  = "Request is missing Authentication Token"
	msgInvalidToken  = "The security token included in the request is invalid."
	msgExpiredToken  = "The security token included in the request is expired"
	msgSignatureDiff = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// ErrMissingAuthenticationToken is AWS's answer to a request with no
// signature at all (403).
func ErrMissingAuthenticationToken() *awserr.Error {
	return awserr.New(CodeMissingAuthenticationToken, http.StatusForbidden, msgMissingToken)
}

// ErrInvalidClientTokenID is AWS's answer to an access key id (or session
// token) it does not know or will not accept (403). Credentials lookups
// return it for unknown and inactive keys.
func ErrInvalidClientTokenID() *awserr.Error {
	return awserr.New(CodeInvalidClientTokenID, http.StatusForbidden, msgInvalidToken)
}

// ErrExpiredToken is AWS's answer to a session token past its expiry. AWS
// answers it with 403 ("Forbidden - ExpiredToken: ..." in client reports).
func ErrExpiredToken() *awserr.Error {
	return awserr.New(CodeExpiredToken, http.StatusForbidden, msgExpiredToken)
}

// ErrSignatureDoesNotMatch is AWS's answer to a signature that does not
// verify (403).
func ErrSignatureDoesNotMatch() *awserr.Error {
	return awserr.New(CodeSignatureDoesNotMatch, http.StatusForbidden, msgSignatureDiff)
}

// scopeMismatch is SignatureDoesNotMatch with AWS's more specific messages
// about the credential scope and the clock.
func scopeMismatch(format string, args ...any) *awserr.Error {
	return awserr.Newf(CodeSignatureDoesNotMatch, http.StatusForbidden, format, args...)
}

func incomplete(format string, args ...any) *awserr.Error {
	return awserr.Newf(CodeIncompleteSignature, http.StatusBadRequest, format, args...)
}

// errRequires lists what an Authorization header lacks, in AWS's order and
// words (confirmed), followed by the header as received.
func errRequires(header string, credential, signature, signedHeaders, date bool) *awserr.Error {
	var b strings.Builder
	for _, p := range []struct {
		missing bool
		name    string
	}{{credential, "Credential"}, {signature, "Signature"}, {signedHeaders, "SignedHeaders"}} {
		if p.missing {
			fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", p.name)
		}
	}
	if date {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("Authorization=")
	b.WriteString(header)
	return incomplete("%s", b.String())
}

// errNotKeyValue is AWS's answer (confirmed) to a token of the
// Authorization header without '=', e.g. "Credential= AKID/..." where a
// space split the pair.
func errNotKeyValue(token, header string) *awserr.Error {
	return incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", token, header)
}

// errCredentialShape is AWS's answer (confirmed wording) to a credential
// that is not keyid/date/region/service/term. The code is our choice:
// IncompleteSignature, like the other malformed-parameter errors.
func errCredentialShape(credential string) *awserr.Error {
	return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential)
}

// errTerminator: AWS's wording as recalled, not confirmed by a public report.
func errTerminator(term string) *awserr.Error {
	return scopeMismatch("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", term)
}

// errRegion: confirmed (SignatureDoesNotMatch, trailing space included).
func errRegion(region string) *awserr.Error {
	return scopeMismatch("Credential should be scoped to a valid region, not '%s'. ", region)
}

// errService: confirmed (SignatureDoesNotMatch, trailing space included).
func errService(want string) *awserr.Error {
	return scopeMismatch("Credential should be scoped to correct service: '%s'. ", want)
}

// errScopeDate: AWS's wording as recalled, not confirmed by a public report.
func errScopeDate(scopeDate, date, stamp string) *awserr.Error {
	return scopeMismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
		scopeDate, date, stamp)
}

// errDateFormat: AWS's wording as recalled, not confirmed by a public report.
func errDateFormat(v string) *awserr.Error {
	return incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)
}

// errHostNotSigned: AWS's current wording (confirmed); the code is our
// guess (the public reports quote only the message).
func errHostNotSigned() *awserr.Error {
	return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
}

// errSkew is what IAM and STS answer (confirmed: SignatureDoesNotMatch,
// 403, these exact sentences) when the request's time is outside the
// allowed skew of the server's clock.
func errSkew(signed, now time.Time, skew time.Duration) *awserr.Error {
	mins := int(skew / time.Minute)
	if signed.Before(now) {
		return scopeMismatch("Signature expired: %s is now earlier than %s (%s - %d min.)",
			signed.Format(amzDateLayout), now.Add(-skew).Format(amzDateLayout), now.Format(amzDateLayout), mins)
	}
	return scopeMismatch("Signature not yet current: %s is still later than %s (%s + %d min.)",
		signed.Format(amzDateLayout), now.Add(skew).Format(amzDateLayout), now.Format(amzDateLayout), mins)
}

// errPresignExpired is S3's answer (AccessDenied, 403, "Request has
// expired") to a presigned request past its X-Amz-Expires; only S3 honours
// X-Amz-Expires (see checkTime), so only an S3-scoped request gets it.
func errPresignExpired() *awserr.Error {
	return awserr.New("AccessDenied", http.StatusForbidden, "Request has expired")
}

// errQueryMissing lists the presign parameters a query lacks. AWS's wording
// for non-S3 services is not confirmed; this follows the sentence other AWS
// services answer.
func errQueryMissing(missing []string) *awserr.Error {
	var list string
	switch len(missing) {
	case 1:
		list = "'" + missing[0] + "'"
	default:
		list = "'" + strings.Join(missing[:len(missing)-1], "', '") + "' and '" + missing[len(missing)-1] + "'"
	}
	return incomplete("AWS query-string parameters must include %s. Re-examine the query-string parameters.", list)
}

// Presign parameter errors: S3's wording (AWS's for IAM/STS is unknown),
// with IncompleteSignature as the code.
func errAlgorithm() *awserr.Error {
	return incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
}

func errExpiresNumber() *awserr.Error { return incomplete("X-Amz-Expires should be a number") }

func errExpiresNegative() *awserr.Error { return incomplete("X-Amz-Expires must be non-negative") }

func errExpiresWeek() *awserr.Error {
	return incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
}

// errTwoMechanisms: a request signed both ways is ambiguous; S3 refuses it
// with this sentence (minus SigV2), and so do we.
func errTwoMechanisms() *awserr.Error {
	return incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
}
