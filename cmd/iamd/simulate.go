package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/policy"
	"github.com/iamd/iamd/policy/policytest"
)

type simulateFlags struct {
	identity, scps, rcps           []string
	boundary, session, resourcePol string
	principal, action, resource    string
	resourceAccount                string
	context                        []string
	json                           bool
}

func newSimulateCommand() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Decide one request against policy files and explain the decision",
		Long: `Decide one request as AWS would, from policy files, and print the decision with the
statements that decided it and the context keys the policies needed but did not get.

The caller's principal keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
aws:username, aws:userid) are derived from --principal unless --context gives them.`,
		Example: `  iamd simulate --identity p.json --boundary b.json --resource-policy r.json \
    --principal arn:aws:iam::111122223333:user/alice --action s3:GetObject \
    --resource arn:aws:s3:::reports/q1.csv --context aws:SourceIp=203.0.113.5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			warnUnknownAction(cmd, f.action)
			return simulate(cmd.OutOrStdout(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.identity, "identity", nil, "identity-based policy file (repeatable)")
	fl.StringVar(&f.boundary, "boundary", "", "permissions boundary policy file")
	fl.StringVar(&f.session, "session", "", "session policy file")
	fl.StringArrayVar(&f.scps, "scp", nil, "service control policy file, one per organization level, outermost first (repeatable)")
	fl.StringArrayVar(&f.rcps, "rcp", nil, "resource control policy file, one per level (repeatable)")
	fl.StringVar(&f.resourcePol, "resource-policy", "", "resource-based policy file (a role's trust policy for sts:AssumeRole)")
	fl.StringVar(&f.principal, "principal", "arn:aws:iam::123456789012:user/simulated", "caller ARN (user, assumed-role session, federated user, root) or service principal")
	fl.StringVar(&f.action, "action", "", "action, e.g. s3:GetObject (required)")
	fl.StringVar(&f.resource, "resource", "*", "resource ARN")
	fl.StringVar(&f.resourceAccount, "resource-account", "", "account owning the resource (default: the caller's)")
	fl.StringArrayVar(&f.context, "context", nil, "context key=value; repeat a key for several values")
	fl.BoolVar(&f.json, "json", false, "print the explanation as JSON")
	_ = cmd.MarkFlagRequired("action")
	return cmd
}

func simulate(out io.Writer, f *simulateFlags) error {
	in := &policy.Input{}
	var identity []*policy.Policy
	for _, path := range f.identity {
		p, err := loadPolicy(path, policy.KindInlineRole, "user")
		if err != nil {
			return err
		}
		identity = append(identity, p)
	}
	in.Identity = policy.NewSet(identity...)
	single := []struct {
		path string
		kind policy.Kind
		typ  string
		dst  **policy.Set
	}{
		{f.boundary, policy.KindBoundary, "permissions-boundary", &in.Boundary},
		{f.session, policy.KindSession, "session", &in.Session},
		{f.resourcePol, policy.KindResource, "resource", &in.Resource},
	}
	for _, s := range single {
		if s.path == "" {
			continue
		}
		p, err := loadPolicy(s.path, s.kind, s.typ)
		if err != nil {
			return err
		}
		*s.dst = policy.NewSet(p)
	}
	for _, levels := range []struct {
		paths []string
		kind  policy.Kind
		dst   *[]*policy.Set
	}{{f.scps, policy.KindSCP, &in.SCPs}, {f.rcps, policy.KindRCP, &in.RCPs}} {
		for _, path := range levels.paths {
			p, err := loadPolicy(path, levels.kind, levels.kind.String())
			if err != nil {
				return err
			}
			*levels.dst = append(*levels.dst, policy.NewSet(p))
		}
	}

	principal, err := policy.PrincipalFromARN(f.principal)
	if err != nil {
		return usageError("%v", err)
	}
	req := &policy.Request{Principal: principal, Action: f.action, Resource: f.resource, ResourceAccount: f.resourceAccount}
	for _, kv := range f.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError("--context %q: want key=value", kv)
		}
		req.Context.Add(k, v)
	}
	policy.AddPrincipalKeys(&req.Context, &req.Principal)

	e := policy.Explain(in, req)
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(e)
	}
	fmt.Fprintf(out, "%s %s on %s: %s\n", f.principal, f.action, f.resource, e.Decision)
	fmt.Fprint(out, policytest.Describe(&policytest.Result{Explanation: e}))
	return nil
}

// loadPolicy reads, validates (for the kind) and compiles a policy file.
// Its id in explanations is the file's path.
func loadPolicy(path string, kind policy.Kind, typ string) (*policy.Policy, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError("%v", err)
	}
	doc, err := policy.Parse(text)
	if err == nil {
		err = policy.Validate(doc, kind, policy.Options{Partition: "*"})
	}
	if err != nil {
		if pe, ok := errors.AsType[*policy.Error](err); ok {
			return nil, usageError("%s: %s: %s", path, pe.Code, pe.Describe())
		}
		return nil, usageError("%s: %v", path, err)
	}
	return policy.Compile(doc, policy.Source{ID: path, Type: typ}), nil
}
