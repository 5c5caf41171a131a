package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // on --pprof-addr only: the default mux is not served otherwise
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamd/iamd/gateway"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

type serveFlags struct {
	addr, data, accountID string
	store                 string
	logFormat, logLevel   string
	maxConns              int
	maxConnsPerClient     int
	quotaUsers            int
	quotaRoles            int
	quotaPolicies         int
	quotaGroups           int
	pprofAddr             string
	auditLog              string
	auditReads            bool
	oidcAllowHTTP         bool
	partition             string
	backends              []string
	backendCredentials    string
	enforcement           string
	s3Hosts               []string
}

func newServeCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the IAM and STS server",
		Long: `Run the IAM and STS server on an embedded SQLite store in the data directory.

The first start creates the account and its root credentials and prints how to use them.
Every flag can also be set by an environment variable (IAMD_ADDR, IAMD_DATA,
IAMD_ACCOUNT_ID, IAMD_LOG_FORMAT, ...). IAMD_ROOT_ACCESS_KEY_ID and
IAMD_ROOT_SECRET_ACCESS_KEY choose the root credentials (any id and secret), and
IAMD_SEAL_KEY (base64, 32 bytes) the key that encrypts secrets at rest instead of the
seal.key file in the data directory, and IAMD_TOKEN_KEYS the key ring that seals session
tokens ("id:base64" entries, newest first, comma-separated) instead of the token.keys file.

--store postgres://user:pass@host/db (or IAMD_STORE) keeps the state in PostgreSQL instead,
shared by any number of nodes; every node must then get the same IAMD_SEAL_KEY and
IAMD_TOKEN_KEYS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", server.DefaultAddr, "listen address")
	fl.StringVar(&f.data, "data", ".iamd", "data directory")
	fl.StringVar(&f.store, "store", "", "PostgreSQL URL (postgres://…) shared by many nodes; empty: SQLite in the data directory")
	fl.StringVar(&f.accountID, "account-id", "", "account to create on first start (random 12 digits when empty)")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fl.IntVar(&f.maxConns, "max-conns", 1024, "maximum concurrent connections")
	fl.IntVar(&f.maxConnsPerClient, "max-conns-per-client", 0, "maximum concurrent connections of one client address (default max-conns/8, at least 64)")
	fl.StringVar(&f.auditLog, "audit-log", "audit.log", `audit log of mutating and refused calls (JSON lines): a file (relative to the data directory; SIGHUP reopens it), "-" for standard output, "off" for none`)
	fl.BoolVar(&f.auditReads, "audit-log-reads", false, "also audit allowed read-only calls (Get*, List*, ...), so that the log holds every call for iamd generate-policy")
	fl.StringVar(&f.pprofAddr, "pprof-addr", "", "serve Go profiles (net/http/pprof) on this address; off when empty")
	fl.StringVar(&f.partition, "partition", "aws", "the AWS partition this server is (aws, aws-cn, aws-us-gov, ...): principals' ARNs are in it, requests must be signed for its regions")
	fl.BoolVar(&f.oidcAllowHTTP, "oidc-allow-http", false, "for tests only: trust OIDC issuers on loopback hosts over plain http (AWS requires https)")
	fl.StringArrayVar(&f.backends, "backend", nil, "forward the other services' calls, authorized, to this AWS-compatible backend (URL, e.g. http://127.0.0.1:5000 for moto); SERVICE=URL (repeatable) sends one service elsewhere")
	fl.StringVar(&f.backendCredentials, "backend-credentials", "test:test", "KEY:SECRET the forwarded calls are signed with")
	fl.StringVar(&f.enforcement, "enforcement", "enforce", "enforce: refuse denied calls to the backends; observe: record them as would-be-denied and forward them")
	fl.StringSliceVar(&f.s3Hosts, "s3-host", []string{"localhost"}, "iamd's host names for virtual-hosted-style S3 (BUCKET.HOST)")
	q := iam.DefaultQuotas()
	fl.IntVar(&f.quotaUsers, "quota-users", q.Users, "users per account")
	fl.IntVar(&f.quotaRoles, "quota-roles", q.Roles, "roles per account")
	fl.IntVar(&f.quotaPolicies, "quota-policies", q.Policies, "customer managed policies per account")
	fl.IntVar(&f.quotaGroups, "quota-groups", q.Groups, "groups per account")
	bindEnv(fl, "IAMD_")
	return cmd
}

// bindEnv lets IAMD_<FLAG> set any flag the command line does not.
func bindEnv(fl *pflag.FlagSet, prefix string) {
	fl.VisitAll(func(f *pflag.Flag) {
		name := prefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && !f.Changed {
			_ = f.Value.Set(v)
			f.Usage += " [$" + name + "]"
		} else {
			f.Usage += " [$" + name + "]"
		}
	})
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("--log-level %q: %v", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError("--log-format %q: want text or json", format)
}

func serve(ctx context.Context, stdout, stderr io.Writer, f *serveFlags) error {
	logger, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	quotas := iam.DefaultQuotas()
	quotas.Users, quotas.Roles, quotas.Policies, quotas.Groups = f.quotaUsers, f.quotaRoles, f.quotaPolicies, f.quotaGroups
	opt := server.Options{
		Addr: f.addr, DataDir: f.data, Store: f.store, AccountID: f.accountID, TokenKeys: os.Getenv("IAMD_TOKEN_KEYS"), Logger: logger, Quotas: &quotas, MaxConns: f.maxConns, MaxConnsPerClient: f.maxConnsPerClient,
		OIDCAllowHTTP: f.oidcAllowHTTP,
		RootKeyID:     os.Getenv("IAMD_ROOT_ACCESS_KEY_ID"), RootSecret: os.Getenv("IAMD_ROOT_SECRET_ACCESS_KEY"),
	}
	opt.Partition = f.partition
	if opt.Gateway, err = gatewayOptions(f); err != nil {
		return err
	}
	if (opt.RootKeyID == "") != (opt.RootSecret == "") {
		return usageError("set both IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	if opt.SealKey, err = sealKeyFromEnv(); err != nil {
		return err
	}
	audit, closeAudit, err := openAuditLog(stdout, f.data, f.auditLog)
	if err != nil {
		return err
	}
	defer closeAudit()
	opt.AuditLog = audit
	opt.AuditReads = f.auditReads
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if f.store == "" {
		// One process owns a SQLite store: an offline import (or a second
		// server) on the directory is refused while this one runs.
		lock, err := server.LockDataDir(f.data)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	inst, err := server.Start(ctx, opt)
	if err != nil {
		return err
	}
	logger.Info("iamd serving", "url", inst.URL, "account", inst.Account, "data", f.data, "store", inst.Store)
	if f.pprofAddr != "" {
		go func() {
			// The profiles leak internals: bind them to loopback.
			logger.Info("pprof", "err", http.ListenAndServe(f.pprofAddr, nil))
		}()
	}
	where := f.data
	if f.store != "" {
		where = "the database"
	}
	if inst.Created {
		fmt.Fprintf(stdout, `iamd created account %s. Use it with:

  export AWS_ACCESS_KEY_ID=%s
  export AWS_SECRET_ACCESS_KEY=%s
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ENDPOINT_URL_IAM=%s
  export AWS_ENDPOINT_URL_STS=%s

The secret is shown only now; it is stored encrypted in %s.
`, inst.Account, inst.RootKeyID, inst.RootSecret, inst.URL, inst.URL, where)
	}
	select {
	case <-ctx.Done():
	case err := <-waitErr(inst):
		return err
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return inst.Close(shutdownCtx)
}

func waitErr(inst *server.Instance) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- inst.Wait() }()
	return ch
}

// openAuditLog opens the audit log the flag names, appending.
func openAuditLog(stdout io.Writer, dataDir, name string) (io.Writer, func(), error) {
	switch name {
	case "off", "":
		return nil, func() {}, nil
	case "-":
		return stdout, func() {}, nil
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(dataDir, name)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return nil, nil, err
	}
	f, err := openLogFile(name)
	if err != nil {
		return nil, nil, err
	}
	// SIGHUP reopens it: rotate by moving the file away, then signalling.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				_ = f.Reopen()
			case <-done:
				return
			}
		}
	}()
	return f, func() {
		signal.Stop(hup)
		close(done)
		f.Close()
	}, nil
}

// sealKeyFromEnv is the key of IAMD_SEAL_KEY (nil when unset: the data
// directory's seal.key is used).
func sealKeyFromEnv() ([]byte, error) {
	k := os.Getenv("IAMD_SEAL_KEY")
	if k == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(k)
	if err != nil || len(key) != 32 {
		return nil, usageError("IAMD_SEAL_KEY must be 32 bytes, base64-encoded")
	}
	return key, nil
}

// gatewayOptions reads --backend (URL or SERVICE=URL, repeatable),
// --backend-credentials, --enforcement and --s3-host.
func gatewayOptions(f *serveFlags) (server.GatewayOptions, error) {
	g := server.GatewayOptions{Credentials: f.backendCredentials, Enforcement: f.enforcement, S3Hosts: f.s3Hosts}
	for _, b := range f.backends {
		for _, b := range strings.Split(b, ",") { // IAMD_BACKEND may list several
			b = strings.TrimSpace(b)
			if b == "" {
				continue
			}
			svc, u, ok := strings.Cut(b, "=")
			if !ok || strings.Contains(svc, "/") {
				if g.Backend != "" {
					return g, usageError("--backend: two default backends (%s, %s)", g.Backend, b)
				}
				g.Backend = b
				continue
			}
			if g.Backends == nil {
				g.Backends = map[string]string{}
			}
			g.Backends[strings.ToLower(svc)] = u
		}
	}
	if _, err := gateway.ParseMode(f.enforcement); err != nil {
		return g, usageError("--enforcement: %v", err)
	}
	return g, nil
}
