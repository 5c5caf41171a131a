package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/server"
)

// maxServedPolicies bounds what is read of a server's listing (its own
// bound is 10,000 lines of policies of at most 20 KB).
const maxServedPolicies = 256 << 20

// serverResourcePolicies reads the resource policies a running iamd's
// gateway holds for the caller's account (GET /iamd/resource-policies,
// signed like an IAM call with the SDK's credentials). note says, for
// stderr, what the analysis then lacks: no gateway, a server that does
// not list them, a listing cut at its bound. A refusal is an error: the
// answers would silently miss the grants resources make.
func serverResourcePolicies(ctx context.Context, endpoint string) ([]analysis.ResourcePolicyLine, string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, "", usageError("AWS configuration: %v", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, "", usageError("AWS credentials: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+server.ResourcePoliciesPath, nil)
	if err != nil {
		return nil, "", usageError("--endpoint-url %s: %v", endpoint, err)
	}
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "iam", region, time.Now()); err != nil {
		return nil, "", err
	}
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("reading the resource policies of %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxServedPolicies))
	if err != nil {
		return nil, "", fmt.Errorf("reading the resource policies of %s: %w", endpoint, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusOK && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson"):
		// Not iamd, or an iamd before the listing.
		return nil, "the server lists no resource policies: the answers leave out what resource policies grant (--resource-policies FILE adds them)", nil
	case resp.StatusCode != http.StatusOK:
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return nil, "", fmt.Errorf("reading the resource policies of %s: %s: %s", endpoint, e.Error.Code, e.Error.Message)
		}
		// Not iamd's answer: another server that does not list them.
		return nil, fmt.Sprintf("the server lists no resource policies (HTTP %d): the answers leave out what resource policies grant (--resource-policies FILE adds them)", resp.StatusCode), nil
	}
	lines, err := analysis.ReadResourcePolicies(bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("the resource policies of %s: %w", endpoint, err)
	}
	note := ""
	switch {
	case resp.Header.Get(server.ResourcePoliciesGatewayHeader) == "none":
		note = "the server has no gateway: no resource policies to read"
	case resp.Header.Get(server.ResourcePoliciesTruncatedHeader) == "true":
		note = fmt.Sprintf("the server listed its first %d resources only: the answers may miss what the others' policies grant", len(lines))
	case len(lines) > 0:
		note = fmt.Sprintf("with the %d resource policies of the server's gateway", len(lines))
	}
	return lines, note, nil
}
