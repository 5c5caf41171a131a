package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

func newAccountCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage the accounts a server hosts",
		Long: `Manage the accounts hosted in a data directory. Each account has its own root user,
users, roles and policies; roles in one account can trust another (cross-account AssumeRole).
The commands work beside a running server on the same data directory.`,
	}
	cmd.AddCommand(newAccountCreateCommand(), newAccountListCommand())
	return cmd
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

func newAccountCreateCommand() *cobra.Command {
	var data, id string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an account with root credentials",
		Long: `Create an account and its root access key, and print the credentials. The root key id
and secret are random unless IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY give them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return createAccount(cmd.Context(), cmd.OutOrStdout(), data, id)
		},
	}
	cmd.Flags().StringVar(&data, "data", ".iamd", "data directory")
	cmd.Flags().StringVar(&id, "account-id", "", "the 12-digit account id (random when empty)")
	bindEnv(cmd.Flags(), "IAMD_")
	return cmd
}

func createAccount(ctx context.Context, stdout io.Writer, data, id string) error {
	if id == "" {
		id = iam.NewAccountID()
	}
	if !accountIDPattern.MatchString(id) {
		return usageError("--account-id %q: an account id is 12 digits", id)
	}
	key, secret := os.Getenv("IAMD_ROOT_ACCESS_KEY_ID"), os.Getenv("IAMD_ROOT_SECRET_ACCESS_KEY")
	if (key == "") != (secret == "") {
		return usageError("set both IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	if key == "" {
		key, secret = iam.NewAccessKeyID(iam.PrefixAccessKey), iam.NewSecretAccessKey()
	}
	svc, closer, err := openService(data)
	if err != nil {
		return err
	}
	defer closer.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	if _, err := svc.GetAccount(ctx, id); err == nil {
		return usageError("account %s exists already", id)
	}
	if _, err := svc.CreateAccount(ctx, id, key, secret); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `iamd created account %s. Its root user:

  export AWS_ACCESS_KEY_ID=%s
  export AWS_SECRET_ACCESS_KEY=%s

The secret is shown only now; it is stored encrypted in %s.
`, id, key, secret, data)
	return nil
}

func newAccountListCommand() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closer, err := openService(data)
			if err != nil {
				return err
			}
			defer closer.Close()
			accounts, err := svc.Accounts(context.Background())
			if err != nil {
				return err
			}
			for _, a := range accounts {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", a.ID, a.Created.Format("2006-01-02T15:04:05Z"), a.Alias)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", ".iamd", "data directory")
	bindEnv(cmd.Flags(), "IAMD_")
	return cmd
}

func openService(data string) (*iam.Service, io.Closer, error) {
	key, err := sealKeyFromEnv()
	if err != nil {
		return nil, nil, err
	}
	svc, closer, err := server.OpenService(data, key)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	return svc, closer, nil
}
