package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/policy/tfplan"
	"github.com/iamd/iamd/policy/validate"
)

// validateTypes are --type's names for ValidatePolicy's policy types;
// trust is a resource policy of AWS::IAM::AssumeRolePolicyDocument.
var validateTypes = map[string]validate.Options{
	"identity": {Type: validate.IdentityPolicy},
	"resource": {Type: validate.ResourcePolicy},
	"scp":      {Type: validate.ServiceControlPolicy},
	"rcp":      {Type: validate.ResourceControlPolicy},
	"trust":    {Type: validate.ResourcePolicy, ResourceType: validate.TrustPolicy},
}

// findingRank orders finding types for --fail-on.
var findingRank = map[validate.FindingType]int{validate.Error: 4, validate.SecurityWarning: 3, validate.Warning: 2, validate.Suggestion: 1}

// validatedPolicy is one document's findings, for --format json.
type validatedPolicy struct {
	File      string             `json:"file"`
	Resource  string             `json:"resource,omitempty"` // a Terraform plan's resource address
	Attribute string             `json:"attribute,omitempty"`
	Type      string             `json:"policyType"`
	Findings  []validate.Finding `json:"findings"`
	Unknown   bool               `json:"unknown,omitempty"` // known only after apply: not checked
}

func newValidateCommand() *cobra.Command {
	var typ, resourceType, plan, format, failOn string
	cmd := &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Validate policy documents as IAM Access Analyzer's ValidatePolicy does",
		Long: `Validate policy documents offline with IAM Access Analyzer's policy checks: errors,
security warnings, warnings and suggestions with AWS's issue codes, each at its file's line
and column. --type says what the files are (identity, resource, scp, rcp or trust; default
identity); --resource-type narrows a resource policy (AWS::S3::Bucket, ...). With
--terraform-plan (the output of terraform show -json) every policy the plan creates or
changes is checked with its own type. "-" reads standard input. The exit status is 1 when a
finding is at least as severe as --fail-on (default error), 2 for bad input.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			base, ok := validateTypes[typ]
			if !ok {
				return usageError("--type %q: want identity, resource, scp, rcp or trust", typ)
			}
			if resourceType != "" {
				if base.Type != validate.ResourcePolicy {
					return usageError("--resource-type needs --type resource")
				}
				if !contains(validate.ResourceTypes, resourceType) {
					return usageError("--resource-type %q: want one of %s", resourceType, strings.Join(validate.ResourceTypes, ", "))
				}
				base.ResourceType = resourceType
			}
			threshold := 0
			switch strings.ToLower(failOn) {
			case "none":
			case "error", "security-warning", "warning", "suggestion":
				threshold = findingRank[validate.FindingType(strings.ToUpper(strings.ReplaceAll(failOn, "-", "_")))]
			default:
				return usageError("--fail-on %q: want error, security-warning, warning, suggestion or none", failOn)
			}
			if format != "text" && format != "json" {
				return usageError("--format %q: want text or json", format)
			}
			if len(files) == 0 && plan == "" {
				return usageError("name policy files or --terraform-plan")
			}
			var results []validatedPolicy
			for _, f := range files {
				text, err := readInput(cmd.InOrStdin(), f)
				if err != nil {
					return usageError("%v", err)
				}
				results = append(results, validatedPolicy{File: f, Type: typeName(base), Findings: validate.Policy(text, base)})
			}
			if plan != "" {
				data, err := readInput(cmd.InOrStdin(), plan)
				if err != nil {
					return usageError("%v", err)
				}
				rs, err := validatePlan(plan, data)
				if err != nil {
					return usageError("%s: %v", plan, err)
				}
				results = append(results, rs...)
			}
			worst := printValidation(cmd.OutOrStdout(), results, format)
			if threshold > 0 && worst >= threshold {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&typ, "type", "identity", "what the files are: identity, resource, scp, rcp or trust")
	cmd.Flags().StringVar(&resourceType, "resource-type", "", "the resource a resource policy is for: "+strings.Join(validate.ResourceTypes, ", "))
	cmd.Flags().StringVar(&plan, "terraform-plan", "", "check every policy of this plan (terraform show -json)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.Flags().StringVar(&failOn, "fail-on", "error", "exit 1 on a finding this severe or worse: error, security-warning, warning, suggestion or none")
	return cmd
}

// validatePlan checks every policy document of a Terraform plan with its
// own type.
func validatePlan(name string, data []byte) ([]validatedPolicy, error) {
	docs, err := tfplan.Parse(data)
	if err != nil {
		return nil, err
	}
	out := make([]validatedPolicy, 0, len(docs))
	for _, d := range docs {
		opt := validate.Options{Type: validate.PolicyType(d.Kind), ResourceType: d.ResourceType}
		r := validatedPolicy{File: name, Resource: d.Address, Attribute: d.Attribute, Type: typeName(opt), Findings: []validate.Finding{}}
		if d.After == nil {
			r.Unknown = true
		} else {
			r.Findings = validate.Policy([]byte(*d.After), opt)
		}
		out = append(out, r)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func typeName(o validate.Options) string {
	if o.ResourceType != "" {
		return string(o.Type) + " (" + o.ResourceType + ")"
	}
	return string(o.Type)
}

func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// printValidation writes the findings and returns the worst one's rank.
func printValidation(out io.Writer, results []validatedPolicy, format string) int {
	worst := 0
	counts := map[validate.FindingType]int{}
	for _, r := range results {
		for _, f := range r.Findings {
			worst = max(worst, findingRank[f.FindingType])
			counts[f.FindingType]++
		}
	}
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if results == nil {
			results = []validatedPolicy{}
		}
		_ = enc.Encode(results)
		return worst
	}
	for _, r := range results {
		where := r.File
		if r.Resource != "" {
			where += ": " + r.Resource + " (" + r.Attribute + ")"
		}
		if r.Unknown {
			fmt.Fprintf(out, "%s: not checked: the document is known only after apply\n", where)
		}
		for _, f := range r.Findings {
			s := f.Locations[0].Span.Start
			// Columns print from 1, as compilers do; AWS's count from 0.
			fmt.Fprintf(out, "%s:%d:%d: %s %s: %s", where, s.Line, s.Column+1, f.FindingType, f.IssueCode, f.FindingDetails)
			if p := validate.PathString(f.Locations[0].Path); p != "" {
				fmt.Fprintf(out, " [%s]", p)
			}
			fmt.Fprintln(out)
		}
	}
	fmt.Fprintf(out, "%d policies: %d errors, %d security warnings, %d warnings, %d suggestions\n", len(results),
		counts[validate.Error], counts[validate.SecurityWarning], counts[validate.Warning], counts[validate.Suggestion])
	return worst
}
