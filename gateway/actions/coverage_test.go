package actions

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/iamd/iamd/catalog"
)

var titleServices = []string{"s3", "dynamodb", "sqs", "sns", "kms", "secretsmanager", "ssm", "lambda", "ecr", "logs"}

// Every operation of the ten services maps to actions the catalogue knows.
func TestTitleServicesMapToKnownActions(t *testing.T) {
	cat := catalog.MustLoad()
	for _, svc := range titleServices {
		rows := Table(svc)
		if len(rows) < 10 {
			t.Fatalf("%s: %d operations", svc, len(rows))
		}
		for _, r := range rows {
			if len(r.Actions) == 0 {
				t.Errorf("%s %s: no action", svc, r.Operation)
			}
			for _, a := range r.Actions {
				if _, _, ok := cat.Action(ActionName(a)); !ok {
					t.Errorf("%s %s: %s is not in the catalogue", svc, r.Operation, a)
				}
			}
		}
	}
}

// The default level: a JSON service with no override maps to
// prefix:Operation on the ARN its input names, or "*".
func TestDefaultLevel(t *testing.T) {
	for _, tc := range []struct {
		service, target, body string
		want                  want
	}{
		{"states", "AWSStepFunctions.StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:111122223333:stateMachine:sm"}`,
			want{"states:StartExecution", "arn:aws:states:us-east-1:111122223333:stateMachine:sm", nil}},
		{"kinesis", "Kinesis_20131202.PutRecord", `{"StreamName":"s1","Data":"eA==","PartitionKey":"k"}`,
			want{"kinesis:PutRecord", "arn:aws:kinesis:us-east-1:111122223333:stream/s1", nil}},
		{"dynamodb", "DynamoDB_20120810.DescribeTable", `{"TableName":"T"}`,
			want{"dynamodb:DescribeTable", "arn:aws:dynamodb:us-east-1:111122223333:table/T", nil}},
		{"dynamodb", "DynamoDB_20120810.ListTables", `{}`, want{"dynamodb:ListTables", "*", nil}},
	} {
		r, _ := http.NewRequest("POST", "http://"+testHost+"/", strings.NewReader(tc.body))
		r.Header.Set("X-Amz-Target", tc.target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		res, err := Map(&Request{Service: tc.service, HTTP: r, Body: []byte(tc.body), Region: testRegion, Account: testAccount})
		if err != nil {
			t.Errorf("%s: %v", tc.target, err)
			continue
		}
		checkAuths(t, res.Authorizations, []want{tc.want})
	}
}

func TestMalformedRequests(t *testing.T) {
	mk := func(method, target, path, body string, hdr ...string) *http.Request {
		r, _ := http.NewRequest(method, "http://"+testHost+path, bytes.NewReader([]byte(body)))
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	for _, tc := range []struct {
		name    string
		service string
		req     *http.Request
		body    string
		kind    error
	}{
		{"no request", "s3", nil, "", ErrMalformed},
		{"unknown service", "nosuch", mk("GET", "", "/", ""), "", ErrUnknownService},
		{"bad target", "dynamodb", mk("POST", "DynamoDB_20120810", "/", "{}"), "{}", ErrMalformed},
		{"unknown target op", "dynamodb", mk("POST", "DynamoDB_20120810.Nope", "/", "{}"), "{}", ErrUnknownOperation},
		{"bad json", "dynamodb", mk("POST", "DynamoDB_20120810.GetItem", "/", "{"), "{", ErrMalformed},
		{"json array", "dynamodb", mk("POST", "DynamoDB_20120810.GetItem", "/", "[]"), "[]", ErrMalformed},
		{"no table", "dynamodb", mk("POST", "DynamoDB_20120810.GetItem", "/", "{}"), "{}", ErrMalformed},
		{"batch without items", "dynamodb", mk("POST", "DynamoDB_20120810.BatchWriteItem", "/", `{"RequestItems":[]}`), `{"RequestItems":[]}`, ErrMalformed},
		{"bad partiql", "dynamodb", mk("POST", "DynamoDB_20120810.ExecuteStatement", "/", `{"Statement":"DROP"}`), `{"Statement":"DROP"}`, ErrMalformed},
		{"sqs bad url", "sqs", mk("POST", "AmazonSQS.SendMessage", "/", `{"QueueUrl":"http://x/onlyone"}`), `{"QueueUrl":"http://x/onlyone"}`, ErrMalformed},
		{"sqs unknown action", "sqs", mk("POST", "", "/", "Action=Nope", "Content-Type", "application/x-www-form-urlencoded"), "Action=Nope", ErrUnknownOperation},
		{"bad form", "sns", mk("POST", "", "/", "Action=%zz", "Content-Type", "application/x-www-form-urlencoded"), "Action=%zz", ErrMalformed},
		{"s3 no route", "s3", mk("PATCH", "", "/b/k", ""), "", ErrUnknownOperation},
		{"s3 bad path", "s3", mk("GET", "", "/b/%zz", ""), "", ErrMalformed},
		{"s3 copy source", "s3", mk("PUT", "", "/b/k", "", "x-amz-copy-source", "nokey"), "", ErrMalformed},
		{"s3 delete no body", "s3", mk("POST", "", "/b?delete", ""), "", ErrMalformed},
		{"s3 delete bad xml", "s3", mk("POST", "", "/b?delete", "<Delete><Object>"), "<Delete><Object>", ErrMalformed},
		{"lambda bad arn", "lambda", mk("POST", "", "/2015-03-31/functions/arn:aws:lambda:x/invocations", ""), "", ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req *Request
			if tc.req != nil || tc.name != "no request" {
				req = &Request{Service: tc.service, HTTP: tc.req, Body: []byte(tc.body), Region: testRegion, Account: testAccount}
			}
			_, err := Map(req)
			var e *Error
			if err == nil || !errorsAs(err, &e) || !errorsIs(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}

func FuzzMap(f *testing.F) {
	f.Add("dynamodb", "POST", "/", "DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"T","Item":{"a":{"S":"x"}}}}]}`)
	f.Add("s3", "POST", "/b?delete", "", `<Delete><Object><Key>k</Key></Object></Delete>`)
	f.Add("s3", "PUT", "/b/k", "", "")
	f.Add("sqs", "POST", "/1/q", "", "Action=SendMessage&MessageBody=x")
	f.Add("lambda", "POST", "/2015-03-31/functions/1:function:f/invocations", "", "{}")
	f.Add("kms", "POST", "/", "TrentService.ReEncrypt", `{"SourceKeyId":"alias/x"}`)
	f.Fuzz(func(t *testing.T, service, method, path, target, body string) {
		r, err := http.NewRequest(method, "http://"+testHost+"/", nil)
		if err != nil {
			return
		}
		r.URL.Path, r.URL.RawQuery, _ = strings.Cut(path, "?")
		r.URL.RawPath = ""
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		if strings.HasPrefix(body, "Action=") {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set("x-amz-copy-source", body)
		res, err := testMapper.Map(&Request{Service: service, HTTP: r, Body: []byte(body), Region: testRegion, Account: testAccount})
		if err == nil && (res == nil || len(res.Authorizations) == 0) {
			t.Fatalf("no error and no authorization: %+v", res)
		}
		if err != nil {
			var e *Error
			if !errorsAs(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if strings.Contains(e.Message, "cannot map request") {
				t.Fatalf("panic: %v", e.Message)
			}
		}
	})
}

func errorsAs(err error, e **Error) bool { return errors.As(err, e) }
func errorsIs(err, kind error) bool      { return errors.Is(err, kind) }
