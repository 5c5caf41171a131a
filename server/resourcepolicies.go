package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/gateway"
)

// ResourcePoliciesPath lists the resource-based policies the gateway
// decides with (bucket, queue, topic, key, secret, function, repository
// and table policies of the backend) for the caller's account, as the
// JSON lines the analysis commands read ({"arn": ..., "policy": ...}, and
// a function's "role"). The call is SigV4-signed for iam, and the caller
// needs iam:GetAccountAuthorizationDetails: the listing shows the same
// kind of thing (who is granted what), and AWS's analysers ask for it.
const ResourcePoliciesPath = "/iamd/resource-policies"

// ResourcePoliciesGatewayHeader says whether a gateway is configured
// ("none": the list is empty because there is no backend to read).
const ResourcePoliciesGatewayHeader = "X-Iamd-Gateway"

// ResourcePoliciesTruncatedHeader is "true" when the account has more
// resources than max-items.
const ResourcePoliciesTruncatedHeader = "X-Iamd-Truncated"

// maxResourcePolicies bounds one listing (and is max-items' default).
const maxResourcePolicies = 10000

// ResourceInventory lists an account's resources with their policies
// (gateway.BackendPolicies).
type ResourceInventory interface {
	Inventory(ctx context.Context, account string, limit int) ([]gateway.InventoryEntry, error)
}

func (s *Server) serveResourcePolicies(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{id: newRequestID(), service: "iamd", action: "ListResourcePolicies"}
	w.Header().Set("x-amzn-RequestId", c.id)
	entries, truncated, err := s.resourcePolicies(r, c)
	code := ""
	if err != nil {
		e := s.awsError(c, err)
		code = e.Code
		writeJSON(w, e.Status, map[string]any{"error": AuthorizeError{Code: e.Code, Message: e.Message}, "requestId": c.id})
	} else {
		h := w.Header()
		h.Set("Content-Type", "application/x-ndjson")
		if s.inventory == nil {
			h.Set(ResourcePoliciesGatewayHeader, "none")
		}
		if truncated {
			h.Set(ResourcePoliciesTruncatedHeader, "true")
		}
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				break // the client went away
			}
		}
	}
	s.metrics.observe(c.service, c.action, code, time.Since(start))
	attrs := []any{"request_id", c.id, "action", c.action, "error", code, "resources", len(entries)}
	if c.caller != nil {
		attrs = append(attrs, "caller", c.caller.ARN)
	}
	s.log.Info("resource policies", attrs...)
}

func (s *Server) resourcePolicies(r *http.Request, c *call) ([]gateway.InventoryEntry, bool, error) {
	ctx := r.Context()
	caller, _, err := s.auth.AuthenticateService(ctx, r, nil, "iam")
	if err != nil {
		return nil, false, err
	}
	caller.SourceIP, caller.UserAgent, caller.SecureTransport, caller.Time = sourceIP(r), r.UserAgent(), r.TLS != nil, s.now()
	c.caller = caller
	ctx = c.callerContext(ctx, caller)
	if err := s.guard.Check(ctx, "iam:GetAccountAuthorizationDetails", "*", nil); err != nil {
		return nil, false, err
	}
	limit := maxResourcePolicies
	if v := r.URL.Query().Get("max-items"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxResourcePolicies {
			return nil, false, awserr.ValidationError("max-items must be a number from 1 to 10000.")
		}
		limit = n
	}
	if s.inventory == nil {
		return nil, false, nil
	}
	entries, err := s.inventory.Inventory(ctx, caller.Account, limit)
	if errors.Is(err, gateway.ErrInventoryTruncated) {
		return entries, true, nil
	}
	if err != nil {
		// A listing without some resource would hide its grants: none.
		s.log.Warn("resource policies: reading the backend", "request_id", c.id, "err", err)
		return nil, false, awserr.New("ServiceUnavailable", http.StatusServiceUnavailable, "The resource policies could not be read from the backend.")
	}
	return entries, false, nil
}
