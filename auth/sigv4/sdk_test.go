package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/arn"
)

// Requests signed by the AWS SDK for Go v2's signer, as the SDK's IAM and
// STS clients send them, must verify; every mutation must fail with the
// code AWS answers.

const (
	testAKID    = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testSession = "ASIAIOSFODNN7SESSION"
	testToken   = "FwoGZXIvYXdzEBYaDExampleSessionToken+/=="
	testStamp   = "20240315T101500Z"
)

var testKeys = fakeCreds{
	testAKID:    {secret: testSecret},
	testSession: {secret: "sessionSecretKeyEXAMPLE/abcdefghijklmnopq", token: testToken},
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sdkRequest is a request to sign: what the SDK's clients send.
type sdkRequest struct {
	name      string
	method    string
	url       string
	body      string
	header    map[string]string
	service   string
	region    string
	akid      string
	presign   bool
	expiresIn int // X-Amz-Expires set before presigning, 0 for none
}

var sdkRequests = []sdkRequest{
	{name: "iam POST form", method: "POST", url: "https://iam.amazonaws.com/",
		body:    "Action=ListUsers&PathPrefix=%2Fdivision_abc%2F&Version=2010-05-08",
		header:  map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Custom": "a   b"},
		service: "iam", region: "us-east-1", akid: testAKID},
	{name: "sts POST session token", method: "POST", url: "https://sts.amazonaws.com/",
		body:    "Action=GetCallerIdentity&Version=2011-06-15",
		header:  map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Custom": "x"},
		service: "sts", region: "us-east-1", akid: testSession},
	{name: "iam GET query", method: "GET",
		url:     "http://localhost:8080/?Action=ListUsers&Version=2010-05-08&PathPrefix=/a%20b+c/&Marker=%E1%88%B4&Empty=",
		header:  map[string]string{"X-Custom": "y"},
		service: "iam", region: "us-east-1", akid: testAKID},
	// The Go SDK does not remove dot segments (botocore and AWS do: see the
	// suite and botocore tests), so this path has none.
	{name: "odd path cn region", method: "GET", url: "https://example.com/a%20b/%E1%88%B4/%2F/",
		header:  map[string]string{"X-Custom": "z"},
		service: "execute-api", region: "cn-north-1", akid: testAKID},
	{name: "sts presigned", method: "GET",
		url:     "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
		header:  map[string]string{"X-Custom": "p"},
		service: "sts", region: "us-east-1", akid: testAKID, presign: true, expiresIn: 900},
	{name: "presigned session token no expires", method: "GET",
		url:     "https://iam.amazonaws.com/?Action=GetUser&Version=2010-05-08",
		header:  map[string]string{"X-Custom": "q"},
		service: "iam", region: "us-gov-west-1", akid: testSession, presign: true},
}

// sign signs c with the SDK at testStamp and returns it as a server reads it.
func (c sdkRequest) sign(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	u := c.url
	if c.expiresIn > 0 {
		sep := "&"
		if !strings.Contains(u, "?") {
			sep = "?"
		}
		u += sep + "X-Amz-Expires=" + strconv.Itoa(c.expiresIn)
	}
	var body *strings.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(c.method, u, body)
	} else {
		req, err = http.NewRequest(c.method, u, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	k := testKeys[c.akid]
	creds := aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: k.secret, SessionToken: k.token}
	when := mustTime(t, testStamp)
	signer := v4.NewSigner()
	if !c.presign {
		if err := signer.SignHTTP(context.Background(), creds, req, hashHex([]byte(c.body)), c.service, c.region, when); err != nil {
			t.Fatal(err)
		}
		return wire(t, req)
	}
	signed, headers, err := signer.PresignHTTP(context.Background(), creds, req, hashHex(nil), c.service, c.region, when)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(c.method, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, vals := range headers {
		if !strings.EqualFold(name, "host") {
			out.Header[name] = vals
		}
	}
	return wire(t, out)
}

func TestSDKSigned(t *testing.T) {
	for _, c := range sdkRequests {
		t.Run(c.name, func(t *testing.T) {
			r, body := c.sign(t)
			// A server of the region's partition verifies it.
			v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(t, testStamp).Add(time.Minute)), Partition: arn.PartitionForRegion(c.region)})
			res, err := v.VerifyService(r, body, c.service)
			if err != nil {
				t.Fatalf("Verify: %v\ncanonical:\n%s", err, canonicalOf(t, r, body))
			}
			want := Result{AccessKeyID: c.akid, SessionToken: testKeys[c.akid].token, Time: mustTime(t, testStamp),
				Scope: Scope{testStamp[:8], c.region, c.service}, Presigned: c.presign, Expires: time.Duration(c.expiresIn) * time.Second}
			if *res != want {
				t.Errorf("result = %+v\nwant     %+v", *res, want)
			}
			// A server of the aws partition (the default) refuses the
			// regions of the others, before looking at the key.
			_, err = New(Config{Credentials: fakeCreds{}, Now: fixedClock(mustTime(t, testStamp))}).VerifyService(r, body, c.service)
			if arn.PartitionForRegion(c.region) == "aws" {
				if codeOf(err) != CodeInvalidClientTokenID {
					t.Errorf("aws partition: %v, want the key refused", err)
				}
			} else if codeOf(err) != CodeSignatureDoesNotMatch || err.Error() != "SignatureDoesNotMatch: Credential should be scoped to a valid region, not '"+c.region+"'. " {
				t.Errorf("aws partition, region %s: %v", c.region, err)
			}
		})
	}
}

// mutation changes a signed request, or the verifier's view of the world,
// and says what AWS answers then.
type mutation struct {
	name    string
	only    string // "header", "presigned" or "long-term" (key) requests only; "" for all
	req     func(r *http.Request, body []byte) []byte
	clock   time.Duration // added to the verifier's clock
	creds   fakeCreds     // replaces the known keys
	service string        // VerifyService with this service instead
	want    string        // error code, "" for success
	message string        // a part of the message, when it matters
}

var mutations = []mutation{
	{name: "none", want: ""},
	{name: "unsigned header added", req: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Unsigned", "1"); return b }},
	{name: "clock 14 minutes late", clock: 14 * time.Minute},
	{name: "body byte", req: func(r *http.Request, b []byte) []byte {
		if len(b) == 0 {
			return []byte{'x'}
		}
		c := append([]byte(nil), b...)
		c[len(c)-1] ^= 1
		return c
	}, want: CodeSignatureDoesNotMatch},
	{name: "signed header value", req: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Custom", "changed"); return b },
		want: CodeSignatureDoesNotMatch, message: "The request signature we calculated"},
	{name: "signed header spacing is canonical", req: func(r *http.Request, b []byte) []byte {
		r.Header.Set("X-Custom", " "+strings.ReplaceAll(r.Header.Get("X-Custom"), " ", "  ")+" ")
		return b
	}},
	{name: "query param added", req: func(r *http.Request, b []byte) []byte { setQuery(r, "Extra", "1"); return b },
		want: CodeSignatureDoesNotMatch},
	{name: "method", req: func(r *http.Request, b []byte) []byte {
		r.Method = map[string]string{"GET": "POST", "POST": "PUT"}[r.Method]
		return b
	}, want: CodeSignatureDoesNotMatch},
	{name: "path", req: func(r *http.Request, b []byte) []byte { r.URL.Path, r.URL.RawPath = "/x", ""; return b },
		want: CodeSignatureDoesNotMatch},
	{name: "host", req: func(r *http.Request, b []byte) []byte { r.Host = "evil.example.com"; return b },
		want: CodeSignatureDoesNotMatch},
	{name: "date one second", req: func(r *http.Request, b []byte) []byte { setDate(r, "20240315T101501Z"); return b },
		want: CodeSignatureDoesNotMatch},
	{name: "date next day", req: func(r *http.Request, b []byte) []byte { setDate(r, "20240316T101500Z"); return b },
		want: CodeSignatureDoesNotMatch, message: "Date in Credential scope does not match"},
	{name: "wrong secret", creds: fakeCreds{testAKID: {secret: testSecret + "x"}, testSession: {secret: "other", token: testToken}},
		want: CodeSignatureDoesNotMatch},
	{name: "unknown key", creds: fakeCreds{}, want: CodeInvalidClientTokenID,
		message: "The security token included in the request is invalid."},
	// The key id is not signed: another key with the same secret would
	// verify, one with another secret does not.
	{name: "scope key id", only: "long-term", req: func(r *http.Request, b []byte) []byte { editCredential(r, 0, "AKIAOTHEREXAMPLE"); return b },
		creds: fakeCreds{testAKID: {secret: testSecret}, "AKIAOTHEREXAMPLE": {secret: "another"}}, want: CodeSignatureDoesNotMatch},
	{name: "scope region", req: func(r *http.Request, b []byte) []byte { editCredential(r, 2, "eu-west-1"); return b },
		want: CodeSignatureDoesNotMatch},
	{name: "scope region invalid", req: func(r *http.Request, b []byte) []byte { editCredential(r, 2, "US_EAST"); return b },
		want: CodeSignatureDoesNotMatch, message: "Credential should be scoped to a valid region, not 'US_EAST'. "},
	{name: "scope service", req: func(r *http.Request, b []byte) []byte { editCredential(r, 3, "s3"); return b },
		want: CodeSignatureDoesNotMatch, message: "Credential should be scoped to correct service"},
	{name: "scope shape", req: func(r *http.Request, b []byte) []byte { editCredential(r, 4, "x/aws4_request"); return b },
		want: CodeIncompleteSignature, message: "Credential must have exactly 5 slash-delimited elements"},
	{name: "scope terminator", req: func(r *http.Request, b []byte) []byte { editCredential(r, 4, "aws5_request"); return b },
		want: CodeSignatureDoesNotMatch, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
	{name: "another service required", service: "s3", want: CodeSignatureDoesNotMatch,
		message: "Credential should be scoped to correct service: 's3'. "},
	{name: "signature char", req: func(r *http.Request, b []byte) []byte {
		editSignature(r, func(s string) string { return s[:63] + string("10"[s[63]&1]) })
		return b
	}, want: CodeSignatureDoesNotMatch},
	{name: "signature upper case", req: func(r *http.Request, b []byte) []byte {
		editSignature(r, strings.ToUpper)
		return b
	}, want: CodeSignatureDoesNotMatch},
	{name: "signature dropped", only: "header", req: func(r *http.Request, b []byte) []byte {
		h := r.Header.Get("Authorization")
		r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		return b
	}, want: CodeIncompleteSignature, message: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential="},
	{name: "signature dropped", only: "presigned", req: func(r *http.Request, b []byte) []byte { delQuery(r, "X-Amz-Signature"); return b },
		want: CodeIncompleteSignature, message: "must include 'X-Amz-Signature'"},
	{name: "no signature at all", req: func(r *http.Request, b []byte) []byte {
		r.Header.Del("Authorization")
		for _, p := range presignParams {
			delQuery(r, p)
		}
		return b
	}, want: CodeMissingAuthenticationToken, message: "Request is missing Authentication Token"},
	{name: "both mechanisms", only: "presigned", req: func(r *http.Request, b []byte) []byte {
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		return b
	}, want: CodeIncompleteSignature, message: "Only one auth mechanism"},
	// Presigned or not: IAM and STS keep a signature 15 minutes whatever
	// its X-Amz-Expires.
	{name: "clock 16 minutes late", clock: 16 * time.Minute, want: CodeSignatureDoesNotMatch,
		message: "Signature expired: 20240315T101500Z is now earlier than 20240315T101600Z (20240315T103100Z - 15 min.)"},
	{name: "clock 16 minutes early", clock: -16 * time.Minute, want: CodeSignatureDoesNotMatch,
		message: "Signature not yet current: 20240315T101500Z is still later than 20240315T101400Z (20240315T095900Z + 15 min.)"},
	{name: "expires changed", only: "presigned", req: func(r *http.Request, b []byte) []byte { setQuery(r, "X-Amz-Expires", "3600"); return b },
		want: CodeSignatureDoesNotMatch},
	{name: "expires over a week", only: "presigned", req: func(r *http.Request, b []byte) []byte { setQuery(r, "X-Amz-Expires", "604801"); return b },
		want: CodeIncompleteSignature, message: "604800"},
	{name: "session token changed", req: func(r *http.Request, b []byte) []byte {
		if r.Header.Get("X-Amz-Security-Token") != "" {
			r.Header.Set("X-Amz-Security-Token", "other")
		} else if r.URL.Query().Get("X-Amz-Security-Token") != "" {
			setQuery(r, "X-Amz-Security-Token", "other")
		} else {
			r.Header.Set("X-Amz-Security-Token", "other") // a token for a long-term key
		}
		return b
	}, want: CodeInvalidClientTokenID},
}

func TestSDKMutations(t *testing.T) {
	for _, c := range sdkRequests {
		for _, m := range mutations {
			if m.only == "header" && c.presign || m.only == "presigned" && !c.presign || m.only == "long-term" && c.akid != testAKID {
				continue
			}
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				r, body := c.sign(t)
				if m.req != nil {
					body = m.req(r, body)
				}
				creds := testKeys
				if m.creds != nil {
					creds = m.creds
				}
				now := mustTime(t, testStamp).Add(time.Minute + m.clock)
				if m.name == "clock 16 minutes late" || m.name == "clock 16 minutes early" {
					now = mustTime(t, testStamp).Add(m.clock)
				}
				v := New(Config{Credentials: creds, Now: fixedClock(now), Partition: arn.PartitionForRegion(c.region)})
				service := c.service
				if m.service != "" {
					service = m.service
				}
				_, err := v.VerifyService(r, body, service)
				if got := codeOf(err); got != m.want {
					t.Fatalf("error %v, want code %q", err, m.want)
				}
				if m.message != "" && !strings.Contains(err.Error(), m.message) {
					t.Errorf("message %q lacks %q", err.Error(), m.message)
				}
			})
		}
	}
}

// Presigned requests: IAM and STS ignore X-Amz-Expires and keep any
// presigned request 15 minutes (AWS's STS does: aws-sdk-go#2167), so a
// presigned GetCallerIdentity is a fresh proof; S3 alone honours
// X-Amz-Expires, up to a week.
func TestSDKPresignedExpiry(t *testing.T) {
	start := mustTime(t, testStamp)
	presign := func(service, url string, expires int) (*http.Request, []byte) {
		c := sdkRequest{method: "GET", url: url, service: service, region: "us-east-1", akid: testAKID, presign: true, expiresIn: expires}
		return c.sign(t)
	}
	const stsURL = "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
	expired := "Signature expired: 20240315T101500Z is now earlier than "
	for _, tc := range []struct {
		name             string
		service, url     string
		expires          int
		after            time.Duration
		want, wantInText string
	}{
		{"sts 900s, at once", "sts", stsURL, 900, 0, "", ""},
		{"sts 900s, 1 minute", "sts", stsURL, 900, time.Minute, "", ""},
		{"sts 900s, 15 minutes", "sts", stsURL, 900, 15 * time.Minute, "", ""},
		{"sts 900s, 15 minutes 1 s", "sts", stsURL, 900, 15*time.Minute + time.Second, CodeSignatureDoesNotMatch, expired},
		{"sts 900s, 16 minutes", "sts", stsURL, 900, 16 * time.Minute, CodeSignatureDoesNotMatch, expired},
		// aws-iam-authenticator's EKS tokens say 60 s and live 15 minutes.
		{"sts 60s, 14 minutes", "sts", stsURL, 60, 14 * time.Minute, "", ""},
		{"sts a week, 16 minutes", "sts", stsURL, 604800, 16 * time.Minute, CodeSignatureDoesNotMatch, expired},
		{"sts a week, 6 days", "sts", stsURL, 604800, 6 * 24 * time.Hour, CodeSignatureDoesNotMatch, expired},
		{"sts no expires, 16 minutes", "sts", stsURL, 0, 16 * time.Minute, CodeSignatureDoesNotMatch, expired},
		{"iam an hour, 16 minutes", "iam", "https://iam.amazonaws.com/?Action=GetUser&Version=2010-05-08", 3600, 16 * time.Minute, CodeSignatureDoesNotMatch, expired},
		{"s3 an hour, 59 minutes", "s3", "https://bucket.s3.amazonaws.com/key", 3600, 59 * time.Minute, "", ""},
		{"s3 an hour, 61 minutes", "s3", "https://bucket.s3.amazonaws.com/key", 3600, 61 * time.Minute, "AccessDenied", "Request has expired"},
		{"s3 a week, 6 days", "s3", "https://bucket.s3.amazonaws.com/key", 604800, 6 * 24 * time.Hour, "", ""},
		{"s3 from the future", "s3", "https://bucket.s3.amazonaws.com/key", 3600, -16 * time.Minute, CodeSignatureDoesNotMatch, "Signature not yet current"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, body := presign(tc.service, tc.url, tc.expires)
			v := New(Config{Credentials: testKeys, Now: fixedClock(start.Add(tc.after))})
			_, err := v.VerifyService(r, body, tc.service)
			if got := codeOf(err); got != tc.want {
				t.Fatalf("%v, want %q", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantInText) {
				t.Errorf("%v lacks %q", err, tc.wantInText)
			}
		})
	}
}

// The Authorization header's spacing variants real clients send.
func TestSDKAuthorizationSpacing(t *testing.T) {
	c := sdkRequests[0]
	for _, edit := range []func(string) string{
		func(h string) string { return strings.ReplaceAll(h, ", ", ",") },
		func(h string) string { return strings.ReplaceAll(h, ", ", " , ") },
		func(h string) string { return strings.Replace(h, " ", "  ", 1) },
		func(h string) string { return strings.Replace(strings.ReplaceAll(h, ", ", ",\t"), " ", "\t", 1) },
		func(h string) string { // parameters in another order
			p := strings.SplitN(strings.TrimPrefix(h, algorithm+" "), ", ", 3)
			return algorithm + " " + p[2] + ", " + p[0] + ", " + p[1]
		},
	} {
		r, body := c.sign(t)
		h := edit(r.Header.Get("Authorization"))
		r.Header.Set("Authorization", h)
		v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(t, testStamp))})
		if _, err := v.Verify(r, body); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
}

func setQuery(r *http.Request, key, value string) {
	q := parseQuery(r.URL.RawQuery, nil)
	var b strings.Builder
	found := false
	for _, p := range q {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		if p.key == key {
			p.evalue, found = escape(value), true
		}
		b.WriteString(p.ekey + "=" + p.evalue)
	}
	if !found {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(key) + "=" + escape(value))
	}
	r.URL.RawQuery = b.String()
}

func delQuery(r *http.Request, key string) {
	var kept []string
	for _, p := range parseQuery(r.URL.RawQuery, nil) {
		if p.key != key {
			kept = append(kept, p.ekey+"="+p.evalue)
		}
	}
	r.URL.RawQuery = strings.Join(kept, "&")
}

func setDate(r *http.Request, stamp string) {
	if r.Header.Get("Authorization") != "" {
		r.Header.Set("X-Amz-Date", stamp)
	} else {
		setQuery(r, "X-Amz-Date", stamp)
	}
}

// editCredential replaces one of the credential's five parts.
func editCredential(r *http.Request, part int, value string) {
	edit := func(c string) string {
		p := strings.Split(c, "/")
		p[part] = value
		return strings.Join(p, "/")
	}
	if h := r.Header.Get("Authorization"); h != "" {
		i := strings.Index(h, "Credential=") + len("Credential=")
		j := i + strings.Index(h[i:], ",")
		r.Header.Set("Authorization", h[:i]+edit(h[i:j])+h[j:])
		return
	}
	setQuery(r, "X-Amz-Credential", edit(queryValue(parseQuery(r.URL.RawQuery, nil), "X-Amz-Credential")))
}

func editSignature(r *http.Request, f func(string) string) {
	if h := r.Header.Get("Authorization"); h != "" {
		i := strings.Index(h, "Signature=") + len("Signature=")
		r.Header.Set("Authorization", h[:i]+f(h[i:i+64])+h[i+64:])
		return
	}
	setQuery(r, "X-Amz-Signature", f(queryValue(parseQuery(r.URL.RawQuery, nil), "X-Amz-Signature")))
}
