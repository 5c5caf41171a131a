package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/awserr"
)

// Seeds live in testdata/fuzz/<Target>/ too; run e.g.
// go test ./auth/sigv4 -run=^$ -fuzz=FuzzParseAuthorization -fuzztime=30s

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential= AKID")
	f.Add("AWS4-HMAC-SHA256\tCredential=a,,,SignedHeaders==;Signature=")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			if e, ok := awserr.As(err); !ok || e.Code != CodeIncompleteSignature || e.Status != 400 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if a.Credential == "" || a.SignedHeaders == "" || a.Signature == "" {
			t.Fatalf("accepted %q with a missing parameter: %+v", h, a)
		}
		if id, sc, err := ParseCredential(a.Credential); err == nil {
			if strings.Contains(id+sc.Date+sc.Region+sc.Service, "/") {
				t.Fatalf("credential %q split into %q %+v", a.Credential, id, sc)
			}
		}
	})
}

// FuzzVerify throws arbitrary signatures, dates, queries, paths and bodies
// at the verifier: it must answer an AWS error, never panic.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240315/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00",
		"20240315T101500Z", "", []byte("Action=GetUser"))
	f.Add("GET", "/a/../b//c/%2F", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20240315%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240315T101500Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=9",
		"", "", "", []byte(nil))
	f.Add("GET", "//", "a=%zz&&=&+=+", "AWS4-HMAC-SHA256 Credential=K/20240315/us-east-1/iam/aws4_request,SignedHeaders=;;host;,Signature=zz",
		"", "Fri, 15 Mar 2024 10:15:00 -0000", []byte{0xff})
	v := New(Config{Credentials: testKeys, Now: fixedClock(mustTime(f, testStamp)), AllowUnsignedPayload: true})
	f.Fuzz(func(t *testing.T, method, path, query, authz, amzDate, date string, body []byte) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawPath: path, RawQuery: query},
			Host: "iam.amazonaws.com", Header: http.Header{}}
		for k, v := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate, "Date": date,
			"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Content-Sha256": string(body)} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		res, err := v.Verify(r, body)
		if err == nil {
			t.Fatalf("verified a fuzzed request: %+v", res)
		}
		if e, ok := awserr.As(err); !ok || e.Status < 400 || e.Status >= 500 {
			t.Fatalf("error %v", err)
		}
	})
}

// FuzzCanonicalURI checks the normalized, re-escaped path's invariants.
func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"/", "", "//example//", "/a/./b/../../..", "/%E1%88%B4/x%20y", "a/b", "/..", "/.%2E/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out := string(appendCanonicalURI(nil, p))
		if out == "" || out[0] != '/' {
			t.Fatalf("%q -> %q: not absolute", p, out)
		}
		if out != "/" && (strings.Contains(out, "//") || strings.Contains(out+"/", "/./") || strings.Contains(out+"/", "/../")) {
			t.Fatalf("%q -> %q: not normalized", p, out)
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; !unreserved(c) && c != '/' && c != '%' {
				t.Fatalf("%q -> %q: unescaped %q", p, out, c)
			}
		}
	})
}

// FuzzCanonicalQuery checks that any raw query canonicalizes to encoded,
// sorted pairs.
func FuzzCanonicalQuery(f *testing.F) {
	for _, s := range []string{"", "b=2&a=1", "a=%zz&&=&+=+", "%E1%88%B4=bar&X-Amz-Signature=x", "k"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, presigned bool) {
		out := string(appendCanonicalQuery(nil, parseQuery(raw, nil), presigned))
		for i := 0; i < len(out); i++ {
			if c := out[i]; !unreserved(c) && c != '%' && c != '=' && c != '&' {
				t.Fatalf("%q -> %q: unescaped %q", raw, out, c)
			}
		}
		var prev string
		for _, pair := range strings.Split(out, "&") {
			if pair == "" {
				continue
			}
			if pair < prev && strings.SplitN(pair, "=", 2)[0] < strings.SplitN(prev, "=", 2)[0] {
				t.Fatalf("%q -> %q: not sorted", raw, out)
			}
			prev = pair
		}
	})
}
