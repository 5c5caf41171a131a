package server_test

// Issue 18, item 7: the credential report as AWS writes it.

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestParityCredentialReport(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	// Before any report: ReportNotPresent, 410.
	code, body := query(t, s, "GetCredentialReport")
	wantError(t, "no report", code, body, 410, "ReportNotPresent", "")

	mustQuery(t, s, "CreateUser", "UserName", "withpw")
	mustQuery(t, s, "CreateLoginProfile", "UserName", "withpw", "Password", "Correct-Horse-Battery-9")
	mustQuery(t, s, "CreateUser", "UserName", "nopw")
	mustQuery(t, s, "CreateAccessKey", "UserName", "nopw")

	// The call that starts a report says STARTED; later ones COMPLETE.
	for i, want := range []types.ReportStateType{types.ReportStateTypeStarted, types.ReportStateTypeComplete, types.ReportStateTypeComplete} {
		out := must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
		if out.State != want {
			t.Fatalf("call %d: state %s, want %s", i+1, out.State, want)
		}
		if i == 0 && aws.ToString(out.Description) != "No report exists. Starting a new report generation task" {
			t.Errorf("description %q", aws.ToString(out.Description))
		}
	}
	rep := must[*iam.GetCredentialReportOutput](t)(c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}))
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byUser := map[string][]string{}
	for _, r := range rows[1:] {
		byUser[r[0]] = r
	}
	for user, want := range map[string]map[string]string{
		"withpw": {"password_enabled": "true", "password_last_used": "no_information", "access_key_1_active": "false"},
		"nopw":   {"password_enabled": "false", "password_last_used": "N/A", "access_key_1_active": "true", "access_key_1_last_used_date": "N/A"},
	} {
		r := byUser[user]
		if r == nil {
			t.Fatalf("no row for %s in %s", user, rep.Content)
		}
		for k, v := range want {
			if r[col[k]] != v {
				t.Errorf("%s %s = %q, want %q", user, k, r[col[k]], v)
			}
		}
	}
	// Every timestamp is UTC with a Z.
	for _, r := range rows[1:] {
		for _, k := range []string{"user_creation_time", "password_last_changed", "access_key_1_last_rotated"} {
			v := r[col[k]]
			if v == "N/A" || v == "not_supported" || v == "no_information" {
				continue
			}
			if !strings.HasSuffix(v, "Z") || len(v) != len("2006-01-02T15:04:05Z") {
				t.Errorf("%s %s = %q, want a timestamp ending in Z", r[0], k, v)
			}
		}
	}
}
