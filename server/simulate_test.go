package server_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestSimulation(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("sim")}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("reads"),
		PolicyDocument: aws.String("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\",\n     \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}}\n  ]\n}")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sim"), PolicyName: aws.String("nodelete"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`)}))

	out := must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"),
		ActionNames:     []string{"s3:GetObject", "s3:DeleteObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::b/k"},
		ContextEntries:  []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.1.2.3"}}},
	}))
	got := map[string]types.PolicyEvaluationDecisionType{}
	for _, r := range out.EvaluationResults {
		got[*r.EvalActionName] = r.EvalDecision
	}
	if got["s3:GetObject"] != "allowed" || got["s3:DeleteObject"] != "explicitDeny" || got["s3:PutObject"] != "implicitDeny" {
		t.Fatalf("decisions %v", got)
	}
	r := out.EvaluationResults[0]
	if len(r.MatchedStatements) != 1 || *r.MatchedStatements[0].SourcePolicyId != "reads" || r.MatchedStatements[0].SourcePolicyType != "group" ||
		r.MatchedStatements[0].StartPosition.Line != 4 || r.MatchedStatements[0].StartPosition.Column != 5 {
		t.Fatalf("matched %+v", r.MatchedStatements)
	}
	if len(r.ResourceSpecificResults) != 1 || r.ResourceSpecificResults[0].EvalResourceDecision != "allowed" {
		t.Fatalf("resource results %+v", r.ResourceSpecificResults)
	}

	// Without the source address the condition cannot hold: the key is
	// missing, reported per resource when resources are named (as AWS does).
	out = must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"}}))
	if r := out.EvaluationResults[0]; r.EvalDecision != "implicitDeny" || len(r.ResourceSpecificResults) != 1 ||
		!slices.Equal(r.ResourceSpecificResults[0].MissingContextValues, []string{"aws:SourceIp"}) {
		t.Fatalf("missing keys: %+v", r)
	}

	// A custom simulation with a boundary and a cross-account bucket policy.
	custom := must[*iam.SimulateCustomPolicyOutput](t)(c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`},
		ActionNames:                        []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:                       []string{"arn:aws:s3:::theirs/k"},
		ResourcePolicy:                     aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"arn:aws:s3:::theirs/*"}}`),
		ResourceOwner:                      aws.String("444455556666"),
		CallerArn:                          aws.String("arn:aws:iam::123456789012:user/sim"),
	}))
	get, put := custom.EvaluationResults[0], custom.EvaluationResults[1]
	if get.EvalDecision != "allowed" || put.EvalDecision != "implicitDeny" || put.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary ||
		get.EvalDecisionDetails["Resource Policy"] != "allowed" {
		t.Fatalf("custom: %+v / %+v", get, put)
	}
	_, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Statement":`}, ActionNames: []string{"s3:GetObject"}})
	wantCode(t, err, "MalformedPolicyDocument")

	keys := must[*iam.GetContextKeysForPrincipalPolicyOutput](t)(c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"),
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::h/${aws:username}/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`}}))
	if !slices.Equal(keys.ContextKeyNames, []string{"aws:SourceIp", "aws:SecureTransport", "aws:username"}) {
		t.Fatalf("context keys %v", keys.ContextKeyNames)
	}
}
