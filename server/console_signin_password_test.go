package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// reportRow is the credential report's row of a user, by column name.
func reportRow(t *testing.T, cl *iam.Client, user string) map[string]string {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		gen, err := cl.GenerateCredentialReport(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gen.State == "COMPLETE" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	rep, err := cl.GetCredentialReport(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if r[0] == user {
			m := map[string]string{}
			for i, col := range rows[0] {
				m[col] = r[i]
			}
			return m
		}
	}
	t.Fatalf("no row for %s in\n%s", user, rep.Content)
	return nil
}

// A console sign-in is recorded as the password's last use, as on AWS;
// a refused one is not.
func TestConsoleSignInRecordsPasswordLastUsed(t *testing.T) {
	inst := testServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	consoleUser(t, root, "alice", readOnlyPolicy, false)

	cc := newConsoleClient(t, inst.URL)
	if resp, _ := cc.signIn(inst.Account, "alice", "wrong-"+consolePassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if u.User.PasswordLastUsed != nil {
		t.Fatalf("a refused sign-in recorded a use: %v", u.User.PasswordLastUsed)
	}

	before := time.Now().Add(-time.Second)
	cc.mustSignIn(inst.Account, "alice", consolePassword)
	u, err = root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if u.User.PasswordLastUsed == nil || u.User.PasswordLastUsed.Before(before.Truncate(time.Second)) || u.User.PasswordLastUsed.After(time.Now()) {
		t.Fatalf("PasswordLastUsed %v after a sign-in at %v", u.User.PasswordLastUsed, before)
	}
	row := reportRow(t, root, "alice")
	if got, want := row["password_last_used"], u.User.PasswordLastUsed.UTC().Format("2006-01-02T15:04:05Z"); got != want {
		t.Fatalf("report password_last_used %q, want %q", got, want)
	}
}

// skewedServer is a test server whose clock the test moves.
func skewedServer(t *testing.T) (*server.Instance, *atomic.Int64) {
	var offset atomic.Int64
	inst := testServerWith(t, func(o *server.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	return inst, &offset
}

const day = 24 * time.Hour

const changeOwnPasswordPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword","iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`

// A password older than MaxPasswordAge is changed at sign-in before the
// console opens, as a reset one is; one within the age is not.
func TestConsoleMaxPasswordAgeMustChange(t *testing.T) {
	inst, offset := skewedServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	if _, err := root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30), AllowUsersToChangePassword: true}); err != nil {
		t.Fatal(err)
	}
	consoleUser(t, root, "bob", changeOwnPasswordPolicy, false)

	// Within the age: straight in.
	offset.Store(int64(29 * day))
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "bob", consolePassword)

	// Past it: the new-password step first, and no console before it.
	offset.Store(int64(31 * day))
	cc := newConsoleClient(t, inst.URL)
	resp, body := cc.signIn(inst.Account, "bob", consolePassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/change-password" {
		t.Fatalf("expired password: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if resp, _ := cc.get("/console/home"); resp.StatusCode == http.StatusOK {
		t.Fatal("the console opened before the expired password was changed")
	}
	cc.get("/console/change-password")
	const newPassword = "N3w-Passw0rd-for-bob!"
	resp, body = cc.post("/console/change-password", url.Values{"old": {consolePassword}, "new": {newPassword}, "confirm": {newPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/home" {
		t.Fatalf("change: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// The new password's age counts from its change: straight in now.
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "bob", newPassword)

	offset.Store(0) // signed API calls are checked against the clock
	row := reportRow(t, root, "bob")
	changed, err := time.Parse(time.RFC3339, row["password_last_changed"])
	if err != nil || time.Until(changed) < 30*day {
		t.Fatalf("report password_last_changed %q: the change is not its time", row["password_last_changed"])
	}
}

// Under HardExpiry an expired password is refused with AWS's message and
// no session; an administrator's reset lets the user in again.
func TestConsoleMaxPasswordAgeHardExpiry(t *testing.T) {
	inst, offset := skewedServer(t)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	if _, err := root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30),
		AllowUsersToChangePassword: true, HardExpiry: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	consoleUser(t, root, "carol", "", false)

	offset.Store(int64(31 * day))
	cc := newConsoleClient(t, inst.URL)
	resp, body := cc.signIn(inst.Account, "carol", consolePassword)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your password has expired") {
		t.Fatalf("hard-expired password: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, p := range []string{"/console/home", "/console/change-password"} {
		if resp, _ := cc.get(p); resp.StatusCode == http.StatusOK {
			t.Fatalf("%s opened with a hard-expired password", p)
		}
	}
	offset.Store(0)
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	if u.User.PasswordLastUsed != nil {
		t.Fatal("a refused sign-in recorded a use")
	}

	// The administrator resets it: the user is in again.
	if _, err := root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String(consolePassword)}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(20 * day)) // 20 days after the reset
	newConsoleClient(t, inst.URL).mustSignIn(inst.Account, "carol", consolePassword)
}
