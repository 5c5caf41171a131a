package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/api/awserr"
)

// key is a credential the fake lookup knows.
type key struct {
	secret string
	token  string // required session token, "" for long-term keys
}

// fakeCreds answers as the auth layer would: unknown keys and wrong
// session tokens are InvalidClientTokenId.
type fakeCreds map[string]key

func (f fakeCreds) SecretFor(_ context.Context, id, token string) (string, error) {
	k, ok := f[id]
	if !ok || k.token != token {
		return "", ErrInvalidClientTokenID()
	}
	return k.secret, nil
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(amzDateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// wire sends r through HTTP/1.1 framing and parses it back as a server
// would, so the verifier sees exactly what it sees in production.
func wire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return readRaw(t, b.String())
}

// readRaw parses a request as written on the wire ("\n" line ends are
// made "\r\n").
func readRaw(t testing.TB, raw string) (*http.Request, []byte) {
	t.Helper()
	if !strings.Contains(raw, "\r\n") {
		head, body, _ := strings.Cut(raw, "\n\n")
		raw = strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("parse request: %v\n%s", err, raw)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

// codeOf is the AWS error code of err, "" for nil.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "not an awserr: " + err.Error()
}

// canonicalOf is the canonical request the verifier builds for r.
func canonicalOf(t testing.TB, r *http.Request, body []byte) string {
	t.Helper()
	sc := &scratch{}
	var s signed
	if err := parseRequest(r, &s, sc); err != nil {
		t.Fatalf("parse: %v", err)
	}
	hash := payloadHash(nil, r, sc.query, body, false)
	return string(appendCanonicalRequest(nil, r, &s, sc.query, hash))
}
