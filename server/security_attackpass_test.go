package server_test

// The attack pass of issue 11's "Done when": holes found by an attacker
// who has read the issue, each attacked here through the Go SDK (refused,
// and nothing changed or leaked) next to the legitimate call.
//
//   TestAttackPassPolicySourceOfAnotherAccount  an ARN of another account, partition or region does not read the caller's entity of the same name
//   TestAttackPassCreateServiceLinkedRoleOnRole  CreateServiceLinkedRole is authorized on the role it creates, with iam:AWSServiceName
//   TestAttackPassFederatedUserNoIAMNoSTS        GetFederationToken credentials call no IAM operation and no STS operation but GetCallerIdentity
//   TestAttackPassAuthorizeOtherAccountNoOracle  the authorize endpoint answers alike for another account's existing and missing principals
//   TestAttackPassServiceAccessReportsOnEntity  GenerateServiceLastAccessedDetails and ListPoliciesGrantingServiceAccess are authorized on the entity Arn names, not on *

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
)

// attackPassSetup is a server with a second account, a protected role
// "guarded" whose policy uses a secret condition key, an unprotected role
// "open", and a user "mallory" allowed all of IAM but denied everything on
// the protected role and the customer managed policy "guardedpol" (beside
// an unprotected "openpol").
func attackPassSetup(t *testing.T) (*server.Instance, *iam.Client, *iam.Client) {
	t.Helper()
	s := testServer(t)
	if _, err := s.IAM.CreateAccount(ctx, otherAccount, "OTHERROOTKEY", "OTHERROOTSECRET"); err != nil {
		t.Fatal(err)
	}
	root := iamClient(s, rootKey, rootSecret)
	for _, role := range []string{"guarded", "open"} {
		must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trustAccountOnly)}))
		must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/Secret` + role + `":"x"}}}]}`)}))
	}
	for _, p := range []string{"guardedpol", "openpol"} {
		must[*iam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))
	}
	mallory, _ := userWithPolicy(t, s, root, "mallory", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":["`+acctARN+`role/guarded","`+acctARN+`policy/guardedpol"]}]}`)
	return s, root, mallory
}

func TestAttackPassPolicySourceOfAnotherAccount(t *testing.T) {
	_, _, mallory := attackPassSetup(t)
	for _, src := range []string{
		"arn:aws:iam::" + otherAccount + ":role/guarded", // another account: the caller's role of that name was read
		"arn:aws-cn:iam::" + testAccount + ":role/guarded",
		"arn:aws:iam:us-east-1:" + testAccount + ":role/guarded",
		acctARN + "role/guarded",
	} {
		keys, err := mallory.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(src)})
		if code := apiCode(err); code != "AccessDenied" && code != "InvalidInput" {
			t.Fatalf("GetContextKeysForPrincipalPolicy %s: %v %v", src, keys, err)
		}
		sim, err := mallory.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(src), ActionNames: []string{"s3:GetObject"}})
		if code := apiCode(err); code != "AccessDenied" && code != "InvalidInput" {
			t.Fatalf("SimulatePrincipalPolicy %s: %v %v", src, sim, err)
		}
		if err != nil && strings.Contains(err.Error(), "SecretGuarded") {
			t.Fatal(err)
		}
	}
	// The legitimate calls, on the canonical ARN of an unprotected role.
	keys := must[*iam.GetContextKeysForPrincipalPolicyOutput](t)(mallory.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(acctARN + "role/open")}))
	if len(keys.ContextKeyNames) != 1 || keys.ContextKeyNames[0] != "aws:PrincipalTag/Secretopen" {
		t.Fatal(keys.ContextKeyNames)
	}
	must[*iam.SimulatePrincipalPolicyOutput](t)(mallory.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(acctARN + "role/open"), ActionNames: []string{"s3:GetObject"}}))
}

func TestAttackPassServiceAccessReportsOnEntity(t *testing.T) {
	_, _, mallory := attackPassSetup(t)
	for _, a := range []string{
		acctARN + "role/guarded", // authorized on "*": a Deny on the role did not apply
		"arn:aws:iam::aws:role/guarded",
		"arn:aws:iam::" + otherAccount + ":role/guarded",
		"arn:aws-cn:iam::" + testAccount + ":role/guarded",
		acctARN + "policy/guardedpol",
		acctARN + "policy/GUARDEDPOL",
		acctARN + "policy/x/guardedpol",
	} {
		job, err := mallory.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(a)})
		if code := apiCode(err); code != "AccessDenied" && code != "InvalidInput" && code != "NoSuchEntity" {
			t.Fatalf("GenerateServiceLastAccessedDetails %s: %v %v", a, job, err)
		}
		if strings.Contains(a, ":role/") {
			out, err := mallory.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String(a), ServiceNamespaces: []string{"s3"}})
			if code := apiCode(err); code != "AccessDenied" && code != "InvalidInput" && code != "NoSuchEntity" {
				t.Fatalf("ListPoliciesGrantingServiceAccess %s: %v %v", a, out, err)
			}
		}
	}
	// The legitimate calls, on entities no Deny protects.
	for _, a := range []string{acctARN + "role/open", acctARN + "policy/openpol", "arn:aws:iam::aws:policy/AdministratorAccess"} {
		job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(mallory.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(a)}))
		must[*iam.GetServiceLastAccessedDetailsOutput](t)(mallory.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
	}
	out := must[*iam.ListPoliciesGrantingServiceAccessOutput](t)(mallory.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String(acctARN + "role/open"), ServiceNamespaces: []string{"s3"}}))
	if len(out.PoliciesGrantingServiceAccess) != 1 || len(out.PoliciesGrantingServiceAccess[0].Policies) != 1 {
		t.Fatalf("%+v", out.PoliciesGrantingServiceAccess)
	}
}

func TestAttackPassCreateServiceLinkedRoleOnRole(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	// Allowed to create service-linked roles, but never Elastic
	// Beanstalk's (by the role's path) nor ECS's (by iam:AWSServiceName).
	c, _ := userWithPolicy(t, s, root, "ops", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*"},
		{"Effect":"Deny","Action":"iam:CreateServiceLinkedRole","Resource":"`+acctARN+`role/aws-service-role/elasticbeanstalk.amazonaws.com/*"},
		{"Effect":"Deny","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"ecs.amazonaws.com"}}}]}`)
	roles := func() int {
		return len(must[*iam.ListRolesOutput](t)(root.ListRoles(ctx, &iam.ListRolesInput{})).Roles)
	}
	// Authorized on "*" without the key, neither Deny matched.
	_, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com")})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(apiMessage(err), "role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk with an explicit deny") {
		t.Fatal(apiMessage(err))
	}
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com"), CustomSuffix: aws.String("x")})
	wantCode(t, err, "AccessDenied")
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.amazonaws.com")})
	wantCode(t, err, "AccessDenied")
	if n := roles(); n != 0 {
		t.Fatalf("%d roles created", n)
	}
	// The allowed service.
	out := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")}))
	if *out.Role.Arn != acctARN+"role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" || roles() != 1 {
		t.Fatal(*out.Role.Arn)
	}
}

func TestAttackPassFederatedUserNoIAMNoSTS(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(trustAccountOnly)}))
	_, proxy := userWithPolicy(t, s, root, "proxy", allowAll)
	ft := must[*sts.GetFederationTokenOutput](t)(proxy.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(allowAll)})).Credentials
	fedIAM := iamClient2(s, *ft.AccessKeyId, *ft.SecretAccessKey, *ft.SessionToken)
	fedSTS := stsClient(s, *ft.AccessKeyId, *ft.SecretAccessKey, *ft.SessionToken)

	_, err := fedIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("evil")})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = fedIAM.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("evil")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("evil was created: %v", err)
	}
	// A federated user assumed roles (a session of its own, out of its
	// session policy's reach).
	_, err = fedSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(acctARN + "role/target"), RoleSessionName: aws.String("from-fed")})
	wantCode(t, err, "AccessDenied")
	for name, call := range map[string]func() error{
		"GetAccessKeyInfo": func() error {
			_, err := fedSTS.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: ft.AccessKeyId})
			return err
		},
		"DecodeAuthorizationMessage": func() error {
			_, err := fedSTS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x")})
			return err
		},
		"GetFederationToken": func() error {
			_, err := fedSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed2")})
			return err
		},
	} {
		if err := call(); apiCode(err) != "AccessDenied" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// What it may do: say who it is; its user assumes the role.
	id := must[*sts.GetCallerIdentityOutput](t)(fedSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:sts::"+testAccount+":federated-user/fed" {
		t.Fatal(*id.Arn)
	}
	must[*sts.AssumeRoleOutput](t)(proxy.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(acctARN + "role/target"), RoleSessionName: aws.String("from-proxy")}))
}

func TestAttackPassAuthorizeOtherAccountNoOracle(t *testing.T) {
	f := newAuthorizeFixture(t)
	if _, err := f.s.IAM.CreateAccount(ctx, otherAccount, "OTHERROOTKEY", "OTHERROOTSECRET"); err != nil {
		t.Fatal(err)
	}
	other := iamClient(f.s, "OTHERROOTKEY", "OTHERROOTSECRET")
	must[*iam.CreateUserOutput](t)(other.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("victim")}))
	answer := func(principal string) (int, string) {
		status, _, raw := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": principal, "action": "files:Read", "resource": "*"})
		return status, errCode(raw)
	}
	// NoSuchEntity for a missing principal and AccessDenied for an existing
	// one told which of another account's users and roles exist.
	for _, p := range []string{"user/victim", "user/nobody", "role/nobody", "root"} {
		if status, code := answer("arn:aws:iam::" + otherAccount + ":" + p); status != http.StatusForbidden || code != "AccessDenied" {
			t.Fatalf("%s: %d %s", p, status, code)
		}
	}
	// The caller's own account: the decision, or NoSuchEntity.
	if status, code := answer(acctARN + "user/nobody"); status != http.StatusNotFound || code != "NoSuchEntity" {
		t.Fatalf("own missing principal: %d %s", status, code)
	}
	if status, out, _ := askAuthorize(t, f.s, f.svcKey, f.svcSecret, map[string]any{"principal": acctARN + "user/alice", "action": "files:Read", "resource": "*"}); status != 200 || out.Decision != "allowed" {
		t.Fatalf("the legitimate call: %d %+v", status, out)
	}
}
