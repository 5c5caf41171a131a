package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/gateway/actions"
)

// A lookup the backend cannot answer is an error, so the call is refused
// instead of decided on the alias's ARN (where a Deny on the key would not
// apply); no such alias is no answer, not an error; a found key is cached.
func TestLookupFailsClosed(t *testing.T) {
	var reads atomic.Int32
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		var in struct{ KeyId string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch in.KeyId {
		case "alias/app":
			_, _ = w.Write([]byte(`{"KeyMetadata":{"Arn":"arn:aws:kms:us-east-1:123456789012:key/k1","KeyId":"k1"}}`))
		case "alias/gone":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"NotFoundException","message":"Alias not found"}`))
		default:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"__type":"KMSInternalException","message":"boom"}`))
		}
	}))
	t.Cleanup(be.Close)
	p := NewBackendPolicies(BackendConfig{Endpoint: func(string) string { return be.URL }, TTL: time.Minute, MaxEntries: 8})

	for range 2 {
		if k, err := p.kmsAlias("123456789012", "us-east-1", "alias/app"); err != nil || k != "arn:aws:kms:us-east-1:123456789012:key/k1" {
			t.Fatalf("alias/app: %q %v", k, err)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for a found key, want 1 (cached)", n)
	}
	if k, err := p.kmsAlias("123456789012", "us-east-1", "alias/gone"); err != nil || k != "" {
		t.Fatalf("alias/gone: %q %v", k, err)
	}
	if k, err := p.kmsAlias("123456789012", "us-east-1", "alias/broken"); err == nil || k != "" {
		t.Fatalf("alias/broken: %q %v, want an error", k, err)
	}

	// The mapper refuses the call whose lookup failed.
	m := &actions.Mapper{}
	p.wireMapper(m)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	_, err := m.Map(&actions.Request{Service: "kms", HTTP: req, Body: []byte(`{"KeyId":"alias/broken","Plaintext":"eA=="}`), Region: "us-east-1", Account: "123456789012"})
	if !errors.Is(err, actions.ErrLookup) {
		t.Fatalf("Map: %v, want ErrLookup", err)
	}
	res, err := m.Map(&actions.Request{Service: "kms", HTTP: req, Body: []byte(`{"KeyId":"alias/app","Plaintext":"eA=="}`), Region: "us-east-1", Account: "123456789012"})
	if err != nil || res.Authorizations[0].Resource != "arn:aws:kms:us-east-1:123456789012:key/k1" {
		t.Fatalf("Map alias/app: %+v %v", res, err)
	}
}
