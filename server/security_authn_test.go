package server_test

// Attacks on authentication (issue 11): the signing region must not choose
// the caller's partition, a signature must be scoped to the service
// called, sessions are bound to their principal's id, and presigned STS
// requests live 15 minutes.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// regionalIAM is an IAM client that signs for region.
func regionalIAM(inst *server.Instance, key, secret, token, region string) *iam.Client {
	cfg := awsConfig(inst.URL, key, secret, token)
	cfg.Region = region
	return iam.NewFromConfig(cfg)
}

func regionalSTS(inst *server.Instance, key, secret, token, region string) *sts.Client {
	cfg := awsConfig(inst.URL, key, secret, token)
	cfg.Region = region
	return sts.NewFromConfig(cfg)
}

// rawCall sends a form request signed at when for service and region and
// returns the status and body.
func rawCall(t *testing.T, endpoint, form, key, secret, service, region string, when time.Time) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r,
		hex.EncodeToString(sum[:]), service, region, when); err != nil {
		t.Fatal(err)
	}
	return do(t, r)
}

func do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func accessKeyCount(t *testing.T, root *iam.Client, user string) int {
	t.Helper()
	out := must[*iam.ListAccessKeysOutput](t)(root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)}))
	return len(out.AccessKeyMetadata)
}

// A region of another partition no longer turns the caller into an
// arn:aws-cn: or arn:aws-us-gov: principal that every arn:aws: Deny misses:
// it is refused before anything runs.
func TestSecuritySigningRegionDoesNotChoosePartition(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")}))
	_, key, secret := newUser(t, s, root, "mallory")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mallory"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"iam:*","Resource":"*"},
			{"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::123456789012:user/admin"},
			{"Effect":"Deny","Action":"iam:CreateUser","NotResource":"arn:aws:iam::123456789012:user/ok/*"}]}`)}))

	for _, region := range []string{"cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "eusc-de-east-1", "aws-cn-global"} {
		t.Run(region, func(t *testing.T) {
			c := regionalIAM(s, key, secret, "", region)
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
			wantCode(t, err, "SignatureDoesNotMatch")
			if want := "Credential should be scoped to a valid region, not '" + region + "'. "; apiMessage(err) != want {
				t.Errorf("message %q, want %q", apiMessage(err), want)
			}
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("evil-" + region)})
			wantCode(t, err, "SignatureDoesNotMatch")
			_, err = regionalSTS(s, key, secret, "", region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			wantCode(t, err, "SignatureDoesNotMatch")
			// Nothing changed.
			if n := accessKeyCount(t, root, "admin"); n != 0 {
				t.Fatalf("admin has %d keys", n)
			}
			if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("evil-" + region)}); apiCode(err) != "NoSuchEntity" {
				t.Fatalf("evil user: %v", err)
			}
		})
	}

	// The server's own partition: any of its regions works, and the Deny
	// written arn:aws: holds in each.
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1", "il-central-1", "aws-global"} {
		t.Run(region, func(t *testing.T) {
			c := regionalIAM(s, key, secret, "", region)
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
			wantCode(t, err, "AccessDenied")
			if !strings.Contains(apiMessage(err), "User: arn:aws:iam::123456789012:user/mallory ") {
				t.Errorf("message %q", apiMessage(err))
			}
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("evil-" + region)})
			wantCode(t, err, "AccessDenied")
			must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{}))
			id := must[*sts.GetCallerIdentityOutput](t)(regionalSTS(s, key, secret, "", region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
			if *id.Arn != "arn:aws:iam::123456789012:user/mallory" {
				t.Errorf("arn %s", *id.Arn)
			}
		})
	}
	if n := accessKeyCount(t, root, "admin"); n != 0 {
		t.Fatalf("admin has %d keys", n)
	}
}

// A server of another partition is that partition whatever the client
// signs: its regions only, its ARNs.
func TestSecurityServerPartition(t *testing.T) {
	s := testServerWith(t, func(o *server.Options) { o.Partition = "aws-cn" })
	id := must[*sts.GetCallerIdentityOutput](t)(regionalSTS(s, rootKey, rootSecret, "", "cn-north-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws-cn:iam::123456789012:root" {
		t.Errorf("arn %s", *id.Arn)
	}
	for _, region := range []string{"us-east-1", "us-gov-west-1", "aws-global"} {
		_, err := regionalSTS(s, rootKey, rootSecret, "", region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "SignatureDoesNotMatch")
	}
	if _, err := server.Start(ctx, server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Partition: "aws-mars"}); err == nil ||
		!strings.Contains(err.Error(), `unknown partition "aws-mars"`) {
		t.Errorf("unknown partition: %v", err)
	}
}

// A signature scoped to another service (s3, ec2) is refused by IAM, STS
// and the authorize endpoint, and changes nothing.
func TestSecurityScopeServiceMustMatch(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")}))
	now := time.Now()
	for _, c := range []struct {
		name, form, service, want string
	}{
		{"iam action signed for s3", "Action=CreateAccessKey&Version=2010-05-08&UserName=admin", "s3", "'iam'"},
		{"iam action signed for ec2", "Action=CreateAccessKey&Version=2010-05-08&UserName=admin", "ec2", "'iam'"},
		{"sts action signed for s3", "Action=GetCallerIdentity&Version=2011-06-15", "s3", "'sts'"},
		{"sts action signed for execute-api", "Action=GetCallerIdentity&Version=2011-06-15", "execute-api", "'sts'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawCall(t, s.URL+"/", c.form, rootKey, rootSecret, c.service, "us-east-1", now)
			if status != http.StatusForbidden || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") ||
				!strings.Contains(body, "Credential should be scoped to correct service: "+c.want+". ") {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	if n := accessKeyCount(t, root, "admin"); n != 0 {
		t.Fatalf("admin has %d keys", n)
	}
	// Signed for the right service, the same calls work.
	if status, body := rawCall(t, s.URL+"/", "Action=CreateAccessKey&Version=2010-05-08&UserName=admin", rootKey, rootSecret, "iam", "us-east-1", now); status != http.StatusOK {
		t.Fatalf("iam: %d %s", status, body)
	}
	if status, body := rawCall(t, s.URL+"/", "Action=GetCallerIdentity&Version=2011-06-15", rootKey, rootSecret, "sts", "eu-west-1", now); status != http.StatusOK {
		t.Fatalf("sts: %d %s", status, body)
	}

	// The authorize endpoint is signed for iam (README), not another
	// service, nor another partition's region.
	ask := func(service, region string) (int, string) {
		body := []byte(`{"principal":"arn:aws:iam::123456789012:root","action":"iam:GetUser","resource":"*"}`)
		r, _ := http.NewRequest(http.MethodPost, s.URL+server.AuthorizePath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: rootKey, SecretAccessKey: rootSecret}, r, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
			t.Fatal(err)
		}
		return do(t, r)
	}
	if status, body := ask("iam", "us-east-1"); status != http.StatusOK || !strings.Contains(body, `"decision":"allowed"`) {
		t.Fatalf("authorize iam: %d %s", status, body)
	}
	if status, body := ask("s3", "us-east-1"); status != http.StatusForbidden || !strings.Contains(body, "Credential should be scoped to correct service: 'iam'. ") {
		t.Fatalf("authorize s3: %d %s", status, body)
	}
	if status, body := ask("iam", "cn-north-1"); status != http.StatusForbidden || !strings.Contains(body, "Credential should be scoped to a valid region, not 'cn-north-1'. ") {
		t.Fatalf("authorize cn-north-1: %d %s", status, body)
	}
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// A session is its role's, by id: once the role is deleted it is invalid,
// and a new role of the same name (a new principal) does not revive it.
func TestSecurityRoleSessionBoundToRoleID(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, key, secret := newUser(t, s, root, "alice")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	createRole := func() string {
		r := must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
		must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("all"),
			PolicyDocument: aws.String(allowAll)}))
		return *r.Role.RoleId
	}
	deleteRole := func() {
		must[*iam.DeleteRolePolicyOutput](t)(root.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("all")}))
		must[*iam.DeleteRoleOutput](t)(root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deployer")}))
	}
	assume := func() (*iam.Client, *sts.Client) {
		out := must[*sts.AssumeRoleOutput](t)(stsClient(s, key, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/deployer"), RoleSessionName: aws.String("ops")}))
		c := out.Credentials
		return iam.NewFromConfig(awsConfig(s.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)),
			stsClient(s, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	}
	refused := func(name string, iamc *iam.Client, stsc *sts.Client, evil string) {
		t.Helper()
		_, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "InvalidClientTokenId")
		if apiMessage(err) != "The security token included in the request is invalid." {
			t.Errorf("%s: message %q", name, apiMessage(err))
		}
		_, err = iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(evil)})
		wantCode(t, err, "InvalidClientTokenId")
		if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(evil)}); apiCode(err) != "NoSuchEntity" {
			t.Fatalf("%s: %s was created: %v", name, evil, err)
		}
	}

	firstID := createRole()
	oldIAM, oldSTS := assume()
	id := must[*sts.GetCallerIdentityOutput](t)(oldSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.UserId != firstID+":ops" {
		t.Fatalf("user id %s", *id.UserId)
	}
	must[*iam.CreateUserOutput](t)(oldIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("made-by-session")}))

	deleteRole()
	refused("role deleted", oldIAM, oldSTS, "evil1")

	secondID := createRole()
	if secondID == firstID {
		t.Fatal("the new role has the old id")
	}
	refused("role re-created", oldIAM, oldSTS, "evil2")

	// A session of the new role works.
	newIAM, newSTS := assume()
	id = must[*sts.GetCallerIdentityOutput](t)(newSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.UserId != secondID+":ops" || *id.Arn != "arn:aws:sts::123456789012:assumed-role/deployer/ops" {
		t.Fatalf("identity %s %s", *id.UserId, *id.Arn)
	}
	must[*iam.CreateUserOutput](t)(newIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("made-by-new-session")}))
}

// GetSessionToken and GetFederationToken credentials are their user's, by
// id: they stop when the user is deleted and stay refused when a user of
// the same name is created again.
func TestSecurityUserSessionsBoundToUserID(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	createBob := func() (string, string) {
		_, key, secret := newUser(t, s, root, "bob")
		must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("all"),
			PolicyDocument: aws.String(allowAll)}))
		return key, secret
	}
	deleteBob := func(key string) {
		must[*iam.DeleteAccessKeyOutput](t)(root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(key)}))
		must[*iam.DeleteUserPolicyOutput](t)(root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("all")}))
		must[*iam.DeleteUserOutput](t)(root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}))
	}
	key, secret := createBob()
	bob := stsClient(s, key, secret, "")
	st := must[*sts.GetSessionTokenOutput](t)(bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{})).Credentials
	ft := must[*sts.GetFederationTokenOutput](t)(bob.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(allowAll)})).Credentials
	sessions := map[string]*sts.Client{
		"session token":    stsClient(s, *st.AccessKeyId, *st.SecretAccessKey, *st.SessionToken),
		"federation token": stsClient(s, *ft.AccessKeyId, *ft.SecretAccessKey, *ft.SessionToken),
	}
	sessionIAM := iam.NewFromConfig(awsConfig(s.URL, *st.AccessKeyId, *st.SecretAccessKey, *st.SessionToken))
	assumeTarget := func(c *sts.Client) error {
		_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/target"), RoleSessionName: aws.String("via-bob")})
		return err
	}
	for name, c := range sessions {
		id := must[*sts.GetCallerIdentityOutput](t)(c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
		if name == "session token" && *id.Arn != "arn:aws:iam::123456789012:user/bob" || name == "federation token" && *id.Arn != "arn:aws:sts::123456789012:federated-user/fed" {
			t.Fatalf("%s: arn %s", name, *id.Arn)
		}
	}
	if err := assumeTarget(sessions["session token"]); err != nil {
		t.Fatalf("session token: AssumeRole %v", err)
	}
	check := func(stage string) {
		t.Helper()
		for name, c := range sessions {
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			wantCode(t, err, "InvalidClientTokenId")
			wantCode(t, assumeTarget(c), "InvalidClientTokenId")
			if apiMessage(err) != "The security token included in the request is invalid." {
				t.Errorf("%s, %s: message %q", name, stage, apiMessage(err))
			}
		}
		_, err := sessionIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("evil-" + stage)})
		wantCode(t, err, "InvalidClientTokenId")
		if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("evil-" + stage)}); apiCode(err) != "NoSuchEntity" {
			t.Fatalf("%s: evil-%s was created: %v", stage, stage, err)
		}
	}
	deleteBob(key)
	check("deleted")
	key, secret = createBob()
	check("recreated")

	// The new bob's own sessions work.
	bob = stsClient(s, key, secret, "")
	st = must[*sts.GetSessionTokenOutput](t)(bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{})).Credentials
	stc := stsClient(s, *st.AccessKeyId, *st.SecretAccessKey, *st.SessionToken)
	id := must[*sts.GetCallerIdentityOutput](t)(stc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:iam::123456789012:user/bob" {
		t.Fatalf("arn %s", *id.Arn)
	}
	if err := assumeTarget(stc); err != nil {
		t.Fatalf("new session token: AssumeRole %v", err)
	}
	ft = must[*sts.GetFederationTokenOutput](t)(bob.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(allowAll)})).Credentials
	must[*sts.GetCallerIdentityOutput](t)(stsClient(s, *ft.AccessKeyId, *ft.SecretAccessKey, *ft.SessionToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
}

// presignCallerIdentity presigns GetCallerIdentity at when, as EKS and
// Vault clients do, with X-Amz-Expires.
func presignCallerIdentity(t *testing.T, endpoint, key, secret string, expires int, when time.Time) *http.Request {
	t.Helper()
	q := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}
	if expires > 0 {
		q.Set("X-Amz-Expires", strconv.Itoa(expires))
	}
	r, _ := http.NewRequest(http.MethodGet, endpoint+"/?"+q.Encode(), nil)
	signed, headers, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", when)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := http.NewRequest(http.MethodGet, signed, nil)
	for k, v := range headers {
		if !strings.EqualFold(k, "host") {
			out.Header[k] = v
		}
	}
	return out
}

// A presigned GetCallerIdentity is a proof of identity for 15 minutes, as
// on AWS, whatever its X-Amz-Expires says (it was 7 days).
func TestSecurityPresignedCallerIdentityLives15Minutes(t *testing.T) {
	s, clk := newClockServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, key, secret := newUser(t, s, root, "vault-client")
	for _, c := range []struct {
		name    string
		expires int
		age     time.Duration
		ok      bool
	}{
		{"900 s, 1 minute old", 900, time.Minute, true},
		{"60 s, 14 minutes old (EKS token)", 60, 14 * time.Minute, true},
		{"900 s, 16 minutes old", 900, 16 * time.Minute, false},
		{"a week, 16 minutes old", 604800, 16 * time.Minute, false},
		{"a week, 6 days old", 604800, 6 * 24 * time.Hour, false},
		{"no expires, 16 minutes old", 0, 16 * time.Minute, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk.reset()
			r := presignCallerIdentity(t, s.URL, key, secret, c.expires, clk.now())
			clk.advance(c.age)
			defer clk.reset()
			status, body := do(t, r)
			if c.ok {
				if status != http.StatusOK || !strings.Contains(body, "<Arn>arn:aws:iam::123456789012:user/vault-client</Arn>") {
					t.Fatalf("%d %s", status, body)
				}
				return
			}
			if status != http.StatusForbidden || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(body, "Signature expired: ") {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
}
