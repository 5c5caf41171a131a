package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type validationCase struct {
	Name    string  `json:"name"`
	Policy  string  `json:"policy"`
	Kind    string  `json:"kind"`
	Expect  string  `json:"expect"`
	Message *string `json:"message"`
	Note    string  `json:"note"`
}

func loadValidationCases(t testing.TB) []validationCase {
	dir := os.Getenv("IAMD_VALIDATION_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "policy-validation")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no validation vectors in %s: %v", dir, err)
	}
	var all []validationCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []validationCase
		if err := json.Unmarshal(data, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, cs...)
	}
	return all
}

func TestValidationVectors(t *testing.T) {
	for _, c := range loadValidationCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			kind, ok := ParseKind(c.Kind)
			if !ok {
				t.Fatalf("unknown kind %q", c.Kind)
			}
			_, err := Check([]byte(c.Policy), kind, Options{})
			if c.Expect == "valid" {
				if err != nil {
					t.Fatalf("want valid, got %v (%s)", err, err.(*Error).Describe())
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("want %s, got %v", c.Expect, err)
			}
			if pe.Code != c.Expect {
				t.Errorf("code = %s (%s), want %s", pe.Code, pe.Describe(), c.Expect)
			}
			if c.Message != nil && pe.Message != *c.Message {
				t.Errorf("message = %q, want %q", pe.Message, *c.Message)
			}
		})
	}
}

func TestValidateKinds(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string // "" for valid, else the message
	}{
		{"sid with hyphen", KindManaged, `{"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Action":"s3:*","Resource":"*"}}`, MsgSidAlnum},
		{"sid with hyphen in a bucket policy", KindResource, `{"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, ""},
		{"resource policy needs principal", KindResource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, MsgMissingPrincipal},
		{"scp forbids principal", KindSCP, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, MsgHasPrincipal},
		{"rcp principal must be star", KindRCP, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}`, `Resource control policies must use "Principal": "*"`},
		{"trust with s3 action", KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}}`, MsgTrustActions},
		{"trust with sts star", KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/x"},"Action":"sts:*"}}`, ""},
		{"trust principal typo", KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1111:role/x"},"Action":"sts:AssumeRole"}}`, `Invalid principal in policy: "AWS":"arn:aws:iam::1111:role/x"`},
		{"inline accepts 2008", KindInlineUser, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, ""},
		{"boundary needs 2012", KindBoundary, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, MsgVersion},
		{"numeric exponent rejected", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"1e3"}}}}`, MsgSyntax},
		{"numeric json number", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10}}}}`, ""},
		{"duplicate keys", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}`, MsgSyntax},
		{"null condition value", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a:b":null}}}}`, MsgSyntax},
		{"NullIfExists is no operator", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"a:b":"true"}}}}`, MsgSyntax},
		{"other partition", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-cn:s3:::b"}}`, `Partition "aws-cn" is not valid for resource "arn:aws-cn:s3:::b".`},
		{"iam resource with region", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:111122223333:user/x"}}`, "IAM resource arn:aws:iam:us-east-1:111122223333:user/x cannot contain region information."},
		{"s3 access point with region", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*"}}`, ""},
		{"s3 batch job with region", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:DescribeJob","Resource":"arn:aws:s3:us-east-1:111122223333:job/j1"}}`, ""},
		{"s3 bucket with region", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::b"}}`, "Resource arn:aws:s3:us-east-1::b can not contain region information."},
		{"empty resource", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}}`, `Resource  must be in ARN format or "*".`},
		{"data after the object", KindManaged, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}} {}`, MsgSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check([]byte(tt.doc), tt.kind, Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %q, got valid", tt.want)
			}
			if got := err.(*Error).Message; got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPartitionOption(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-cn:s3:::b"}}`
	if _, err := Check([]byte(doc), KindManaged, Options{Partition: "aws-cn"}); err != nil {
		t.Fatalf("aws-cn resource in an aws-cn account: %v", err)
	}
}

func TestErrorPosition(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\"}\n  ]\n}"
	_, err := Check([]byte(doc), KindManaged, Options{})
	pe := err.(*Error)
	if pe.Message != MsgNoResources || pe.Pos != (Position{Line: 4, Column: 5}) {
		t.Fatalf("got %q at %+v", pe.Message, pe.Pos)
	}
	_, err = Parse([]byte("{\n \"Version\": \"2012-10-17\",\n \"Statement\": x}"))
	if pe := err.(*Error); pe.Pos.Line != 3 {
		t.Fatalf("syntax error position %+v", pe.Pos)
	}
}
