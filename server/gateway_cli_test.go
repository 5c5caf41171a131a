package server_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The aws CLI (botocore) through the gateway: an upload allowed, a
// DynamoDB write refused with the service's error.
func TestGatewayAWSCLI(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("IAMD_E2E_REQUIRED") == "1" {
			t.Fatal("the aws CLI is required (IAMD_E2E_REQUIRED=1) but not installed")
		}
		t.Skip("the aws CLI is not installed")
	}
	inst, audit, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	must[*s3.CreateBucketOutput](t)(s3Client(inst, rootKey, rootSecret, "").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cli")}))
	key, secret := gwUser(t, inst, root, "uploader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::cli/*"}]}`)
	dir := t.TempDir()
	file := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(file, []byte(strings.Repeat("line\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(cli, append([]string{"--endpoint-url", inst.URL}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN=",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
			"AWS_MAX_ATTEMPTS=1", "AWS_ENDPOINT_URL=", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("s3", "cp", file, "s3://cli/data.txt"); err != nil {
		t.Fatalf("aws s3 cp: %v\n%s", err, out)
	}
	head := must[*s3.HeadObjectOutput](t)(s3Client(inst, rootKey, rootSecret, "").HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cli"), Key: aws.String("data.txt")}))
	if *head.ContentLength != 5000 {
		t.Fatalf("uploaded %d bytes", *head.ContentLength)
	}
	findRecord(t, audit, "s3.amazonaws.com", "PutObject", "arn:aws:iam::123456789012:user/uploader")

	out, err := run("dynamodb", "put-item", "--table-name", "t", "--item", `{"id":{"S":"1"}}`)
	if err == nil || !strings.Contains(out, "AccessDeniedException") || !strings.Contains(out, "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/t") {
		t.Fatalf("aws dynamodb put-item: %v\n%s", err, out)
	}
}
