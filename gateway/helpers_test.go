package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/auth/sigv4"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// The client's key (iamd's) and the backend's (what the gateway re-signs with).
const (
	clientKey, clientSecret   = "AKIACLIENTEXAMPLE001", "client/secret/EXAMPLEKEY"
	backendKey, backendSecret = "BACKENDKEY", "backend-secret"
	testAccount               = "123456789012"
)

// testAuthn verifies with iamd's real SigV4 verifier against one key.
type testAuthn struct{ v *sigv4.Verifier }

func newTestAuthn() *testAuthn {
	return &testAuthn{v: sigv4.New(sigv4.Config{AllowUnsignedPayload: true, Credentials: sigv4.CredentialsFunc(func(_ context.Context, id, _ string) (string, error) {
		if id != clientKey {
			return "", sigv4.ErrInvalidClientTokenID()
		}
		return clientSecret, nil
	})})}
}

func (a *testAuthn) caller(res *sigv4.Result) *iam.Caller {
	return &iam.Caller{Account: testAccount, Partition: "aws", ARN: "arn:aws:iam::" + testAccount + ":user/alice", UserName: "alice",
		AccessKey: res.AccessKeyID, Region: res.Scope.Region}
}

func (a *testAuthn) Authenticate(_ context.Context, r *http.Request, body []byte) (*iam.Caller, *sigv4.Result, error) {
	res, err := a.v.Verify(r, body)
	if err != nil {
		return nil, nil, err
	}
	return a.caller(res), res, nil
}

func (a *testAuthn) AuthenticatePayloadHash(_ context.Context, r *http.Request, hash string) (*iam.Caller, *sigv4.Result, error) {
	res, err := a.v.VerifyPayloadHash(r, hash)
	if err != nil {
		return nil, nil, err
	}
	return a.caller(res), res, nil
}

// testDecider allows the actions it lists and denies explicitly those in
// deny; it records what it was asked.
type testDecider struct {
	allow, deny map[string]bool
	mu          sync.Mutex
	asked       []iam.AuthzRequest
}

func (d *testDecider) Decide(_ context.Context, req *iam.AuthzRequest, _ *policy.Set) (*policy.Explanation, error) {
	d.mu.Lock()
	d.asked = append(d.asked, *req)
	d.mu.Unlock()
	switch {
	case d.deny[req.Action]:
		return &policy.Explanation{Decision: policy.ExplicitDeny}, nil
	case d.allow[req.Action]:
		return &policy.Explanation{Decision: policy.Allowed}, nil
	}
	return &policy.Explanation{Decision: policy.ImplicitDeny}, nil
}

// anonymousRead is a resource policy store whose every resource grants
// s3:GetObject to everyone.
type anonymousRead struct{}

func (anonymousRead) ResourcePolicy(context.Context, string, string) (*policy.Set, string, error) {
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`))
	if err != nil {
		return nil, "", err
	}
	return policy.NewSet(policy.Compile(doc, policy.Source{})), testAccount, nil
}

// seen is one request as the backend received it.
type seen struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
	bodyErr                error
	verifyErr              error // the re-signature checked with the backend's key
}

// backend is an httptest server that records what reaches it and checks
// the gateway's signature with the backend's key.
type backend struct {
	*httptest.Server
	mu   sync.Mutex
	got  []seen
	v    *sigv4.Verifier
	code int
}

func newBackend(t testing.TB) *backend {
	b := &backend{code: http.StatusOK, v: sigv4.New(sigv4.Config{AllowUnsignedPayload: true, Credentials: sigv4.CredentialsFunc(func(_ context.Context, id, _ string) (string, error) {
		if id != backendKey {
			return "", sigv4.ErrInvalidClientTokenID()
		}
		return backendSecret, nil
	})})}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		s := seen{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, header: r.Header.Clone(), body: body, bodyErr: err}
		if err == nil {
			if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
				_, s.verifyErr = b.v.VerifyPayloadHash(r, h)
			} else {
				_, s.verifyErr = b.v.Verify(r, body)
			}
		}
		b.mu.Lock()
		b.got = append(b.got, s)
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.code)
		_, _ = io.WriteString(w, `{"from":"backend"}`)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) requests() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seen(nil), b.got...)
}

// fixture is a gateway in front of a backend, served over HTTP.
type fixture struct {
	gw      *Gateway
	srv     *httptest.Server
	backend *backend
	decider *testDecider
	mu      sync.Mutex
	events  []*Event
}

func newFixture(t testing.TB, mode Mode, allow ...string) *fixture {
	return newFixtureWith(t, func(c *Config) { c.Mode = mode }, allow...)
}

func newFixtureWith(t testing.TB, edit func(*Config), allow ...string) *fixture {
	f := &fixture{backend: newBackend(t), decider: &testDecider{allow: map[string]bool{}, deny: map[string]bool{}}}
	for _, a := range allow {
		f.decider.allow[a] = true
	}
	cfg := Config{Backend: f.backend.URL, AccessKey: backendKey, Secret: backendSecret, Authn: newTestAuthn(), Decider: f.decider,
		Record: func(ev *Event) { f.mu.Lock(); f.events = append(f.events, ev); f.mu.Unlock() }}
	if edit != nil {
		edit(&cfg)
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.gw = gw
	f.srv = httptest.NewServer(gw)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) lastEvent(t testing.TB) *Event {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		t.Fatal("no event recorded")
	}
	return f.events[len(f.events)-1]
}

// call is a request to make through the gateway.
type call struct {
	method, path string // path may carry a query
	header       map[string]string
	body         string
	service      string // the signing name; "" sends the request unsigned
	key, secret  string // default clientKey, clientSecret
	token        string // a session token to sign with
	payload      string // S3's X-Amz-Content-Sha256 ("" for the body's hash)
	presign      bool
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// request builds c for the server at base, signed with the SDK's signer.
func (c call) request(t testing.TB, base string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	if c.service == "" {
		return r
	}
	key, secret := c.key, c.secret
	if key == "" {
		key, secret = clientKey, clientSecret
	}
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: c.token}
	hash := sha([]byte(c.body))
	signer := v4.NewSigner()
	if c.service == "s3" {
		signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if c.payload != "" {
			hash = c.payload
		}
		if !c.presign {
			r.Header.Set("X-Amz-Content-Sha256", hash)
		}
	}
	if c.presign {
		u, h, err := signer.PresignHTTP(context.Background(), creds, r, hash, c.service, "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := http.NewRequest(c.method, u, strings.NewReader(c.body))
		for k, v := range h {
			if !strings.EqualFold(k, "Host") {
				r2.Header[k] = v
			}
		}
		return r2
	}
	if err := signer.SignHTTP(context.Background(), creds, r, hash, c.service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// answer is what the gateway answered.
type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t testing.TB, c call) answer {
	t.Helper()
	return doRequest(t, c.request(t, f.srv.URL))
}

func doRequest(t testing.TB, r *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(bytes.TrimSpace(b))}
}
