package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iamd/iamd/gateway"
	"github.com/iamd/iamd/server"
)

// Each service's denial comes in its own format, so that each SDK client
// raises its typed error, and never reaches the backend.
func TestGatewayDenialFormats(t *testing.T) {
	var reached atomic.Int32
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.UserAgent(), "app/"+gateway.PolicyReaderAppID) { // the gateway reading a resource policy
			reached.Add(1)
		}
	}))
	defer backend.Close()
	inst := testServerWith(t, func(o *server.Options) { o.Gateway = server.GatewayOptions{Backend: backend.URL} })
	root := iamClient(inst, rootKey, rootSecret)
	_, key, secret := newUser(t, inst, root, "nobody")
	cfg := awsConfig(inst.URL, key, secret, "")
	for _, c := range []struct {
		name, code string
		status     int
		call       func() error
	}{
		{"kms", "AccessDeniedException", 400, func() error { _, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{}); return err }},
		{"secretsmanager", "AccessDeniedException", 400, func() error {
			_, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
			return err
		}},
		{"ssm", "AccessDeniedException", 400, func() error {
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db")})
			return err
		}},
		{"ecr", "AccessDeniedException", 400, func() error {
			_, err := ecr.NewFromConfig(cfg).DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
			return err
		}},
		{"logs", "AccessDeniedException", 400, func() error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		}},
		{"sns", "AuthorizationError", 403, func() error { _, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{}); return err }},
		{"lambda", "AccessDeniedException", 403, func() error {
			_, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			wantErr(t, err, c.code, c.status)
			if !strings.Contains(apiMessage(err), "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: "+c.name+":") {
				t.Fatalf("message %q", apiMessage(err))
			}
		})
	}
	// An SQS query-protocol call (the older SDKs') is AccessDenied in XML.
	req, _ := http.NewRequest(http.MethodPost, inst.URL+"/", strings.NewReader("Action=ListQueues&Version=2012-11-05"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signHTTP(t, req, []byte("Action=ListQueues&Version=2012-11-05"), key, secret, "sqs")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_, _ = readBody(&b, resp)
	if resp.StatusCode != 403 || !strings.Contains(b.String(), "<Code>AccessDenied</Code>") || !strings.Contains(b.String(), "sqs:ListQueues") {
		t.Fatalf("sqs query: %d %s", resp.StatusCode, b.String())
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d denied requests reached the backend", n)
	}
}

func readBody(b *strings.Builder, resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(b, resp.Body)
}
