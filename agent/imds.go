package agent

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IMDS is an EC2 instance metadata service for one instance whose
// instance profile's role credentials come from a Source.
type IMDS struct {
	Source     *Source
	InstanceID string
	Region     string
	// AllowV1 serves requests without a session token (IMDSv1). Off, every
	// GET needs a token from PUT /latest/api/token (IMDSv2 required, as
	// HttpTokens=required sets it on EC2).
	AllowV1 bool
	Now     func() time.Time

	key []byte // signs session tokens
}

// Header names and limits of IMDSv2.
const (
	headerTTL     = "X-aws-ec2-metadata-token-ttl-seconds"
	headerToken   = "X-aws-ec2-metadata-token"
	maxTokenTTL   = 21600
	tokenPath     = "/latest/api/token"
	metadataPath  = "/latest/meta-data/"
	credsPath     = metadataPath + "iam/security-credentials/"
	identityPath  = "/latest/dynamic/instance-identity/document"
	metadataIndex = "iam/\ninstance-id\nplacement/"
)

func (m *IMDS) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Handler returns the metadata service's HTTP handler.
func (m *IMDS) Handler() http.Handler {
	m.key = make([]byte, 32)
	rand.Read(m.key)
	return http.HandlerFunc(m.serve)
}

func (m *IMDS) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	if r.URL.Path == tokenPath {
		m.serveToken(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, PUT")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if tok := r.Header.Get(headerToken); tok != "" {
		if !m.validToken(tok) {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	} else if !m.AllowV1 {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	m.serveMetadata(w, r)
}

// serveToken issues a session token for PUT /latest/api/token.
func (m *IMDS) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("X-Forwarded-For") != "" {
		// A token request that went through a proxy: refused, so that a
		// misconfigured proxy on the instance cannot hand tokens out.
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get(headerTTL))
	if err != nil || ttl < 1 || ttl > maxTokenTTL {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	exp := m.now().Add(time.Duration(ttl) * time.Second).Unix()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(exp))
	mac := hmac.New(sha256.New, m.key)
	mac.Write(b[:])
	tok := base64.RawURLEncoding.EncodeToString(append(b[:], mac.Sum(nil)...))
	w.Header().Set(headerTTL, strconv.Itoa(ttl))
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte(tok))
}

// validToken checks a token this service issued and that has not expired.
func (m *IMDS) validToken(tok string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 8+sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write(raw[:8])
	if !hmac.Equal(mac.Sum(nil), raw[8:]) {
		return false
	}
	return m.now().Unix() < int64(binary.BigEndian.Uint64(raw[:8]))
}

func (m *IMDS) serveMetadata(w http.ResponseWriter, r *http.Request) {
	text := func(s string) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(s))
	}
	p := r.URL.Path
	switch {
	case p == "/" || p == "/latest" || p == "/latest/":
		text("dynamic\nmeta-data")
	case p == metadataPath || p == strings.TrimSuffix(metadataPath, "/"):
		text(metadataIndex)
	case p == metadataPath+"instance-id":
		text(m.InstanceID)
	case p == metadataPath+"placement/" || p == metadataPath+"placement":
		text("availability-zone\nregion")
	case p == metadataPath+"placement/region":
		text(m.Region)
	case p == metadataPath+"placement/availability-zone":
		text(m.Region + "a")
	case p == metadataPath+"iam/" || p == metadataPath+"iam":
		text("info\nsecurity-credentials/")
	case p == metadataPath+"iam/info":
		c, err := m.Source.Get(r.Context())
		if err != nil {
			m.failure(w, err)
			return
		}
		writeJSON(w, map[string]string{"Code": "Success", "LastUpdated": stamp(c.LastUpdated),
			"InstanceProfileArn": c.InstanceProfileArn, "InstanceProfileId": c.InstanceProfileID})
	case p == credsPath || p == strings.TrimSuffix(credsPath, "/"):
		c, err := m.Source.Get(r.Context())
		if err != nil {
			http.Error(w, "Not Found", http.StatusNotFound) // no role to list
			return
		}
		text(c.RoleName())
	case strings.HasPrefix(p, credsPath):
		c, err := m.Source.Get(r.Context())
		if err != nil {
			m.failure(w, err)
			return
		}
		if strings.TrimPrefix(p, credsPath) != c.RoleName() {
			http.Error(w, "Not Found", http.StatusNotFound)
			return
		}
		writeJSON(w, map[string]string{"Code": "Success", "LastUpdated": stamp(c.LastUpdated), "Type": "AWS-HMAC",
			"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey, "Token": c.Token, "Expiration": stamp(c.Expiration)})
	case p == identityPath:
		account := ""
		if c, err := m.Source.Get(r.Context()); err == nil {
			account = accountOf(c.RoleArn)
		}
		writeJSON(w, map[string]any{"accountId": account, "instanceId": m.InstanceID, "region": m.Region,
			"availabilityZone": m.Region + "a", "architecture": "x86_64", "imageId": "ami-00000000000000000",
			"instanceType": "m5.large", "privateIp": "127.0.0.1", "version": "2017-09-30",
			"pendingTime": stamp(m.now()), "devpayProductCodes": nil, "marketplaceProductCodes": nil,
			"billingProducts": nil, "kernelId": nil, "ramdiskId": nil})
	default:
		http.Error(w, "Not Found", http.StatusNotFound)
	}
}

// failure answers as IMDS does when the role's credentials cannot be had:
// a JSON document whose Code is not Success (the SDKs report it).
func (m *IMDS) failure(w http.ResponseWriter, err error) {
	code, msg := "AssumeRoleUnauthorizedAccess", err.Error()
	if e, ok := errors.AsType[*Error](err); ok {
		code, msg = e.Code, e.Message
	}
	writeJSON(w, map[string]string{"Code": code, "Message": msg, "LastUpdated": stamp(m.now())})
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	w.Header().Set("Content-Type", "text/plain") // as IMDS labels it
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// accountOf is the account of an ARN.
func accountOf(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
