package iamapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/internal/querytest"
)

var created = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fake implements a few operations by echoing inputs into outputs, and
// remembers the last input it was given.
type fake struct {
	mu   sync.Mutex
	last any
}

func (f *fake) record(in any) {
	f.mu.Lock()
	f.last = in
	f.mu.Unlock()
}

func (f *fake) lastInput() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func (f *fake) CreateRole(_ context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	f.record(in)
	path := "/"
	if in.Path != nil {
		path = *in.Path
	}
	return &iamapi.CreateRoleOutput{Role: iamapi.Role{
		Path: path, RoleName: in.RoleName, RoleId: "AROAEXAMPLE", Arn: "arn:aws:iam::123456789012:role" + path + in.RoleName,
		CreateDate: created, AssumeRolePolicyDocument: &in.AssumeRolePolicyDocument, Description: in.Description,
		MaxSessionDuration: in.MaxSessionDuration, Tags: in.Tags,
	}}, nil
}

func (f *fake) UpdateRole(_ context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	f.record(in)
	return nil, nil // a nil output is written as an empty result
}

func (f *fake) CreateUser(_ context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	f.record(in)
	u := &iamapi.User{Path: "/", UserName: in.UserName, UserId: "AIDAEXAMPLE",
		Arn: "arn:aws:iam::123456789012:user/" + in.UserName, CreateDate: created, Tags: in.Tags}
	if in.PermissionsBoundary != nil {
		u.PermissionsBoundary = &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryArn: in.PermissionsBoundary, PermissionsBoundaryType: new("PermissionsBoundaryPolicy")}
	}
	return &iamapi.CreateUserOutput{User: u}, nil
}

func (f *fake) GetUser(_ context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	f.record(in)
	return nil, iamapi.NoSuchEntity("The user with name %s cannot be found.", aws.ToString(in.UserName))
}

func (f *fake) AddUserToGroup(_ context.Context, in *iamapi.AddUserToGroupInput) error {
	f.record(in)
	return nil
}

func (f *fake) ChangePassword(_ context.Context, in *iamapi.ChangePasswordInput) error {
	f.record(in)
	return nil
}

func (f *fake) ListUsers(_ context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	f.record(in)
	if in.MaxItems != nil && *in.MaxItems == 1 { // one page of more, with a name to escape
		return &iamapi.ListUsersOutput{Users: []iamapi.User{{Path: "/", UserName: "a<b>&c", UserId: "AIDA1", Arn: "arn", CreateDate: created}},
			IsTruncated: new(true), Marker: new("next")}, nil
	}
	return &iamapi.ListUsersOutput{IsTruncated: new(false)}, nil // Users nil: a required list, written empty
}

func (f *fake) GetAccountSummary(_ context.Context, in *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryOutput, error) {
	f.record(in)
	return &iamapi.GetAccountSummaryOutput{SummaryMap: map[string]int32{"Users": 3, "UsersQuota": 5000, "Groups": 0}}, nil
}

func (f *fake) GetCredentialReport(_ context.Context, in *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportOutput, error) {
	f.record(in)
	return &iamapi.GetCredentialReportOutput{Content: []byte("user,arn\n<root_account>,arn:aws:iam::123456789012:root\n\x00\xff"),
		ReportFormat: new("text/csv"), GeneratedTime: new(created)}, nil
}

// SimulateCustomPolicy echoes each action with the context entries it was
// given: keys as missing context values, values as decision details.
func (f *fake) SimulateCustomPolicy(_ context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	f.record(in)
	out := &iamapi.SimulateCustomPolicyOutput{IsTruncated: new(false), EvaluationResults: []iamapi.EvaluationResult{}}
	for _, a := range in.ActionNames {
		r := iamapi.EvaluationResult{EvalActionName: a, EvalDecision: "implicitDeny", EvalDecisionDetails: map[string]string{}}
		for _, c := range in.ContextEntries {
			r.MissingContextValues = append(r.MissingContextValues, aws.ToString(c.ContextKeyName))
			r.EvalDecisionDetails[aws.ToString(c.ContextKeyName)] = strings.Join(c.ContextKeyValues, "|")
		}
		r.MatchedStatements = []iamapi.Statement{{SourcePolicyId: new("PolicyInputList.1"), SourcePolicyType: new("IAM Policy"),
			StartPosition: &iamapi.Position{Line: new(int32(1)), Column: new(int32(len(in.PolicyInputList)))}}}
		out.EvaluationResults = append(out.EvaluationResults, r)
	}
	return out, nil
}

func newClient(t *testing.T) (*iam.Client, *fake, string) {
	svc := &fake{}
	srv, cfg := querytest.Server(t, iamapi.Namespace, dispatchTo(svc))
	return iam.NewFromConfig(cfg), svc, srv.URL
}

func TestSDKRoundTrip(t *testing.T) {
	c, svc, _ := newClient(t)
	ctx := context.Background()

	t.Run("CreateRole: list of structures, optionals, integers, timestamps", func(t *testing.T) {
		out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String("app"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`),
			Description: aws.String(`a <role> & "quotes" é`), MaxSessionDuration: aws.Int32(7200),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a b+c@d")}, {Key: aws.String("empty"), Value: aws.String("")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		in := svc.lastInput().(*iamapi.CreateRoleInput)
		want := &iamapi.CreateRoleInput{Path: new("/svc/"), RoleName: "app", AssumeRolePolicyDocument: `{"Version":"2012-10-17"}`,
			Description: new(`a <role> & "quotes" é`), MaxSessionDuration: new(int32(7200)),
			Tags: []iamapi.Tag{{Key: "team", Value: "a b+c@d"}, {Key: "empty", Value: ""}}}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("server got %+v, want %+v", in, want)
		}
		r := out.Role
		if aws.ToString(r.RoleName) != "app" || aws.ToString(r.Description) != `a <role> & "quotes" é` ||
			aws.ToInt32(r.MaxSessionDuration) != 7200 || !aws.ToTime(r.CreateDate).Equal(created) || r.PermissionsBoundary != nil {
			t.Errorf("client got %+v", r)
		}
		if len(r.Tags) != 2 || aws.ToString(r.Tags[0].Value) != "a b+c@d" || aws.ToString(r.Tags[1].Key) != "empty" || aws.ToString(r.Tags[1].Value) != "" {
			t.Errorf("tags: %+v", r.Tags)
		}
	})

	t.Run("UpdateRole: an omitted optional stays nil, an empty one is empty", func(t *testing.T) {
		if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app")}); err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.UpdateRoleInput); in.Description != nil || in.MaxSessionDuration != nil {
			t.Errorf("omitted members arrived: %+v", in)
		}
		if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app"), Description: aws.String("")}); err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.UpdateRoleInput); in.Description == nil || *in.Description != "" {
			t.Errorf("empty description: %+v", in)
		}
	})

	t.Run("CreateUser: empty list is present and empty", func(t *testing.T) {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Tags: []types.Tag{}}); err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.CreateUserInput); in.Tags == nil || len(in.Tags) != 0 || in.Path != nil {
			t.Errorf("got %+v", in)
		}
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.CreateUserInput); in.Tags != nil {
			t.Errorf("absent list arrived as %#v", in.Tags)
		}
	})

	t.Run("ListUsers: integer in, empty required list and boolean out", func(t *testing.T) {
		out, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
		if err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.ListUsersInput); aws.ToInt32(in.MaxItems) != 1000 || in.Marker != nil {
			t.Errorf("got %+v", in)
		}
		if len(out.Users) != 0 || out.IsTruncated || out.Marker != nil {
			t.Errorf("client got %+v", out)
		}
	})

	t.Run("ListUsers: a truncated page, escaped text", func(t *testing.T) {
		out, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Users) != 1 || aws.ToString(out.Users[0].UserName) != "a<b>&c" || !out.IsTruncated || aws.ToString(out.Marker) != "next" {
			t.Errorf("client got %+v", out)
		}
	})

	t.Run("CreateUser: nested optional structure out", func(t *testing.T) {
		out, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("b"), PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/pb")})
		if err != nil {
			t.Fatal(err)
		}
		pb := out.User.PermissionsBoundary
		if pb == nil || aws.ToString(pb.PermissionsBoundaryArn) != "arn:aws:iam::123456789012:policy/pb" || pb.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy ||
			out.User.PasswordLastUsed != nil {
			t.Errorf("client got %+v", out.User)
		}
	})

	t.Run("AddUserToGroup: no output", func(t *testing.T) {
		if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("u")}); err != nil {
			t.Fatal(err)
		}
		if in := svc.lastInput().(*iamapi.AddUserToGroupInput); in.GroupName != "g" || in.UserName != "u" {
			t.Errorf("got %+v", in)
		}
	})

	t.Run("GetAccountSummary: map in the output", func(t *testing.T) {
		out, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int32{"Users": 3, "UsersQuota": 5000, "Groups": 0}
		if !reflect.DeepEqual(out.SummaryMap, want) {
			t.Errorf("got %v, want %v", out.SummaryMap, want)
		}
	})

	t.Run("GetCredentialReport: blob, enum, timestamp", func(t *testing.T) {
		out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		if string(out.Content) != "user,arn\n<root_account>,arn:aws:iam::123456789012:root\n\x00\xff" ||
			out.ReportFormat != types.ReportFormatTypeTextCsv || !aws.ToTime(out.GeneratedTime).Equal(created) {
			t.Errorf("got %+v", out)
		}
	})

	t.Run("SimulateCustomPolicy: nested lists in, maps and nested structures out", func(t *testing.T) {
		out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[]}`, "{}"},
			ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
			ContextEntries: []types.ContextEntry{
				{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIpList, ContextKeyValues: []string{"10.0.0.1", "10.0.0.2"}},
				{ContextKeyName: aws.String("aws:MultiFactorAuthPresent"), ContextKeyType: types.ContextKeyTypeEnumBoolean, ContextKeyValues: []string{"true"}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		in := svc.lastInput().(*iamapi.SimulateCustomPolicyInput)
		wantCtx := []iamapi.ContextEntry{
			{ContextKeyName: new("aws:SourceIp"), ContextKeyValues: []string{"10.0.0.1", "10.0.0.2"}, ContextKeyType: new("ipList")},
			{ContextKeyName: new("aws:MultiFactorAuthPresent"), ContextKeyValues: []string{"true"}, ContextKeyType: new("boolean")},
		}
		if !reflect.DeepEqual(in.ContextEntries, wantCtx) || len(in.PolicyInputList) != 2 || in.ResourceArns != nil {
			t.Errorf("server got %+v", in)
		}
		if len(out.EvaluationResults) != 2 {
			t.Fatalf("client got %+v", out)
		}
		r := out.EvaluationResults[1]
		if aws.ToString(r.EvalActionName) != "s3:PutObject" || r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny ||
			!reflect.DeepEqual(r.MissingContextValues, []string{"aws:SourceIp", "aws:MultiFactorAuthPresent"}) {
			t.Errorf("result: %+v", r)
		}
		wantDetails := map[string]types.PolicyEvaluationDecisionType{"aws:SourceIp": "10.0.0.1|10.0.0.2", "aws:MultiFactorAuthPresent": "true"}
		if !reflect.DeepEqual(r.EvalDecisionDetails, wantDetails) {
			t.Errorf("details: %v", r.EvalDecisionDetails)
		}
		if len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "PolicyInputList.1" ||
			r.MatchedStatements[0].StartPosition.Column != 2 || r.MatchedStatements[0].EndPosition != nil {
			t.Errorf("statements: %+v", r.MatchedStatements)
		}
	})
}

func TestSDKErrors(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := context.Background()
	long := strings.Repeat("x", 65)
	tags51 := make([]types.Tag, 51)
	for i := range tags51 {
		tags51[i] = types.Tag{Key: aws.String("k"), Value: aws.String("v")}
	}
	cases := []struct {
		name   string
		call   func() error
		code   string
		msg    string
		status int
	}{
		{"pattern", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
			return err
		}, "ValidationError", `1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, 400},
		{"length and pattern", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(long + "!")})
			return err
		}, "ValidationError", "2 validation errors detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
			`Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, 400},
		{"two members, in the model's order", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(long), Path: aws.String("nopath")})
			return err
		}, "ValidationError", `2 validation errors detected: Value at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); ` +
			"Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", 400},
		{"nested list element", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Tags: []types.Tag{{Key: aws.String("ok"), Value: aws.String("v")}, {Key: aws.String(""), Value: aws.String("v")}}})
			return err
		}, "ValidationError", "2 validation errors detected: Value at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			`Value at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`, 400},
		{"list too long", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Tags: tags51})
			return err
		}, "ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50", 400},
		{"integer range", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
			return err
		}, "ValidationError", "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", 400},
		{"enum", func() error {
			_, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{"{}"}, ActionNames: []string{"s3:*"},
				ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:k"), ContextKeyType: "datetime"}}})
			return err
		}, "ValidationError", "1 validation error detected: Value at 'contextEntries.1.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]", 0},
		{"sensitive value not echoed", func() error {
			_, err := c.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("old"), NewPassword: aws.String("new\x01")})
			return err
		}, "ValidationError", `1 validation error detected: Value at 'newPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`, 400},
		{"modelled error", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
			var nse *types.NoSuchEntityException
			if err != nil && !errors.As(err, &nse) {
				t.Errorf("not a typed NoSuchEntityException: %T %v", err, err)
			}
			return err
		}, "NoSuchEntity", "The user with name nobody cannot be found.", 404},
		{"not implemented", func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
			return err
		}, "NotImplemented", "The operation DeleteUser is not implemented by iamd.", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want an API error", err)
			}
			if ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.msg {
				t.Errorf("got %s %q\nwant %s %q", ae.ErrorCode(), ae.ErrorMessage(), tc.code, tc.msg)
			}
			var re *awshttp.ResponseError
			if tc.status != 0 && (!errors.As(err, &re) || re.HTTPStatusCode() != tc.status) {
				t.Errorf("status: %v", err)
			}
		})
	}
}

// TestRawQuery covers what SDKs do not send: an unknown action, absent
// required parameters, malformed values.
func TestRawQuery(t *testing.T) {
	_, _, base := newClient(t)
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{"Action=CreateFoo&Version=2010-05-08", 400, "<Code>InvalidAction</Code><Message>Could not find operation CreateFoo for version 2010-05-08</Message>"},
		{"Action=CreateUser&Version=2010-05-08", 400, "<Message>1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null</Message>"},
		{"Action=AddUserToGroup&Version=2010-05-08&UserName=", 400, "<Message>3 validation errors detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null; " +
			"Value at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+</Message>"},
		{"Action=CreateUser&UserName=u&Tags.member.1.Key=k", 400, "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"Action=ListUsers&MaxItems=ten", 400, "<Code>InvalidParameterValue</Code><Message>Value (ten) for parameter MaxItems is invalid. Expected an integer.</Message>"},
		{"Action=AddUserToGroup&GroupName=g&UserName=u", 200, `<AddUserToGroupResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>` + querytest.RequestID + `</RequestId></ResponseMetadata></AddUserToGroupResponse>`},
		{"Action=UpdateRole&RoleName=r", 200, `<UpdateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><UpdateRoleResult></UpdateRoleResult><ResponseMetadata>`},
		{"Action=GetAccountSummary", 200, `<SummaryMap><entry><key>Groups</key><value>0</value></entry><entry><key>Users</key><value>3</value></entry>`},
		{"Action=CreateUser&UserName=bob", 200, `<User><Path>/</Path><UserName>bob</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>2024-05-01T12:00:00Z</CreateDate></User>`},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			resp, err := http.Post(base, "application/x-www-form-urlencoded", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("got %d %s\nwant %d ...%s...", resp.StatusCode, body, tc.status, tc.want)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	if len(iamapi.Operations) < 170 {
		t.Fatalf("only %d operations", len(iamapi.Operations))
	}
	got := iamapi.ImplementedOperations(&fake{})
	want := []string{"AddUserToGroup", "ChangePassword", "CreateRole", "CreateUser", "GetAccountSummary", "GetCredentialReport",
		"GetUser", "ListUsers", "SimulateCustomPolicy", "UpdateRole"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("implemented %v, want %v", got, want)
	}
	if iamapi.Implemented(&fake{}, "DeleteUser") || iamapi.Implemented(&fake{}, "Nope") {
		t.Error("Implemented says yes to what the fake lacks")
	}
	in, err := iamapi.DecodeInput("CreateUser", url.Values{"UserName": {"a"}})
	if err != nil || in.(*iamapi.CreateUserInput).UserName != "a" {
		t.Errorf("DecodeInput: %v %v", in, err)
	}
}

// Policy documents are not held to the model's character pattern: the
// policy engine answers MalformedPolicyDocument for characters beyond
// U+00FF, as IAM does. Other members keep their patterns.
func TestPolicyDocumentPattern(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"ሴ","Effect":"Allow","Action":"*","Resource":"*"}]}`
	in, err := iamapi.DecodeInput("PutUserPolicy", url.Values{"UserName": {"u"}, "PolicyName": {"p"}, "PolicyDocument": {doc}})
	if err != nil || in.(*iamapi.PutUserPolicyInput).PolicyDocument != doc {
		t.Errorf("policy document: %v %v", in, err)
	}
	_, err = iamapi.DecodeInput("PutUserPolicy", url.Values{"UserName": {"u"}, "PolicyName": {"ሴ"}, "PolicyDocument": {doc}})
	if err == nil || !strings.Contains(err.Error(), "at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern") {
		t.Errorf("policy name: %v", err)
	}
}
