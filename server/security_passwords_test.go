package server_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamd "github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// legacyHash is a password hash as iamd stored it before hashes were
// sealed.
func legacyHash(t *testing.T, password string) string {
	t.Helper()
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha256.New, password, salt, 100_000, 32)
	if err != nil {
		t.Fatal(err)
	}
	return "pbkdf2-sha256$100000$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
}

// loginHash reads and (with set) replaces a user's stored password hash.
func loginHash(t *testing.T, s *server.Instance, user, set string) string {
	t.Helper()
	var hash string
	err := s.Store.Update(ctx, func(tx iamd.Tx) error {
		data, err := tx.Get(testAccount, "login-profile", user)
		if err != nil {
			return err
		}
		var p map[string]any
		if err := json.Unmarshal(data, &p); err != nil {
			return err
		}
		hash, _ = p["password_hash"].(string)
		if set == "" {
			return nil
		}
		p["password_hash"] = set
		data, _ = json.Marshal(p)
		return tx.Put(testAccount, "login-profile", user, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

func wantSealed(t *testing.T, hash string) {
	t.Helper()
	if !strings.HasPrefix(hash, "sealed:") || strings.Contains(hash, "pbkdf2") {
		t.Fatalf("stored hash %q is not sealed", hash)
	}
}

func TestPasswordHashesAreSealed(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	for _, u := range []string{"carol", "dave"} {
		must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
		must[*iam.CreateLoginProfileOutput](t)(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(u), Password: aws.String("Correct-Horse-" + u)}))
	}
	carol := loginHash(t, s, "carol", "")
	wantSealed(t, carol)
	check := func(user, password string) bool {
		t.Helper()
		ok, err := s.IAM.CheckLoginPassword(ctx, testAccount, user, password)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !check("carol", "Correct-Horse-carol") || check("carol", "Correct-Horse-dave") {
		t.Fatal("sealed hash: wrong answer")
	}
	// A sealed hash copied to another user opens for no one.
	loginHash(t, s, "dave", carol)
	if check("dave", "Correct-Horse-carol") || check("dave", "Correct-Horse-dave") {
		t.Fatal("a hash moved to another user verified")
	}
	// It follows its user through a rename (sealed to the user's id).
	must[*iam.UpdateUserOutput](t)(root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("carol"), NewUserName: aws.String("carol2")}))
	if !check("carol2", "Correct-Horse-carol") {
		t.Fatal("the password did not survive a rename")
	}
	must[*iam.UpdateLoginProfileOutput](t)(root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("dave"), Password: aws.String("Another-Horse-7")}))
	wantSealed(t, loginHash(t, s, "dave", ""))
	if !check("dave", "Another-Horse-7") {
		t.Fatal("UpdateLoginProfile's password")
	}
}

// TestLegacyPasswordHashes: a hash stored unsealed by an older iamd still
// verifies, and is rewritten sealed once the password is checked.
func TestLegacyPasswordHashes(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	carol, _, _ := newUser(t, s, root, "carol")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"*"}]}`)}))
	must[*iam.CreateLoginProfileOutput](t)(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Old-Horse-1")}))

	// Sign-in check: a wrong password leaves the old hash; the right one
	// rewrites it sealed.
	old := legacyHash(t, "Old-Horse-1")
	loginHash(t, s, "carol", old)
	if ok, err := s.IAM.CheckLoginPassword(ctx, testAccount, "carol", "Wrong-Horse-1"); ok || err != nil {
		t.Fatal("wrong password accepted", err)
	}
	if loginHash(t, s, "carol", "") != old {
		t.Fatal("a failed check rewrote the hash")
	}
	if ok, err := s.IAM.CheckLoginPassword(ctx, testAccount, "carol", "Old-Horse-1"); !ok || err != nil {
		t.Fatal("the legacy hash did not verify", err)
	}
	wantSealed(t, loginHash(t, s, "carol", ""))
	if ok, _ := s.IAM.CheckLoginPassword(ctx, testAccount, "carol", "Old-Horse-1"); !ok {
		t.Fatal("the rewritten hash did not verify")
	}

	// ChangePassword with a legacy hash: the old password is refused when
	// wrong (nothing changes), accepted when right, and the new hash is sealed.
	loginHash(t, s, "carol", old)
	_, err := carol.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Wrong-Horse-1"), NewPassword: aws.String("New-Horse-2")})
	wantCode(t, err, "InvalidInput")
	if loginHash(t, s, "carol", "") != old {
		t.Fatal("a refused ChangePassword changed the hash")
	}
	must[*iam.ChangePasswordOutput](t)(carol.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Old-Horse-1"), NewPassword: aws.String("New-Horse-2")}))
	wantSealed(t, loginHash(t, s, "carol", ""))
	if ok, _ := s.IAM.CheckLoginPassword(ctx, testAccount, "carol", "New-Horse-2"); !ok {
		t.Fatal("the new password")
	}
}

// TestChangePasswordGuessing: wrong old passwords lock the user out of
// ChangePassword for a while, even with the right one.
func TestChangePasswordGuessing(t *testing.T) {
	clk := &clock{}
	s := testServerWith(t, func(o *server.Options) { o.Now = clk.now })
	root := iamClient(s, rootKey, rootSecret)
	carol, _, _ := newUser(t, s, root, "carol")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"*"}]}`)}))
	must[*iam.CreateLoginProfileOutput](t)(root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Old-Horse-1")}))
	change := func(old string) error {
		_, err := carol.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(old), NewPassword: aws.String("New-Horse-2")})
		return err
	}
	for range 10 {
		wantCode(t, change("Guess-Horse-0"), "InvalidInput")
	}
	wantCode(t, change("Old-Horse-1"), "LimitExceeded")
	if ok, _ := s.IAM.CheckLoginPassword(ctx, testAccount, "carol", "Old-Horse-1"); !ok {
		t.Fatal("the refused change changed the password")
	}
	clk.advance(5*time.Minute + time.Second)
	if err := change("Old-Horse-1"); err != nil {
		t.Fatal("after the lock:", err)
	}
}
