package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/iamd/iamd/policycheck"
)

// tfPolicyAttrs are the attributes of Terraform's AWS resources that hold
// a policy document, and the kind of policy each is.
var tfPolicyAttrs = map[string][]struct{ attr, typ string }{
	"aws_iam_policy":                   {{"policy", policycheck.IdentityPolicy}},
	"aws_iam_role_policy":              {{"policy", policycheck.IdentityPolicy}},
	"aws_iam_user_policy":              {{"policy", policycheck.IdentityPolicy}},
	"aws_iam_group_policy":             {{"policy", policycheck.IdentityPolicy}},
	"aws_iam_role":                     {{"assume_role_policy", policycheck.ResourcePolicy}},
	"aws_s3_bucket_policy":             {{"policy", policycheck.ResourcePolicy}},
	"aws_s3_bucket":                    {{"policy", policycheck.ResourcePolicy}},
	"aws_sqs_queue_policy":             {{"policy", policycheck.ResourcePolicy}},
	"aws_sqs_queue":                    {{"policy", policycheck.ResourcePolicy}},
	"aws_sns_topic_policy":             {{"policy", policycheck.ResourcePolicy}},
	"aws_sns_topic":                    {{"policy", policycheck.ResourcePolicy}},
	"aws_kms_key":                      {{"policy", policycheck.ResourcePolicy}},
	"aws_ecr_repository_policy":        {{"policy", policycheck.ResourcePolicy}},
	"aws_secretsmanager_secret_policy": {{"policy", policycheck.ResourcePolicy}},
	"aws_secretsmanager_secret":        {{"policy", policycheck.ResourcePolicy}},
	"aws_opensearch_domain_policy":     {{"access_policies", policycheck.ResourcePolicy}},
	"aws_elasticsearch_domain_policy":  {{"access_policies", policycheck.ResourcePolicy}},
	"aws_glacier_vault":                {{"access_policy", policycheck.ResourcePolicy}},
}

// tfPlan is what `terraform show -json` writes, as far as the check reads it.
type tfPlan struct {
	FormatVersion   string `json:"format_version"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Type    string `json:"type"`
		Change  struct {
			Actions []string       `json:"actions"`
			Before  map[string]any `json:"before"`
			After   map[string]any `json:"after"`
		} `json:"change"`
	} `json:"resource_changes"`
}

// tfPolicyChange is one policy document a plan changes.
type tfPolicyChange struct {
	address, attr, typ string
	before, after      string
}

// tfPolicyChanges finds the policy documents of a plan with their prior
// state: the attributes above, and aws_iam_role's inline_policy blocks
// (matched by name).
func tfPolicyChanges(plan *tfPlan) []tfPolicyChange {
	var out []tfPolicyChange
	str := func(m map[string]any, k string) string {
		s, _ := m[k].(string)
		return s
	}
	for _, rc := range plan.ResourceChanges {
		for _, a := range tfPolicyAttrs[rc.Type] {
			out = append(out, tfPolicyChange{address: rc.Address, attr: a.attr, typ: a.typ,
				before: str(rc.Change.Before, a.attr), after: str(rc.Change.After, a.attr)})
		}
		if rc.Type == "aws_iam_role" {
			inline := func(m map[string]any) map[string]string {
				out := map[string]string{}
				list, _ := m["inline_policy"].([]any)
				for _, p := range list {
					if pm, ok := p.(map[string]any); ok {
						out[str(pm, "name")] = str(pm, "policy")
					}
				}
				return out
			}
			before, after := inline(rc.Change.Before), inline(rc.Change.After)
			names := make([]string, 0, len(after))
			for n := range after {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				out = append(out, tfPolicyChange{address: rc.Address, attr: "inline_policy[" + n + "]", typ: policycheck.IdentityPolicy, before: before[n], after: after[n]})
			}
		}
	}
	return out
}

// checkTerraformPlan compares every policy a plan changes with its prior
// state.
func checkTerraformPlan(w io.Writer, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return usageError("%v", err)
	}
	var plan tfPlan
	if err := json.Unmarshal(b, &plan); err != nil || plan.FormatVersion == "" {
		return usageError("%s: not the output of terraform show -json (%v)", path, err)
	}
	compared, failed := 0, 0
	for _, c := range tfPolicyChanges(&plan) {
		name := c.address + " (" + c.attr + ")"
		switch {
		case c.after == "":
			continue // deleted, unknown until apply, or not set
		case c.before == "":
			fmt.Fprintf(w, "%s: created, no prior state to compare with\n", name)
			continue
		}
		compared++
		r, err := policycheck.CheckNoNewAccess(c.before, c.after, c.typ)
		if err != nil {
			failed++
			fmt.Fprintf(w, "%s: ERROR: %v\n", name, err)
			continue
		}
		fmt.Fprintf(w, "%s: ", name)
		if err := report(w, r, nil, name, c.after, false, nil); err != nil {
			failed++
		}
	}
	fmt.Fprintf(w, "%d changed policies compared, %d with new access\n", compared, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
