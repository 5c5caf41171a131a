package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestMetrics(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	alice, _, _ := newUser(t, s, root, "alice")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)}))
	must[*iam.GetUserOutput](t)(alice.GetUser(ctx, &iam.GetUserInput{}))
	_, err := alice.ListRoles(ctx, &iam.ListRolesInput{})
	wantCode(t, err, "AccessDenied")
	// Made-up actions share one label, however many a client sends.
	for _, a := range []string{"Bogus1", "Bogus2"} {
		resp, err := http.PostForm(s.URL+"/", url.Values{"Action": {a}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`iamd_decisions_total{decision="allowed",service="iam"} 1`,
		`iamd_decisions_total{decision="implicitDeny",service="iam"} 1`,
		`iamd_requests_total{action="ListRoles",code="AccessDenied",service="iam"} 1`,
		`iamd_requests_total{action="unknown",code="MissingAuthenticationToken",service="iam"} 2`,
		`iamd_store_duration_seconds_bucket{op="view"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "Bogus") {
		t.Error("a made-up action became a label")
	}
}
