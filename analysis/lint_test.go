package analysis

import (
	"testing"
)

// TestLintStatements checks the catalogue-driven rules one statement at a
// time, with the cases that must stay quiet.
func TestLintStatements(t *testing.T) {
	tests := []struct {
		name, stmt string
		want       string // rule expected; "" = no statement finding
	}{
		{"condition key of the action", `{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":"home/*"}}}`, ""},
		{"condition key of another service", `{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/*"}}}`, "condition-key-not-applicable"},
		{"global keys always apply", `{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"arn:aws:ec2:us-east-1:123456789012:instance/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`, ""},
		{"resource tag template", `{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"arn:aws:ec2:us-east-1:123456789012:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}`, ""},
		{"action that takes only *", `{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::b"}`, "resource-type-mismatch"},
		{"ARN of another service", `{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:s3:::b/*"}`, "resource-type-mismatch"},
		{"bucket and objects together", `{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`, ""},
		{"policy variables", `{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}`, ""},
		{"unknown service", `{"Effect":"Allow","Action":"s4:GetObject","Resource":"*"}`, "unknown-action"},
		{"pattern matching nothing", `{"Effect":"Allow","Action":"s3:Fly*","Resource":"*"}`, "unknown-action"},
		{"PassRole through NotAction", `{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}`, "passrole-wildcard"},
		{"PassRole to named roles", `{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app"}`, ""},
		{"service wildcard on a sensitive service", `{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:123456789012:key/k"}`, "service-wildcard"},
		{"writes on everything", `{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}`, "wildcard-resource-write"},
		{"reads on everything", `{"Effect":"Allow","Action":"sqs:GetQueueUrl","Resource":"*"}`, ""},
		{"deny with wildcards is fine", `{"Effect":"Deny","Action":"*","Resource":"*"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dump{GroupDetailList: []GroupDetail{{GroupName: "g", Arn: "arn:aws:iam::123456789012:group/g",
				GroupPolicyList: []PolicyDetail{{PolicyName: "p", PolicyDocument: Document(`{"Version":"2012-10-17","Statement":[` + tt.stmt + `]}`)}}}}}
			a, err := NewAccount(d)
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, f := range Lint(a, LintOptions{}) {
				if f.Statement != "" {
					rules = append(rules, f.Rule)
				}
			}
			found := false
			for _, r := range rules {
				found = found || r == tt.want
			}
			if tt.want == "" && len(rules) > 0 || tt.want != "" && !found {
				t.Errorf("findings %v, want %q", rules, tt.want)
			}
		})
	}
}
