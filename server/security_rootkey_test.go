package server_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// TestRootKeyNotResurrected: a root key given by IAMD_ROOT_* and deleted
// through the API stays deleted across restarts, and the log says why.
func TestRootKeyNotResurrected(t *testing.T) {
	dir := t.TempDir()
	start := func(id, secret string) (*server.Instance, *syncBuffer) {
		t.Helper()
		log := &syncBuffer{}
		inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: dir, AccountID: testAccount,
			RootKeyID: id, RootSecret: secret, Logger: slog.New(slog.NewTextHandler(log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { inst.Close(context.Background()) })
		return inst, log
	}
	works := func(s *server.Instance, id, secret string) error {
		_, err := stsClient(s, id, secret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	logged := (*syncBuffer).text

	s, _ := start("AKIAROOTFROMENV01", rootSecret)
	root := iamClient(s, "AKIAROOTFROMENV01", rootSecret)
	spare := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})).AccessKey
	admin := iamClient(s, *spare.AccessKeyId, *spare.SecretAccessKey)
	must[*iam.DeleteAccessKeyOutput](t)(admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String("AKIAROOTFROMENV01")}))
	wantCode(t, works(s, "AKIAROOTFROMENV01", rootSecret), "InvalidClientTokenId")
	s.Close(ctx)

	for range 2 { // every restart
		s, log := start("AKIAROOTFROMENV01", rootSecret)
		wantCode(t, works(s, "AKIAROOTFROMENV01", rootSecret), "InvalidClientTokenId")
		if s.RootKeyID != "" || !strings.Contains(logged(log), "deleted through the API") || !strings.Contains(logged(log), "level=WARN") {
			t.Fatalf("restart: RootKeyID %q, log %q", s.RootKeyID, logged(log))
		}
		if err := works(s, *spare.AccessKeyId, *spare.SecretAccessKey); err != nil {
			t.Fatal("the remaining root key:", err)
		}
		s.Close(ctx)
	}

	// A new key id is the way back to a root key.
	s, log := start("AKIANEWROOTKEY001", "NEWROOTSECRET")
	if err := works(s, "AKIANEWROOTKEY001", "NEWROOTSECRET"); err != nil || strings.Contains(logged(log), "level=WARN") {
		t.Fatalf("a new root key: %v, log %q", err, logged(log))
	}
	must[*iam.UpdateAccessKeyOutput](t)(iamClient(s, "AKIANEWROOTKEY001", "NEWROOTSECRET").UpdateAccessKey(ctx,
		&iam.UpdateAccessKeyInput{AccessKeyId: aws.String("AKIANEWROOTKEY001"), Status: types.StatusTypeInactive}))
	s.Close(ctx)

	// Deactivated: left inactive, and said.
	s, log = start("AKIANEWROOTKEY001", "NEWROOTSECRET")
	wantCode(t, works(s, "AKIANEWROOTKEY001", "NEWROOTSECRET"), "InvalidClientTokenId")
	if !strings.Contains(logged(log), "inactive") {
		t.Fatalf("log %q", logged(log))
	}
	s.Close(ctx)

	// Another secret for an existing key: the stored one stays, and it is said.
	s, log = start(*spare.AccessKeyId, "not-its-secret")
	wantCode(t, works(s, *spare.AccessKeyId, "not-its-secret"), "SignatureDoesNotMatch")
	if err := works(s, *spare.AccessKeyId, *spare.SecretAccessKey); err != nil || !strings.Contains(logged(log), "another secret") {
		t.Fatalf("%v, log %q", err, logged(log))
	}
}
