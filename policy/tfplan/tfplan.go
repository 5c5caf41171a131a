// Package tfplan finds the policy documents in a Terraform plan (the JSON
// of `terraform show -json plan`): every IAM, S3, KMS, SQS, SNS, ... policy
// the plan creates or changes, with what kind of policy it is and, for a
// change, the document it replaces. It is pure: bytes in, documents out.
package tfplan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Kind is the kind of policy, in ValidatePolicy's terms.
type Kind string

// The kinds of policy a plan holds.
const (
	Identity Kind = "IDENTITY_POLICY"
	Resource Kind = "RESOURCE_POLICY"
	SCP      Kind = "SERVICE_CONTROL_POLICY"
	RCP      Kind = "RESOURCE_CONTROL_POLICY"
)

// Document is one policy of the plan.
type Document struct {
	Address      string // the resource's address, e.g. module.app.aws_iam_role.ci
	Type         string // the resource type, e.g. aws_iam_role
	Attribute    string // where the document is, e.g. assume_role_policy or inline_policy[0].policy
	Kind         Kind
	ResourceType string  // ValidatePolicy's validatePolicyResourceType ("" for none)
	After        *string // the planned document; nil when unknown until apply
	Before       *string // the prior document; nil for a creation
	Actions      []string
}

// attr is where a resource type keeps a policy and what kind it is.
type attr struct {
	name         string
	kind         Kind
	resourceType string
}

// policyAttrs are the AWS provider's resources that hold policy documents.
var policyAttrs = map[string][]attr{
	"aws_iam_policy":                                  {{"policy", Identity, ""}},
	"aws_iam_role_policy":                             {{"policy", Identity, ""}},
	"aws_iam_user_policy":                             {{"policy", Identity, ""}},
	"aws_iam_group_policy":                            {{"policy", Identity, ""}},
	"aws_iam_role":                                    {{"assume_role_policy", Resource, "AWS::IAM::AssumeRolePolicyDocument"}},
	"aws_s3_bucket_policy":                            {{"policy", Resource, "AWS::S3::Bucket"}},
	"aws_s3_access_point":                             {{"policy", Resource, "AWS::S3::AccessPoint"}},
	"aws_s3control_access_point_policy":               {{"policy", Resource, "AWS::S3::AccessPoint"}},
	"aws_s3control_multi_region_access_point_policy":  {{"details[0].policy", Resource, "AWS::S3::MultiRegionAccessPoint"}},
	"aws_s3control_object_lambda_access_point_policy": {{"policy", Resource, "AWS::S3ObjectLambda::AccessPoint"}},
	"aws_dynamodb_resource_policy":                    {{"policy", Resource, "AWS::DynamoDB::Table"}},
	"aws_kms_key":                                     {{"policy", Resource, ""}},
	"aws_kms_key_policy":                              {{"policy", Resource, ""}},
	"aws_sqs_queue":                                   {{"policy", Resource, ""}},
	"aws_sqs_queue_policy":                            {{"policy", Resource, ""}},
	"aws_sns_topic":                                   {{"policy", Resource, ""}},
	"aws_sns_topic_policy":                            {{"policy", Resource, ""}},
	"aws_ecr_repository_policy":                       {{"policy", Resource, ""}},
	"aws_ecrpublic_repository_policy":                 {{"policy", Resource, ""}},
	"aws_secretsmanager_secret":                       {{"policy", Resource, ""}},
	"aws_secretsmanager_secret_policy":                {{"policy", Resource, ""}},
	"aws_glacier_vault":                               {{"access_policy", Resource, ""}},
	"aws_backup_vault_policy":                         {{"policy", Resource, ""}},
	"aws_efs_file_system_policy":                      {{"policy", Resource, ""}},
	"aws_api_gateway_rest_api_policy":                 {{"policy", Resource, ""}},
	"aws_api_gateway_rest_api":                        {{"policy", Resource, ""}},
	"aws_cloudwatch_log_resource_policy":              {{"policy_document", Resource, ""}},
	"aws_elasticsearch_domain_policy":                 {{"access_policies", Resource, ""}},
	"aws_opensearch_domain_policy":                    {{"access_policies", Resource, ""}},
	"aws_codeartifact_domain_permissions_policy":      {{"policy_document", Resource, ""}},
	"aws_codeartifact_repository_permissions_policy":  {{"policy_document", Resource, ""}},
	"aws_cloudwatch_event_bus_policy":                 {{"policy", Resource, ""}},
	"aws_glue_resource_policy":                        {{"policy", Resource, ""}},
	"aws_ssoadmin_permission_set_inline_policy":       {{"inline_policy", Identity, ""}},
}

type plan struct {
	FormatVersion   string           `json:"format_version"`
	ResourceChanges []resourceChange `json:"resource_changes"`
}

type resourceChange struct {
	Address string `json:"address"`
	Mode    string `json:"mode"`
	Type    string `json:"type"`
	Change  struct {
		Actions      []string        `json:"actions"`
		Before       json.RawMessage `json:"before"`
		After        json.RawMessage `json:"after"`
		AfterUnknown json.RawMessage `json:"after_unknown"`
	} `json:"change"`
}

// Parse reads a plan and returns its policy documents in address order.
// Deleted resources and data sources are left out.
func Parse(data []byte) ([]Document, error) {
	var p plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a Terraform plan (terraform show -json): %w", err)
	}
	if p.FormatVersion == "" {
		return nil, fmt.Errorf("not a Terraform plan (terraform show -json): no format_version")
	}
	var out []Document
	for _, rc := range p.ResourceChanges {
		if rc.Mode != "managed" || len(rc.Change.Actions) == 1 && rc.Change.Actions[0] == "delete" {
			continue
		}
		attrs := policyAttrs[rc.Type]
		after, before, unknown := object(rc.Change.After), object(rc.Change.Before), object(rc.Change.AfterUnknown)
		add := func(a attr, where string, afterV, beforeV any, unknownV any) {
			d := Document{Address: rc.Address, Type: rc.Type, Attribute: where, Kind: a.kind, ResourceType: a.resourceType, Actions: rc.Change.Actions}
			if s, ok := afterV.(string); ok && s != "" {
				d.After = &s
			} else if b, _ := unknownV.(bool); !b {
				return // no document (an empty or absent attribute)
			}
			if s, ok := beforeV.(string); ok && s != "" {
				d.Before = &s
			}
			out = append(out, d)
		}
		for _, a := range attrs {
			av, bv, uv := lookup(after, a.name), lookup(before, a.name), lookup(unknown, a.name)
			add(a, a.name, av, bv, uv)
		}
		if rc.Type == "aws_organizations_policy" {
			kind := SCP
			if t, _ := after["type"].(string); t == "RESOURCE_CONTROL_POLICY" {
				kind = RCP
			} else if t != "" && t != "SERVICE_CONTROL_POLICY" {
				continue // tag, backup and AI opt-out policies are not IAM policies
			}
			add(attr{"content", kind, ""}, "content", after["content"], before["content"], unknown["content"])
		}
		// A role's inline policies.
		if rc.Type == "aws_iam_role" {
			blocks, _ := after["inline_policy"].([]any)
			prior, _ := before["inline_policy"].([]any)
			for i, b := range blocks {
				bm, _ := b.(map[string]any)
				var pv any
				name, _ := bm["name"].(string)
				for _, q := range prior {
					if qm, _ := q.(map[string]any); qm != nil && qm["name"] == name {
						pv = qm["policy"]
					}
				}
				add(attr{"policy", Identity, ""}, fmt.Sprintf("inline_policy[%d].policy", i), bm["policy"], pv, nil)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

func object(raw json.RawMessage) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(raw, &m) // null or absent: no values
	return m
}

// lookup follows a path of the form a or a[0].b.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for path != "" {
		var key string
		idx := -1
		seg := path
		if i := indexByte(path, '.'); i >= 0 {
			seg, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		key = seg
		if i := indexByte(seg, '['); i >= 0 && seg[len(seg)-1] == ']' {
			key = seg[:i]
			n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
			if err != nil {
				return nil
			}
			idx = n
		}
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[key]
		if idx >= 0 {
			arr, ok := cur.([]any)
			if !ok || idx >= len(arr) {
				return nil
			}
			cur = arr[idx]
		}
	}
	return cur
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
