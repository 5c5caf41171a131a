package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) events(t *testing.T) []server.AuditEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []server.AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var ev server.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

func TestAuditLog(t *testing.T) {
	log := &syncBuffer{}
	s := testServerWith(t, func(o *server.Options) { o.AuditLog = log })
	root := iamClient(s, rootKey, rootSecret)
	alice, _, _ := newUser(t, s, root, "alice")
	must[*iam.CreateLoginProfileOutput](t)(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Correct-Horse-9")}))
	must[*iam.ListUsersOutput](t)(root.ListUsers(ctx, &iam.ListUsersInput{})) // read-only and allowed: not audited
	_, err := alice.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantCode(t, err, "AccessDenied")
	_, err = alice.ListRoles(ctx, &iam.ListRolesInput{}) // read-only but refused: audited
	wantCode(t, err, "AccessDenied")
	_, err = iamClient(s, rootKey, "wrong").ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "SignatureDoesNotMatch")

	events := log.events(t)
	var names []string
	for _, ev := range events {
		names = append(names, ev.EventName)
	}
	want := []string{"CreateUser", "CreateAccessKey", "CreateLoginProfile", "DeleteUser", "ListRoles", "ListUsers"}
	if len(names) != len(want) {
		t.Fatalf("audited %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("audited %v, want %v", names, want)
		}
	}
	create := events[0]
	if create.UserIdentity == nil || create.UserIdentity.Type != "Root" || create.UserIdentity.ARN != "arn:aws:iam::123456789012:root" ||
		create.RequestParameters["UserName"] != "alice" || create.ErrorCode != "" || create.EventSource != "iam.amazonaws.com" || create.ReadOnly {
		t.Fatalf("CreateUser record %+v", create)
	}
	if _, leaked := events[2].RequestParameters["Password"]; leaked {
		t.Fatal("the password was written to the audit log")
	}
	del := events[3]
	if del.ErrorCode != "AccessDenied" || del.Decision != "implicitDeny" || del.UserIdentity.Type != "IAMUser" || del.UserIdentity.UserName != "alice" ||
		len(del.Resources) != 1 || del.Resources[0].ARN != "arn:aws:iam::123456789012:user/alice" || del.ErrorMessage == "" {
		t.Fatalf("denied DeleteUser record %+v", del)
	}
	if events[4].ReadOnly != true || events[4].Decision != "implicitDeny" {
		t.Fatalf("denied ListRoles record %+v", events[4])
	}
	if bad := events[5]; bad.ErrorCode != "SignatureDoesNotMatch" || bad.UserIdentity != nil || bad.SourceIPAddress != "127.0.0.1" || bad.RequestID == "" {
		t.Fatalf("unauthenticated record %+v", bad)
	}
}
