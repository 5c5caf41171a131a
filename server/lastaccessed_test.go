package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// lastAccessed generates a report on arn and returns it by namespace.
func lastAccessed(t *testing.T, c *iam.Client, arn string) (string, map[string]types.ServiceLastAccessed) {
	t.Helper()
	job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(arn)}))
	out := must[*iam.GetServiceLastAccessedDetailsOutput](t)(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId, MaxItems: aws.Int32(1000)}))
	if out.JobStatus != types.JobStatusTypeCompleted {
		t.Fatalf("job status %s", out.JobStatus)
	}
	m := map[string]types.ServiceLastAccessed{}
	for _, s := range out.ServicesLastAccessed {
		m[*s.ServiceNamespace] = s
	}
	return *job.JobId, m
}

// eventually retries check for a while: access is recorded in the
// background, so as not to delay the request.
func eventually(t *testing.T, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !check(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
	}
}

func TestServiceLastAccessed(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	must[*iam.CreateGroupOutput](t)(root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must[*iam.PutGroupPolicyOutput](t)(root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","s3:GetObject","sts:AssumeRole"],"Resource":"*"}]}`)}))
	alice, _, _ := newUser(t, s, root, "alice")
	newUser(t, s, root, "bob")
	for _, u := range []string{"alice", "bob"} {
		must[*iam.AddUserToGroupOutput](t)(root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String(u)}))
	}
	aliceARN := "arn:aws:iam::123456789012:user/alice"

	// Before any request: the allowed services, never accessed.
	_, report := lastAccessed(t, root, aliceARN)
	if len(report) != 3 || report["iam"].LastAuthenticated != nil || *report["s3"].TotalAuthenticatedEntities != 0 || report["iam"].ServiceName == nil {
		t.Fatalf("fresh report %+v", report)
	}
	must[*iam.GetUserOutput](t)(alice.GetUser(ctx, &iam.GetUserInput{}))
	_, err := alice.ListUsers(ctx, &iam.ListUsersInput{}) // refused requests count too, as on AWS
	wantCode(t, err, "AccessDenied")
	eventually(t, func() bool {
		_, report = lastAccessed(t, root, aliceARN)
		return report["iam"].LastAuthenticated != nil
	})
	if r := report["iam"]; *r.LastAuthenticatedEntity != aliceARN || *r.TotalAuthenticatedEntities != 1 || *r.LastAuthenticatedRegion != "us-east-1" ||
		report["s3"].LastAuthenticated != nil {
		t.Fatalf("after alice's requests: %+v", report)
	}

	// A group's report covers its members, one by one.
	job, report := lastAccessed(t, root, "arn:aws:iam::123456789012:group/devs")
	if *report["iam"].TotalAuthenticatedEntities != 1 {
		t.Fatalf("group report %+v", report["iam"])
	}
	ents := must[*iam.GetServiceLastAccessedDetailsWithEntitiesOutput](t)(root.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{
		JobId: aws.String(job), ServiceNamespace: aws.String("iam")}))
	seen := map[string]bool{}
	for _, e := range ents.EntityDetailsList {
		seen[*e.EntityInfo.Name] = e.LastAuthenticated != nil
	}
	if len(seen) != 2 || !seen["alice"] || seen["bob"] {
		t.Fatalf("entities %v", seen)
	}

	// A role session counts for the role.
	must[*iam.CreateRoleOutput](t)(root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)}))
	_, key, secret := newUser(t, s, root, "carol")
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	creds := must[*sts.AssumeRoleOutput](t)(stsClient(s, key, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/reader"), RoleSessionName: aws.String("job")})).Credentials
	must[*iam.ListRolesOutput](t)(iamClient2(s, *creds.AccessKeyId, *creds.SecretAccessKey, *creds.SessionToken).ListRoles(ctx, &iam.ListRolesInput{}))
	eventually(t, func() bool {
		_, report = lastAccessed(t, root, "arn:aws:iam::123456789012:role/reader")
		return report["iam"].LastAuthenticated != nil
	})
	if *report["iam"].LastAuthenticatedEntity != "arn:aws:iam::123456789012:role/reader" {
		t.Fatalf("role report %+v", report["iam"])
	}

	_, err = root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantCode(t, err, "NoSuchEntity")
	_, err = root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::123456789012:user/nobody")})
	wantCode(t, err, "NoSuchEntity")
	_, err = root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:s3:::some-bucket-name")})
	wantCode(t, err, "InvalidInput")
}
