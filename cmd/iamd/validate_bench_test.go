package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/iamd/iamd/policy/validate"
)

// BenchmarkValidateTerraformPlan200 is iamd validate --terraform-plan of a
// plan with 200 policies (6 KB identity policies, trust and bucket
// policies), against the 2 s; it reports the ratio to validating
// the same documents without the plan.
func BenchmarkValidateTerraformPlan200(b *testing.B) {
	doc, err := os.ReadFile("../../policy/validate/testdata/policy-6k.json")
	if err != nil {
		b.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	bucket := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	type change struct {
		Address string         `json:"address"`
		Mode    string         `json:"mode"`
		Type    string         `json:"type"`
		Change  map[string]any `json:"change"`
	}
	var changes []change
	for i := range 200 {
		typ, attr, text := "aws_iam_policy", "policy", string(doc)
		switch i % 4 {
		case 1:
			typ, attr, text = "aws_iam_role", "assume_role_policy", trust
		case 2:
			typ, attr, text = "aws_s3_bucket_policy", "policy", bucket
		}
		changes = append(changes, change{Address: fmt.Sprintf("%s.p%d", typ, i), Mode: "managed", Type: typ,
			Change: map[string]any{"actions": []string{"create"}, "before": nil, "after": map[string]any{attr: text}, "after_unknown": map[string]any{}}})
	}
	plan, _ := json.Marshal(map[string]any{"format_version": "1.2", "resource_changes": changes})
	validate.Policy(doc, validate.Options{Type: validate.IdentityPolicy}) // the catalogue, decoded once
	start := time.Now()
	for range 100 {
		validate.Policy(doc, validate.Options{Type: validate.IdentityPolicy})
	}
	perDoc := time.Since(start) / 100
	b.ResetTimer()
	for b.Loop() {
		rs, err := validatePlan("plan.json", plan)
		if err != nil || len(rs) != 200 {
			b.Fatalf("%d %v", len(rs), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(perDoc*100), "x-100-6KB-docs")
}
