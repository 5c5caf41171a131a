package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy/policytest"
)

func newTestCommand() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run policy unit tests: requests with the decision each must get, documents with the error each must get",
		Long: `Run policy unit tests. Each file (JSON or YAML) holds an array of cases; each case
gives the policies that apply, the caller, the action, the resource, the request context
and the decision expected (allowed, explicitDeny or implicitDeny). A policy may be pasted,
or named by a file path (relative to the case file) or an AWS managed policy's ARN.
A validation case gives a policy document ("policy", or "policy_file" to name it), its kind
(managed, inline-user, inline-group, inline-role, trust, boundary, session, resource, scp,
rcp) and "expect": "valid" or the error code IAM must answer, with its "message".
A directory runs every case file in it (.json, .yaml, .yml holding an array) and leaves
other files, such as the policy documents the cases name, alone. Failing cases print the
expected and actual outcome and the statements that decided. The exit status is 1 when
any case fails.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			return runTests(cmd.OutOrStdout(), paths, verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print passing cases too")
	return cmd
}

// managedDocument is an AWS managed policy's document by ARN, for cases
// that name one.
func managedDocument(policyARN string) (string, bool) {
	_, rest, ok := strings.Cut(policyARN, ":iam::aws:policy")
	if !ok {
		return "", false
	}
	p, ok := iam.EmbeddedManagedPolicies().Lookup(rest)
	if !ok {
		return "", false
	}
	return p.Document, true
}

func runTests(out io.Writer, paths []string, verbose bool) error {
	cases, err := policytest.LoadPathsWith(paths, policytest.Options{Managed: managedDocument})
	if err != nil {
		return usageError("%v", err)
	}
	passed, failed := 0, 0
	for _, c := range cases {
		r := policytest.Run(c)
		if r.Passed() {
			passed++
			if verbose {
				fmt.Fprintf(out, "PASS %s: %s\n", c.Name, r.Want())
			}
			continue
		}
		failed++
		if r.Err != nil {
			fmt.Fprintf(out, "FAIL %s (%s): %v\n", c.Name, c.File, r.Err)
			continue
		}
		fmt.Fprintf(out, "FAIL %s (%s): expected %s, got %s\n", c.Name, c.File, r.Want(), r.Got())
		if c.Why != "" {
			fmt.Fprintf(out, "  why: %s\n", c.Why)
		}
		if c.Note != "" {
			fmt.Fprintf(out, "  note: %s\n", c.Note)
		}
		if !r.Validation {
			fmt.Fprint(out, policytest.Describe(r))
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
