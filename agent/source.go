// Package agent serves a role's temporary credentials to workloads the way
// AWS's own endpoints do: an EC2 instance metadata service (IMDSv2, with
// the IMDSv1 fallback when enabled) for an instance profile, and an ECS
// container credentials endpoint for a task role. The unchanged AWS SDKs
// find them through AWS_EC2_METADATA_SERVICE_ENDPOINT and
// AWS_CONTAINER_CREDENTIALS_FULL_URI.
//
// The agent gets the credentials from iamd with its own (standard AWS
// environment) credentials through iamd's STS action AssumeRoleForService
// (see sts.ActionAssumeRoleForService): the agent's principal needs
// iam:PassRole on the role for the service, and the role's trust policy
// must trust the service principal, as on AWS.
package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials are a role session's credentials and where they came from.
type Credentials struct {
	AccessKeyID, SecretAccessKey, Token string
	Expiration, LastUpdated             time.Time
	RoleArn, SessionArn                 string
	InstanceProfileArn                  string
	InstanceProfileID                   string
}

// RoleName is the role's name (the last part of its ARN).
func (c *Credentials) RoleName() string { return c.RoleArn[strings.LastIndexByte(c.RoleArn, '/')+1:] }

// Source gets a role's credentials from iamd and renews them before they
// expire.
type Source struct {
	Endpoint    string                  // iamd's URL
	Region      string                  // signing region (default us-east-1)
	Credentials aws.CredentialsProvider // the agent's own credentials
	// Params are AssumeRoleForService's: ServicePrincipal, and
	// InstanceProfileName or RoleArn; RoleSessionName, SourceArn,
	// DurationSeconds.
	Params url.Values
	HTTP   *http.Client
	Now    func() time.Time
	// RefreshBefore renews credentials with less than this left (default
	// 15 minutes, at most a quarter of their lifetime), so that workloads
	// always get credentials with time to use them.
	RefreshBefore time.Duration

	mu  sync.Mutex
	cur *Credentials
}

// Error is an error iamd answered with.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string { return fmt.Sprintf("iamd: %s: %s", e.Code, e.Message) }

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Get returns current credentials, fetching new ones when none are held
// or the held ones are due for renewal. When renewal fails, credentials
// that have not expired are still served.
func (s *Source) Get(ctx context.Context) (*Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if c := s.cur; c != nil {
		before := s.RefreshBefore
		if before <= 0 {
			before = 15 * time.Minute
		}
		if life := c.Expiration.Sub(c.LastUpdated); before > life/4 {
			before = life / 4
		}
		if now.Before(c.Expiration.Add(-before)) {
			return c, nil
		}
	}
	c, err := s.fetch(ctx, now)
	if err != nil {
		if s.cur != nil && now.Before(s.cur.Expiration) {
			return s.cur, nil
		}
		return nil, err
	}
	s.cur = c
	return c, nil
}

type fetchResult struct {
	Result struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken string
			Expiration                                 time.Time
		}
		AssumedRoleUser                                struct{ Arn string }
		RoleArn, InstanceProfileArn, InstanceProfileId string
	} `xml:"AssumeRoleForServiceResult"`
}

type errorResponse struct {
	Error struct{ Code, Message string }
}

// fetch calls AssumeRoleForService, signed with the agent's credentials.
func (s *Source) fetch(ctx context.Context, now time.Time) (*Credentials, error) {
	form := url.Values{"Action": {"AssumeRoleForService"}, "Version": {"2011-06-15"}}
	for k, v := range s.Params {
		form[k] = v
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(s.Endpoint, "/")+"/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	own, err := s.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("agent credentials: %w", err)
	}
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, own, req, hex.EncodeToString(sum[:]), "sts", region, time.Now()); err != nil { // the wall clock: iamd checks it
		return nil, err
	}
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e errorResponse
		if xml.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return nil, &Error{Status: resp.StatusCode, Code: "ServiceUnavailable", Message: resp.Status}
		}
		return nil, &Error{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	var r fetchResult
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("iamd's answer: %w", err)
	}
	c := r.Result.Credentials
	if c.AccessKeyId == "" {
		return nil, fmt.Errorf("iamd's answer has no credentials")
	}
	return &Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken,
		Expiration: c.Expiration, LastUpdated: now.UTC().Truncate(time.Second), RoleArn: r.Result.RoleArn,
		SessionArn: r.Result.AssumedRoleUser.Arn, InstanceProfileArn: r.Result.InstanceProfileArn, InstanceProfileID: r.Result.InstanceProfileId}, nil
}
