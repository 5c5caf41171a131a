package iamapi_test

import (
	"context"
	"errors"
	"hash/fnv"
	"net/url"
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/query"
)

// FuzzDecode feeds arbitrary query strings to every operation's decoder:
// it must never panic, and must answer either an input or a 4xx AWS error.
// Seeds are in testdata/fuzz/FuzzDecode; run with
//
//	go test ./api/iamapi -run '^$' -fuzz FuzzDecode
func FuzzDecode(f *testing.F) {
	f.Add("Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%7D&Tags.member.1.Key=k&Tags.member.1.Value=v")
	f.Fuzz(func(t *testing.T, body string) {
		params, err := url.ParseQuery(body)
		if err != nil {
			return // the server answers MalformedQueryString before decoding
		}
		action := params.Get("Action")
		if !known(action) {
			// Spread other inputs over the operations so each gets fuzzed.
			h := fnv.New32a()
			h.Write([]byte(body))
			action = iamapi.Operations[h.Sum32()%uint32(len(iamapi.Operations))]
		}
		in, err := iamapi.DecodeInput(action, params)
		if err == nil {
			if in == nil {
				t.Fatal("no input and no error")
			}
			return
		}
		var e *awserr.Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || !e.Sender {
			t.Fatalf("%s: error %#v is not a 4xx AWS error", action, err)
		}
	})
}

func known(action string) bool {
	for _, op := range iamapi.Operations {
		if op == action {
			return true
		}
	}
	return false
}

// FuzzDispatch runs arbitrary query strings through Dispatch to the fake
// and encodes what it answers: no panic, and every failure a 4xx AWS error
// of the sender. Its seeds (testdata/fuzz/FuzzDispatch) include inputs
// that once broke an earlier decoder: bad UTF-8, stray '%', empty keys.
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
	dispatch := dispatchTo(&fake{})
	f.Fuzz(func(t *testing.T, body string) {
		params, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		action := params.Get("Action")
		out, err := dispatch(context.Background(), action, params)
		if err == nil {
			query.WriteResponse(query.NewWriter(nil), action, iamapi.Namespace, "id", out)
			return
		}
		var e *awserr.Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || !e.Sender {
			t.Fatalf("%s: error %#v is not a 4xx AWS error", action, err)
		}
	})
}
