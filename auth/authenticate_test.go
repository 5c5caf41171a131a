package auth_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/auth"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/store/feed"
	"github.com/iamd/iamd/store/sqlite"
	"github.com/iamd/iamd/sts"
)

const (
	account    = "123456789012"
	rootKey    = "AKIAROOTKEY000000001"
	rootSecret = "root-secret-0123456789abcdefghijklmnopqr"
	trust      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

	msgInvalid   = "The security token included in the request is invalid."
	msgExpired   = "The security token included in the request is expired"
	msgSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// now is the fixture's clock: requests are signed at it unless a case
// says otherwise.
var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	st     *sqlite.Store
	svc    *iam.Service
	tokens *sts.Tokens
	authn  *auth.Authenticator
	root   context.Context
}

// newFixture is a real service over SQLite; watched says whether the
// authenticator caches through the change feed, as the server's does.
func newFixture(t *testing.T, watched bool, partition string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := seal.NewSealer(map[string][]byte{"k1": seal.NewSealKey()}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	var w *feed.Watcher
	if watched {
		if w, err = feed.NewWatcher(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	clock := func() time.Time { return now }
	svc := iam.New(st, iam.Options{Sealer: sealer, Watcher: w, Now: clock})
	if _, _, err := svc.CreateFirstAccount(ctx, account, rootKey, rootSecret); err != nil {
		t.Fatal(err)
	}
	tokens := sts.NewTokens(sealer)
	if partition == "" {
		partition = "aws"
	}
	return &fixture{t: t, st: st, svc: svc, tokens: tokens,
		authn: auth.New(svc, tokens, w, auth.Config{Now: clock, Partition: partition}),
		root:  iam.WithCaller(ctx, &iam.Caller{Account: account, Partition: partition, Root: true, ARN: "arn:" + partition + ":iam::" + account + ":root"})}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// userKey creates a user with an access key.
func (f *fixture) userKey(name string) (user iamapi.User, key aws.Credentials) {
	f.t.Helper()
	u, err := f.svc.CreateUser(f.root, &iamapi.CreateUserInput{UserName: name, Path: aws.String("/team/")})
	f.must(err)
	k, err := f.svc.CreateAccessKey(f.root, &iamapi.CreateAccessKeyInput{UserName: aws.String(name)})
	f.must(err)
	return *u.User, aws.Credentials{AccessKeyID: k.AccessKey.AccessKeyId, SecretAccessKey: k.AccessKey.SecretAccessKey}
}

// sessionCreds seals a session into temporary credentials.
func (f *fixture) sessionCreds(s *iam.Session) aws.Credentials {
	f.t.Helper()
	s.Account = account
	if s.AccessKeyID == "" {
		s.AccessKeyID = iam.PrefixSessionKey + strings.Repeat("X", 12) + iam.NewAccessKeyID("")[:4]
	}
	s.Secret = iam.NewSecretAccessKey()
	if s.IssuedAt.IsZero() {
		s.IssuedAt = now.Add(-time.Minute)
	}
	if s.Expires.IsZero() {
		s.Expires = now.Add(time.Hour)
	}
	tok, err := f.tokens.Seal(s)
	f.must(err)
	return aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: tok}
}

const body = "Action=GetUser&Version=2010-05-08"

func hashOf(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

// signed is a request to the IAM endpoint signed with the SDK's signer
// (header or presigned), then sent through HTTP/1.1 framing and parsed as
// the server parses it.
func signed(t *testing.T, creds aws.Credentials, service, region string, at time.Time, presign bool) (*http.Request, []byte) {
	t.Helper()
	signer := v4.NewSigner()
	var r *http.Request
	if presign {
		q := url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}, "X-Amz-Expires": {"3600"}}
		r, _ = http.NewRequest(http.MethodGet, "http://iam.local:8080/?"+q.Encode(), nil)
		u, hdr, err := signer.PresignHTTP(context.Background(), creds, r, hashOf(""), service, region, at)
		if err != nil {
			t.Fatal(err)
		}
		r, _ = http.NewRequest(http.MethodGet, u, nil)
		for k, v := range hdr {
			if !strings.EqualFold(k, "Host") {
				r.Header[k] = v
			}
		}
	} else {
		r, _ = http.NewRequest(http.MethodPost, "http://iam.local:8080/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if err := signer.SignHTTP(context.Background(), creds, r, hashOf(body), service, region, at); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got, data
}

func awsCode(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code, e.Message
	}
	return "not an AWS error", err.Error()
}

// TestAuthenticate: every kind of credential, signed in the header and
// presigned, with AWS's answer to each way it can be wrong.
func TestAuthenticate(t *testing.T) {
	for _, watched := range []bool{false, true} {
		name := "store"
		if watched {
			name = "cached"
		}
		t.Run(name, func(t *testing.T) { testAuthenticate(t, watched) })
	}
}

func testAuthenticate(t *testing.T, watched bool) {
	f := newFixture(t, watched, "")
	user, userCreds := f.userKey("alice")
	_, inactiveCreds := f.userKey("idle")
	f.must(f.svc.UpdateAccessKey(f.root, &iamapi.UpdateAccessKeyInput{UserName: aws.String("idle"), AccessKeyId: inactiveCreds.AccessKeyID, Status: "Inactive"}))
	_, goneCreds := f.userKey("gone")
	f.must(f.svc.DeleteAccessKey(f.root, &iamapi.DeleteAccessKeyInput{UserName: aws.String("gone"), AccessKeyId: goneCreds.AccessKeyID}))

	_, err := f.svc.CreateRole(f.root, &iamapi.CreateRoleInput{RoleName: "app", AssumeRolePolicyDocument: trust})
	f.must(err)
	role, err := f.svc.LookupRole(f.root, account, "app")
	f.must(err)
	_, err = f.svc.CreateRole(f.root, &iamapi.CreateRoleInput{RoleName: "doomed", AssumeRolePolicyDocument: trust})
	f.must(err)
	doomed, err := f.svc.LookupRole(f.root, account, "doomed")
	f.must(err)

	rootCreds := aws.Credentials{AccessKeyID: rootKey, SecretAccessKey: rootSecret}
	roleSession := f.sessionCreds(&iam.Session{Type: iam.SessionAssumedRole, RoleName: "app", RoleID: role.ID, RolePath: "/", SessionName: "build"})
	userSession := f.sessionCreds(&iam.Session{Type: iam.SessionToken, UserName: "alice", UserID: user.UserId})
	rootSession := f.sessionCreds(&iam.Session{Type: iam.SessionToken})
	fedSession := f.sessionCreds(&iam.Session{Type: iam.SessionFederatedUser, UserName: "alice", UserID: user.UserId, FederatedName: "fed"})
	expired := f.sessionCreds(&iam.Session{Type: iam.SessionAssumedRole, RoleName: "app", RoleID: role.ID, SessionName: "old",
		IssuedAt: now.Add(-2 * time.Hour), Expires: now.Add(-time.Second)})
	doomedSession := f.sessionCreds(&iam.Session{Type: iam.SessionAssumedRole, RoleName: "doomed", RoleID: doomed.ID, SessionName: "s"})
	// Warm the caches with the doomed role's session, then delete the role.
	warm, warmBody := signed(t, doomedSession, "iam", "us-east-1", now, false)
	if _, _, err := f.authn.AuthenticateService(context.Background(), warm, warmBody, "iam"); err != nil {
		t.Fatalf("doomed session before deletion: %v", err)
	}
	f.must(f.svc.DeleteRole(f.root, &iamapi.DeleteRoleInput{RoleName: "doomed"}))
	// A role re-created with the name is another role.
	_, err = f.svc.CreateRole(f.root, &iamapi.CreateRoleInput{RoleName: "doomed", AssumeRolePolicyDocument: trust})
	f.must(err)
	_, err = f.svc.CreateRole(f.root, &iamapi.CreateRoleInput{RoleName: "removed", AssumeRolePolicyDocument: trust})
	f.must(err)
	removed, err := f.svc.LookupRole(f.root, account, "removed")
	f.must(err)
	removedSession := f.sessionCreds(&iam.Session{Type: iam.SessionAssumedRole, RoleName: "removed", RoleID: removed.ID, SessionName: "s"})
	f.must(f.svc.DeleteRole(f.root, &iamapi.DeleteRoleInput{RoleName: "removed"}))
	noID := f.sessionCreds(&iam.Session{Type: iam.SessionAssumedRole, RoleName: "app", SessionName: "old-format"})

	tampered := roleSession
	tok := []byte(tampered.SessionToken)
	if tok[len(tok)-5] == 'A' { // another base64 character
		tok[len(tok)-5] = 'B'
	} else {
		tok[len(tok)-5] = 'A'
	}
	tampered.SessionToken = string(tok)
	swapped := roleSession // the token of one key sent with another
	swapped.AccessKeyID, swapped.SecretAccessKey = userSession.AccessKeyID, userSession.SecretAccessKey
	noToken := roleSession
	noToken.SessionToken = ""
	wrongSecret := userCreds
	wrongSecret.SecretAccessKey = "not-the-secret-0123456789abcdefghijklmn"
	unknown := aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000001", SecretAccessKey: "x"}
	alienToken := roleSession
	alienToken.SessionToken = "FwoGZXIvYXdzEBYaDExampleSessionToken+/=="

	type want struct {
		arn, userID, userName string
		root                  bool
		session               string // the session type, "" for none
	}
	aliceARN := "arn:aws:iam::123456789012:user/team/alice"
	cases := []struct {
		name             string
		creds            aws.Credentials
		service, region  string
		at               time.Time
		want             want
		code, msg        string
		onlyHeaderSigned bool
	}{
		{name: "user key", creds: userCreds, want: want{arn: aliceARN, userID: user.UserId, userName: "alice"}},
		{name: "root key", creds: rootCreds, want: want{arn: "arn:aws:iam::123456789012:root", root: true}},
		{name: "role session", creds: roleSession, want: want{arn: "arn:aws:sts::123456789012:assumed-role/app/build", userID: role.ID + ":build", session: iam.SessionAssumedRole}},
		{name: "user session token", creds: userSession, want: want{arn: aliceARN, userID: user.UserId, userName: "alice", session: iam.SessionToken}},
		{name: "root session token", creds: rootSession, want: want{arn: "arn:aws:iam::123456789012:root", userID: account, root: true, session: iam.SessionToken}},
		{name: "federated user", creds: fedSession, want: want{arn: "arn:aws:sts::123456789012:federated-user/fed", userID: account + ":fed", session: iam.SessionFederatedUser}},
		{name: "other region of the partition", creds: userCreds, region: "eu-central-1", want: want{arn: aliceARN, userID: user.UserId, userName: "alice"}},
		{name: "within the skew", creds: userCreds, at: now.Add(-14 * time.Minute), want: want{arn: aliceARN, userID: user.UserId, userName: "alice"}},

		{name: "tampered token", creds: tampered, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "token of another key", creds: swapped, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "session key without token", creds: noToken, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "token not ours", creds: alienToken, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "expired token", creds: expired, code: "ExpiredToken", msg: msgExpired},
		{name: "token of a role deleted and re-created", creds: doomedSession, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "token of a role deleted", creds: removedSession, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "token without the role's id", creds: noID, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "inactive key", creds: inactiveCreds, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "deleted key", creds: goneCreds, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "unknown key", creds: unknown, code: "InvalidClientTokenId", msg: msgInvalid},
		{name: "wrong secret", creds: wrongSecret, code: "SignatureDoesNotMatch", msg: msgSignature},
		{name: "scoped to another service", creds: userCreds, service: "sts", code: "SignatureDoesNotMatch", msg: "Credential should be scoped to correct service: 'iam'. "},
		{name: "region of another partition", creds: userCreds, region: "cn-north-1", code: "SignatureDoesNotMatch", msg: "Credential should be scoped to a valid region, not 'cn-north-1'. "},
		{name: "no such region", creds: userCreds, region: "mars-1", code: "SignatureDoesNotMatch", msg: "Credential should be scoped to a valid region, not 'mars-1'. "},
		{name: "signed too long ago", creds: userCreds, at: now.Add(-16 * time.Minute), code: "SignatureDoesNotMatch",
			msg: "Signature expired: 20300601T114400Z is now earlier than 20300601T114500Z (20300601T120000Z - 15 min.)"},
		{name: "signed in the future", creds: userCreds, at: now.Add(16 * time.Minute), code: "SignatureDoesNotMatch",
			msg: "Signature not yet current: 20300601T121600Z is still later than 20300601T121500Z (20300601T120000Z + 15 min.)"},
	}
	for _, presign := range []bool{false, true} {
		for _, tc := range cases {
			mode := "header"
			if presign {
				mode = "presigned"
			}
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				service, region, at := tc.service, tc.region, tc.at
				if service == "" {
					service = "iam"
				}
				if region == "" {
					region = "us-east-1"
				}
				if at.IsZero() {
					at = now
				}
				r, b := signed(t, tc.creds, service, region, at, presign)
				c, res, err := f.authn.AuthenticateService(context.Background(), r, b, "iam")
				code, msg := awsCode(err)
				if tc.code != "" {
					if code != tc.code || msg != tc.msg || c != nil {
						t.Fatalf("got %s %q (caller %+v)\nwant %s %q", code, msg, c, tc.code, tc.msg)
					}
					if e, _ := awserr.As(err); e.Status != http.StatusForbidden {
						t.Errorf("status %d", e.Status)
					}
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				w := tc.want
				if c.ARN != w.arn || c.UserID != w.userID && w.userID != "" || c.UserName != w.userName || c.Root != w.root ||
					c.Account != account || c.Partition != "aws" || c.Region != region || c.AccessKey != tc.creds.AccessKeyID {
					t.Errorf("caller %+v, want %+v", c, w)
				}
				if got := ""; c.Session != nil {
					got = c.Session.Type
					if got != w.session {
						t.Errorf("session %s, want %s", got, w.session)
					}
				} else if w.session != "" {
					t.Errorf("no session, want %s", w.session)
				}
				if res.AccessKeyID != tc.creds.AccessKeyID || res.Presigned != presign || res.Scope.Service != "iam" || res.SessionToken != tc.creds.SessionToken {
					t.Errorf("result %+v", res)
				}
			})
		}
	}

	// No signature at all.
	r, _ := http.NewRequest(http.MethodPost, "http://iam.local/", strings.NewReader(body))
	if _, _, err := f.authn.AuthenticateService(context.Background(), r, []byte(body), "iam"); !is(err, "MissingAuthenticationToken", "Request is missing Authentication Token") {
		t.Errorf("unsigned: %v", err)
	}
	if _, _, err := f.authn.AuthenticateService(context.Background(), r, []byte(body), ""); !is(err, "ServiceFailure", "") {
		t.Errorf("no service: %v", err)
	}
}

func is(err error, code, msg string) bool {
	c, m := awsCode(err)
	return c == code && (msg == "" || m == msg)
}
