package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/gateway/actions"
)

// newActionsCommand prints what iamd checks for each operation of a
// service: the IAM actions, the resource ARN formats, the condition keys.
func newActionsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "actions SERVICE",
		Short: "Print the IAM actions, resources and condition keys iamd checks for each operation of an AWS service",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows := actions.Table(args[0])
			if rows == nil {
				return fmt.Errorf("unknown service %q (a model name such as s3, dynamodb, logs, or a signing name)", args[0])
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "OPERATION\tACTIONS\tRESOURCES\tCONDITION KEYS")
			for _, r := range rows {
				op := r.Operation
				if r.Override {
					op += " *"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", op, strings.Join(r.Actions, ", "), strings.Join(r.Resources, ", "), strings.Join(r.Keys, ", "))
			}
			fmt.Fprintln(w, "\n* differs from the default (prefix:Operation on the resource the input names)")
			return w.Flush()
		},
	}
}
