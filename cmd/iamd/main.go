// Command iamd is an identity and access management server that does what
// AWS IAM and STS do, and the tools to simulate, test and analyse policies.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a process exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// usageError makes a command exit with status 2, the convention for bad
// invocations and bad input files.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "iamd",
		Short:         "An IAM and STS server that decides as AWS does, and explains why",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(), newSimulateCommand(), newTestCommand(), newAccountCommand(), newIMDSCommand(), newContainerCredentialsCommand(), newActionsCommand(), newGeneratePolicyCommand(), newVersionCommand())
	root.AddCommand(newCheckCommand(), newOIDCIssuerCommand(), newConsoleCommand())
	root.AddCommand(analysisCommands()...)
	root.AddCommand(newValidateCommand())
	return root
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "iamd:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "iamd:", err)
	return 2
}
