package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// perfAccount is an account of 5,000 principals: 4,000 users (in 100
// groups, each with a key and a customer policy) and 1,000 roles. Made
// through the domain, for speed; the pages read it through the API.
func perfAccount(b *testing.B) (*server.Instance, []*http.Cookie) {
	b.Helper()
	inst := testServer(b)
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Account: inst.Account, Partition: "aws", Root: true, ARN: "arn:aws:iam::" + inst.Account + ":root"})
	svc := inst.IAM
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for i := 0; i < 100; i++ {
		_, err := svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: fmt.Sprintf("group-%03d", i)})
		must(err)
		_, err = svc.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: fmt.Sprintf("policy-%03d", i), PolicyDocument: doc})
		must(err)
	}
	for i := 0; i < 4000; i++ {
		name := fmt.Sprintf("user-%05d", i)
		_, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: name})
		must(err)
		must(svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: fmt.Sprintf("group-%03d", i%100), UserName: name}))
		must(svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: name, PolicyArn: fmt.Sprintf("arn:aws:iam::%s:policy/policy-%03d", inst.Account, i%100)}))
		_, err = svc.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: &name})
		must(err)
	}
	for i := 0; i < 1000; i++ {
		_, err := svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: fmt.Sprintf("role-%04d", i), AssumeRolePolicyDocument: trust})
		must(err)
	}
	// Signed in as an administrator (not root): every call and every
	// form's probe is decided by the policy engine.
	admin, pw := "admin", consolePassword
	_, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: admin})
	must(err)
	_, err = svc.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: &admin, Password: &pw})
	must(err)
	must(svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: admin, PolicyName: "p", PolicyDocument: adminPolicy}))
	cc := newConsoleClient(b, inst.URL)
	cc.mustSignIn(inst.Account, "admin", consolePassword)
	return inst, cc.c.Jar.Cookies(mustURLB(b, inst.URL+"/console/"))
}

func mustURLB(b *testing.B, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// BenchmarkConsolePages is the server time of the console's pages for an
// account of 5,000 principals (the issue asks for at most 100 ms): the
// handler called in the process, no network. It reports the wall time
// (ns/op), the worst request, and the process's CPU time per request
// (cpu-ms), which a loaded machine does not inflate.
func BenchmarkConsolePages(b *testing.B) {
	inst, cookies := perfAccount(b)
	h := inst.Handler()
	// The marker of page 51 of users, as the Next link would carry it.
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Account: inst.Account, Partition: "aws", Root: true, ARN: "arn:aws:iam::" + inst.Account + ":root"})
	page, err := inst.IAM.ListUsers(ctx, &iamapi.ListUsersInput{MaxItems: ptrTo(int32(2500))})
	if err != nil || page.Marker == nil {
		b.Fatal(err)
	}
	marker := url.QueryEscape(*page.Marker)
	policy := url.QueryEscape("arn:aws:iam::" + inst.Account + ":policy/policy-042")
	for _, path := range []string{
		"/console/home",
		"/console/users", "/console/users?marker=" + marker, "/console/users?q=user-039", "/console/users?q=nomatch",
		"/console/users/user-03999",
		"/console/groups", "/console/groups?q=group-09", "/console/groups/group-042",
		"/console/roles", "/console/roles?q=role-09", "/console/roles/role-0999",
		"/console/policies", "/console/policies?q=policy-04", "/console/policy?arn=" + policy,
		"/console/credential-report", "/console/credential-report?sort=user&dir=desc", "/console/credential-report?only=flagged&offset=2000",
		"/console/account",
	} {
		// Names without "/", which -bench would read as levels.
		name := strings.ReplaceAll(strings.TrimPrefix(path, "/console/"), "/", ":")
		b.Run(name, func(b *testing.B) {
			var worst time.Duration
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, inst.URL+path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				worst = max(worst, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms")
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
