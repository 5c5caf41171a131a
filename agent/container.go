package agent

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// Container is an ECS-style container credentials endpoint: GET with the
// authorization token (the contents of the token file the workload's SDK
// reads through AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) returns the task
// role's credentials as JSON.
type Container struct {
	Source *Source
	// TokenFile holds the authorization token. It is read on every request,
	// so that the token can be rotated by rewriting the file.
	TokenFile string
}

// Handler returns the endpoint's HTTP handler. Every path serves the
// credentials, so that any FULL_URI path works.
func (c *Container) Handler() http.Handler { return http.HandlerFunc(c.serve) }

func (c *Container) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		containerError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Only GET is supported.")
		return
	}
	want, err := os.ReadFile(c.TokenFile)
	token := strings.TrimSpace(string(want))
	if err != nil || token == "" {
		containerError(w, http.StatusInternalServerError, "ServiceUnavailable", "The authorization token file cannot be read.")
		return
	}
	got := r.Header.Get("Authorization")
	if got == "" {
		containerError(w, http.StatusUnauthorized, "Unauthorized", "The request has no Authorization header.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		containerError(w, http.StatusForbidden, "AccessDenied", "The authorization token is not valid.")
		return
	}
	creds, err := c.Source.Get(r.Context())
	if err != nil {
		status, code, msg := http.StatusInternalServerError, "ServiceUnavailable", err.Error()
		if e, ok := errors.AsType[*Error](err); ok {
			status, code, msg = http.StatusForbidden, e.Code, e.Message
			if e.Status >= 500 {
				status = http.StatusInternalServerError
			}
		}
		containerError(w, status, code, msg)
		return
	}
	b, _ := json.Marshal(map[string]string{"AccessKeyId": creds.AccessKeyID, "SecretAccessKey": creds.SecretAccessKey,
		"Token": creds.Token, "Expiration": stamp(creds.Expiration), "RoleArn": creds.RoleArn})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// containerError is the endpoint's error body, which the SDKs read
// ({"code": ..., "message": ...}).
func containerError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"code": code, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
