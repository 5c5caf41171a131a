package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/server"
)

func analyzerClient(inst *server.Instance, key, secret string) *aa.Client {
	return aa.NewFromConfig(awsConfig(inst.URL, key, secret, ""))
}

// aaPolicy has several findings on several lines: a missing Version, an
// unknown action, iam:PassRole on "*", a redundant action.
const aaPolicy = `{
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:Get*", "s3:GetObjekt", "iam:PassRole"],
      "Resource": "*"
    }
  ]
}`

func TestAnalyzerValidatePolicySDK(t *testing.T) {
	inst := testServer(t)
	c := analyzerClient(inst, rootKey, rootSecret)
	out, err := c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: aatypes.PolicyTypeIdentityPolicy})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]aatypes.ValidatePolicyFinding{}
	for _, f := range out.Findings {
		got[*f.IssueCode] = f
	}
	for code, typ := range map[string]aatypes.ValidatePolicyFindingType{
		"MISSING_VERSION": aatypes.ValidatePolicyFindingTypeWarning, "INVALID_ACTION": aatypes.ValidatePolicyFindingTypeError,
		"PASS_ROLE_WITH_STAR_IN_RESOURCE": aatypes.ValidatePolicyFindingTypeSecurityWarning, "REDUNDANT_ACTION": aatypes.ValidatePolicyFindingTypeSuggestion,
	} {
		f, ok := got[code]
		if !ok {
			t.Fatalf("no %s finding in %+v", code, out.Findings)
		}
		if f.FindingType != typ || !strings.HasPrefix(*f.LearnMoreLink, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#") || *f.FindingDetails == "" {
			t.Errorf("%s: %+v", code, f)
		}
	}
	// The unknown action: Statement[0].Action[2], line 5, its quotes
	// included, offsets counted from 0.
	f := got["INVALID_ACTION"]
	loc := f.Locations[0]
	if len(loc.Path) != 4 {
		t.Fatalf("path %+v", loc.Path)
	}
	if v, ok := loc.Path[0].(*aatypes.PathElementMemberValue); !ok || v.Value != "Statement" {
		t.Errorf("path[0] = %#v", loc.Path[0])
	}
	if v, ok := loc.Path[1].(*aatypes.PathElementMemberIndex); !ok || v.Value != 0 {
		t.Errorf("path[1] = %#v", loc.Path[1])
	}
	if v, ok := loc.Path[2].(*aatypes.PathElementMemberValue); !ok || v.Value != "Action" {
		t.Errorf("path[2] = %#v", loc.Path[2])
	}
	if v, ok := loc.Path[3].(*aatypes.PathElementMemberIndex); !ok || v.Value != 2 {
		t.Errorf("path[3] = %#v", loc.Path[3])
	}
	off := strings.Index(aaPolicy, `"s3:GetObjekt"`)
	if s := loc.Span.Start; *s.Line != 5 || *s.Offset != int32(off) || *s.Column != int32(off-strings.LastIndex(aaPolicy[:off], "\n")-1) {
		t.Errorf("start %d:%d@%d, want line 5 offset %d", *s.Line, *s.Column, *s.Offset, off)
	}
	if e := loc.Span.End; *e.Offset != int32(off+len(`"s3:GetObjekt"`)) {
		t.Errorf("end offset %d", *e.Offset)
	}

	// A clean policy has no findings (and an empty list, not null).
	clean, err := c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyType: aatypes.PolicyTypeIdentityPolicy,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)})
	if err != nil || len(clean.Findings) != 0 || clean.NextToken != nil {
		t.Fatalf("clean: %+v %v", clean, err)
	}
	// A trust policy as a resource policy of AWS::IAM::AssumeRolePolicyDocument.
	trust, err := c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyType: aatypes.PolicyTypeResourcePolicy,
		ValidatePolicyResourceType: aatypes.ValidatePolicyResourceTypeRoleTrust,
		PolicyDocument:             aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil || len(trust.Findings) != 1 || *trust.Findings[0].IssueCode != "TRUST_POLICY_WILDCARD_PRINCIPAL" {
		t.Fatalf("trust: %+v %v", trust, err)
	}
}

func TestAnalyzerValidatePolicyPagination(t *testing.T) {
	inst := testServer(t)
	c := analyzerClient(inst, rootKey, rootSecret)
	in := &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: aatypes.PolicyTypeIdentityPolicy}
	all, err := c.ValidatePolicy(ctx, in)
	if err != nil || len(all.Findings) < 4 {
		t.Fatalf("%+v %v", all, err)
	}
	var paged []string
	p := aa.NewValidatePolicyPaginator(c, &aa.ValidatePolicyInput{PolicyDocument: in.PolicyDocument, PolicyType: in.PolicyType, MaxResults: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Findings) != 1 {
			t.Fatalf("page of %d", len(page.Findings))
		}
		paged = append(paged, *page.Findings[0].IssueCode)
	}
	var want []string
	for _, f := range all.Findings {
		want = append(want, *f.IssueCode)
	}
	if pages != len(all.Findings) || strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %v, all %v", paged, want)
	}
	// A token is bound to its request: another document's is refused.
	first, _ := c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: in.PolicyDocument, PolicyType: in.PolicyType, MaxResults: aws.Int32(1)})
	_, err = c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy + " "), PolicyType: in.PolicyType, NextToken: first.NextToken})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("foreign token: %v", err)
	}
	_, err = c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: in.PolicyDocument, PolicyType: in.PolicyType, NextToken: aws.String("garbage")})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("garbage token: %v", err)
	}
}

// analyzerRaw posts a body signed by the root user and returns the status,
// error type header and decoded body.
func analyzerRaw(t *testing.T, inst *server.Instance, path, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, inst.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	signHTTP(t, req, []byte(body), rootKey, rootSecret, "access-analyzer")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: body is not JSON: %v", path, err)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), out
}

func TestAnalyzerValidationException(t *testing.T) {
	inst := testServer(t)
	c := analyzerClient(inst, rootKey, rootSecret)
	_, err := c.ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: "BUCKET_POLICY"})
	var ve *aatypes.ValidationException
	if !asErr(err, &ve) || ve.Reason != aatypes.ValidationExceptionReasonFieldValidationFailed || len(ve.FieldList) != 1 || *ve.FieldList[0].Name != "policyType" {
		t.Fatalf("bad policyType: %#v", err)
	}
	for _, tc := range []struct{ name, body, field, reason string }{
		{"no type", `{"policyDocument":"{}"}`, "policyType", "fieldValidationFailed"},
		{"no document", `{"policyType":"IDENTITY_POLICY"}`, "policyDocument", "fieldValidationFailed"},
		{"bad locale", `{"policyType":"IDENTITY_POLICY","policyDocument":"{}","locale":"XX"}`, "locale", "fieldValidationFailed"},
		{"bad resource type", `{"policyType":"RESOURCE_POLICY","policyDocument":"{}","validatePolicyResourceType":"AWS::Nope"}`, "validatePolicyResourceType", "fieldValidationFailed"},
		{"not json", `{"policyType":`, "", "cannotParse"},
	} {
		status, typ, body := analyzerRaw(t, inst, "/policy/validation", tc.body)
		if status != 400 || typ != "ValidationException" || body["reason"] != tc.reason {
			t.Errorf("%s: %d %s %v", tc.name, status, typ, body)
			continue
		}
		if tc.field != "" {
			fl, _ := body["fieldList"].([]any)
			if len(fl) == 0 || fl[0].(map[string]any)["name"] != tc.field {
				t.Errorf("%s: fieldList %v", tc.name, body["fieldList"])
			}
		}
	}
	// An unknown path is an unknown operation, in the service's format.
	status, typ, body := analyzerRaw(t, inst, "/policy/nope", `{}`)
	if status != 400 || typ != "ValidationException" || body["reason"] != "unknownOperation" {
		t.Errorf("unknown path: %d %s %v", status, typ, body)
	}
}

func asErr[T error](err error, target *T) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && errors.As(err, target)
}

func TestAnalyzerAuthorization(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "nobody")
	in := &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: aatypes.PolicyTypeIdentityPolicy}
	// No policy: refused, as AWS refuses it.
	_, err := analyzerClient(inst, key, secret).ValidatePolicy(ctx, in)
	var ad *aatypes.AccessDeniedException
	if !asErr(err, &ad) || !strings.Contains(ad.ErrorMessage(), "access-analyzer:ValidatePolicy") {
		t.Fatalf("no policy: %v", err)
	}
	// Allowed on "*": answered.
	_, key2, secret2 := newUser(t, inst, root, "linter")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("linter"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:ValidatePolicy","Resource":"*"}]}`)}))
	if _, err := analyzerClient(inst, key2, secret2).ValidatePolicy(ctx, in); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	// An explicit deny wins.
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("linter"), PolicyName: aws.String("d"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"access-analyzer:*","Resource":"*"}]}`)}))
	if _, err := analyzerClient(inst, key2, secret2).ValidatePolicy(ctx, in); !asErr(err, &ad) {
		t.Fatalf("denied: %v", err)
	}
	// A bad signature and an unknown key are refused before anything.
	if _, err := analyzerClient(inst, rootKey, "wrong").ValidatePolicy(ctx, in); apiCode(err) != "InvalidSignatureException" {
		t.Fatalf("bad secret: %v", err)
	}
	if _, err := analyzerClient(inst, "AKIANOSUCHKEY0000000", "x").ValidatePolicy(ctx, in); apiCode(err) != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	// Unsigned: refused in the service's format.
	resp, err := http.Post(inst.URL+"/policy/validation", "application/json", strings.NewReader(`{"policyType":"IDENTITY_POLICY","policyDocument":"{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// With a gateway in front of a backend, Access Analyzer's requests are
// still iamd's: the backend (an address nothing listens on) is never asked.
func TestAnalyzerNotForwarded(t *testing.T) {
	inst := testServerWith(t, func(o *server.Options) { o.Gateway.Backend = "http://127.0.0.1:1" })
	out, err := analyzerClient(inst, rootKey, rootSecret).ValidatePolicy(ctx, &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: aatypes.PolicyTypeIdentityPolicy})
	if err != nil || len(out.Findings) == 0 {
		t.Fatalf("%+v %v", out, err)
	}
	// Unsigned: a POST to an operation is Access Analyzer's refusal (JSON);
	// a GET of an object under a bucket named "policy" is the gateway's (S3's XML).
	resp, err := http.Post(inst.URL+"/policy/validation", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned POST: %d %q", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	resp, err = http.Get(inst.URL + "/policy/validation")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("x-amzn-ErrorType") != "" || resp.Header.Get("Content-Type") == "application/json" {
		t.Fatalf("unsigned GET answered by Access Analyzer: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestAnalyzerAWSCLI(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatal("the aws CLI is required (IAMD_E2E_REQUIRED=1) but not installed")
		}
		t.Skip("the aws CLI is not installed")
	}
	inst := testServer(t)
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(cli, append([]string{"--endpoint-url", inst.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret, "AWS_SESSION_TOKEN=",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
			"AWS_MAX_ATTEMPTS=1", "AWS_ENDPOINT_URL=", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("accessanalyzer", "validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document", aaPolicy)
	if err != nil {
		t.Fatalf("validate-policy: %v\n%s", err, out)
	}
	var res struct {
		Findings []struct {
			IssueCode string `json:"issueCode"`
			Locations []struct {
				Span struct {
					Start struct{ Line int } `json:"start"`
				} `json:"span"`
			} `json:"locations"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Findings) < 4 {
		t.Fatalf("%v\n%s", err, out)
	}
	// The CLI pages by itself (--max-items over maxResults pages).
	out, err = run("accessanalyzer", "validate-policy", "--policy-type", "IDENTITY_POLICY", "--policy-document", aaPolicy, "--page-size", "1")
	if err != nil || strings.Count(out, `"issueCode"`) != len(res.Findings) {
		t.Fatalf("paged: %v\n%s", err, out)
	}
	out, err = run("accessanalyzer", "validate-policy", "--policy-type", "NOPE", "--policy-document", "{}")
	if err == nil || !strings.Contains(out, "ValidationException") {
		t.Fatalf("bad type: %v\n%s", err, out)
	}
}

func TestAnalyzerBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	inst := testServer(t)
	script := `
import boto3, json, sys, botocore.exceptions
c = boto3.client("accessanalyzer", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
doc = sys.argv[4]
codes = [f["issueCode"] for p in c.get_paginator("validate_policy").paginate(policyDocument=doc, policyType="IDENTITY_POLICY", PaginationConfig={"PageSize": 2}) for f in p["findings"]]
one = c.validate_policy(policyDocument=doc, policyType="IDENTITY_POLICY")["findings"][0]
try:
    c.validate_policy(policyDocument=doc, policyType="IDENTITY_POLICY", validatePolicyResourceType="AWS::S3::Bucket")
    err = "none"
except botocore.exceptions.ClientError as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"codes": codes, "span": one["locations"][0]["span"], "err": err}))
`
	cmd := exec.Command("python3", "-c", script, inst.URL, rootKey, rootSecret, aaPolicy)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named 'boto3'") {
			t.Skip("boto3 not installed")
		}
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Codes []string                  `json:"codes"`
		Span  map[string]map[string]int `json:"span"`
		Err   string                    `json:"err"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Codes) < 4 || res.Err != "ValidationException" || res.Span["start"]["line"] < 1 {
		t.Fatalf("%s", out)
	}
}

// Access Analyzer's operations are reads: a refusal is audited (with the
// service's event source), an answered call only with AuditReads.
func TestAnalyzerAudit(t *testing.T) {
	log := &syncBuffer{}
	inst := testServerWith(t, func(o *server.Options) { o.AuditLog = log })
	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "nobody")
	in := &aa.ValidatePolicyInput{PolicyDocument: aws.String(aaPolicy), PolicyType: aatypes.PolicyTypeIdentityPolicy}
	if _, err := analyzerClient(inst, rootKey, rootSecret).ValidatePolicy(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := analyzerClient(inst, key, secret).ValidatePolicy(ctx, in); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("%v", err)
	}
	var got []server.AuditEvent
	for _, ev := range log.events(t) {
		if ev.EventSource == "access-analyzer.amazonaws.com" {
			got = append(got, ev)
		}
	}
	if len(got) != 1 || got[0].EventName != "ValidatePolicy" || got[0].ErrorCode != "AccessDenied" || got[0].UserIdentity == nil || !strings.HasSuffix(got[0].UserIdentity.ARN, "user/nobody") {
		t.Fatalf("audit %+v", got)
	}
}
