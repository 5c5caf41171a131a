package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/genpolicy"
)

func newGeneratePolicyCommand() *cobra.Command {
	var s source
	var principal, auditLog, since string
	var unused bool
	cmd := &cobra.Command{
		Use:   "generate-policy --principal ARN [--data DIR | --audit-log FILE] [--since T]",
		Short: "Write the least-privilege identity policy for what a principal was observed to do",
		Long: `Read the audit log (iamd serve's, with --audit-log-reads so that allowed reads are in it too)
and print the identity policy that allows exactly what the principal did: every action it was
authorized for, on the resource ARNs it used, plus the dependent actions AWS also checks
(iam:TagUser for a CreateUser with tags, ...), one statement per service and set of resources
that needed the same actions. A role session (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION)
stands for its role: every session of the role counts.

Calls that were denied, or that observe mode let through as "would be denied", are what the
application tried to do, so they are in the policy too; each is named on standard error.
When the policy would exceed the 6,144-character managed policy limit, sibling resources are
merged with a wildcard (and then each service's statements into one), as standard error says.
Malformed audit lines are skipped and counted.

--unused prints the over-privilege report instead: what the principal's current policies
(from --data, --from or --endpoint-url) grant that it never used.`,
		Example: `  iamd generate-policy --principal arn:aws:iam::123456789012:role/app --data .iamd --since 24h
  iamd generate-policy --principal arn:aws:iam::123456789012:user/ci --audit-log audit.log
  iamd generate-policy --principal arn:aws:iam::123456789012:user/ci --data .iamd --unused`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := s.checkFormat(); err != nil {
				return err
			}
			if principal == "" {
				return usageError("--principal ARN is required")
			}
			p, err := genpolicy.ParsePrincipal(principal)
			if err != nil {
				return usageError("--principal: %v", err)
			}
			opt := genpolicy.Options{Principal: p}
			if since != "" {
				if opt.Since, err = parseSince(since, time.Now()); err != nil {
					return err
				}
			}
			path := auditLog
			if path == "" {
				if s.data == "" {
					return usageError("give --audit-log FILE or --data DIR (its audit.log)")
				}
				path = filepath.Join(s.data, "audit.log")
			}
			recs, err := readAuditLog(path, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if unused {
				return writeUnused(cmd, &s, p, recs, opt)
			}
			if s.from != "" || s.endpoint != "" {
				return usageError("--from and --endpoint-url are for --unused")
			}
			res, err := genpolicy.Generate(recs, opt)
			if err != nil {
				return err
			}
			errw := cmd.ErrOrStderr()
			if res.Policy == nil {
				fmt.Fprintf(errw, "iamd: no authorized (or denied) calls of %s in %s (%d records of it)\n", principal, path, res.Records)
				return &exitError{code: 1}
			}
			fmt.Fprintf(errw, "# %d records of %s: %d actions on resources\n", res.Records, principal, len(res.Calls))
			for _, c := range res.Denied {
				fmt.Fprintf(errw, "# denied (included: the application tried it): %s on %s\n", c.Action, c.Resource)
			}
			for _, c := range res.Dependent {
				fmt.Fprintf(errw, "# dependent action AWS also requires: %s on %s\n", c.Action, c.Resource)
			}
			for _, w := range res.Widened {
				fmt.Fprintf(errw, "# widened to fit 6,144 characters: %s\n", w)
			}
			if res.OverLimit {
				fmt.Fprintf(errw, "# the policy is %d characters (without whitespace), over the managed policy limit of 6,144: split it into two policies\n", res.Size)
			}
			if s.format == "json" {
				return analysis.WriteJSON(cmd.OutOrStdout(), struct {
					Principal string           `json:"principal"`
					Records   int              `json:"records"`
					Policy    json.RawMessage  `json:"policy"`
					Size      int              `json:"size"`
					Denied    []genpolicy.Call `json:"denied"`
					Dependent []genpolicy.Call `json:"dependent"`
					Widened   []string         `json:"widened"`
				}{principal, res.Records, res.Policy, res.Size, res.Denied, res.Dependent, res.Widened})
			}
			_, err = cmd.OutOrStdout().Write(res.Policy)
			return err
		},
	}
	s.flags(cmd, "text", "json")
	fl := cmd.Flags()
	fl.StringVar(&principal, "principal", "", "the user, role or role session ARN")
	fl.StringVar(&auditLog, "audit-log", "", "the audit log to read (default: audit.log in --data)")
	fl.StringVar(&since, "since", "", "only calls at or after this time: RFC 3339 (2026-03-01T00:00:00Z) or a duration before now (24h)")
	fl.BoolVar(&unused, "unused", false, "list what the principal's current policies grant that it never used")
	return cmd
}

// parseSince reads --since: a time, or a duration back from now.
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageError("--since %q: want RFC 3339 (2026-03-01T00:00:00Z) or a duration (24h)", v)
}

// readAuditLog reads the records, telling stderr how many lines it skipped.
func readAuditLog(path string, stderr io.Writer) ([]genpolicy.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError("%v", err)
	}
	defer f.Close()
	recs, skipped, err := genpolicy.ReadRecords(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "# skipped %d malformed lines of %s\n", skipped, path)
	}
	return recs, nil
}

// writeUnused prints what the principal's policies grant that it never
// used: per service, the granted (action, resource) pairs and the unused
// ones; a service none of whose grants was used is one line.
func writeUnused(cmd *cobra.Command, s *source, p genpolicy.Principal, recs []genpolicy.Record, opt genpolicy.Options) error {
	if s.data == "" && s.from == "" && s.endpoint == "" {
		return usageError("--unused needs the principal's current policies: --data DIR, --from FILE or --endpoint-url URL")
	}
	g, _, err := s.graph(ctxOf(cmd))
	if err != nil {
		return err
	}
	var e *analysis.Entity
	for _, x := range g.Account.Principals() {
		if string(x.Kind) == p.Kind && p.Matches(x.ARN) {
			e = x
			break
		}
	}
	if e == nil {
		return usageError("%s is not a user or role of the account", p.ARN)
	}
	var grants []genpolicy.Grant
	for _, perm := range g.WhatCan(e, "").Actions {
		grants = append(grants, genpolicy.Grant{Action: perm.Action, Resource: perm.Resource, Policy: perm.Policy, Statement: perm.Statement, Conditional: perm.Conditional})
	}
	calls, _, n := genpolicy.Observed(recs, opt)
	idle := genpolicy.Unused(grants, calls)
	w := cmd.OutOrStdout()
	if s.format == "json" {
		if idle == nil {
			idle = []genpolicy.Grant{}
		}
		return analysis.WriteJSON(w, struct {
			Principal string            `json:"principal"`
			Records   int               `json:"records"`
			Granted   int               `json:"granted"`
			Unused    []genpolicy.Grant `json:"unused"`
		}{e.ARN, n, len(grants), idle})
	}
	for _, su := range genpolicy.ByService(grants, idle) {
		if su.Used == 0 {
			fmt.Fprintf(w, "%s: %d granted, none used\n", su.Service, su.Granted)
			continue
		}
		fmt.Fprintf(w, "%s: %d granted, %d used\n", su.Service, su.Granted, su.Used)
		for _, g := range su.UnusedActions {
			cond := ""
			if g.Conditional {
				cond = " (conditional)"
			}
			fmt.Fprintf(w, "    unused %-40s %s  [%s statement %d]%s\n", g.Action, g.Resource, g.Policy, g.Statement, cond)
		}
	}
	fmt.Fprintf(w, "%s: %d of %d granted actions on resources never used (%d records since %s)\n", e.ARN, len(idle), len(grants), n, sinceText(opt.Since))
	if len(idle) > 0 && strings.Contains(fmt.Sprint(grants), "${") {
		fmt.Fprintln(cmd.ErrOrStderr(), "# resources with policy variables are compared as written: a grant used only through a variable shows as unused")
	}
	return nil
}

func sinceText(t time.Time) string {
	if t.IsZero() {
		return "the start of the log"
	}
	return t.UTC().Format(time.RFC3339)
}
