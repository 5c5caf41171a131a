package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/policy"
)

const (
	checkReadPolicy  = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}]}`
	checkWiderPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::artifacts/*"}]}`
	checkPublicBkt   = `{"Version":"2012-10-17","Statement":[{"Sid":"Mirror","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}]}`
	checkPrivateBkt  = `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}]}`
)

// The custom policy checks through the Go SDK: AWS's shapes, PASS and
// FAIL with the deciding statement, and the counterexample iamd adds.
func TestAnalyzerCustomChecksSDK(t *testing.T) {
	inst := testServer(t)
	c := analyzerClient(inst, rootKey, rootSecret)

	same, err := c.CheckNoNewAccess(ctx, &aa.CheckNoNewAccessInput{ExistingPolicyDocument: aws.String(checkReadPolicy),
		NewPolicyDocument: aws.String(checkReadPolicy), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy})
	if err != nil || same.Result != aatypes.CheckNoNewAccessResultPass || len(same.Reasons) != 0 {
		t.Fatalf("same policy: %+v %v", same, err)
	}
	wider, err := c.CheckNoNewAccess(ctx, &aa.CheckNoNewAccessInput{ExistingPolicyDocument: aws.String(checkReadPolicy),
		NewPolicyDocument: aws.String(checkWiderPolicy), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy})
	if err != nil || wider.Result != aatypes.CheckNoNewAccessResultFail || len(wider.Reasons) != 1 ||
		aws.ToInt32(wider.Reasons[0].StatementIndex) != 0 || aws.ToString(wider.Reasons[0].StatementId) != "Read" {
		t.Fatalf("wider policy: %+v %v", wider, err)
	}
	if !strings.Contains(aws.ToString(wider.Message), "new access") {
		t.Errorf("message %q", aws.ToString(wider.Message))
	}

	granted, err := c.CheckAccessNotGranted(ctx, &aa.CheckAccessNotGrantedInput{PolicyDocument: aws.String(checkWiderPolicy),
		PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy, Access: []aatypes.Access{{Actions: []string{"s3:GetObjectAcl"}}}})
	if err != nil || granted.Result != aatypes.CheckAccessNotGrantedResultFail {
		t.Fatalf("access granted: %+v %v", granted, err)
	}
	notGranted, err := c.CheckAccessNotGranted(ctx, &aa.CheckAccessNotGrantedInput{PolicyDocument: aws.String(checkReadPolicy),
		PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy, Access: []aatypes.Access{{Actions: []string{"s3:PutObject"}}}})
	if err != nil || notGranted.Result != aatypes.CheckAccessNotGrantedResultPass {
		t.Fatalf("access not granted: %+v %v", notGranted, err)
	}

	public, err := c.CheckNoPublicAccess(ctx, &aa.CheckNoPublicAccessInput{PolicyDocument: aws.String(checkPublicBkt), ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
	if err != nil || public.Result != aatypes.CheckNoPublicAccessResultFail || len(public.Reasons) != 1 {
		t.Fatalf("public bucket: %+v %v", public, err)
	}
	private, err := c.CheckNoPublicAccess(ctx, &aa.CheckNoPublicAccessInput{PolicyDocument: aws.String(checkPrivateBkt), ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
	if err != nil || private.Result != aatypes.CheckNoPublicAccessResultPass {
		t.Fatalf("private bucket: %+v %v", private, err)
	}
}

// A FAIL's counterexample is in the raw answer, and iamd's evaluator
// confirms it: the new policy allows it, the existing one does not.
func TestAnalyzerCustomCheckCounterexample(t *testing.T) {
	inst := testServer(t)
	status, _, body := analyzerRaw(t, inst, "/policy/check-no-new-access",
		`{"existingPolicyDocument":`+jsonString(checkReadPolicy)+`,"newPolicyDocument":`+jsonString(checkWiderPolicy)+`,"policyType":"IDENTITY_POLICY"}`)
	if status != 200 || body["result"] != "FAIL" {
		t.Fatalf("%d %v", status, body)
	}
	ce, ok := body["counterexample"].(map[string]any)
	if !ok {
		t.Fatalf("no counterexample in %v", body)
	}
	action, resource := ce["action"].(string), ce["resource"].(string)
	decide := func(doc string) policy.Decision {
		d, err := policy.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		set := policy.NewSet(policy.Compile(d, policy.Source{ID: "p"}))
		caller := policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/tester", Account: "123456789012"}
		return policy.Evaluate(&policy.Input{Identity: set}, &policy.Request{Principal: caller, Action: action, Resource: resource, ResourceAccount: "123456789012"})
	}
	if decide(checkWiderPolicy) != policy.Allowed || decide(checkReadPolicy) == policy.Allowed {
		t.Errorf("counterexample %s on %s not confirmed", action, resource)
	}
}

// Bad input is a ValidationException naming the field, in REST-JSON form;
// the checks are authorized like every other call.
func TestAnalyzerCustomChecksRefused(t *testing.T) {
	inst := testServer(t)
	for _, tc := range []struct{ path, body, field string }{
		{"/policy/check-no-new-access", `{"existingPolicyDocument":"{}","newPolicyDocument":"{}","policyType":"SCP"}`, "policyType"},
		{"/policy/check-no-new-access", `{"newPolicyDocument":"{}","policyType":"IDENTITY_POLICY"}`, "existingPolicyDocument"},
		{"/policy/check-access-not-granted", `{"policyDocument":` + jsonString(checkReadPolicy) + `,"policyType":"IDENTITY_POLICY"}`, "access"},
		{"/policy/check-no-public-access", `{"policyDocument":` + jsonString(checkPublicBkt) + `,"resourceType":"AWS::EC2::Nothing"}`, "resourceType"},
		{"/policy/check-no-public-access", `{"policyDocument":"not json","resourceType":"AWS::S3::Bucket"}`, "policyDocument"},
	} {
		status, typ, body := analyzerRaw(t, inst, tc.path, tc.body)
		fields, _ := body["fieldList"].([]any)
		if status != 400 || typ != "ValidationException" || len(fields) == 0 || fields[0].(map[string]any)["name"] != tc.field {
			t.Errorf("%s %s: %d %s %v", tc.path, tc.body, status, typ, body)
		}
	}

	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "validator")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("validator"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:ValidatePolicy","Resource":"*"}]}`)}))
	_, err := analyzerClient(inst, key, secret).CheckNoPublicAccess(ctx, &aa.CheckNoPublicAccessInput{PolicyDocument: aws.String(checkPublicBkt),
		ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
	var ad *aatypes.AccessDeniedException
	if !asErr(err, &ad) || !strings.Contains(ad.ErrorMessage(), "access-analyzer:CheckNoPublicAccess") {
		t.Fatalf("not allowed the check: %v", err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The aws CLI and boto3 call the three checks unchanged.
func TestAnalyzerCustomChecksCLIAndBoto3(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatal("the aws CLI is required (IAMD_E2E_REQUIRED=1) but not installed")
		}
		t.Skip("the aws CLI is not installed")
	}
	inst := testServer(t)
	dir := t.TempDir()
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
		"AWS_MAX_ATTEMPTS=1", "AWS_ENDPOINT_URL=", "AWS_PAGER=")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check-no-new-access", "--policy-type", "IDENTITY_POLICY", "--existing-policy-document", checkReadPolicy, "--new-policy-document", checkWiderPolicy}, "FAIL"},
		{[]string{"check-no-new-access", "--policy-type", "IDENTITY_POLICY", "--existing-policy-document", checkWiderPolicy, "--new-policy-document", checkReadPolicy}, "PASS"},
		{[]string{"check-access-not-granted", "--policy-type", "IDENTITY_POLICY", "--policy-document", checkReadPolicy, "--access", "actions=s3:PutObject"}, "PASS"},
		{[]string{"check-no-public-access", "--resource-type", "AWS::S3::Bucket", "--policy-document", checkPublicBkt}, "FAIL"},
	} {
		cmd := exec.Command(cli, append([]string{"--endpoint-url", inst.URL, "--output", "json", "accessanalyzer"}, tc.args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		var res struct{ Result string }
		if err != nil || json.Unmarshal(out, &res) != nil || res.Result != tc.want {
			t.Errorf("aws accessanalyzer %s: %v\n%s", tc.args[0], err, out)
		}
	}

	script := `
import boto3, json, sys, botocore.exceptions
c = boto3.client("accessanalyzer", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
r = c.check_no_new_access(existingPolicyDocument=sys.argv[4], newPolicyDocument=sys.argv[5], policyType="IDENTITY_POLICY")
try:
    c.check_no_public_access(policyDocument=sys.argv[4], resourceType="AWS::Nothing")
    err = "none"
except botocore.exceptions.ClientError as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"result": r["result"], "sid": r["reasons"][0]["statementId"], "err": err}))
`
	cmd := exec.Command("python3", "-c", script, inst.URL, rootKey, rootSecret, checkReadPolicy, checkWiderPolicy)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct{ Result, Sid, Err string }
	if err := json.Unmarshal(out, &res); err != nil || res.Result != "FAIL" || res.Sid != "Read" || res.Err != "ValidationException" {
		t.Fatalf("boto3: %v %s", err, out)
	}
}
