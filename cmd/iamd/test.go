package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/policy/policytest"
)

func newTestCommand() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run policy unit tests: cases of requests with the decision each must get",
		Long: `Run policy unit tests. Each file (JSON or YAML) holds an array of cases; each case
gives the policies that apply, the caller, the action, the resource, the request context
and the decision expected (allowed, explicitDeny or implicitDeny). A directory runs every
.json, .yaml and .yml file in it. Failing cases print the expected and actual decision
and the statements that decided. The exit status is 1 when any case fails.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			return runTests(cmd.OutOrStdout(), paths, verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print passing cases too")
	return cmd
}

func runTests(out io.Writer, paths []string, verbose bool) error {
	cases, err := policytest.LoadPaths(paths)
	if err != nil {
		return usageError("%v", err)
	}
	passed, failed := 0, 0
	for _, c := range cases {
		r := policytest.Run(c)
		if r.Passed() {
			passed++
			if verbose {
				fmt.Fprintf(out, "PASS %s: %s\n", c.Name, r.Expected)
			}
			continue
		}
		failed++
		if r.Err != nil {
			fmt.Fprintf(out, "FAIL %s (%s): %v\n", c.Name, c.File, r.Err)
			continue
		}
		fmt.Fprintf(out, "FAIL %s (%s): expected %s, got %s\n", c.Name, c.File, r.Expected, r.Explanation.Decision)
		if c.Why != "" {
			fmt.Fprintf(out, "  why: %s\n", c.Why)
		}
		fmt.Fprint(out, policytest.Describe(r))
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
