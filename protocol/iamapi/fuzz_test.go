package iamapi_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/iamd/iamd/awserr"
	"github.com/iamd/iamd/protocol/iamapi"
)

// FuzzDispatch: any form body decodes, validates and dispatches without
// panicking, and every failure is an AWS error with a 4xx status.
func FuzzDispatch(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateUser&UserName=alice&Tags.member.1.Key=a&Tags.member.1.Value=b",
		"Action=SimulateCustomPolicy&PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyName=aws:SourceIp&ContextEntries.member.1.ContextKeyValues.member.1=1.2.3.4",
		"Action=ListUsers&MaxItems=0&Marker=",
		"Action=UpdateRole&RoleName=r&MaxSessionDuration=99999999999",
		"Action=CreateUser&UserName=x&Tags.member.2.Key=a",
		"Action=GetAccountSummary",
		"Action=Nope",
	} {
		f.Add(seed)
	}
	svc := &fake{}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		_, err = iamapi.Dispatch(context.Background(), svc, form.Get("Action"), form)
		if err == nil {
			return
		}
		e, ok := awserr.As(err)
		if !ok || e.Status < 400 || e.Status > 499 {
			t.Fatalf("error %v is not a 4xx AWS error", err)
		}
	})
}
