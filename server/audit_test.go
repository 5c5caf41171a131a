package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// flush waits for the audit records of the calls answered so far
	// (testServerWith sets it when the buffer is the audit log).
	flush func()
}

// settle waits for the records still queued for the buffer.
func (s *syncBuffer) settle() {
	if s.flush != nil {
		s.flush()
	}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) events(t *testing.T) []server.AuditEvent {
	s.settle()
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

// The API's records are written off the request path, and none is lost
// when the server closes: calls from several goroutines, then Close with
// no flush, leave every record in the log once, and the console's view
// (Recent) holds a call's record as soon as the call is answered.
func TestAuditRecordsDrainedAtClose(t *testing.T) {
	log := &syncBuffer{}
	// A slow log: records wait in the queue while the calls go on.
	s := testServerWith(t, func(o *server.Options) { o.AuditLog = slowWriter{log, 2 * time.Millisecond} })
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("first")}))
	if recent := s.AuditRecent(); len(recent) == 0 || recent[len(recent)-1].EventName != "CreateUser" {
		t.Fatalf("the console's view after an answered CreateUser: %+v", recent)
	}
	const callers, each = 8, 25
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("u-%d-%d", c, i)
				if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range log.events(t) { // no flush: what Close left
		seen[ev.RequestParameters["UserName"]]++
	}
	for c := range callers {
		for i := range each {
			if name := fmt.Sprintf("u-%d-%d", c, i); seen[name] != 1 {
				t.Fatalf("%s has %d records after Close, want 1", name, seen[name])
			}
		}
	}
}

type slowWriter struct {
	w     io.Writer
	delay time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.w.Write(p)
}
