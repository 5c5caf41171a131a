package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/policycheck"
)

// newCheckCommand is IAM Access Analyzer's custom policy checks, offline.
func newCheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Access Analyzer's custom policy checks, offline: no new access, access not granted, no public access",
		Long: `The custom policy checks of IAM Access Analyzer (CheckNoNewAccess, CheckAccessNotGranted,
CheckNoPublicAccess) decided by iamd's engine without an AWS account. A check passes only when no
request at all — every action of the catalogue and any other name the patterns match, every
resource the patterns can name, every caller, every condition context — is allowed that should
not be. A failure names the statements, as AWS does, and gives a request that proves it, which
iamd's evaluator has confirmed.

Exit status: 0 PASS, 1 FAIL, 2 bad input.`,
	}
	cmd.AddCommand(newCheckNoNewAccessCommand(), newCheckAccessNotGrantedCommand(), newCheckNoPublicAccessCommand())
	return cmd
}

func policyTypeFlag(s string) (string, error) {
	switch strings.ToLower(s) {
	case "identity", "identity_policy":
		return policycheck.IdentityPolicy, nil
	case "resource", "resource_policy":
		return policycheck.ResourcePolicy, nil
	}
	return "", usageError("--type %q: want identity or resource", s)
}

func readPolicyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usageError("%v", err)
	}
	return string(b), nil
}

func newCheckNoNewAccessCommand() *cobra.Command {
	var typ, plan string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "no-new-access EXISTING NEW [--type identity|resource] | --terraform-plan PLAN.json",
		Short: "Fail when the new policy allows anything the existing one does not",
		Long: `Fail when the new policy allows a request the existing one does not.

--terraform-plan compares every policy a plan changes (the output of terraform show -json:
aws_iam_policy, the aws_iam_*_policy resources, aws_iam_role's trust policy and inline
policies, bucket, queue, topic, key, secret and domain policies) with its prior state.`,
		Example: `  iamd check no-new-access reference.json policy.json
  iamd check no-new-access old-bucket-policy.json bucket-policy.json --type resource
  terraform show -json tfplan > plan.json && iamd check no-new-access --terraform-plan plan.json`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if plan != "" {
				if len(args) != 0 {
					return usageError("--terraform-plan takes no policy files")
				}
				return checkTerraformPlan(cmd.OutOrStdout(), plan)
			}
			if len(args) != 2 {
				return usageError("give the existing and the new policy (or --terraform-plan)")
			}
			t, err := policyTypeFlag(typ)
			if err != nil {
				return err
			}
			oldText, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			newText, err := readPolicyFile(args[1])
			if err != nil {
				return err
			}
			r, err := policycheck.CheckNoNewAccess(oldText, newText, t)
			return report(cmd.OutOrStdout(), r, err, args[1], newText, asJSON, map[string]string{"existingPolicyDocument": args[0], "newPolicyDocument": args[1]})
		},
	}
	cmd.Flags().StringVar(&typ, "type", "identity", "policy type: identity or resource")
	cmd.Flags().StringVar(&plan, "terraform-plan", "", "compare every policy this plan (terraform show -json) changes with its prior state")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as Access Analyzer's JSON (with the counterexample)")
	return cmd
}

func newCheckAccessNotGrantedCommand() *cobra.Command {
	var typ string
	var actions, resources []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "access-not-granted FILE [--action A]... [--resource ARN]... [--type identity|resource]",
		Short: "Fail when the policy grants one of the actions (on any resource), or any action on one of the resources, or one of the actions on one of the resources",
		Example: `  iamd check access-not-granted policy.json --action iam:PassRole --action 'iam:Put*'
  iamd check access-not-granted bucket-policy.json --type resource --resource 'arn:aws:s3:::secrets/*'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := policyTypeFlag(typ)
			if err != nil {
				return err
			}
			if len(actions) == 0 && len(resources) == 0 {
				return usageError("give at least one --action or --resource")
			}
			text, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			r, err := policycheck.CheckAccessNotGranted(text, t, []policycheck.Access{{Actions: actions, Resources: resources}})
			return report(cmd.OutOrStdout(), r, err, args[0], text, asJSON, map[string]string{"policyDocument": args[0]})
		},
	}
	cmd.Flags().StringVar(&typ, "type", "identity", "policy type: identity or resource")
	cmd.Flags().StringSliceVar(&actions, "action", nil, "an action that must not be granted (repeat or separate with commas; wildcards allowed; at most 100)")
	cmd.Flags().StringSliceVar(&resources, "resource", nil, "a resource ARN that must not be reachable (repeat or separate with commas; at most 100)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as Access Analyzer's JSON (with the counterexample)")
	return cmd
}

func newCheckNoPublicAccessCommand() *cobra.Command {
	var resourceType string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "no-public-access FILE --resource-type TYPE",
		Short: "Fail when the resource policy grants public access to the resource type",
		Long: `Fail when the resource policy lets a caller nobody vouches for (anonymous, or a principal of any
account, without an organization, account, VPC or source condition that ties it to someone)
perform an action on the resource type. Resource types: ` + strings.Join(policycheck.PublicResourceTypes(), ", ") + `.`,
		Example: `  iamd check no-public-access bucket-policy.json --resource-type AWS::S3::Bucket`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if resourceType == "" {
				return usageError("--resource-type is required (e.g. AWS::S3::Bucket)")
			}
			text, err := readPolicyFile(args[0])
			if err != nil {
				return err
			}
			r, err := policycheck.CheckNoPublicAccess(text, resourceType)
			return report(cmd.OutOrStdout(), r, err, args[0], text, asJSON, map[string]string{"policyDocument": args[0]})
		},
	}
	cmd.Flags().StringVar(&resourceType, "resource-type", "", "the resource type, e.g. AWS::S3::Bucket")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as Access Analyzer's JSON (with the counterexample)")
	return cmd
}

// jsonResult is Access Analyzer's response shape, plus the counterexample.
type jsonResult struct {
	Result         string                      `json:"result"`
	Message        string                      `json:"message"`
	Reasons        []jsonReason                `json:"reasons,omitempty"`
	Counterexample *policycheck.Counterexample `json:"counterexample,omitempty"`
}

type jsonReason struct {
	Description    string `json:"description"`
	StatementIndex int    `json:"statementIndex"`
	StatementID    string `json:"statementId,omitempty"`
}

// report prints a check's result: AWS's message and reasons (with where
// each statement is in the file) and the counterexample. FAIL exits 1.
func report(w io.Writer, r *policycheck.Result, err error, path, text string, asJSON bool, fields map[string]string) error {
	if err != nil {
		var ve *policycheck.ValidationError
		if errors.As(err, &ve) {
			if f, ok := fields[ve.Field]; ok {
				return usageError("%s: %s", f, ve.Message)
			}
			return usageError("%s", ve.Message)
		}
		return err
	}
	if asJSON {
		out := jsonResult{Result: r.Result, Message: r.Message, Counterexample: r.Counterexample}
		for _, re := range r.Reasons {
			out.Reasons = append(out.Reasons, jsonReason(re))
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s: %s\n", r.Result, r.Message)
		var stmts []*policy.Statement
		if d, err := policy.Parse([]byte(text)); err == nil {
			stmts = d.Statements
		}
		for _, re := range r.Reasons {
			at := ""
			if re.StatementIndex < len(stmts) {
				if p := stmts[re.StatementIndex].Start; p.Line > 0 {
					at = fmt.Sprintf("%s:%d:%d: ", path, p.Line, p.Column)
				}
			}
			fmt.Fprintf(w, "  %s%s\n", at, re.Description)
		}
		if c := r.Counterexample; c != nil {
			fmt.Fprintln(w, "counterexample (confirmed by iamd's evaluator):")
			if c.Principal != "" {
				fmt.Fprintf(w, "  principal: %s\n", c.Principal)
			}
			fmt.Fprintf(w, "  action:    %s\n  resource:  %s\n", c.Action, c.Resource)
			keys := make([]string, 0, len(c.Context))
			for k := range c.Context {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "  context:   %s = %s\n", k, strings.Join(c.Context[k], ", "))
			}
		}
	}
	if r.Result == policycheck.Fail {
		return &exitError{code: 1}
	}
	return nil
}
