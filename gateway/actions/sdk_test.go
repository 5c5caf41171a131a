package actions

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const (
	testRegion  = "us-east-1"
	testAccount = "111122223333"
	testHost    = "localhost:4263"
)

// capture is an HTTP client that records the request the SDK built and
// answers 400, so that every call ends after one attempt.
type capture struct {
	req  *http.Request
	body []byte
}

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	c.req = r
	if r.Body != nil {
		c.body, _ = io.ReadAll(r.Body)
	}
	return &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

func sdkConfig(c *capture) aws.Config {
	return aws.Config{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   c,
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		BaseEndpoint: aws.String("http://" + testHost),
	}
}

var scopeRE = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// sdkRequest runs call against a capturing client and returns the
// mapper's input as the gateway would build it: the signing name from the
// credential scope, the body (none for S3 but DeleteObjects).
func sdkRequest(t *testing.T, call func(cfg aws.Config)) *Request {
	t.Helper()
	c := &capture{}
	call(sdkConfig(c))
	if c.req == nil {
		t.Fatal("the SDK sent no request")
	}
	m := scopeRE.FindStringSubmatch(c.req.Header.Get("Authorization"))
	if m == nil {
		t.Fatalf("no SigV4 credential scope in %q", c.req.Header.Get("Authorization"))
	}
	r := c.req.Clone(context.Background())
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	req := &Request{Service: m[2], HTTP: r, Region: m[1], Account: testAccount}
	if NeedsBody(req.Service, r) {
		req.Body = c.body
		r.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	return req
}

var testMapper = &Mapper{S3Hosts: []string{testHost}}

// want is an expected authorization; Context lists only the keys checked
// (nil value: the key must be absent).
type want struct {
	Action, Resource string
	Context          map[string][]string
}

type sdkCase struct {
	name      string
	call      func(cfg aws.Config)
	operation string
	want      []want
}

func runSDKCases(t *testing.T, cases []sdkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := sdkRequest(t, tc.call)
			res, err := testMapper.Map(req)
			if err != nil {
				t.Fatalf("Map: %v (%s %s)", err, req.HTTP.Method, req.HTTP.URL)
			}
			if tc.operation != "" && res.Operation != tc.operation {
				t.Errorf("operation %s, want %s", res.Operation, tc.operation)
			}
			checkAuths(t, res.Authorizations, tc.want)
		})
	}
}

func checkAuths(t *testing.T, got []Authorization, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d authorizations %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Action != w.Action || g.Resource != w.Resource {
			t.Errorf("#%d: %s on %s, want %s on %s", i, g.Action, g.Resource, w.Action, w.Resource)
		}
		for k, v := range w.Context {
			gv, ok := g.Context[k]
			if v == nil {
				if ok {
					t.Errorf("#%d: %s = %q, want none", i, k, gv)
				}
				continue
			}
			if strings.Join(gv, "\x00") != strings.Join(v, "\x00") {
				t.Errorf("#%d: %s = %q, want %q (context %v)", i, k, gv, v, g.Context)
			}
		}
	}
}

func ctxb() context.Context { return context.Background() }

func kv(kvs ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kvs); i += 2 {
		if kvs[i+1] == "<none>" {
			m[kvs[i]] = nil
			continue
		}
		m[kvs[i]] = strings.Split(kvs[i+1], ",")
	}
	return m
}
