package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// cannedTransport answers every forwarded request at once, so that the
// benchmark measures the gateway's own work and none of the network's.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r, ContentLength: int64(len(c.body)),
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(bytes.NewReader(c.body))}, nil
}

// BenchmarkServeHTTP is one authorized DynamoDB GetItem through the
// gateway (verify, map, decide, re-sign, forward, log) without a network.
func BenchmarkServeHTTP(b *testing.B) {
	answer := []byte(`{"Item":{"id":{"S":"1"}}}`)
	f := newFixtureWith(b, func(c *Config) {
		c.Transport = cannedTransport{answer}
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // formatted as in production, written nowhere
	}, "dynamodb:GetItem")
	c := call{method: "POST", path: "/", service: "dynamodb", body: `{"TableName":"t","Key":{"id":{"S":"1"}}}`,
		header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}}
	signedReq := c.request(b, "http://127.0.0.1:4566")
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(c.body))
		r.Header = signedReq.Header.Clone()
		w := httptest.NewRecorder()
		f.gw.ServeHTTP(w, r)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), answer) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
