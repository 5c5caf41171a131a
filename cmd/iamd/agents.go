package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/spf13/cobra"

	"github.com/iamd/iamd/agent"
)

type agentFlags struct {
	server, addr, region, sessionName, logLevel string
	duration                                    int
	// imds
	profile, instanceID string
	v1                  bool
	// container-credentials
	role, tokenFile string
}

func (f *agentFlags) common(cmd *cobra.Command, defaultAddr string) {
	fl := cmd.Flags()
	fl.StringVar(&f.server, "server", "", "iamd's URL (required)")
	fl.StringVar(&f.addr, "addr", defaultAddr, "listen address (the SDKs accept only loopback hosts for http endpoints)")
	fl.StringVar(&f.region, "region", "us-east-1", "region the agent signs its calls to iamd for")
	fl.IntVar(&f.duration, "duration", 3600, "lifetime of the role sessions, in seconds (at most the role's MaxSessionDuration)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

const agentAuth = `The agent calls iamd with the standard AWS environment credentials
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or a profile), through iamd's
STS action AssumeRoleForService: that principal needs iam:PassRole on the role with
iam:PassedToService set to the service, and the role's trust policy must allow sts:AssumeRole
to the service principal, as on AWS.`

func newIMDSCommand() *cobra.Command {
	var f agentFlags
	cmd := &cobra.Command{
		Use:   "imds",
		Short: "Serve an instance profile's role credentials as the EC2 instance metadata service",
		Long: `Play an EC2 instance's metadata service for one instance profile: IMDSv2 (PUT
/latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then GETs with
X-aws-ec2-metadata-token), IMDSv1 only with --imds-v1, and under /latest/meta-data/ the
instance id, placement, iam/info and iam/security-credentials/ROLE with the role's temporary
credentials, renewed before they expire. Point the SDKs at it with
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://ADDR.

The role's trust policy must trust ec2.amazonaws.com. ` + agentAuth,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.profile == "" {
				return usageError("--instance-profile is required")
			}
			if f.instanceID == "" {
				f.instanceID = "i-" + randomHex(17)
			}
			params := url.Values{"ServicePrincipal": {"ec2.amazonaws.com"}, "InstanceProfileName": {f.profile}, "RoleSessionName": {f.instanceID}}
			src, err := f.source(cmd.Context(), params)
			if err != nil {
				return err
			}
			m := &agent.IMDS{Source: src, InstanceID: f.instanceID, Region: f.region, AllowV1: f.v1}
			return runAgent(cmd.Context(), cmd.OutOrStdout(), f.addr, m.Handler(), func(url string) string {
				return fmt.Sprintf("iamd imds: instance %s, profile %s\n\n  export AWS_EC2_METADATA_SERVICE_ENDPOINT=%s\n", f.instanceID, f.profile, url)
			})
		},
	}
	f.common(cmd, "127.0.0.1:1338")
	cmd.Flags().StringVar(&f.profile, "instance-profile", "", "the instance profile whose role the instance has (required)")
	cmd.Flags().StringVar(&f.instanceID, "instance-id", "", "the instance's id, the role session's name (random i-... when empty)")
	cmd.Flags().BoolVar(&f.v1, "imds-v1", false, "also answer requests without a session token (IMDSv1)")
	bindEnv(cmd.Flags(), "IAMD_IMDS_")
	return cmd
}

func newContainerCredentialsCommand() *cobra.Command {
	var f agentFlags
	cmd := &cobra.Command{
		Use:   "container-credentials",
		Short: "Serve a task role's credentials as the ECS container credentials endpoint",
		Long: `Serve a role's temporary credentials the way the ECS container credentials endpoint
does: a GET with the authorization token in the Authorization header returns JSON
(AccessKeyId, SecretAccessKey, Token, Expiration, RoleArn). The token is the content of
--token-file (created with a random token when absent; reread on every request, so it can be
rotated). Point the SDKs at it with AWS_CONTAINER_CREDENTIALS_FULL_URI=http://ADDR/ and
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=FILE (the SDKs accept only loopback hosts over http).

The role's trust policy must trust ecs-tasks.amazonaws.com. ` + agentAuth,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.role == "" || f.tokenFile == "" {
				return usageError("--role and --token-file are required")
			}
			if err := ensureTokenFile(f.tokenFile); err != nil {
				return err
			}
			session := f.sessionName
			if session == "" {
				session = randomHex(32) // as a task id
			}
			params := url.Values{"ServicePrincipal": {"ecs-tasks.amazonaws.com"}, "RoleArn": {f.role}, "RoleSessionName": {session}}
			src, err := f.source(cmd.Context(), params)
			if err != nil {
				return err
			}
			c := &agent.Container{Source: src, TokenFile: f.tokenFile}
			return runAgent(cmd.Context(), cmd.OutOrStdout(), f.addr, c.Handler(), func(url string) string {
				return fmt.Sprintf("iamd container-credentials: role %s\n\n  export AWS_CONTAINER_CREDENTIALS_FULL_URI=%s/v2/credentials\n  export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s\n", f.role, url, f.tokenFile)
			})
		},
	}
	f.common(cmd, "127.0.0.1:1339")
	cmd.Flags().StringVar(&f.role, "role", "", "ARN of the task role (required)")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the authorization token (required; created when absent)")
	cmd.Flags().StringVar(&f.sessionName, "session-name", "", "the role session's name (a random task id when empty)")
	bindEnv(cmd.Flags(), "IAMD_CONTAINER_")
	return cmd
}

// source builds the credential source from the agent's own environment
// credentials. The metadata service is off for them: the agent must not
// ask itself.
func (f *agentFlags) source(ctx context.Context, params url.Values) (*agent.Source, error) {
	if f.server == "" {
		return nil, usageError("--server is required")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(f.region), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, usageError("no AWS credentials for the agent in its environment: %v", err)
	}
	params.Set("DurationSeconds", fmt.Sprint(f.duration))
	return &agent.Source{Endpoint: f.server, Region: f.region, Credentials: cfg.Credentials, Params: params}, nil
}

// runAgent serves h on addr until SIGINT or SIGTERM.
func runAgent(ctx context.Context, stdout io.Writer, addr string, h http.Handler, banner func(url string) string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	fmt.Fprint(stdout, banner("http://"+ln.Addr().String()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// ensureTokenFile creates the token file with a random token (mode 0600)
// when it does not exist.
func ensureTokenFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return os.WriteFile(path, []byte(randomHex(32)), 0o600)
	}
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(data)) == "" {
		return usageError("%s is empty: the token file must hold the authorization token", path)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
