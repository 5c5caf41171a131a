package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/server"
)

// defaultConsoleAddr is where `iamd console` listens: loopback only, as
// a dump is an account's whole configuration.
const defaultConsoleAddr = "127.0.0.1:4264"

func newConsoleCommand() *cobra.Command {
	var from, addr string
	cmd := &cobra.Command{
		Use:   "console --from FILE",
		Short: "Open the web console's views of an account dump, read-only",
		Long: `Serve the console's read-only views (users, groups, roles, policies and their details, the
permissions graph with its escalation paths, the credential report) over a dump (the JSON of
aws iam get-account-authorization-details). There is no sign-in and nothing can be changed:
no page has a form that writes, and every POST is refused. The dump is imported into a
temporary store, removed on exit; it listens on loopback unless --addr says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return usageError("--from: the account dump to show")
			}
			return serveDumpConsole(ctxOf(cmd), from, addr, func(url string) {
				fmt.Fprintf(cmd.OutOrStdout(), "iamd console: %s (read-only; Ctrl-C stops)\n", url)
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "account dump (aws iam get-account-authorization-details)")
	cmd.Flags().StringVar(&addr, "addr", defaultConsoleAddr, "address to listen on")
	return cmd
}

// serveDumpConsole imports a dump into a temporary store and serves the
// read-only console over it until ctx ends; ready gets its URL.
func serveDumpConsole(ctx context.Context, path, addr string, ready func(url string)) error {
	d, err := analysis.LoadDump(path)
	if err != nil {
		return usageError("%v", err)
	}
	acct, err := analysis.NewAccount(d)
	if err != nil {
		return usageError("%v", err)
	}
	dir, err := os.MkdirTemp("", "iamd-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The store's server listens on a loopback port for the import only:
	// its one root key is deleted afterwards, so its API takes no call.
	id, secret := "AKIA"+strings.ToUpper(randomHex(16)), randomHex(40)
	opt := server.Options{Addr: "127.0.0.1:0", DataDir: dir, RootKeyID: id, RootSecret: secret, Partition: acct.Partition,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if acct.ID != "" {
		opt.AccountID = acct.ID
	}
	inst, err := server.Start(ctx, opt)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		inst.Close(cctx)
	}()
	c := awsiam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(inst.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: &http.Client{Timeout: time.Minute}})
	if _, err := iamsync.Push(ctx, c, d); err != nil {
		return fmt.Errorf("importing %s: %w", path, err)
	}
	if _, err := c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError("--addr %s: %v", addr, err)
	}
	hs := &http.Server{Handler: inst.ReadOnlyConsole(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	ready("http://" + ln.Addr().String() + "/console/home")
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
