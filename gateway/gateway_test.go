package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRoute(t *testing.T) {
	const base = "http://127.0.0.1:4566"
	for _, c := range []struct {
		name    string
		req     func(t *testing.T) *http.Request
		service string
		ok      bool
	}{
		{"header-signed dynamodb", signed(call{method: "POST", path: "/", service: "dynamodb", header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem"}, body: "{}"}), "dynamodb", true},
		{"header-signed s3", signed(call{method: "GET", path: "/b/k", service: "s3", payload: "UNSIGNED-PAYLOAD"}), "s3", true},
		{"presigned s3", signed(call{method: "GET", path: "/b/k", service: "s3", presign: true, payload: "UNSIGNED-PAYLOAD"}), "s3", true},
		{"presigned sqs", signed(call{method: "GET", path: "/?Action=ListQueues", service: "sqs", presign: true}), "sqs", true},
		{"header-signed iam", signed(call{method: "POST", path: "/", service: "iam", body: "Action=ListUsers&Version=2010-05-08"}), "", false},
		{"header-signed sts", signed(call{method: "POST", path: "/", service: "sts", body: "Action=GetCallerIdentity&Version=2011-06-15"}), "", false},
		{"presigned sts", signed(call{method: "GET", path: "/?Action=GetCallerIdentity&Version=2011-06-15", service: "sts", presign: true}), "", false},
		{"signature version 2", raw("GET", "/b/k", map[string]string{"Authorization": "AWS AKIDEXAMPLE:c2lnbmF0dXJl"}), "s3", true},
		{"malformed authorization", raw("GET", "/b/k", map[string]string{"Authorization": "Bearer x"}), "", false},
		{"malformed credential", raw("GET", "/b/k?X-Amz-Credential=nonsense", nil), "", false},
		{"anonymous s3 get", raw("GET", "/b/k", nil), "s3", true},
		{"anonymous s3 put", raw("PUT", "/b/k", map[string]string{"Content-Type": "text/plain"}), "s3", true},
		{"anonymous iam query", raw("GET", "/?Action=ListUsers", nil), "", false},
		{"anonymous form post", raw("POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}), "", false},
		{"anonymous dynamodb", raw("POST", "/", map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem"}), "dynamodb", true},
		{"anonymous kms", raw("POST", "/", map[string]string{"X-Amz-Target": "TrentService.ListKeys"}), "kms", true},
		{"anonymous sqs json", raw("POST", "/", map[string]string{"X-Amz-Target": "AmazonSQS.ListQueues"}), "sqs", true},
		{"anonymous logs", raw("POST", "/", map[string]string{"X-Amz-Target": "Logs_20140328.DescribeLogGroups"}), "logs", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.req(t)
			if !strings.HasPrefix(r.URL.String(), base) {
				t.Fatalf("request to %s", r.URL)
			}
			service, ok := Route(r)
			if service != c.service || ok != c.ok {
				t.Fatalf("Route = %q, %v; want %q, %v", service, ok, c.service, c.ok)
			}
		})
	}
}

func signed(c call) func(t *testing.T) *http.Request {
	return func(t *testing.T) *http.Request { return c.request(t, "http://127.0.0.1:4566") }
}

func raw(method, path string, header map[string]string) func(t *testing.T) *http.Request {
	return signed(call{method: method, path: path, header: header})
}

func TestStripPresign(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"uploads", "uploads"},
		{"versionId=3&partNumber=1", "versionId=3&partNumber=1"},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", ""},
		{"versionId=3&X-Amz-Signature=abc&uploads&X-Amz-Security-Token=t%2Bx", "versionId=3&uploads"},
		{"x-amz-credential=a&x-amz-content-sha256=UNSIGNED-PAYLOAD&delete", "delete"},
		{"X%2DAmz%2DSignature=abc&tagging", "tagging"},                              // an escaped name is still the parameter
		{"response-content-type=x%2Fy&X-Amz-Date=1", "response-content-type=x%2Fy"}, // values kept as written
		{"x-amz-meta=kept&prefix=x-amz-", "x-amz-meta=kept&prefix=x-amz-"},          // only the presigning names go
	} {
		if got := stripPresign(c.in); got != c.want {
			t.Errorf("stripPresign(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The verifying reader releases a body whose hash matches whole, and
// withholds the last bytes of one that does not (or that ends short).
func TestVerifyingReader(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	sum := func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
	for _, c := range []struct {
		name     string
		src      []byte
		length   int64 // Content-Length declared
		want     []byte
		oneByte  bool // the source returns a byte per Read
		wantErr  bool
		mismatch bool
		short    bool
	}{
		{"matches", body, int64(len(body)), sum(body), false, false, false, false},
		{"matches one byte at a time", body[:100], 100, sum(body[:100]), true, false, false, false},
		{"empty", nil, 0, sum(nil), false, false, false, false},
		{"forged", append(append([]byte{}, body[:len(body)-1]...), 'X'), int64(len(body)), sum(body), false, true, true, false},
		{"forged one byte at a time", []byte("forged!"), 7, sum([]byte("signed!")), true, true, true, false},
		{"short", body[:1000], 2000, sum(body[:2000]), false, true, false, true},
		{"longer than declared", body, 1000, sum(body[:1000]), false, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var src io.Reader = bytes.NewReader(c.src)
			if c.oneByte {
				src = iotest.OneByteReader(src)
			}
			v := &verifyingReader{src: io.NopCloser(src), remaining: c.length, want: c.want, h: sha256.New()}
			var got []byte
			buf := make([]byte, 4096)
			var err error
			for {
				var n int
				n, err = v.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			if c.wantErr == (err == io.EOF) {
				t.Fatalf("err = %v, want an error: %v", err, c.wantErr)
			}
			if v.mismatch != c.mismatch || v.short != c.short {
				t.Fatalf("mismatch, short = %v, %v; want %v, %v", v.mismatch, v.short, c.mismatch, c.short)
			}
			if !c.wantErr {
				if !bytes.Equal(got, c.src[:c.length]) {
					t.Fatalf("released %d bytes, want the %d declared", len(got), c.length)
				}
				return
			}
			if int64(len(got)) >= c.length {
				t.Fatalf("released %d of %d bytes of a body that is not the one signed", len(got), c.length)
			}
			if c.mismatch && c.oneByte && int64(len(got)) != c.length-1 {
				t.Fatalf("released %d bytes, want all but the last (%d)", len(got), c.length-1)
			}
			if n, err2 := v.Read(buf); n != 0 || err2 == nil {
				t.Fatalf("read after failure: %d, %v", n, err2)
			}
		})
	}
}

// A streamed S3 upload whose body is not the one signed never reaches the
// backend whole and is answered XAmzContentSHA256Mismatch; the one signed
// passes.
func TestGatewayStreamedUploadChecked(t *testing.T) {
	f := newFixture(t, Enforce, "s3:PutObject")
	body := strings.Repeat("signed body ", 20000) // 240 KB: streamed, not buffered
	ok := f.do(t, call{method: "PUT", path: "/b/k", service: "s3", body: body, payload: sha([]byte(body))})
	if ok.status != 200 {
		t.Fatalf("signed upload: %d %s", ok.status, ok.body)
	}
	if got := f.backend.requests(); len(got) != 1 || string(got[0].body) != body {
		t.Fatalf("backend got %d requests", len(got))
	}

	forged := strings.Repeat("forged body ", 20000)
	a := f.do(t, call{method: "PUT", path: "/b/k", service: "s3", body: forged, payload: sha([]byte(body))})
	if a.status != 400 || !strings.Contains(a.body, "<Code>XAmzContentSHA256Mismatch</Code>") {
		t.Fatalf("forged upload: %d %s", a.status, a.body)
	}
	for _, s := range f.backend.requests()[1:] {
		if s.bodyErr == nil && len(s.body) == len(forged) {
			t.Fatal("the forged body reached the backend whole")
		}
	}
	if ev := f.lastEvent(t); ev.ErrorCode != "XAmzContentSHA256Mismatch" {
		t.Fatalf("event error %q", ev.ErrorCode)
	}
}

// Forwarded requests are re-signed with the backend's key over the
// declared payload hash, without the client's credentials, presigning
// parameters or forwarding headers.
func TestGatewayResigns(t *testing.T) {
	ddb := map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}
	for _, c := range []struct {
		name      string
		call      call
		allow     string
		path      string
		query     string
		payload   string // the x-amz-content-sha256 forwarded ("" none)
		extraSent map[string]string
	}{
		{"dynamodb", call{method: "POST", path: "/", service: "dynamodb", header: ddb, body: `{"TableName":"t","Key":{"id":{"S":"1"}}}`}, "dynamodb:GetItem", "/", "", "", nil},
		{"dynamodb with session token", call{method: "POST", path: "/", service: "dynamodb", header: ddb, token: "session-token", body: `{"TableName":"t","Key":{"id":{"S":"1"}}}`}, "dynamodb:GetItem", "/", "", "", nil},
		{"s3 unsigned payload", call{method: "GET", path: "/b/a%20key", service: "s3", payload: "UNSIGNED-PAYLOAD"}, "s3:GetObject", "/b/a key", "", "UNSIGNED-PAYLOAD", nil},
		{"s3 signed payload", call{method: "PUT", path: "/b/k", service: "s3", body: "hello"}, "s3:PutObject", "/b/k", "", sha([]byte("hello")), nil},
		{"s3 presigned", call{method: "GET", path: "/b/k?versionId=7", service: "s3", presign: true, payload: "UNSIGNED-PAYLOAD"}, "s3:GetObjectVersion", "/b/k", "versionId=7", "UNSIGNED-PAYLOAD", nil},
		{"s3 subresource", call{method: "GET", path: "/b?uploads", service: "s3", payload: "UNSIGNED-PAYLOAD"}, "s3:ListBucketMultipartUploads", "/b", "uploads=", "UNSIGNED-PAYLOAD", nil}, // the signer writes the query canonically
		{"forwarding headers dropped", call{method: "GET", path: "/b/k", service: "s3", payload: "UNSIGNED-PAYLOAD",
			header: map[string]string{"X-Forwarded-For": "10.0.0.1", "Forwarded": "for=10.0.0.1", "X-Forwarded-Host": "evil", "X-Amz-Meta-Color": "blue"}},
			"s3:GetObject", "/b/k", "", "UNSIGNED-PAYLOAD", map[string]string{"X-Amz-Meta-Color": "blue"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Enforce, c.allow)
			a := f.do(t, c.call)
			if a.status != 200 || a.body != `{"from":"backend"}` {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			got := f.backend.requests()
			if len(got) != 1 {
				t.Fatalf("backend got %d requests", len(got))
			}
			s := got[0]
			if s.verifyErr != nil {
				t.Fatalf("the backend's key does not verify the forwarded request: %v (Authorization %s)", s.verifyErr, s.header.Get("Authorization"))
			}
			if auth := s.header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+backendKey+"/") {
				t.Fatalf("Authorization %q", auth)
			}
			if s.path != c.path || s.rawQuery != c.query {
				t.Fatalf("forwarded %s?%s, want %s?%s", s.path, s.rawQuery, c.path, c.query)
			}
			if h := s.header.Get("X-Amz-Content-Sha256"); h != c.payload {
				t.Fatalf("X-Amz-Content-Sha256 %q, want %q", h, c.payload)
			}
			if s.method != c.call.method || string(s.body) != c.call.body {
				t.Fatalf("forwarded %s with body %q", s.method, s.body)
			}
			for _, h := range []string{"X-Amz-Security-Token", "X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v := s.header.Get(h); v != "" {
					t.Errorf("forwarded %s: %q", h, v)
				}
			}
			for k, v := range c.extraSent {
				if s.header.Get(k) != v {
					t.Errorf("forwarded %s %q, want %q", k, s.header.Get(k), v)
				}
			}
			ev := f.lastEvent(t)
			if !ev.Forwarded || ev.Decision != "allowed" || ev.Status != 200 || ev.Caller == nil || len(ev.Checks) == 0 || ev.Checks[0].Action != c.allow {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

// errorOf reads the code and message of an answer in any of the formats.
func errorOf(t *testing.T, p protocol, a answer) (code, message string) {
	t.Helper()
	switch p {
	case protoS3:
		var e struct{ Code, Message, RequestId string }
		if err := xml.Unmarshal([]byte(a.body), &e); err != nil || e.RequestId == "" || a.header.Get("x-amz-request-id") != e.RequestId {
			t.Fatalf("not an S3 error (%v): %s", err, a.body)
		}
		return e.Code, e.Message
	case protoQuery:
		var e struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Error   struct{ Type, Code, Message string }
			ReqID   string `xml:"RequestId"`
		}
		if err := xml.Unmarshal([]byte(a.body), &e); err != nil || e.Error.Type != "Sender" || e.ReqID == "" {
			t.Fatalf("not a query error (%v): %s", err, a.body)
		}
		return e.Error.Code, e.Error.Message
	case protoJSON:
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(a.body), &e); err != nil || !strings.HasPrefix(a.header.Get("Content-Type"), "application/x-amz-json") {
			t.Fatalf("not a json error (%v): %s", err, a.body)
		}
		return e.Type, e.Message
	}
	var e struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(a.body), &e); err != nil || a.header.Get("X-Amzn-ErrorType") == "" {
		t.Fatalf("not a rest-json error (%v): %v %s", err, a.header, a.body)
	}
	return a.header.Get("X-Amzn-ErrorType"), e.Message
}

// Denials and authentication failures are answered in each service's own
// format, and never reach the backend.
func TestGatewayErrorFormats(t *testing.T) {
	ddb := map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}
	ddbBody := `{"TableName":"t","Key":{"id":{"S":"1"}}}`
	sqsJSON := map[string]string{"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}
	sqsJSONBody := `{"QueueUrl":"http://localhost/123456789012/q","MessageBody":"m"}`
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	s3get := call{method: "GET", path: "/b/k", service: "s3", payload: "UNSIGNED-PAYLOAD"}
	ddbGet := call{method: "POST", path: "/", service: "dynamodb", header: ddb, body: ddbBody}
	snsPublish := call{method: "POST", path: "/", service: "sns", header: form, body: "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&Message=m"}
	sqsQuery := call{method: "POST", path: "/", service: "sqs", header: form, body: "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%2F123456789012%2Fq&MessageBody=m"}
	sqsJSONCall := call{method: "POST", path: "/", service: "sqs", header: sqsJSON, body: sqsJSONBody}
	lambdaGet := call{method: "GET", path: "/2015-03-31/functions/f", service: "lambda"}
	badKey := func(c call) call { c.key, c.secret = "AKIAUNKNOWNEXAMPLE01", "x"; return c }
	badSig := func(c call) call { c.key, c.secret = clientKey, "wrong"; return c }
	for _, c := range []struct {
		name       string
		call       call
		proto      protocol
		status     int
		code       string
		queryError string // X-Amzn-Query-Error
		message    string // a part of the message
	}{
		{"s3 denied", s3get, protoS3, 403, "AccessDenied", "", "is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k"},
		{"dynamodb denied", ddbGet, protoJSON, 400, "AccessDeniedException", "", "dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/t"},
		{"sns denied", snsPublish, protoQuery, 403, "AuthorizationError", "", "sns:Publish"},
		{"sqs query denied", sqsQuery, protoQuery, 403, "AccessDenied", "", "sqs:SendMessage"},
		{"sqs json denied", sqsJSONCall, protoJSON, 403, "AccessDeniedException", "AccessDenied;Sender", "sqs:SendMessage"},
		{"lambda denied", lambdaGet, protoRESTJSON, 403, "AccessDeniedException", "", "lambda:GetFunction"},
		{"s3 unknown key", badKey(s3get), protoS3, 403, "InvalidAccessKeyId", "", "does not exist in our records"},
		{"s3 bad signature", badSig(s3get), protoS3, 403, "SignatureDoesNotMatch", "", "signature"},
		{"dynamodb unknown key", badKey(ddbGet), protoJSON, 400, "UnrecognizedClientException", "", ""},
		{"dynamodb bad signature", badSig(ddbGet), protoJSON, 400, "InvalidSignatureException", "", "signature"},
		{"sns unknown key", badKey(snsPublish), protoQuery, 403, "InvalidClientTokenId", "", ""},
		{"sqs json unknown key", badKey(sqsJSONCall), protoJSON, 400, "UnrecognizedClientException", "InvalidClientTokenId;Sender", ""},
		{"lambda unknown key", badKey(lambdaGet), protoRESTJSON, 403, "UnrecognizedClientException", "", ""},
		{"lambda bad signature", badSig(lambdaGet), protoRESTJSON, 403, "InvalidSignatureException", "", "signature"},
		{"s3 signature version 2", call{method: "GET", path: "/b/k", header: map[string]string{"Authorization": "AWS AKIDEXAMPLE:c2ln"}}, protoS3, 400, "InvalidRequest", "", "AWS4-HMAC-SHA256"},
		{"s3 signed upload chunks", call{method: "PUT", path: "/b/k", service: "s3", body: "x", payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}, protoS3, 501, "NotImplemented", "", "aws-chunked"},
		{"s3 anonymous", call{method: "GET", path: "/b/k"}, protoS3, 403, "AccessDenied", "", "Anonymous users are not authorized to perform: s3:GetObject"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, Enforce)
			a := f.do(t, c.call)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			code, msg := errorOf(t, c.proto, a)
			if code != c.code || !strings.Contains(strings.ToLower(msg), strings.ToLower(c.message)) {
				t.Fatalf("error %s %q, want %s containing %q", code, msg, c.code, c.message)
			}
			if q := a.header.Get("X-Amzn-Query-Error"); q != c.queryError {
				t.Fatalf("X-Amzn-Query-Error %q, want %q", q, c.queryError)
			}
			if a.header.Get("x-amzn-RequestId") == "" {
				t.Fatal("no request id")
			}
			if n := len(f.backend.requests()); n != 0 {
				t.Fatalf("the backend got %d requests", n)
			}
			ev := f.lastEvent(t)
			if ev.Forwarded || ev.ErrorCode != c.code || ev.Status != c.status || ev.WouldBeDenied {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

// Observe mode forwards what enforce refuses (a denial, an operation it
// cannot map) and marks it; enforce refuses an unmapped operation.
func TestGatewayModes(t *testing.T) {
	ddb := func(op string) call {
		return call{method: "POST", path: "/", service: "dynamodb", body: `{"TableName":"t"}`,
			header: map[string]string{"X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0"}}
	}
	snsBogus := call{method: "POST", path: "/", service: "sns", body: "Action=BogusAction&Version=2010-03-31",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
	for _, c := range []struct {
		name       string
		mode       Mode
		call       call
		allow      string
		forwarded  bool
		wouldDeny  string // part of the denial message marked; "" none
		status     int
		code       string
		proto      protocol
		checkCount int
	}{
		{"enforce allowed", Enforce, ddb("DescribeTable"), "dynamodb:DescribeTable", true, "", 200, "", protoJSON, 1},
		{"enforce denied", Enforce, ddb("DescribeTable"), "", false, "", 400, "AccessDeniedException", protoJSON, 1},
		{"observe denied", Observe, ddb("DescribeTable"), "", true, "is not authorized to perform: dynamodb:DescribeTable", 200, "", protoJSON, 1},
		{"observe allowed", Observe, ddb("DescribeTable"), "dynamodb:DescribeTable", true, "", 200, "", protoJSON, 1},
		{"enforce unmapped json", Enforce, ddb("NoSuchOperation"), "", false, "", 400, "UnknownOperationException", protoJSON, 0},
		{"observe unmapped json", Observe, ddb("NoSuchOperation"), "", true, "iamd cannot tell what this call needs", 200, "", protoJSON, 0},
		{"enforce unmapped query", Enforce, snsBogus, "", false, "", 400, "InvalidAction", protoQuery, 0},
		{"observe unmapped query", Observe, snsBogus, "", true, "iamd cannot tell what this call needs", 200, "", protoQuery, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.mode, c.allow)
			a := f.do(t, c.call)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.code != "" {
				if code, _ := errorOf(t, c.proto, a); code != c.code {
					t.Fatalf("code %s, want %s", code, c.code)
				}
			} else if a.body != `{"from":"backend"}` {
				t.Fatalf("answer %s", a.body)
			}
			if n := len(f.backend.requests()); (n == 1) != c.forwarded || n > 1 {
				t.Fatalf("backend got %d requests, forwarded %v", n, c.forwarded)
			}
			ev := f.lastEvent(t)
			if ev.Forwarded != c.forwarded || ev.WouldBeDenied != (c.wouldDeny != "") || !strings.Contains(ev.DenialMessage, c.wouldDeny) || len(ev.Checks) != c.checkCount {
				t.Fatalf("event %+v", ev)
			}
			if c.wouldDeny != "" && c.checkCount > 0 && ev.Decision != "implicitDeny" {
				t.Fatalf("decision %s", ev.Decision)
			}
		})
	}
}

// An unsigned request is anonymous: denied without a resource policy,
// allowed by one that grants everyone, and never sent to the decider.
func TestGatewayAnonymous(t *testing.T) {
	f := newFixtureWith(t, func(c *Config) { c.Resources = anonymousRead{} })
	a := f.do(t, call{method: "GET", path: "/b/k"})
	if a.status != 200 {
		t.Fatalf("anonymous read under a public policy: %d %s", a.status, a.body)
	}
	s := f.backend.requests()
	if len(s) != 1 || s[0].header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD" || s[0].verifyErr != nil {
		t.Fatalf("backend got %+v", s)
	}
	if ev := f.lastEvent(t); ev.Caller != nil || ev.Decision != "allowed" || ev.Region != "us-east-1" {
		t.Fatalf("event %+v", ev)
	}
	a = f.do(t, call{method: "PUT", path: "/b/k", body: "x"})
	if a.status != 403 || !strings.Contains(a.body, "Anonymous users are not authorized to perform: s3:PutObject") {
		t.Fatalf("anonymous write: %d %s", a.status, a.body)
	}
	if len(f.backend.requests()) != 1 || len(f.decider.asked) != 0 {
		t.Fatal("an anonymous refusal reached the backend or the decider")
	}
}

// The decider's request carries the caller, the mapped action, resource
// and the owner (the caller's account without a resource policy).
func TestGatewayDecisionRequest(t *testing.T) {
	f := newFixture(t, Enforce, "dynamodb:GetItem")
	f.do(t, call{method: "POST", path: "/", service: "dynamodb", body: `{"TableName":"t","Key":{"id":{"S":"1"}}}`,
		header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "User-Agent": "test-agent"}})
	if len(f.decider.asked) != 1 {
		t.Fatalf("decider asked %d times", len(f.decider.asked))
	}
	q := f.decider.asked[0]
	if q.Action != "dynamodb:GetItem" || q.Resource != "arn:aws:dynamodb:us-east-1:123456789012:table/t" || q.ResourceAccount != testAccount ||
		q.Caller.UserAgent != "test-agent" || q.Caller.SourceIP != "127.0.0.1" || q.Caller.Endpoint != f.srv.URL || q.Keys == nil {
		t.Fatalf("decider asked %+v (caller %+v)", q, q.Caller)
	}
}

// A backend that cannot be reached is ServiceUnavailable in the service's
// format, and a service without a backend is UnknownService.
func TestGatewayBackendFailures(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	f := newFixtureWith(t, func(c *Config) { c.Backend = ""; c.Backends = map[string]string{"s3": deadURL} }, "s3:GetObject", "dynamodb:GetItem")
	a := f.do(t, call{method: "GET", path: "/b/k", service: "s3", payload: "UNSIGNED-PAYLOAD"})
	if code, _ := errorOf(t, protoS3, a); a.status != 503 || code != "ServiceUnavailable" {
		t.Fatalf("dead backend: %d %s", a.status, a.body)
	}
	a = f.do(t, call{method: "POST", path: "/", service: "dynamodb", body: "{}", header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem"}})
	if code, _ := errorOf(t, protoJSON, a); a.status != 400 || code != "UnknownService" {
		t.Fatalf("no backend: %d %s", a.status, a.body)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ok := Config{Authn: newTestAuthn(), Decider: &testDecider{}}
	for _, c := range []struct {
		name string
		edit func(*Config)
	}{
		{"no authenticator", func(c *Config) { c.Authn = nil }},
		{"no decider", func(c *Config) { c.Decider = nil }},
		{"relative backend", func(c *Config) { c.Backend = "localhost:5000" }},
		{"ftp backend", func(c *Config) { c.Backends = map[string]string{"s3": "ftp://x"} }},
	} {
		cfg := ok
		c.edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", c.name)
		}
	}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	if m, err := ParseMode("Observe"); err != nil || m != Observe || m.String() != "observe" {
		t.Fatal("ParseMode(Observe)")
	}
	if _, err := ParseMode("audit"); err == nil {
		t.Fatal("ParseMode accepted audit")
	}
}

func TestNewRequestID(t *testing.T) {
	id := newRequestID()
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[14] != '4' || id[18] != '-' || id[23] != '-' || !strings.ContainsAny(id[19:20], "89ab") {
		t.Fatalf("request id %q is not a version 4 UUID", id)
	}
	if newRequestID() == id {
		t.Fatal("two equal request ids")
	}
}
