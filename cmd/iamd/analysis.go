package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/analysis/iamsync/local"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// source is where an analysis command reads the account: a dump file, or
// the store of `iamd serve` (its data directory), read through the IAM
// API of an in-process server so the store's rules stay in one place.
type source struct {
	from, data, accountID, credReport, format string
	endpoint, resourcePolicies                string
	formats                                   []string // the command's, the first the default
	cmd                                       *cobra.Command

	// freshReport builds the credential report now instead of reading
	// the one the store keeps (up to four hours old).
	freshReport bool
	// reportAt is when the credential report read was generated (zero:
	// none, or one from a file); reportCached says it was the store's.
	reportAt     time.Time
	reportCached bool
	// served are the resource policies a live server's gateway holds
	// (read with the dump from --endpoint-url).
	served []analysis.ResourcePolicyLine
}

// warnf writes a note to the command's standard error.
func (s *source) warnf(format string, args ...any) {
	if s.cmd != nil {
		fmt.Fprintf(s.cmd.ErrOrStderr(), format+"\n", args...)
	}
}

// dataAccount is the account a --data command reads: --account-id, else
// the store's default account (the one iamd serve created on its first
// start and serves: iam.DefaultAccount), saying which when the store
// holds more.
func (s *source) dataAccount() (string, error) {
	if s.accountID != "" {
		return s.accountID, nil
	}
	svc, closer, err := openService(s.data)
	if err != nil {
		return "", err
	}
	accounts, err := svc.Accounts(context.Background())
	closer.Close()
	first, ok := iam.DefaultAccount(accounts)
	if err != nil || !ok {
		return "", err
	}
	if len(accounts) > 1 {
		s.warnf("iamd: reading account %s, the first of the %d accounts in %s (--account-id picks another)", first.ID, len(accounts), s.data)
	}
	return first.ID, nil
}

func (s *source) flags(cmd *cobra.Command, formats ...string) {
	s.cmd = cmd
	fl := cmd.Flags()
	fl.StringVar(&s.from, "from", "", "read the account from this file (the JSON of aws iam get-account-authorization-details)")
	fl.StringVar(&s.data, "data", "", "read the account from the store in this iamd serve data directory")
	fl.StringVar(&s.accountID, "account-id", "", "with --data: the account (default: the store's first)")
	fl.StringVar(&s.endpoint, "endpoint-url", "", "read the account from this IAM endpoint (a running iamd, or AWS: \"aws\"), with the AWS SDK's usual credentials")
	fl.StringVar(&s.resourcePolicies, "resource-policies", "", `resource-based policies to add to the graph: a file of JSON lines {"arn": ..., "policy": ..., "role": ...} ("role": the role a function, instance ... runs as); with --endpoint-url, instead of the server's gateway's`)
	fl.StringVar(&s.credReport, "credential-report", "", "the credential report CSV (aws iam get-credential-report, decoded) to join to the users; replaces the one read from --data or --endpoint-url")
	s.formats = formats
	if len(formats) > 0 {
		fl.StringVar(&s.format, "format", formats[0], "output format: "+strings.Join(formats, ", "))
	}
}

// checkFormat refuses a --format the command does not write.
func (s *source) checkFormat() error {
	if slices.Contains(s.formats, s.format) {
		return nil
	}
	return usageError("--format %q: want %s", s.format, strings.Join(s.formats, ", "))
}

// storeSession runs fn with an IAM client acting as the root user of the
// account in a data directory, which must exist. The server is started on
// a loopback port with a one-off root key, which is deleted afterwards.
func storeSession(ctx context.Context, data, accountID string, fn func(c *awsiam.Client, account, keyID string) error) error {
	if _, err := os.Stat(data); err != nil {
		return usageError("--data %s: %v", data, err)
	}
	id, secret := "AKIA"+strings.ToUpper(randomHex(16)), randomHex(40)
	inst, err := server.Start(ctx, server.Options{Addr: "127.0.0.1:0", DataDir: data, AccountID: accountID, RootKeyID: id, RootSecret: secret,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		inst.Close(cctx)
	}()
	c := awsiam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(inst.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient: &http.Client{Timeout: time.Minute}})
	ferr := fn(c, inst.Account, id)
	// The key is deleted even when this start created the account: a root
	// key whose secret nobody holds is only a risk (iamd serve sets root
	// keys from IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY).
	if _, err := c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)}); err != nil && ferr == nil {
		ferr = err
	}
	return ferr
}

// endpointClient is an IAM client for an endpoint ("aws" for AWS itself)
// with the credentials and region the AWS SDK finds (environment, shared
// files); the region defaults to us-east-1.
func endpointClient(ctx context.Context, endpoint string, opts ...func(*awsiam.Options)) (*awsiam.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, usageError("AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if endpoint == "aws" {
		return awsiam.NewFromConfig(cfg, opts...), nil
	}
	// Set on the client's options, which apply after the SDK resolves
	// AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL: the flag given wins over
	// the environment (on aws.Config, the service variable would).
	return awsiam.NewFromConfig(cfg, append(opts, func(o *awsiam.Options) { o.BaseEndpoint = aws.String(endpoint) })...), nil
}

// load reads the dump (and, from the store, the credential report).
func (s *source) load(ctx context.Context) (*analysis.Dump, []analysis.CredentialRow, error) {
	given := 0
	for _, v := range []string{s.from, s.data, s.endpoint} {
		if v != "" {
			given++
		}
	}
	switch {
	case given > 1:
		return nil, nil, usageError("give one of --from, --data and --endpoint-url")
	case s.endpoint != "":
		c, err := endpointClient(ctx, s.endpoint)
		if err != nil {
			return nil, nil, err
		}
		d, err := iamsync.FetchDump(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		if s.endpoint != "aws" && s.resourcePolicies == "" {
			lines, note, err := serverResourcePolicies(ctx, s.endpoint)
			if err != nil {
				return nil, nil, err
			}
			if note != "" {
				s.warnf("iamd: %s", note)
			}
			s.served = lines
		}
		if s.freshReport {
			return nil, nil, usageError("--fresh-report works with --data: a server (and AWS) regenerates its credential report at most every four hours")
		}
		if _, err := c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{}); err != nil {
			return d, nil, nil //nolint:nilerr // the caller may lack the permission: lint without it
		}
		report, at, err := iamsync.CachedCredentialReport(ctx, c)
		if err != nil || report == nil {
			return d, nil, nil //nolint:nilerr // as above
		}
		rows, err := analysis.ReadCredentialReport(bytes.NewReader(report))
		if err != nil {
			return nil, nil, err
		}
		s.reportAt, s.reportCached = at, true
		return d, rows, nil
	case s.from != "":
		d, err := analysis.LoadDump(s.from)
		if err != nil {
			return nil, nil, usageError("%v", err)
		}
		return d, nil, nil
	case s.data != "":
		if _, err := os.Stat(s.data); err != nil {
			return nil, nil, usageError("--data %s: %v", s.data, err)
		}
		account, err := s.dataAccount()
		if err != nil {
			return nil, nil, err
		}
		var d *analysis.Dump
		var rows []analysis.CredentialRow
		err = storeSession(ctx, s.data, account, func(c *awsiam.Client, account, keyID string) error {
			var err error
			if d, err = iamsync.FetchDump(ctx, c); err != nil {
				return err
			}
			rows, err = s.storeReport(ctx, c, account, partitionOf(d), keyID)
			return err
		})
		return d, rows, err
	}
	return nil, nil, usageError("give --from FILE, --data DIR or --endpoint-url URL")
}

// storeReport is the credential report of a store's account: the one the
// store keeps, when there is one and no fresh one is asked for, else one
// built now from the API. Neither shows the one-off key the command reads
// the store with, and building one caches nothing (the store's report
// would otherwise keep that key for four hours).
func (s *source) storeReport(ctx context.Context, c *awsiam.Client, account, partition, keyID string) ([]analysis.CredentialRow, error) {
	if !s.freshReport {
		report, at, err := iamsync.CachedCredentialReport(ctx, c)
		if err != nil {
			return nil, err
		}
		if report != nil {
			rows, err := analysis.ReadCredentialReport(bytes.NewReader(report))
			if err != nil {
				return nil, err
			}
			s.reportAt, s.reportCached = at, true
			return rows, rootKeys(ctx, c, rows, keyID)
		}
	}
	s.reportAt = time.Now().UTC()
	return iamsync.BuildCredentialReport(ctx, c, account, partition, keyID)
}

// partitionOf is the partition of a dump's ARNs ("aws" when it has none).
func partitionOf(d *analysis.Dump) string {
	for _, u := range d.UserDetailList {
		if p := strings.Split(u.Arn, ":"); len(p) > 2 && p[1] != "" {
			return p[1]
		}
	}
	return "aws"
}

// rootKeys rewrites the root row of a credential report from the root
// user's keys without the one-off key used to read the store.
func rootKeys(ctx context.Context, c *awsiam.Client, rows []analysis.CredentialRow, skip string) error {
	out, err := c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	if err != nil {
		return err
	}
	var keys [2]analysis.KeyInfo
	n := 0
	for _, k := range out.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == skip || n == 2 {
			continue
		}
		info := analysis.KeyInfo{Active: k.Status == "Active", LastRotated: k.CreateDate}
		if lu, err := c.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId}); err == nil && lu.AccessKeyLastUsed != nil {
			info.LastUsed, info.Service = lu.AccessKeyLastUsed.LastUsedDate, aws.ToString(lu.AccessKeyLastUsed.ServiceName)
		}
		keys[n] = info
		n++
	}
	for i := range rows {
		if rows[i].Root {
			rows[i].Keys = keys
		}
	}
	return nil
}

func (s *source) graph(ctx context.Context) (*analysis.Graph, []analysis.CredentialRow, error) {
	d, report, err := s.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := analysis.NewAccount(d)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	if s.resourcePolicies == "" && s.data != "" {
		// The resource policies iamd import kept beside the store.
		if p := filepath.Join(s.data, storedResourcePolicies); fileExists(p) {
			s.resourcePolicies = p
			s.warnf("iamd: with the resource policies imported into %s", p)
		}
	}
	if s.resourcePolicies != "" {
		lines, err := analysis.LoadResourcePolicies(s.resourcePolicies)
		if err != nil {
			return nil, nil, usageError("--resource-policies: %v", err)
		}
		if err := a.AddResourcePolicies(lines); err != nil {
			return nil, nil, usageError("--resource-policies %s: %v", s.resourcePolicies, err)
		}
	}
	if len(s.served) > 0 {
		if err := a.AddResourcePolicies(s.served); err != nil {
			return nil, nil, fmt.Errorf("the resource policies of %s: %w", s.endpoint, err)
		}
	}
	if s.credReport != "" {
		f, err := os.Open(s.credReport)
		if err != nil {
			return nil, nil, usageError("--credential-report: %v", err)
		}
		defer f.Close()
		if report, err = analysis.ReadCredentialReport(f); err != nil {
			return nil, nil, usageError("--credential-report %s: %v", s.credReport, err)
		}
	}
	a.Credentials = report
	return analysis.BuildGraph(a), report, nil
}

func ctxOf(cmd *cobra.Command) context.Context {
	if cmd.Context() != nil {
		return cmd.Context()
	}
	return context.Background()
}

// storedResourcePolicies is the file in a data directory where iamd
// import keeps the resource policies it was given: the store has no place
// for them (the backends behind the gateway hold the real ones).
const storedResourcePolicies = "analysis-resource-policies.jsonl"

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// offlineParallel is how many callers an offline import keeps in flight
// by default: as many as the SQLite writer commits together (its batch
// bound, store/sqlite maxBatch), so that each durable commit carries a
// full batch. In process a caller costs a goroutine, not a connection.
const offlineParallel = 256

func newImportCommand() *cobra.Command {
	var data, store, accountID, endpoint, resourcePolicies string
	var parallel int
	quotas := iam.DefaultQuotas()
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create the users, groups, roles and policies of an account dump in the store",
		Long: `Create everything a dump (the JSON of aws iam get-account-authorization-details) holds in
an account of the store: customer managed policies with their versions, groups, users, roles,
instance profiles, inline and attached policies, memberships, boundaries and tags. The store
assigns new ids and creation dates, as AWS does for entities created again. The file is
checked whole first (a malformed one imports nothing), then read one entity at a time, so
the import holds only the entities in flight, whatever the size of the account.

With --data (the default) or --store, the import is offline: it runs the IAM operations in
this process, on the store directly, each checked as the API checks it (AWS's model of the
input, then the same operation: names, paths, quotas, policy validation and AWS's errors)
and authorized as the account's root user, since whoever can write the data directory (or
holds the database's credentials) owns every account in it already. Service control
policies of iamd serve do not bound it. It takes the data directory's lock and refuses to
run while iamd serve holds it (a server keeps its view of the store in memory and would
not see the writes): stop the server, or import through it with --endpoint-url.
--store postgres://... imports into the database many nodes share (with IAMD_SEAL_KEY and
IAMD_TOKEN_KEYS as iamd serve's); running nodes see the writes through the change feed.

A new data directory (or database) gets the account without root keys: start iamd serve
with IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY to set them.

--endpoint-url imports through the IAM API of a running server (iamd or AWS) with the AWS
SDK's usual credentials, authorized as whoever they are.

Up to --parallel calls are in flight at once (each entity's calls in order, policies before
the groups, users and roles that use them, groups before their members), so the store commits
many of them in one durable transaction; --parallel 1 makes them one at a time. A call
counts only once its transaction is durably committed. The first error stops the import,
naming the call and the entity; what was created before it stays.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if parallel < 1 {
				return usageError("--parallel %d: give 1 or more", parallel)
			}
			if endpoint != "" && (store != "" || cmd.Flags().Changed("data")) {
				return usageError("--endpoint-url imports through a server: give it without --data or --store")
			}
			d, err := analysis.OpenDump(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			defer d.Close()
			var resources []byte
			if resourcePolicies != "" {
				if endpoint != "" {
					return usageError("--resource-policies: a server keeps no resource policies of its own (the analysis commands read its gateway's from --endpoint-url); give the file to the analysis commands with --resource-policies")
				}
				lines, err := analysis.LoadResourcePolicies(resourcePolicies)
				if err == nil {
					probe, _ := analysis.NewAccount(&analysis.Dump{})
					err = probe.AddResourcePolicies(lines)
				}
				if err != nil {
					return usageError("--resource-policies: %v", err)
				}
				if resources, err = os.ReadFile(resourcePolicies); err != nil {
					return usageError("--resource-policies: %v", err)
				}
			}
			report := func(st *iamsync.ImportStats, account string) {
				if st != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "imported into account %s: %d users, %d groups, %d roles, %d policies, %d instance profiles\n",
						account, st.Users, st.Groups, st.Roles, st.Policies, st.InstanceProfiles)
				}
			}
			if endpoint != "" {
				// An idle connection for each caller: the SDK keeps ten per
				// host, and every other caller would dial anew.
				c, err := endpointClient(ctxOf(cmd), endpoint, func(o *awsiam.Options) {
					o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConnsPerHost = parallel })
				})
				if err != nil {
					return err
				}
				st, err := iamsync.PushParallel(ctxOf(cmd), c, d, parallel)
				report(st, endpoint)
				return err
			}
			if !cmd.Flags().Changed("parallel") {
				parallel = offlineParallel
			}
			if err = importOffline(cmd, d, data, store, accountID, &quotas, parallel, report); err == nil && resources != nil {
				// Kept beside the store, read by the --data analysis commands.
				p := filepath.Join(data, storedResourcePolicies)
				if err = os.WriteFile(p, resources, 0o600); err == nil { //nolint:gosec // the data directory the user named, as for the store itself
					fmt.Fprintf(cmd.OutOrStdout(), "kept the resource policies in %s for the analysis commands\n", p)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&resourcePolicies, "resource-policies", "", `resource-based policies (JSON lines {"arn": ..., "policy": ...}) to keep beside the store for who-can, what-can and path with --data`)
	cmd.Flags().StringVar(&data, "data", ".iamd", "iamd serve data directory (offline: not while iamd serve runs on it)")
	cmd.Flags().StringVar(&store, "store", "", "PostgreSQL URL (postgres://…) of the store to import into offline, as iamd serve's --store")
	cmd.Flags().StringVar(&accountID, "account-id", "", "the account (created with this id in a new data directory)")
	cmd.Flags().StringVar(&endpoint, "endpoint-url", "", "import through this IAM endpoint (a running iamd) with the AWS SDK's usual credentials, instead of --data")
	cmd.Flags().IntVar(&parallel, "parallel", iamsync.DefaultParallel, fmt.Sprintf("calls in flight at once (offline: %d unless given)", offlineParallel))
	// As iamd serve's: an account larger than AWS's default quotas
	// imports into --data with these (iamd serve needs them too).
	cmd.Flags().IntVar(&quotas.Users, "quota-users", quotas.Users, "users per account (with --data)")
	cmd.Flags().IntVar(&quotas.Roles, "quota-roles", quotas.Roles, "roles per account (with --data)")
	cmd.Flags().IntVar(&quotas.Policies, "quota-policies", quotas.Policies, "customer managed policies per account (with --data)")
	cmd.Flags().IntVar(&quotas.Groups, "quota-groups", quotas.Groups, "groups per account (with --data)")
	return cmd
}

// importOffline imports a dump into the store of a data directory (or
// database) in this process, as the account's root user.
func importOffline(cmd *cobra.Command, d iamsync.Source, data, store, accountID string, quotas *iam.Quotas, parallel int,
	report func(*iamsync.ImportStats, string)) error {
	opt := server.Options{DataDir: data, Store: store, AccountID: accountID, Quotas: quotas, TokenKeys: os.Getenv("IAMD_TOKEN_KEYS")}
	var err error
	if opt.SealKey, err = sealKeyFromEnv(); err != nil {
		return err
	}
	o, err := server.OpenOffline(ctxOf(cmd), opt)
	if errors.Is(err, server.ErrDataDirInUse) {
		return fmt.Errorf("%w: stop it, or import through it with --endpoint-url", err)
	}
	if err != nil {
		return err
	}
	st, err := iamsync.PushParallel(ctxOf(cmd), local.New(o.IAM, o.Guard, o.Caller), d, parallel)
	// Every call counted was acknowledged by a durable commit; closing
	// waits for nothing more but releases the directory.
	report(st, o.Account)
	return errors.Join(err, o.Close())
}

func newExportCommand() *cobra.Command {
	var s source
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write an account as aws iam get-account-authorization-details prints it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, _, err := s.load(ctxOf(cmd))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" {
				var buf bytes.Buffer
				if err := d.Write(&buf); err != nil {
					return err
				}
				return os.WriteFile(out, buf.Bytes(), 0o644)
			}
			return d.Write(w)
		},
	}
	s.flags(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

func newLintCommand() *cobra.Command {
	var s source
	var failOn, now, rules string
	var maxAge int
	var listRules bool
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Check an account against good practice",
		Long: `Check an account against good practice: wildcards, inline and directly attached policies,
trust policies open to anyone, PassRole to any role, actions, condition keys and resources
the Service Authorization Reference does not know for the action, redundant and shadowed
statements, Deny statements long-term keys slip past (Bool aws:MultiFactorAuthPresent
"false"), reads and writes on every resource, and with the credential report (the store's,
the server's, or --credential-report): old, unused and duplicate access keys, console users
without MFA, root keys, idle users. A policy used only as a permissions boundary is checked
for syntax, not as a grant. Severities follow the risk (--list-rules); --rules picks
profiles or rules. The exit status is 1 when a finding is at least as severe as --fail-on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listRules {
				w := cmd.OutOrStdout()
				for _, r := range analysis.LintRules {
					fmt.Fprintf(w, "%-33s %-36s %s [%s]\n", r.ID, r.Severity, r.Description, strings.Join(r.Profiles, ", "))
				}
				return nil
			}
			if err := s.checkFormat(); err != nil {
				return err
			}
			selected, err := analysis.ParseRules(rules)
			if err != nil {
				return usageError("--rules: %v", err)
			}
			var threshold analysis.Severity
			if failOn != "" && failOn != "none" {
				t, ok := analysis.ParseSeverity(failOn)
				if !ok {
					return usageError("--fail-on %q: want error, warning, info or none", failOn)
				}
				threshold = t
			}
			g, report, err := s.graph(ctxOf(cmd))
			if err != nil {
				return err
			}
			opt := analysis.LintOptions{Now: time.Now().UTC(), MaxAge: time.Duration(maxAge) * 24 * time.Hour, Rules: selected}
			if now != "" {
				t, err := time.Parse(time.RFC3339, now)
				if err != nil {
					return usageError("--now %q: want RFC 3339, e.g. 2026-12-01T00:00:00Z", now)
				}
				opt.Now = t
			}
			opt.Credentials = report
			switch {
			case s.reportCached:
				s.warnf("iamd: the credential report was generated %s (%s ago)%s", s.reportAt.UTC().Format(time.RFC3339), time.Since(s.reportAt).Round(time.Minute), freshHint(&s))
			case !s.reportAt.IsZero():
				s.warnf("iamd: the credential report was built now")
			}
			findings := analysis.Lint(g.Account, opt)
			w := cmd.OutOrStdout()
			if s.format == "json" {
				if findings == nil {
					findings = []analysis.Finding{}
				}
				if err := analysis.WriteJSON(w, findings); err != nil {
					return err
				}
			} else {
				counts := map[analysis.Severity]int{}
				for _, f := range findings {
					counts[f.Severity]++
					where := f.ARN
					if f.Policy != "" && f.Policy != f.ARN {
						where += " policy " + f.Policy
					}
					if f.Statement != "" {
						where += " statement " + f.Statement
					}
					fmt.Fprintf(w, "%-7s %s %s\n        %s\n        fix: %s\n", f.Severity, f.Rule, where, f.Message, f.Fix)
				}
				fmt.Fprintf(w, "%d errors, %d warnings, %d info\n", counts[analysis.Error], counts[analysis.Warning], counts[analysis.Info])
			}
			if failOn != "" && failOn != "none" {
				for _, f := range findings {
					if f.Severity >= threshold {
						return &exitError{code: 1}
					}
				}
			}
			return nil
		},
	}
	s.flags(cmd, "text", "json")
	cmd.Flags().StringVar(&failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, warning, info or none")
	cmd.Flags().StringVar(&now, "now", "", "the time ages are measured at (RFC 3339; default: now)")
	cmd.Flags().IntVar(&maxAge, "max-age-days", 90, "age in days after which keys are old and users idle")
	cmd.Flags().BoolVar(&s.freshReport, "fresh-report", false, "with --data: build the credential report now instead of reading the store's (up to four hours old)")
	cmd.Flags().StringVar(&rules, "rules", "all", "the rules to run: profiles ("+strings.Join(analysis.Profiles(), ", ")+") and rule ids, comma-separated; -ID leaves one out")
	cmd.Flags().BoolVar(&listRules, "list-rules", false, "list the rules, their severities and profiles, and exit")
	return cmd
}

func freshHint(s *source) string {
	if s.data != "" {
		return "; --fresh-report builds one now"
	}
	return ""
}

func newCredentialReportCommand() *cobra.Command {
	var s source
	cmd := &cobra.Command{
		Use:   "credential-report",
		Short: "Print the credential report of an account of a data directory, as GetCredentialReport does",
		Long: `Print the credential report CSV of an account in an iamd serve data directory, as
aws iam generate-credential-report and get-credential-report give it: the report the store
keeps (up to four hours old), else one built now. --fresh-report always builds it now. The
one-off key used to read the store is never in it, and building caches nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.data == "" {
				return usageError("give --data DIR")
			}
			if _, err := os.Stat(s.data); err != nil {
				return usageError("--data %s: %v", s.data, err)
			}
			account, err := s.dataAccount()
			if err != nil {
				return err
			}
			var rows []analysis.CredentialRow
			err = storeSession(ctxOf(cmd), s.data, account, func(c *awsiam.Client, account, keyID string) error {
				var err error
				rows, err = s.storeReport(ctxOf(cmd), c, account, "aws", keyID)
				return err
			})
			if err != nil {
				return err
			}
			if s.reportCached {
				s.warnf("iamd: the store's report, generated %s (%s ago)", s.reportAt.UTC().Format(time.RFC3339), time.Since(s.reportAt).Round(time.Minute))
			}
			return analysis.WriteCredentialReport(cmd.OutOrStdout(), rows)
		},
	}
	s.cmd = cmd
	cmd.Flags().StringVar(&s.data, "data", ".iamd", "iamd serve data directory")
	cmd.Flags().StringVar(&s.accountID, "account-id", "", "the account (default: the store's first)")
	cmd.Flags().BoolVar(&s.freshReport, "fresh-report", false, "build the report now instead of reading the store's")
	return cmd
}

func parseContext(kvs []string) (map[string][]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := map[string][]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError("--context %q: want key=value", kv)
		}
		m[k] = append(m[k], v)
	}
	return m, nil
}

func newWhoCanCommand() *cobra.Command {
	var s source
	var kvs []string
	cmd := &cobra.Command{
		Use:   "who-can ACTION RESOURCE",
		Short: "List every principal allowed an action on a resource, and how",
		Long: `List every identity allowed ACTION on RESOURCE: users and roles whose policies allow it
(decided by the policy engine, boundaries and Deny statements included), and every identity
that reaches such a role by assuming roles: users, roles, other accounts, federated providers,
anyone. A service is not an identity: when a role trusts one, the principals that can pass
the role to the service and run code there are listed, marked "through" the service.
For sts:AssumeRole on a role, everyone its trust policy lets in is listed.
Conditions see only the principal's own keys unless --context adds more.`,
		Example: `  iamd who-can s3:PutObject arn:aws:s3:::artifacts/build.zip --from account.json`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			ctx, err := parseContext(kvs)
			if err != nil {
				return err
			}
			warnUnknownAction(cmd, args[0])
			g, _, err := s.graph(ctxOf(cmd))
			if err != nil {
				return err
			}
			res := g.WhoCan(args[0], args[1], ctx)
			w := cmd.OutOrStdout()
			switch s.format {
			case "json":
				return analysis.WriteJSON(w, res)
			case "text":
				for _, r := range res {
					cond := ""
					if r.Conditional {
						cond = " (conditional)"
					}
					if r.Through != "" {
						cond += " (through " + r.Through + ")"
					}
					fmt.Fprintf(w, "%s [%s]%s\n", r.Principal, r.Kind, cond)
					for _, st := range r.Via {
						fmt.Fprintf(w, "    %s\n", st)
					}
				}
				fmt.Fprintf(w, "%d principals can %s on %s\n", len(res), args[0], args[1])
				return nil
			}
			var chains []analysis.Chain
			for _, r := range res {
				chains = append(chains, analysis.Chain{Principal: r.Principal, Steps: r.Via, Target: args[0] + " " + args[1]})
			}
			return analysis.WriteChains(w, s.format, "who-can", chains)
		},
	}
	s.flags(cmd, analysis.Formats...)
	cmd.Flags().StringArrayVar(&kvs, "context", nil, "request context key=value the conditions may use (repeatable)")
	return cmd
}

func newWhatCanCommand() *cobra.Command {
	var s source
	var service string
	cmd := &cobra.Command{
		Use:   "what-can PRINCIPAL_ARN",
		Short: "List a principal's effective actions, grouped by access level",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			g, _, err := s.graph(ctxOf(cmd))
			if err != nil {
				return err
			}
			if service != "" {
				if _, ok := analysis.Catalog().Services[strings.ToLower(service)]; !ok {
					warnUnknownAction(cmd, service+":*")
				}
			}
			e, ok := g.Account.Entity(args[0])
			if !ok || e.Kind == analysis.KindGroup {
				return usageError("%s is not a user or role of the account", args[0])
			}
			c := g.WhatCan(e, service)
			w := cmd.OutOrStdout()
			switch s.format {
			case "json":
				return analysis.WriteJSON(w, c)
			case "text":
				// One line per service and resource: Action "*" would be
				// thousands of lines otherwise.
				level := ""
				for _, grp := range analysis.Group(c.Actions) {
					if grp.AccessLevel != level {
						level = grp.AccessLevel
						fmt.Fprintf(w, "%s:\n", level)
					}
					cond := ""
					if grp.Conditional {
						cond = " (conditional)"
					}
					acts := grp.Service + ":" + grp.Actions[0]
					switch {
					case grp.All:
						acts = fmt.Sprintf("%s:* (all %d %s actions)", grp.Service, len(grp.Actions), strings.ToLower(grp.AccessLevel))
					case len(grp.Actions) > 1:
						acts = grp.Service + ":{" + strings.Join(grp.Actions, ",") + "}"
					}
					fmt.Fprintf(w, "    %-45s %s%s\n", acts, grp.Resource, cond)
				}
				for _, r := range c.Assumable {
					fmt.Fprintf(w, "may assume %s\n", r)
				}
				fmt.Fprintf(w, "%d actions\n", len(c.Actions))
				return nil
			}
			return analysis.WriteCapabilitiesDiagram(w, s.format, c)
		},
	}
	s.flags(cmd, analysis.Formats...)
	cmd.Flags().StringVar(&service, "service", "", "only this service prefix, e.g. s3")
	return cmd
}

func newPathCommand() *cobra.Command {
	var s source
	var resource string
	cmd := &cobra.Command{
		Use:   "path FROM TO",
		Short: "Show how a principal reaches a role (or any ARN of the graph, or ADMIN) or an action",
		Long: `Show the shortest chain by which principal FROM reaches TO: a role, user or group ARN,
ADMIN (administrator-equivalent access), or an action (with --resource) that FROM, or a
principal FROM can become, is allowed. Role assumption and escalation techniques both count.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			g, _, err := s.graph(ctxOf(cmd))
			if err != nil {
				return err
			}
			if _, ok := g.Nodes[args[0]]; !ok {
				return usageError("%s is not a principal of the graph", args[0])
			}
			if _, ok := g.Nodes[args[1]]; !ok && args[1] != analysis.Admin && (strings.HasPrefix(args[1], "arn:") || !strings.Contains(args[1], ":")) {
				return usageError("%s is neither an entity of the account, ADMIN, nor an action (service:Action)", args[1])
			}
			steps, ok := g.Path(args[0], args[1], resource)
			w := cmd.OutOrStdout()
			switch s.format {
			case "json":
				return analysis.WriteJSON(w, struct {
					From  string          `json:"from"`
					To    string          `json:"to"`
					Found bool            `json:"found"`
					Steps []analysis.Step `json:"steps"`
				}{args[0], args[1], ok, append([]analysis.Step{}, steps...)})
			case "text":
				if !ok {
					fmt.Fprintf(w, "no path from %s to %s\n", args[0], args[1])
					return &exitError{code: 1}
				}
				for i, st := range steps {
					fmt.Fprintf(w, "%d. %s\n", i+1, st)
				}
				return nil
			}
			target := args[1]
			if resource != "" {
				target += " " + resource
			}
			return analysis.WriteChains(w, s.format, "path", []analysis.Chain{{Principal: args[0], Steps: steps, Target: target}})
		},
	}
	s.flags(cmd, analysis.Formats...)
	cmd.Flags().StringVar(&resource, "resource", "*", "the resource, when TO is an action")
	return cmd
}

func newEscalationCommand() *cobra.Command {
	var s source
	var fail, techniques bool
	var scps []string
	cmd := &cobra.Command{
		Use:   "escalation",
		Short: "List every principal that can reach administrator-equivalent access, with the steps",
		Long: `List every user and role that is not an administrator but can become one, along the paths
of the public catalogue (DataDog's pathfinding.cloud; --techniques lists them with their ids):
assuming roles, creating access keys or console passwords for others, attaching or writing
policies on itself, its groups, other users and roles it then takes over, creating a policy
version, rewriting a trust policy, joining a group, or passing a role to one of 44 ways a
service runs code (Lambda, EC2, CloudFormation, Glue, CodeBuild, ECS, SageMaker, Batch, App
Runner, Bedrock AgentCore, EMR, Data Pipeline ...), or changing what an existing function,
instance, build project, stack, notebook or dev endpoint runs, when the inventory names its role
("role" in --resource-policies lines; a live server's gateway lists its functions'). Permissions
scoped to resources count:
each technique asks the engine about a resource the principal can name, with boundaries,
denies and the service control policies given with --scp.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			if techniques {
				return writeTechniques(cmd.OutOrStdout(), s.format)
			}
			g, err := escalationGraph(ctxOf(cmd), &s, scps)
			if err != nil {
				return err
			}
			res := g.Escalations()
			if res == nil {
				res = []analysis.Escalation{}
			}
			w := cmd.OutOrStdout()
			switch s.format {
			case "json":
				err = analysis.WriteJSON(w, res)
			case "text":
				for _, r := range res {
					fmt.Fprintf(w, "%s [%s] reaches %s\n", r.Principal, r.Kind, r.Reaches)
					for i, st := range r.Steps {
						fmt.Fprintf(w, "    %d. %s\n", i+1, st)
					}
				}
				fmt.Fprintf(w, "%d principals can escalate to administrator\n", len(res))
			default:
				var chains []analysis.Chain
				for _, r := range res {
					chains = append(chains, analysis.Chain{Principal: r.Principal, Steps: r.Steps})
				}
				err = analysis.WriteChains(w, s.format, "escalation", chains)
			}
			if err == nil && fail && len(res) > 0 {
				return &exitError{code: 1}
			}
			return err
		},
	}
	s.flags(cmd, analysis.Formats...)
	cmd.Flags().BoolVar(&fail, "fail", false, "exit 1 when any principal can escalate")
	cmd.Flags().BoolVar(&techniques, "techniques", false, "list the techniques and the catalogue id each implements, and exit")
	cmd.Flags().StringArrayVar(&scps, "scp", nil, "service control policy file over the account, one per organization level, outermost first (repeatable)")
	return cmd
}

func newDiffCommand() *cobra.Command {
	var format, service string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List the access each principal gained and lost between two dumps",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("--format %q: want text or json", format)
			}
			var graphs [2]*analysis.Graph
			for i, path := range args {
				s := source{from: path}
				g, _, err := s.graph(ctxOf(cmd))
				if err != nil {
					return err
				}
				graphs[i] = g
			}
			changes := analysis.Diff(graphs[0], graphs[1], service)
			w := cmd.OutOrStdout()
			if format == "json" {
				if changes == nil {
					changes = []analysis.Change{}
				}
				return analysis.WriteJSON(w, changes)
			}
			for _, c := range changes {
				status := ""
				if c.Status != "" {
					status = " (" + c.Status + ")"
				}
				fmt.Fprintf(w, "%s%s\n", c.Principal, status)
				for _, p := range c.Gained {
					fmt.Fprintf(w, "    + %s on %s\n", p.Action, p.Resource)
				}
				for _, p := range c.Lost {
					fmt.Fprintf(w, "    - %s on %s\n", p.Action, p.Resource)
				}
				for _, r := range c.GainedRoles {
					fmt.Fprintf(w, "    + may assume %s\n", r)
				}
				for _, r := range c.LostRoles {
					fmt.Fprintf(w, "    - may assume %s\n", r)
				}
			}
			fmt.Fprintf(w, "%d principals changed\n", len(changes))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&service, "service", "", "only this service prefix")
	return cmd
}

func newGraphCommand() *cobra.Command {
	var s source
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Print the permissions graph: membership, attachment, trust and escalation edges",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			g, _, err := s.graph(ctxOf(cmd))
			if err != nil {
				return err
			}
			return analysis.WriteGraph(cmd.OutOrStdout(), s.format, g)
		},
	}
	s.flags(cmd, "dot", "mermaid", "json")
	return cmd
}

func analysisCommands() []*cobra.Command {
	cmds := []*cobra.Command{newImportCommand(), newExportCommand(), newLintCommand(), newWhoCanCommand(), newWhatCanCommand(),
		newPathCommand(), newEscalationCommand(), newDiffCommand(), newGraphCommand(), newCredentialReportCommand()}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	return cmds
}

// warnUnknownAction warns, on standard error, about an action the
// catalogue does not know, with the closest one it knows: the engine
// would silently allow nothing.
func warnUnknownAction(cmd *cobra.Command, action string) {
	if msg := analysis.UnknownActionWarning(action); msg != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "iamd: warning: %s\n", msg)
	}
}
