package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/api/awserr"
)

// Malformed signatures get AWS's code, status and exact message.
func TestErrors(t *testing.T) {
	const (
		cred = "Credential=AKIAIOSFODNN7EXAMPLE/20240315/us-east-1/iam/aws4_request"
		sig  = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		date = "X-Amz-Date: 20240315T101500Z\n"
		q    = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240315%2Fus-east-1%2Fiam%2Faws4_request" +
			"&X-Amz-Date=20240315T101500Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
	)
	get := func(headers string) string { return "GET / HTTP/1.1\nHost: iam.amazonaws.com\n" + headers }
	auth := func(v string) string { return "Authorization: " + v + "\n" }
	cases := []struct {
		name, request string
		code          string
		status        int
		message       string
	}{
		{"nothing", get(date), CodeMissingAuthenticationToken, 403, "Request is missing Authentication Token"},
		{"empty Authorization", get(date + "Authorization:\n"), CodeMissingAuthenticationToken, 403, "Request is missing Authentication Token"},
		{"bearer token", get(date + auth("Bearer abc.def")), CodeIncompleteSignature, 400,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc.def"},
		{"SigV2 header, no date", get(auth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=")), CodeIncompleteSignature, 400,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="},
		{"credential only", get(date + auth("AWS4-HMAC-SHA256 Credential=ABCDEF")), CodeIncompleteSignature, 400,
			"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF"},
		{"space after equals", get(date + auth("AWS4-HMAC-SHA256 Credential= AKID/20240315/us-east-1/sts/aws4_request, SignedHeaders=host, "+sig)),
			CodeIncompleteSignature, 400,
			"'AKID/20240315/us-east-1/sts/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential= AKID/20240315/us-east-1/sts/aws4_request, SignedHeaders=host, " + sig[:10] + sig[10:] + "'."},
		{"credential of four parts", get(date + auth("AWS4-HMAC-SHA256 Credential=AKID/20240315/us-east-1/iam, SignedHeaders=host, "+sig)),
			CodeIncompleteSignature, 400,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20240315/us-east-1/iam'"},
		{"extended date", get("X-Amz-Date: 2024-03-15T10:15:00Z\n" + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host, "+sig)),
			CodeIncompleteSignature, 400,
			"Date must be in ISO-8601 'basic format'. Got '2024-03-15T10:15:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"February 30th", get("X-Amz-Date: 20240230T101500Z\n" + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host, "+sig)),
			CodeIncompleteSignature, 400,
			"Date must be in ISO-8601 'basic format'. Got '20240230T101500Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"scope date", get("X-Amz-Date: 20240316T000000Z\n" + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host, "+sig)),
			CodeSignatureDoesNotMatch, 403,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240315' != '20240316', from '20240316T000000Z'."},
		{"host not signed", get(date + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=x-amz-date, "+sig)),
			CodeIncompleteSignature, 400, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"signed headers unsorted", get(date + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=x-amz-date;host, "+sig)),
			CodeSignatureDoesNotMatch, 403, msgSignatureDiff},
		{"signed headers repeated", get(date + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host;x-amz-date;x-amz-date, "+sig)),
			CodeSignatureDoesNotMatch, 403, msgSignatureDiff},
		{"empty region", get(date + auth("AWS4-HMAC-SHA256 Credential=AKID/20240315//iam/aws4_request, SignedHeaders=host, "+sig)),
			CodeSignatureDoesNotMatch, 403, "Credential should be scoped to a valid region, not ''. "},
		{"bad signature", get(date + auth("AWS4-HMAC-SHA256 "+cred+", SignedHeaders=host, "+sig)),
			CodeSignatureDoesNotMatch, 403, msgSignatureDiff},
		{"presign missing parameters", "GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00 HTTP/1.1\nHost: x\n",
			CodeIncompleteSignature, 400,
			"AWS query-string parameters must include 'X-Amz-Credential', 'X-Amz-Date' and 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{"presign missing algorithm", "GET /?" + strings.Replace(q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&", "", 1) + " HTTP/1.1\nHost: x\n",
			CodeIncompleteSignature, 400, "AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters."},
		{"presign algorithm", "GET /?" + strings.Replace(q, "SHA256", "SHA1", 1) + " HTTP/1.1\nHost: x\n",
			CodeIncompleteSignature, 400, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"presign expires not a number", "GET /?" + q + "&X-Amz-Expires=1h HTTP/1.1\nHost: x\n",
			CodeIncompleteSignature, 400, "X-Amz-Expires should be a number"},
		{"presign expires negative", "GET /?" + q + "&X-Amz-Expires=-5 HTTP/1.1\nHost: x\n",
			CodeIncompleteSignature, 400, "X-Amz-Expires must be non-negative"},
		{"presign bad signature", "GET /?" + q + " HTTP/1.1\nHost: x\n",
			CodeSignatureDoesNotMatch, 403, msgSignatureDiff},
	}
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(t, testStamp))})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := readRaw(t, c.request+"\n")
			_, err := v.Verify(r, body)
			e, ok := awserr.As(err)
			if !ok {
				t.Fatalf("error %v is not an awserr", err)
			}
			if e.Code != c.code || e.Status != c.status || e.Message != c.message || !e.Sender {
				t.Errorf("got  %s %d %q\nwant %s %d %q", e.Code, e.Status, e.Message, c.code, c.status, c.message)
			}
		})
	}
}

// signHeader signs r with the Go SDK declaring payloadHash.
func signHeader(t *testing.T, r *http.Request, payloadHash string) (*http.Request, []byte) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, "iam", "us-east-1", mustTime(t, testStamp)); err != nil {
		t.Fatal(err)
	}
	return wire(t, r)
}

func TestPayloadHash(t *testing.T) {
	const body = "Action=ListUsers&Version=2010-05-08"
	for _, c := range []struct {
		name          string
		declared      string // X-Amz-Content-Sha256, signed as the payload hash
		allowUnsigned bool
		want          string
	}{
		{"real hash declared", hashHex([]byte(body)), false, ""},
		{"another hash declared", hashHex([]byte("Action=DeleteUser")), false, CodeSignatureDoesNotMatch},
		{"unsigned payload refused", unsignedPayload, false, CodeSignatureDoesNotMatch},
		{"unsigned payload allowed", unsignedPayload, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "https://iam.amazonaws.com/", strings.NewReader(body))
			req.Header.Set("X-Amz-Content-Sha256", c.declared)
			r, b := signHeader(t, req, c.declared)
			v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(t, testStamp)), AllowUnsignedPayload: c.allowUnsigned})
			if _, err := v.Verify(r, b); codeOf(err) != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// The lookup's errors reach the caller unchanged; an empty secret is never
// a key.
func TestLookupErrors(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://iam.amazonaws.com/", strings.NewReader("Action=GetUser"))
	r, body := signHeader(t, req, hashHex([]byte("Action=GetUser")))
	storeDown := errors.New("store unavailable")
	for _, c := range []struct {
		name   string
		secret string
		err    error
		check  func(error) bool
	}{
		{"expired session", "", ErrExpiredToken(), func(err error) bool {
			e, ok := awserr.As(err)
			return ok && e.Code == CodeExpiredToken && e.Status == 403 && e.Message == "The security token included in the request is expired"
		}},
		{"store failure", "", storeDown, func(err error) bool { return errors.Is(err, storeDown) }},
		{"empty secret", "", nil, func(err error) bool { return codeOf(err) == CodeInvalidClientTokenID }},
	} {
		v := New(Config{
			Credentials: CredentialsFunc(func(context.Context, string, string) (string, error) { return c.secret, c.err }),
			Now:         fixedClock(mustTime(t, testStamp)),
		})
		if _, err := v.Verify(r, body); !c.check(err) {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
}

// The clock is the verifier's, and the skew is configurable.
func TestSkew(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://iam.amazonaws.com/", strings.NewReader("Action=GetUser"))
	r, body := signHeader(t, req, hashHex([]byte("Action=GetUser")))
	signedAt := mustTime(t, testStamp)
	for _, c := range []struct {
		skew, offset time.Duration
		want         string
	}{
		{0, 15 * time.Minute, ""},
		{0, -15 * time.Minute, ""},
		{0, 15*time.Minute + time.Second, CodeSignatureDoesNotMatch},
		{5 * time.Minute, 5 * time.Minute, ""},
		{5 * time.Minute, 6 * time.Minute, CodeSignatureDoesNotMatch},
	} {
		v := New(Config{Credentials: testKeys, Now: fixedClock(signedAt.Add(c.offset)), MaxSkew: c.skew})
		if _, err := v.Verify(r, body); codeOf(err) != c.want {
			t.Errorf("skew %v offset %v: %v, want %q", c.skew, c.offset, err, c.want)
		}
	}
	v := New(Config{Credentials: testKeys, Now: fixedClock(signedAt.Add(6 * time.Minute)), MaxSkew: 5 * time.Minute})
	_, err := v.Verify(r, body)
	const want = "Signature expired: 20240315T101500Z is now earlier than 20240315T101600Z (20240315T102100Z - 5 min.)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestParseAuthorization(t *testing.T) {
	a, err := ParseAuthorization("AWS4-HMAC-SHA256 Signature=ab,SignedHeaders=host;x-amz-date\tCredential=K/20240101/us-east-1/iam/aws4_request, Extra=1")
	if err != nil {
		t.Fatal(err)
	}
	if a != (Authorization{Credential: "K/20240101/us-east-1/iam/aws4_request", SignedHeaders: "host;x-amz-date", Signature: "ab"}) {
		t.Errorf("parsed %+v", a)
	}
	if _, err := ParseAuthorization("AWS4-HMAC-SHA256"); codeOf(err) != CodeIncompleteSignature {
		t.Errorf("bare algorithm: %v", err)
	}
	id, sc, err := ParseCredential("K/20240101/cn-north-1/sts/aws4_request")
	if err != nil || id != "K" || sc != (Scope{"20240101", "cn-north-1", "sts"}) || sc.String() != "20240101/cn-north-1/sts/aws4_request" {
		t.Errorf("ParseCredential: %q %+v %v", id, sc, err)
	}
}
