package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/api/iamapi"
	iamd "github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// TestShutdownDrainsBackgroundWrites: the last-used writes a request
// starts are in the store once Close returns, however soon after the
// request Close is called.
func TestShutdownDrainsBackgroundWrites(t *testing.T) {
	dir := t.TempDir()
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: dir, AccountID: testAccount,
		RootKeyID: rootKey, RootSecret: rootSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "ops")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	must[*sts.AssumeRoleOutput](t)(stsClient(inst, key, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("s1")}))

	resp, err := http.Get(inst.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "# TYPE iamd_background_tasks_total counter") || !strings.Contains(string(b), "# TYPE iamd_audit_write_errors_total counter") {
		t.Fatal("the background and audit metrics are not served")
	}
	if err := inst.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	svc, closer, err := server.OpenService(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	rootCtx := iamd.WithCaller(ctx, &iamd.Caller{Account: testAccount, Root: true, ARN: "arn:aws:iam::123456789012:root"})
	used, err := svc.GetAccessKeyLastUsed(rootCtx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: key})
	if err != nil || used.AccessKeyLastUsed.LastUsedDate == nil || used.AccessKeyLastUsed.ServiceName != "sts" || time.Since(*used.AccessKeyLastUsed.LastUsedDate) > time.Minute {
		t.Fatalf("the key's last use is not on disk after Close: %+v %v", used.AccessKeyLastUsed, err)
	}
	role, err := svc.GetRole(rootCtx, &iamapi.GetRoleInput{RoleName: "app"})
	if err != nil || role.Role.RoleLastUsed == nil || role.Role.RoleLastUsed.LastUsedDate == nil {
		t.Fatalf("the role's last use is not on disk after Close: %+v %v", role, err)
	}
}
