package stsapi_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/api/internal/querytest"
	"github.com/iamd/iamd/api/stsapi"
)

var expires = time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)

type fake struct {
	mu   sync.Mutex
	last any
}

func (f *fake) AssumeRole(_ context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	f.mu.Lock()
	f.last = in
	f.mu.Unlock()
	if in.ExternalId != nil && *in.ExternalId == "expired" {
		return nil, stsapi.ExpiredToken("The security token included in the request is expired")
	}
	return &stsapi.AssumeRoleOutput{
		Credentials:      &stsapi.Credentials{AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token", Expiration: expires},
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: "AROAEXAMPLE:" + in.RoleSessionName, Arn: in.RoleArn},
		PackedPolicySize: new(int32(len(in.Tags) * 10)),
	}, nil
}

func (f *fake) GetCallerIdentity(context.Context, *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	return &stsapi.GetCallerIdentityOutput{Account: new("123456789012"), Arn: new("arn:aws:iam::123456789012:user/bob"), UserId: new("AIDAEXAMPLE")}, nil
}

func TestSDK(t *testing.T) {
	svc := &fake{}
	_, cfg := querytest.Server(t, stsapi.Namespace, dispatchTo(svc))
	c := sts.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(3600),
		PolicyArns:        []types.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:              []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}, {Key: aws.String("env"), Value: aws.String("dev")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &stsapi.AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "s1", DurationSeconds: new(int32(3600)),
		PolicyArns:        []stsapi.PolicyDescriptorType{{Arn: new("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:              []stsapi.Tag{{Key: "team", Value: "blue"}, {Key: "env", Value: "dev"}},
		TransitiveTagKeys: []string{"team"}}
	if !reflect.DeepEqual(svc.last, want) {
		t.Errorf("server got %+v\nwant %+v", svc.last, want)
	}
	if aws.ToString(out.Credentials.SessionToken) != "token" || !aws.ToTime(out.Credentials.Expiration).Equal(expires) ||
		aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROAEXAMPLE:s1" || aws.ToInt32(out.PackedPolicySize) != 20 || out.SourceIdentity != nil {
		t.Errorf("client got %+v %+v", out.Credentials, out.AssumedRoleUser)
	}

	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "123456789012" {
		t.Errorf("GetCallerIdentity: %+v %v", id, err)
	}

	errCases := []struct {
		in   *sts.AssumeRoleInput
		code string
		msg  string
	}{
		{&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
			"ValidationError", "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("s1"), ExternalId: aws.String("expired")},
			"ExpiredTokenException", "The security token included in the request is expired"},
	}
	for _, tc := range errCases {
		_, err := c.AssumeRole(ctx, tc.in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.msg {
			t.Errorf("got %v, want %s: %s", err, tc.code, tc.msg)
		}
	}
	var expired *types.ExpiredTokenException
	if _, err := c.AssumeRole(ctx, errCases[1].in); !errors.As(err, &expired) {
		t.Errorf("not a typed ExpiredTokenException: %T", err)
	}
}

// Session policies are not held to the model's character pattern: the
// policy engine answers MalformedPolicyDocument, as STS does.
func TestSessionPolicyPattern(t *testing.T) {
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"ሴ","Effect":"Allow","Action":"*","Resource":"*"}]}`
	for _, action := range []string{"AssumeRole", "GetFederationToken"} {
		params := url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "Name": {"bob"}, "Policy": {policy}}
		if _, err := stsapi.DecodeInput(action, params); err != nil {
			t.Errorf("%s: %v", action, err)
		}
	}
}
