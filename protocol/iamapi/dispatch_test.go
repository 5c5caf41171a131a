package iamapi_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/awserr"
	"github.com/iamd/iamd/protocol/iamapi"
	"github.com/iamd/iamd/protocol/query"
)

// fake echoes inputs back in outputs, so a round trip through the real SDK
// shows that every kind of value survives both directions.
type fake struct {
	lastUpdateRole *iamapi.UpdateRoleInput
}

var created = time.Date(2024, 5, 1, 12, 30, 45, 0, time.UTC)

func (f *fake) CreateUser(_ context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	path := "/"
	if in.Path != nil {
		path = *in.Path
	}
	u := iamapi.User{Path: path, UserName: in.UserName, UserId: "AIDAEXAMPLE", Arn: "arn:aws:iam::123456789012:user" + path + in.UserName, CreateDate: created, Tags: in.Tags}
	if in.PermissionsBoundary != nil {
		u.PermissionsBoundary = &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryArn: in.PermissionsBoundary, PermissionsBoundaryType: aws.String("Policy")}
	}
	return &iamapi.CreateUserOutput{User: &u}, nil
}

func (f *fake) ListUsers(_ context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	out := &iamapi.ListUsersOutput{Users: []iamapi.User{}}
	if in.MaxItems != nil && *in.MaxItems == 1 {
		out.Users = append(out.Users, iamapi.User{Path: "/", UserName: "a<b>&c", UserId: "AIDA1", Arn: "arn", CreateDate: created})
		out.IsTruncated = aws.Bool(true)
		out.Marker = aws.String("next")
	}
	return out, nil
}

func (f *fake) GetAccountSummary(context.Context, *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryOutput, error) {
	return &iamapi.GetAccountSummaryOutput{SummaryMap: map[string]int32{"Users": 3, "UsersQuota": 5000}}, nil
}

func (f *fake) GetCredentialReport(context.Context, *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportOutput, error) {
	return &iamapi.GetCredentialReportOutput{Content: []byte("user,arn\nroot,arn:aws:iam::1:root\n"), ReportFormat: aws.String("text/csv"), GeneratedTime: &created}, nil
}

func (f *fake) SimulateCustomPolicy(_ context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	var results []iamapi.EvaluationResult
	for _, a := range in.ActionNames {
		r := iamapi.EvaluationResult{EvalActionName: a, EvalDecision: "allowed", EvalResourceName: aws.String("*"),
			EvalDecisionDetails: map[string]string{"IAM Policy": "allowed"}}
		for _, c := range in.ContextEntries {
			r.MissingContextValues = append(r.MissingContextValues, aws.ToString(c.ContextKeyName)+"="+strings.Join(c.ContextKeyValues, ","))
		}
		results = append(results, r)
	}
	return &iamapi.SimulateCustomPolicyOutput{EvaluationResults: results, IsTruncated: aws.Bool(false)}, nil
}

func (f *fake) UpdateRole(_ context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	f.lastUpdateRole = in
	return &iamapi.UpdateRoleOutput{}, nil
}

func (f *fake) DeleteUser(_ context.Context, in *iamapi.DeleteUserInput) error {
	return iamapi.NoSuchEntity("The user with name %s cannot be found.", in.UserName)
}

func handler(svc any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t := awserr.New(awserr.CodeMalformedQuery, 400, "%v", err)
			writeErr(w, t)
			return
		}
		action := r.Form.Get("Action")
		out, err := iamapi.Dispatch(r.Context(), svc, action, r.Form)
		if err != nil {
			e, ok := awserr.As(err)
			if !ok {
				e = awserr.ServiceFailure("%v", err)
			}
			writeErr(w, e)
			return
		}
		var b bytes.Buffer
		query.WriteResponse(&b, action, iamapi.Namespace, "req-1", out)
		w.Header().Set("Content-Type", "text/xml")
		w.Write(b.Bytes())
	})
}

func writeErr(w http.ResponseWriter, e *awserr.Error) {
	var b bytes.Buffer
	query.WriteError(&b, iamapi.Namespace, "req-1", e)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	w.Write(b.Bytes())
}

func client(t *testing.T, url string) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestRoundTripWithSDK(t *testing.T) {
	f := &fake{}
	srv := httptest.NewServer(handler(f))
	defer srv.Close()
	c := client(t, srv.URL)
	ctx := context.Background()

	cu, err := c.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String("alice"), Path: aws.String("/eng/"),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/b"),
		Tags:                []types.Tag{{Key: aws.String("team"), Value: aws.String("red blue/x:y=z")}, {Key: aws.String("empty"), Value: aws.String("")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := cu.User
	if *u.UserName != "alice" || *u.Path != "/eng/" || !u.CreateDate.Equal(created) || len(u.Tags) != 2 ||
		*u.Tags[0].Value != "red blue/x:y=z" || *u.Tags[1].Value != "" || *u.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::123456789012:policy/b" {
		t.Errorf("CreateUser round trip: %+v", u)
	}
	if u.PasswordLastUsed != nil {
		t.Errorf("absent optional member came back: %v", u.PasswordLastUsed)
	}

	lu, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lu.Users) != 1 || *lu.Users[0].UserName != "a<b>&c" || !lu.IsTruncated || *lu.Marker != "next" {
		t.Errorf("ListUsers: %+v", lu)
	}
	if lu, err = c.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(lu.Users) != 0 || lu.IsTruncated {
		t.Errorf("empty ListUsers: %+v, %v", lu, err)
	}

	sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["Users"] != 3 || sum.SummaryMap["UsersQuota"] != 5000 {
		t.Errorf("GetAccountSummary map: %+v, %v", sum, err)
	}

	rep, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil || string(rep.Content) != "user,arn\nroot,arn:aws:iam::1:root\n" || rep.ReportFormat != "text/csv" {
		t.Errorf("GetCredentialReport blob: %+v, %v", rep, err)
	}

	sim, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ContextEntries: []types.ContextEntry{
			{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.0.0.1"}},
			{ContextKeyName: aws.String("aws:TagKeys"), ContextKeyType: types.ContextKeyTypeEnumStringList, ContextKeyValues: []string{"a", "b"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.EvaluationResults) != 2 || sim.EvaluationResults[1].EvalDecisionDetails["IAM Policy"] != types.PolicyEvaluationDecisionTypeAllowed ||
		strings.Join(sim.EvaluationResults[0].MissingContextValues, "|") != "aws:SourceIp=10.0.0.1|aws:TagKeys=a,b" {
		t.Errorf("SimulateCustomPolicy nested lists: %+v", sim.EvaluationResults)
	}

	// Omitted optional parameters stay absent (UpdateRole must not clear
	// a description the caller did not send).
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	if f.lastUpdateRole.Description != nil || *f.lastUpdateRole.MaxSessionDuration != 7200 {
		t.Errorf("UpdateRole input: %+v", f.lastUpdateRole)
	}
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), Description: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	if f.lastUpdateRole.Description == nil || *f.lastUpdateRole.Description != "" {
		t.Errorf("an empty description must be present: %+v", f.lastUpdateRole.Description)
	}
}

func TestErrorsWithSDK(t *testing.T) {
	srv := httptest.NewServer(handler(&fake{}))
	defer srv.Close()
	c := client(t, srv.URL)
	ctx := context.Background()

	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
		typed   any
	}{
		{"modelled error", func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
			return err
		},
			"NoSuchEntity", "The user with name bob cannot be found.", new(*types.NoSuchEntityException)},
		{"pattern", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
			return err
		},
			"ValidationError", "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", nil},
		{"two violations", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.Repeat("a", 65)), Path: aws.String("nopath")})
			return err
		}, "ValidationError", "2 validation errors detected: Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", nil},
		{"range", func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)}); return err },
			"ValidationError", "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", nil},
		{"not implemented", func() error { _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")}); return err },
			"NotImplemented", "iamd does not implement GetRole yet.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want an API error, got %v", err)
			}
			if ae.ErrorCode() != tt.code || ae.ErrorMessage() != tt.message {
				t.Errorf("got %s: %q\nwant %s: %q", ae.ErrorCode(), ae.ErrorMessage(), tt.code, tt.message)
			}
			if tt.typed != nil && !errors.As(err, tt.typed) {
				t.Errorf("error is not the SDK's typed %T", tt.typed)
			}
		})
	}
}

// post sends raw parameters, for requests the SDK would refuse to send.
func post(t *testing.T, url string, form map[string][]string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(url, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestRawRequests(t *testing.T) {
	srv := httptest.NewServer(handler(&fake{}))
	defer srv.Close()
	tests := []struct {
		form   map[string][]string
		status int
		want   string
	}{
		{map[string][]string{"Action": {"CreateUser"}, "UserName": {"x"}, "Tags.member.1.Key": {"k"}}, 400,
			"Value null at &#39;tags.1.member.value&#39; failed to satisfy constraint: Member must not be null"},
		{map[string][]string{"Action": {"CreateUser"}}, 400, "Value null at &#39;userName&#39;"},
		{map[string][]string{"Action": {"ListUsers"}, "MaxItems": {"ten"}}, 400, "Value &#39;ten&#39; at &#39;MaxItems&#39; failed to satisfy constraint: Member must be an integer"},
		{map[string][]string{"Action": {"CreateUser"}, "UserName": {"x"}, "Tags": {""}}, 200, "<Tags></Tags>"},
	}
	for _, tt := range tests {
		status, body := post(t, srv.URL, tt.form)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%v: %d %s\nwant %d and %q", tt.form, status, body, tt.status, tt.want)
		}
	}
}

func TestUnknownAction(t *testing.T) {
	srv := httptest.NewServer(handler(&fake{}))
	defer srv.Close()
	resp, err := http.PostForm(srv.URL, map[string][]string{"Action": {"CreateFoo"}, "Version": {"2010-05-08"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(b.String(), "<Code>InvalidAction</Code>") ||
		!strings.Contains(b.String(), "Could not find operation CreateFoo for version 2010-05-08") {
		t.Fatalf("%d %s", resp.StatusCode, b.String())
	}
}

func TestImplemented(t *testing.T) {
	if !iamapi.Implemented(&fake{}, "CreateUser") || iamapi.Implemented(&fake{}, "GetRole") || iamapi.Implemented(&fake{}, "Nope") {
		t.Fatal("Implemented is wrong")
	}
	if len(iamapi.Operations) != 176 {
		t.Fatalf("%d operations in the model", len(iamapi.Operations))
	}
}

// TestAWSCLI drives the fake with the aws CLI (botocore's serializer and
// parser): a list, a map and an error.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	srv := httptest.NewServer(handler(&fake{}))
	defer srv.Close()
	cli := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--region", "us-east-1", "--output", "json"}, args...)...)
		cmd.Env = append(cmd.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_MAX_ATTEMPTS=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := cli("iam", "create-user", "--user-name", "bob", "--tags", "Key=a,Value=1", "Key=b,Value=2")
	if err != nil || !strings.Contains(out, `"UserName": "bob"`) || !strings.Contains(out, `"Value": "2"`) {
		t.Fatalf("create-user: %v\n%s", err, out)
	}
	out, err = cli("iam", "get-account-summary")
	if err != nil || !strings.Contains(out, `"UsersQuota": 5000`) {
		t.Fatalf("get-account-summary: %v\n%s", err, out)
	}
	out, err = cli("iam", "delete-user", "--user-name", "bob")
	if err == nil || !strings.Contains(out, "(NoSuchEntity)") || !strings.Contains(out, "The user with name bob cannot be found.") {
		t.Fatalf("delete-user: %v\n%s", err, out)
	}
}
