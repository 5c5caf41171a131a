package iamapi_test

import (
	"net/url"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/query"
)

func BenchmarkDecodeCreateRole(b *testing.B) {
	params := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"app"}, "Path": {"/svc/"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		"Description":              {"the app"}, "MaxSessionDuration": {"3600"},
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}, "Tags.member.2.Key": {"env"}, "Tags.member.2.Value": {"dev"}}
	b.ReportAllocs()
	for b.Loop() {
		var in iamapi.CreateRoleInput
		if err := in.Decode(params); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeListUsers(b *testing.B) {
	out := &iamapi.ListUsersOutput{IsTruncated: new(false)}
	for range 20 {
		out.Users = append(out.Users, iamapi.User{Path: "/", UserName: "user", UserId: "AIDAEXAMPLE", Arn: "arn:aws:iam::123456789012:user/user",
			CreateDate: created, Tags: []iamapi.Tag{{Key: "team", Value: "blue"}}})
	}
	w := query.NewWriter(nil)
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		query.WriteResponse(w, "ListUsers", iamapi.Namespace, "req", out)
	}
	b.SetBytes(int64(len(w.Bytes())))
}
