package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// asRoot runs the aws CLI as the root user and fails the test on an error.
func asRoot(t *testing.T, d *daemon, args ...string) string {
	t.Helper()
	out, err := run(t, clientEnv(d), "", "aws", append(args, "--output", "json")...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// userWithKey creates a user with an inline policy and returns its key.
func userWithKey(t *testing.T, d *daemon, name, policy string) (key, secret string) {
	t.Helper()
	asRoot(t, d, "iam", "create-user", "--user-name", name)
	if policy != "" {
		asRoot(t, d, "iam", "put-user-policy", "--user-name", name, "--policy-name", "p", "--policy-document", policy)
	}
	var k struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(asRoot(t, d, "iam", "create-access-key", "--user-name", name)), &k); err != nil {
		t.Fatal(err)
	}
	return k.AccessKey.AccessKeyId, k.AccessKey.SecretAccessKey
}

// TestAWSCLIAssumeRoleProfile uses a CLI profile that assumes a role
// (role_arn + source_profile): the CLI calls AssumeRole itself, and the
// session has the role's permissions and no others.
func TestAWSCLIAssumeRoleProfile(t *testing.T) {
	need(t, "the aws CLI", haveCommand("aws"))
	d := startDaemon(t, t.TempDir())
	key, secret := userWithKey(t, d, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/deployer"}]}`)
	asRoot(t, d, "iam", "create-role", "--role-name", "deployer", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/dev"},"Action":"sts:AssumeRole"}]}`)
	asRoot(t, d, "iam", "put-role-policy", "--role-name", "deployer", "--policy-name", "p", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)

	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(creds, []byte("[dev]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte("[profile dev]\nregion = us-east-1\n\n[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = dev\nrole_session_name = cli\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ENDPOINT_URL_IAM=" + d.url, "AWS_ENDPOINT_URL_STS=" + d.url, "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=",
		"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + creds, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cli := func(args ...string) (string, error) {
		return run(t, env, "", "aws", append(args, "--profile", "deploy", "--output", "json")...)
	}
	who, err := cli("sts", "get-caller-identity")
	if err != nil || !strings.Contains(who, `"Arn": "arn:aws:sts::123456789012:assumed-role/deployer/cli"`) {
		t.Fatalf("get-caller-identity through the role profile: %v\n%s", err, who)
	}
	if out, err := cli("iam", "list-roles"); err != nil || !strings.Contains(out, "deployer") {
		t.Fatalf("list-roles as the role: %v\n%s", err, out)
	}
	out, err := cli("iam", "list-users")
	want := "(AccessDenied) when calling the ListUsers operation: User: arn:aws:sts::123456789012:assumed-role/deployer/cli is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("list-users as the role: %v\n%s\nwant %s", err, out, want)
	}
}

// TestBoto3Enforcement: with boto3, a user allowed by a group policy
// calls what it allows and is refused the rest; an explicit Deny wins; a
// boundary caps; an assumed role acts with its policies narrowed by the
// session policy; altered tokens and wrong secrets are refused.
func TestBoto3Enforcement(t *testing.T) {
	need(t, "python3 with boto3", haveCommand("python3") && func() bool {
		_, err := run(t, nil, "", "python3", "-c", "import boto3")
		return err == nil
	}())
	d := startDaemon(t, t.TempDir())
	script := `
import boto3, botocore, os, json
ep = os.environ["AWS_ENDPOINT_URL_IAM"]
root = boto3.client("iam", endpoint_url=ep)

def denied(fn, want="AccessDenied"):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        code = e.response["Error"]["Code"]
        assert code == want, (code, e)
        return e.response["Error"]["Message"]
    raise SystemExit("expected " + want)

root.create_group(GroupName="readers")
root.put_group_policy(GroupName="readers", PolicyName="read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:AssumeRole"], "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "arn:aws:iam::123456789012:role/secret"}]}))
root.create_user(UserName="reader")
root.add_user_to_group(GroupName="readers", UserName="reader")
k = root.create_access_key(UserName="reader")["AccessKey"]
reader = boto3.client("iam", endpoint_url=ep, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
assert [u["UserName"] for u in reader.list_users()["Users"]] == ["reader"]
msg = denied(lambda: reader.create_user(UserName="intruder"))
assert "is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/intruder because no identity-based policy allows the iam:CreateUser action" in msg, msg
root.create_role(RoleName="secret", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/reader"}, "Action": "sts:AssumeRole"}]}))
root.put_role_policy(RoleName="secret", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:ListRoles", "iam:ListUsers"], "Resource": "*"}]}))
msg = denied(lambda: reader.get_role(RoleName="secret"))
assert "with an explicit deny in an identity-based policy" in msg, msg

# A boundary caps the group's grant.
root.create_policy(PolicyName="only-roles", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:ListRoles", "sts:AssumeRole"], "Resource": "*"}]}))
root.put_user_permissions_boundary(UserName="reader", PermissionsBoundary="arn:aws:iam::123456789012:policy/only-roles")
reader.list_roles()
msg = denied(lambda: reader.list_users())
assert "because no permissions boundary allows the iam:ListUsers action" in msg, msg

# The role, assumed with a session policy narrower than its own.
sts = boto3.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"], aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
c = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/secret", RoleSessionName="py",
    Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}))["Credentials"]
sess = boto3.client("iam", endpoint_url=ep, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
assert [r["RoleName"] for r in sess.list_roles()["Roles"]] == ["secret"]
msg = denied(lambda: sess.list_users())
assert "because no session policy allows the iam:ListUsers action" in msg, msg
who = boto3.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"], aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).get_caller_identity()
assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/secret/py", who

tampered = c["SessionToken"][:-6] + ("AAAAAA" if not c["SessionToken"].endswith("AAAAAA") else "BBBBBB")
bad = boto3.client("iam", endpoint_url=ep, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=tampered)
denied(lambda: bad.list_roles(), "InvalidClientTokenId")
wrong = boto3.client("iam", endpoint_url=ep, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key="not-the-secret")
denied(lambda: wrong.list_roles(), "SignatureDoesNotMatch")
print("boto3 enforcement ok")
`
	out, err := run(t, clientEnv(d), "", "python3", "-c", script)
	if err != nil || !strings.Contains(out, "boto3 enforcement ok") {
		t.Fatalf("%v\n%s\n--- iamd:\n%s", err, out, d.log())
	}
}

// TestTerraformPartialPermissions applies the layout as a user who may
// manage users, groups and policies but not roles: the apply fails with
// AccessDenied on exactly the two roles, and creates everything else.
func TestTerraformPartialPermissions(t *testing.T) {
	mirror := providerMirror()
	need(t, "terraform", haveCommand("terraform"))
	need(t, "the AWS provider mirror", mirror != "")
	d := startDaemon(t, t.TempDir())
	key, secret := userWithKey(t, d, "terraformer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":[
		"arn:aws:iam::123456789012:user/*","arn:aws:iam::123456789012:group/*","arn:aws:iam::123456789012:policy/*"]}]}`)
	dir, tfEnv := terraformDir(t, mirror)
	env := append(clientEnv(d, tfEnv...), "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret)
	tf := func(args ...string) (string, error) { return run(t, env, dir, "terraform", args...) }
	if out, err := tf("init", "-input=false", "-no-color"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, err := tf("apply", "-auto-approve", "-input=false", "-no-color", "-var=endpoint="+d.url)
	if err == nil {
		t.Fatalf("apply succeeded without permission for roles:\n%s", out)
	}
	errorsSeen := regexp.MustCompile(`(?m)^Error: (.*)$`).FindAllStringSubmatch(out, -1)
	if len(errorsSeen) != 2 {
		t.Fatalf("want 2 errors (the two roles), got %d:\n%s", len(errorsSeen), out)
	}
	for _, role := range []string{"report-builder", "web-server"} {
		want := "User: arn:aws:iam::123456789012:user/terraformer is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/"
		if !strings.Contains(out, want) || !strings.Contains(out, role) {
			t.Fatalf("no AccessDenied for role %s:\n%s", role, out)
		}
	}
	state, err := tf("state", "list")
	if err != nil {
		t.Fatalf("state list: %v\n%s", err, state)
	}
	for _, r := range []string{"aws_iam_user.ci", "aws_iam_user.dev", "aws_iam_group.deployers", "aws_iam_policy.artifacts_read", "aws_iam_access_key.ci", "aws_iam_user_group_membership.ci"} {
		if !strings.Contains(state, r+"\n") {
			t.Errorf("%s was not created:\n%s", r, state)
		}
	}
	if strings.Contains(state, "aws_iam_role.") || strings.Contains(state, "aws_iam_instance_profile.") {
		t.Errorf("a role or instance profile was created:\n%s", state)
	}
}
