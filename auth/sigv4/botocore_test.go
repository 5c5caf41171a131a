package sigv4

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/arn"
)

// Requests signed by botocore (what the aws CLI and boto3 send) must
// verify. botocore differs from the Go SDK where it matters: it removes dot
// segments and empty segments from the path, may sign with a Date header
// in RFC 2822 form, and its presigner moves a POST body into the query.

type botoSpec struct {
	Method         string            `json:"method"`
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	Body           string            `json:"body,omitempty"`
	Service        string            `json:"service"`
	Region         string            `json:"region"`
	AccessKey      string            `json:"access_key"`
	SecretKey      string            `json:"secret_key"`
	Token          string            `json:"token,omitempty"`
	Timestamp      string            `json:"timestamp"`
	PresignExpires int               `json:"presign_expires,omitempty"`
}

type botoSigned struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// botoSign runs testdata/botocore_sign.py, skipping the test only when
// python3 or botocore is missing.
func botoSign(t *testing.T, specs []botoSpec) []botoSigned {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: botocore's signer cannot be run")
	}
	if out, err := exec.Command(py, "-c", "import botocore.auth").CombinedOutput(); err != nil {
		t.Skipf("botocore is not installed for python3 (pip install botocore): %s", bytes.TrimSpace(out))
	}
	in, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/botocore_sign.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_sign.py: %v\n%s", err, stderr.String())
	}
	var signed []botoSigned
	if err := json.Unmarshal(out, &signed); err != nil {
		t.Fatalf("botocore_sign.py output: %v\n%s", err, out)
	}
	if len(signed) != len(specs) {
		t.Fatalf("botocore signed %d requests, want %d", len(signed), len(specs))
	}
	return signed
}

// raw writes a botocore request as it goes on the wire.
func (s botoSigned) raw(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.EscapedPath()
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	var b strings.Builder
	b.WriteString(s.Method + " " + target + " HTTP/1.1\r\n")
	for _, h := range s.Headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if s.Body != "" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(s.Body)) + "\r\n")
	}
	return b.String() + "\r\n" + s.Body
}

func TestBotocoreSigned(t *testing.T) {
	base := func(s botoSpec) botoSpec {
		if s.Service == "" {
			s.Service = "iam"
		}
		if s.Region == "" {
			s.Region = "us-east-1"
		}
		if s.AccessKey == "" {
			s.AccessKey, s.SecretKey = testAKID, testSecret
		}
		s.Timestamp = testStamp
		return s
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": "aws-cli/2 botocore"}
	session := testKeys[testSession]
	cases := []struct {
		name string
		spec botoSpec
	}{
		{"iam POST form", base(botoSpec{Method: "POST", URL: "https://iam.amazonaws.com/", Headers: form,
			Body: "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F"})},
		{"sts POST session token", base(botoSpec{Method: "POST", URL: "https://sts.amazonaws.com/", Headers: form,
			Body: "Action=GetCallerIdentity&Version=2011-06-15", Service: "sts",
			AccessKey: testSession, SecretKey: session.secret, Token: session.token})},
		{"GET query", base(botoSpec{Method: "GET",
			URL: "http://127.0.0.1:4566/?Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa%20b%2B%2F&Marker=%E1%88%B4&flag&~x=y~"})},
		{"dot segments and empty segments", base(botoSpec{Method: "GET", URL: "https://example.com/a/./b/../c//d/",
			Service: "execute-api", Region: "eu-west-1"})},
		{"dot segments to root", base(botoSpec{Method: "GET", URL: "https://example.com/a/..", Service: "execute-api"})},
		{"escaped path", base(botoSpec{Method: "GET", URL: "https://example.com/a%20b/%E1%88%B4/x%2Fy",
			Service: "execute-api", Region: "cn-north-1"})},
		{"Date header", base(botoSpec{Method: "POST", URL: "https://iam.amazonaws.com/", Body: "Action=GetUser&Version=2010-05-08",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Date": "x"}})},
		{"header spaces", base(botoSpec{Method: "POST", URL: "https://iam.amazonaws.com/", Body: "Action=GetUser&Version=2010-05-08",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Custom": "  a   b  c "}})},
		{"presigned sts", base(botoSpec{Method: "GET", URL: "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
			Service: "sts", PresignExpires: 900, AccessKey: testSession, SecretKey: session.secret, Token: session.token})},
		{"presigned POST body moved to query", base(botoSpec{Method: "POST", URL: "https://iam.amazonaws.com/",
			Headers: form, Body: "Action=ListRoles&Version=2010-05-08&PathPrefix=%2F", PresignExpires: 3600, Region: "us-gov-west-1"})},
	}
	specs := make([]botoSpec, len(cases))
	for i, c := range cases {
		specs[i] = c.spec
	}
	signed := botoSign(t, specs)
	now := mustTime(t, testStamp).Add(2 * time.Minute)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := signed[i].raw(t)
			r, body := readRaw(t, raw)
			v := New(Config{Credentials: testKeys, Now: fixedClock(now), Partition: arn.PartitionForRegion(c.spec.Region)})
			res, err := v.VerifyService(r, body, c.spec.Service)
			if err != nil {
				t.Fatalf("Verify: %v\nrequest:\n%s\ncanonical:\n%s", err, raw, canonicalOf(t, r, body))
			}
			want := Result{AccessKeyID: c.spec.AccessKey, SessionToken: c.spec.Token, Time: mustTime(t, testStamp),
				Scope: Scope{testStamp[:8], c.spec.Region, c.spec.Service}, Presigned: c.spec.PresignExpires > 0,
				Expires: time.Duration(c.spec.PresignExpires) * time.Second}
			if *res != want {
				t.Errorf("result = %+v\nwant     %+v", *res, want)
			}

			// One byte of the body, of a header or of the query: no longer
			// the signed request.
			for _, m := range []struct {
				name string
				edit func(string) string
			}{
				{"body", func(s string) string { return s + "&X=1" }},
				{"signature", func(s string) string { return strings.Replace(s, "Signature=", "Signature=0", 1) }},
				{"date", func(s string) string {
					return strings.Replace(strings.Replace(s, "T101500Z", "T101501Z", 1), "10:15:00", "10:15:01", 1)
				}},
				{"scope", func(s string) string { return strings.Replace(s, c.spec.Region, "ap-south-1", 1) }},
			} {
				mutated := m.edit(raw)
				if m.name == "body" {
					if signed[i].Body == "" {
						continue
					}
					mutated = strings.Replace(mutated, "Content-Length: "+strconv.Itoa(len(signed[i].Body)), "Content-Length: "+strconv.Itoa(len(signed[i].Body)+4), 1)
				}
				r, body := readRaw(t, mutated)
				if _, err := v.Verify(r, body); codeOf(err) == "" {
					t.Errorf("%s mutated: verified", m.name)
				}
			}
		})
	}
}
