package server_test

// The rest of test_iam_policies' recordings: policy tags, the policy
// document checks (78 documents AWS refused, 51 it took), and
// ListEntitiesForPolicy. Our own calls, from what each recording shows.

import (
	"fmt"
	"strings"
)

// s3Stmt is a statement on the example bucket with extra members.
func s3Stmt(members string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"` + members + `}}`
}

// stmt is a document of one statement given whole.
func stmt(s string) string { return `{"Version":"2012-10-17","Statement":` + s + `}` }

// snapInvalidDocs are the documents AWS refused, in the recording's order.
var snapInvalidDocs = []string{
	`This is not a json document`,
	`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	`{"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	`{"Version":"2012-10-17"}`,
	stmt(`["afd"]`),
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"},"Extra field":"value"}`,
	s3Stmt(`,"Extra field":"value"`),
	`{"Version":"2012-10-17","Id":["cd3a324d2343d942772346-34234234423404-4c2242343242349d1642ee"],"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	`{"Version":"2012-10-17","Id":{},"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	stmt(`{"Effect":"invalid","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`), // 10
	stmt(`{"Effect":"Allow","Action":"invalid","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","NotAction":"","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"a a:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`[{"Effect":"Allow","Action":"s3s:ListBucket","Resource":"arn:aws:s3:::example_bucket"},{"Effect":"Allow","Action":"s:3s:ListBucket","Resource":"arn:aws:s3:::example_bucket"}]`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"}`),
	stmt(`[{"Sid":"EnableDisableHongKong","Effect":"Allow","Action":["account:EnableRegion","account:DisableRegion"],"Resource":"","Condition":{"StringEquals":{"account:TargetRegion":"ap-east-1"}}},{"Sid":"ViewConsole","Effect":"Allow","Action":["aws-portal:ViewAccount","account:ListRegions"],"Resource":""}]`),
	stmt(`{"Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["adf"]}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}`), // 20
	stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}`),
	stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf"}`),
	stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]}`),
	stmt(`[]`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":[]}`),
	stmt(`{"Effect":"Allow","Action":"invalid"}`),
	stmt(`{"Effect":"Allow","Resource":"arn:aws:s3:::example_bucket"}`), // 30
	stmt(`{"Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow"}`),
	stmt(`{"Effect":"Allow","Action":[],"Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`[{"Effect":"Deny"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}]`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"}`),
	stmt(`{"Effect":"Allow","Resource":"arn:aws:s3::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"arn:aws:s3:::example_bucket"}}`),
	stmt(`{"Effect":"Deny","Action":"s3:ListBucket","Resource":["adfdf",{}]}`), // 40
	stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket","NotResource":[]}`),
	stmt(`{"Effect":"Deny","Action":[[]],"Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Action":[],"Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":{},"Resource":"arn:aws:s3:::example_bucket"}`),
	s3Stmt(`,"Condition":[]`),
	s3Stmt(`,"Condition":"a"`),
	s3Stmt(`,"Condition":{"a":"b"}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":"b"}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":[]}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{"a":{}}}`), // 50
	stmt(`{"Effect":"Allow","Resource":"arn:aws:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":{}}}}`),
	s3Stmt(`,"Condition":{"x":{"a":"1"}}`),
	s3Stmt(`,"Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}`),
	s3Stmt(`,"Condition":[{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}]`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}`),
	stmt(`{"Sid":{},"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Sid":[],"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"},{"Sid":"sdf","Effect":"Allow"}]`),
	`{"Statement":[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"},{"Sid":"sdf","Effect":"Allow"}]}`, // 60
	stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Action":"iam:dsf","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket","NotResource":"*"}`),
	stmt(`{"Effect":"denY","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{"a":"sdfdsf"}}`),
	`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}}`,
	`{"Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	stmt(`{"Effect":"Allow","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`),
	stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket"}`),
	stmt(`{"Effect":"allow","Resource":"arn:aws:s3:us-east-1::example_bucket"}`),
	stmt(`[{"Sid":"sdf","Effect":"aLLow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"},{"Sid":"sdf","Effect":"Allow"}]`), // 70
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","NotResource":"arn:aws:s3::example_bucket"}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"234-13"}}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+1"}}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.1999999999+10:59"}}`),
	s3Stmt(`,"Condition":{"DateLessThan":{"a":"9223372036854775808"}}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:error:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf"}`),
}

// ownCreds is the statement list of a self-service policy: each own-user
// action group on the user's own ARN.
func ownCreds(extra string) string {
	own := func(sid string, actions ...string) string {
		return `{"Sid":"` + sid + `","Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"arn:aws:iam::*:user/${aws:username}"}`
	}
	return strings.Join([]string{
		own("AllowManageOwnPasswords", "iam:ChangePassword", "iam:GetUser"),
		own("AllowManageOwnAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"),
		own("AllowManageOwnSigningCertificates", "iam:DeleteSigningCertificate", "iam:ListSigningCertificates", "iam:UpdateSigningCertificate", "iam:UploadSigningCertificate"),
		own("AllowManageOwnSSHPublicKeys", "iam:DeleteSSHPublicKey", "iam:GetSSHPublicKey", "iam:ListSSHPublicKeys", "iam:UpdateSSHPublicKey", "iam:UploadSSHPublicKey"),
		own("AllowManageOwnGitCredentials", "iam:CreateServiceSpecificCredential", "iam:DeleteServiceSpecificCredential", "iam:ListServiceSpecificCredentials", "iam:ResetServiceSpecificCredential", "iam:UpdateServiceSpecificCredential"),
	}, ",") + extra
}

// snapValidDocs are the documents AWS took, in the recording's order.
var snapValidDocs = []string{
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket"]}`),
	stmt(`{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket","*"]}`),
	stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}]`),
	stmt(`{"Effect":"Allow","Action":"service-prefix:action-name","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}}`),
	stmt(`{"Effect":"Allow","Action":"fsx:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s33:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf"}`),
	s3Stmt(`,"Condition":{}`), // 10
	s3Stmt(`,"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:cloudwatch:us-east-1::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:ec2:us-east-1::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:invalid-service:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:invalid-service:us-east-1::example_bucket"}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{}}`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{"a":[]}}`),
	s3Stmt(`,"Condition":{"a":{}}`),
	stmt(`{"Sid":"dsfsdfsdfsdfsdfsadfsd","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`), // 20
	stmt(`[{"Sid":"ConsoleDisplay","Effect":"Allow","Action":["iam:GetRole","iam:GetUser","iam:ListRoles","iam:ListRoleTags","iam:ListUsers","iam:ListUserTags"],"Resource":"*"},{"Sid":"AddTag","Effect":"Allow","Action":["iam:TagUser","iam:TagRole"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/CostCenter":["A-123","B-456"]},"ForAllValues:StringEquals":{"aws:TagKeys":"CostCenter"}}}]`),
	stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}`),
	`{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	stmt(`{"Effect":"Allow","Action":"aaaaaadsfdsafsadfsadfaaaaa:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3-s:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","Action":"s3.s:ListBucket","Resource":"arn:aws:s3:::example_bucket"}`),
	stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","NotResource":"*"}`),
	stmt(`[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}]`),
	s3Stmt(`,"Condition":{"DateGreaterThan":{"a":"01T"}}`), // 30
	s3Stmt(`,"Condition":{"x":{},"y":{}}`),
	s3Stmt(`,"Condition":{"StringEqualsIfExists":{"a":"asf"}}`),
	s3Stmt(`,"Condition":{"ForAnyValue:StringEqualsIfExists":{"a":"asf"}}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"2019-07-01T13:20:15Z"}}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"2016-12-13T21:20:37.593194+00:00"}}`),
	s3Stmt(`,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+23"}}`),
	s3Stmt(`,"Condition":{"DateLessThan":{"a":"-292275054"}}`),
	stmt(`[{"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":["iam:GetAccountPasswordPolicy","iam:GetAccountSummary","iam:ListVirtualMFADevices"],"Resource":"*"},` + ownCreds(
		`,{"Sid":"AllowManageOwnVirtualMFADevice","Effect":"Allow","Action":["iam:CreateVirtualMFADevice","iam:DeleteVirtualMFADevice"],"Resource":"arn:aws:iam::*:mfa/${aws:username}"}`+
			`,{"Sid":"AllowManageOwnUserMFA","Effect":"Allow","Action":["iam:DeactivateMFADevice","iam:EnableMFADevice","iam:ListMFADevices","iam:ResyncMFADevice"],"Resource":"arn:aws:iam::*:user/${aws:username}"}`+
			`,{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]`)),
	stmt(`[{"Sid":"ListAndDescribe","Effect":"Allow","Action":["dynamodb:List*","dynamodb:DescribeReservedCapacity*","dynamodb:DescribeLimits","dynamodb:DescribeTimeToLive"],"Resource":"*"},{"Sid":"SpecificTable","Effect":"Allow","Action":["dynamodb:BatchGet*","dynamodb:DescribeStream","dynamodb:DescribeTable","dynamodb:Get*","dynamodb:Query","dynamodb:Scan","dynamodb:BatchWrite*","dynamodb:CreateTable","dynamodb:Delete*","dynamodb:Update*","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:*:*:table/MyTable"}]`),
	stmt(`[{"Effect":"Allow","Action":["ec2:AttachVolume","ec2:DetachVolume"],"Resource":["arn:aws:ec2:*:*:volume/*","arn:aws:ec2:*:*:instance/*"],"Condition":{"ArnEquals":{"ec2:SourceInstanceARN":"arn:aws:ec2:*:*:instance/instance-id"}}}]`), // 40
	stmt(`[{"Effect":"Allow","Action":["ec2:AttachVolume","ec2:DetachVolume"],"Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"ec2:ResourceTag/Department":"Development"}}},{"Effect":"Allow","Action":["ec2:AttachVolume","ec2:DetachVolume"],"Resource":"arn:aws:ec2:*:*:volume/*","Condition":{"StringEquals":{"ec2:ResourceTag/VolumeUser":"${aws:username}"}}}]`),
	stmt(`[{"Sid":"StartStopIfTags","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances","ec2:DescribeTags"],"Resource":"arn:aws:ec2:region:account-id:instance/*","Condition":{"StringEquals":{"ec2:ResourceTag/Project":"DataAnalytics","aws:PrincipalTag/Department":"Data"}}}]`),
	stmt(`[{"Sid":"ListYourObjects","Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::bucket-name"],"Condition":{"StringLike":{"s3:prefix":["cognito/application-name/$${cognito-identity.amazonaws.com:sub}"]}}},{"Sid":"ReadWriteDeleteYourObjects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::bucket-name/cognito/application-name/$${cognito-identity.amazonaws.com:sub}","arn:aws:s3:::bucket-name/cognito/application-name/$${cognito-identity.amazonaws.com:sub}/*"]}]`),
	stmt(`[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bucket-name","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:userid}/*"]}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::bucket-name/home/${aws:userid}","arn:aws:s3:::bucket-name/home/${aws:userid}/*"]}]`),
	stmt(`[{"Sid":"ConsoleAccess","Effect":"Allow","Action":["s3:GetAccountPublicAccessBlock","s3:GetBucketAcl","s3:GetBucketLocation","s3:GetBucketPolicyStatus","s3:GetBucketPublicAccessBlock","s3:ListAllMyBuckets"],"Resource":"*"},{"Sid":"ListObjectsInBucket","Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::bucket-name"]},{"Sid":"AllObjectActions","Effect":"Allow","Action":"s3:*Object","Resource":["arn:aws:s3:::bucket-name/*"]}]`),
	stmt(`[{"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":["iam:GetAccountPasswordPolicy","iam:GetAccountSummary"],"Resource":"*"},` + ownCreds("]")),
	stmt(`[{"Action":"ec2:*","Resource":"*","Effect":"Allow","Condition":{"StringEquals":{"ec2:Region":"region"}}}]`),
	stmt(`[{"Effect":"Allow","Action":"rds:*","Resource":["arn:aws:rds:region:*:*"]},{"Effect":"Allow","Action":["rds:Describe*"],"Resource":["*"]}]`),
	stmt(`[{"Sid":"","Effect":"Allow","Action":"rds:*","Resource":["arn:aws:rds:region:*:*"]},{"Sid":"","Effect":"Allow","Action":["rds:Describe*"],"Resource":["*"]}]`),
	stmt(`[{"Sid":"","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point","arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point/object/*"]}]`), // 50
}

func tagPolicy(key, arn string, kv ...string) snapStep {
	return step(key, "TagPolicy", append([]string{"PolicyArn", arn}, tagParams(kv...)...)...)
}

func untagPolicy(key, arn string, ks ...string) snapStep {
	return step(key, "UntagPolicy", append([]string{"PolicyArn", arn}, listParams("TagKeys", ks...)...)...)
}

func listPolicyTags(key string, extra ...string) snapStep {
	return step(key, "ListPolicyTags", append([]string{"PolicyArn", "${policy.Policy.Arn}"}, extra...)...)
}

func createPolicyWith(key, name string, extra ...string) snapStep {
	return step(key, "CreatePolicy", append([]string{"PolicyName", name, "PolicyDocument", snapMock}, extra...)...)
}

// policyTagErrors are the five tag mistakes the recordings make, on
// CreatePolicy and TagPolicy alike.
func policyTagErrors(prefix string, call func(key string, kv ...string) snapStep) []snapStep {
	return []snapStep{
		call(prefix+"too-many", fiftyOne()...),
		call(prefix+"duplicate-keys", "0", "", "0", ""),
		call(prefix+"large-key", strings.Repeat("0", 129), ""),
		call(prefix+"large-value", "0", strings.Repeat("0", 257)),
		call(prefix+"invalid-character", "NOWAY!", ""),
	}
}

func init() {
	scs := []snapScenario{
		{policiesFile, "TestPolicyTags::test_policy_tag_lifecycle", []snapStep{
			createPolicyWith("create-with-tags", "policy-t1", append(tagParams("somekey", "somevalue", "someotherkey", "someothervalue"), "Description", "testing")...),
			step("get-with-tags", "GetPolicy", "PolicyArn", "${create-with-tags.Policy.Arn}"),
			step("list-created-tags", "ListPolicyTags", "PolicyArn", "${create-with-tags.Policy.Arn}"),
			createPolicyWith("create-with-empty-tag-value", "policy-t2", tagParams("somekey", "")...),
			step("list-empty-tag-value", "ListPolicyTags", "PolicyArn", "${create-with-empty-tag-value.Policy.Arn}"),
			createPolicyWith("", "policy-t3").withSave("plain"),
			step("get-without-tags", "GetPolicy", "PolicyArn", "${plain.Policy.Arn}"),
			createPolicyWith("create-with-case-sensitive-tags", "policy-t4", tagParams("a", "lowercase", "A", "uppercase")...),
			step("list-case-sensitive-tags", "ListPolicyTags", "PolicyArn", "${create-with-case-sensitive-tags.Policy.Arn}"),
		}},
		{policiesFile, "TestPolicyTags::test_policy_tag_operations", []snapStep{
			createPolicyWith("create-policy", "policy-to").withSave("policy"),
			tagPolicy("", "${policy.Policy.Arn}", "somekey", "somevalue", "someotherkey", "someothervalue"),
			step("get-after-tag", "GetPolicy", "PolicyArn", "${policy.Policy.Arn}"),
			listPolicyTags("list-tags"),
			listPolicyTags("list-tags-page1", "MaxItems", "1"),
			listPolicyTags("list-tags-page2", "Marker", "${list-tags-page1.Marker}"),
			tagPolicy("", "${policy.Policy.Arn}", "somekey", "somenewvalue"),
			listPolicyTags("list-after-update"),
			tagPolicy("", "${policy.Policy.Arn}", "somekey", ""),
			listPolicyTags("list-after-update-empty"),
			untagPolicy("", "${policy.Policy.Arn}", "somekey"),
			listPolicyTags("list-after-untag-one"),
			untagPolicy("", "${policy.Policy.Arn}", "someotherkey"),
			listPolicyTags("list-after-untag-all"),
			tagPolicy("", "${policy.Policy.Arn}", "a", "lowercase", "A", "uppercase"),
			listPolicyTags("list-case-sensitive-tags"),
			untagPolicy("", "${policy.Policy.Arn}", "a"),
			listPolicyTags("list-after-untag-lowercase"),
		}},
		{policiesFile, "TestPolicyTags::test_policy_tag_order", []snapStep{
			createPolicyWith("create-with-case-sensitive-tags", "policy-tord", tagParams("abc", "first", "b", "second", "z", "third", "a", "fourth")...).withSave("policy"),
			listPolicyTags("list-tags"),
		}},
		{policiesFile, "TestPolicyTags::test_policy_tag_create_errors", func() []snapStep {
			n := 0
			steps := policyTagErrors("err-", func(key string, kv ...string) snapStep {
				n++
				return createPolicyWith(key, fmt.Sprintf("policy-ce-%d", n), tagParams(kv...)...)
			})
			steps[0].key = "err-too-many-tags"
			steps[1].key = "err-duplicate-keys"
			return steps
		}()},
		{policiesFile, "TestPolicyTags::test_policy_tag_update_errors", func() []snapStep {
			missing := snapArn + "policy/NotAPolicy"
			steps := []snapStep{
				createPolicyWith("", "policy-ue").withSave("policy"),
				tagPolicy("", "${policy.Policy.Arn}", "somekey", "somevalue", "someotherkey", "someothervalue"),
			}
			steps = append(steps, policyTagErrors("err-tag-", func(key string, kv ...string) snapStep {
				return tagPolicy(key, "${policy.Policy.Arn}", kv...)
			})...)
			return append(steps,
				tagPolicy("err-tag-nonexistent-policy", missing, "some", "value"),
				untagPolicy("err-untag-too-many-keys", "${policy.Policy.Arn}", fiftyOneKeys()...),
				untagPolicy("err-untag-large-key", "${policy.Policy.Arn}", strings.Repeat("0", 129)),
				untagPolicy("err-untag-invalid-character", "${policy.Policy.Arn}", "NOWAY!"),
				untagPolicy("err-untag-nonexistent-policy", missing, "somevalue"),
			)
		}()},
		{policiesFile, "TestListEntitiesForPolicy::test_list_entities_for_policy", func() []snapStep {
			list := func(key string, filter ...string) snapStep {
				p := []string{"PolicyArn", "${create-policy.Policy.Arn}"}
				if len(filter) > 0 {
					p = append(p, "EntityFilter", filter[0])
				}
				return step(key, "ListEntitiesForPolicy", p...)
			}
			return []snapStep{
				createPolicy("create-policy", "policy-ent"),
				list("empty-entities"),
				createUser("create-user", "user-ent"),
				step("create-group", "CreateGroup", "GroupName", "group-ent"),
				createRole("create-role", "role-ent"),
				setup("AttachUserPolicy", "UserName", "user-ent", "PolicyArn", "${create-policy.Policy.Arn}"),
				setup("AttachGroupPolicy", "GroupName", "group-ent", "PolicyArn", "${create-policy.Policy.Arn}"),
				setup("AttachRolePolicy", "RoleName", "role-ent", "PolicyArn", "${create-policy.Policy.Arn}"),
				list("filter-role", "Role"),
				list("filter-user", "User"),
				list("filter-group", "Group"),
				list("filter-local-managed-policy", "LocalManagedPolicy"),
				list("no-filter"),
			}
		}()},
		{policiesFile, "TestListEntitiesForPolicy::test_list_entities_for_policy_errors", []snapStep{
			step("err-nonexistent-policy", "ListEntitiesForPolicy", "PolicyArn", snapArn+"policy/NonExistentPolicy"),
		}},
	}
	for i, doc := range snapInvalidDocs {
		scs = append(scs, snapScenario{policiesFile, fmt.Sprintf("TestPolicyDocumentValidity::test_create_policy_invalid_document[invalid-%d]", i), []snapStep{
			step("error", "CreatePolicy", "PolicyName", fmt.Sprintf("policy-invalid-%d", i), "PolicyDocument", doc),
		}})
	}
	for i, doc := range snapValidDocs {
		scs = append(scs, snapScenario{policiesFile, fmt.Sprintf("TestPolicyDocumentValidity::test_create_policy_valid_document[valid-%d]", i), []snapStep{
			step("response", "CreatePolicy", "PolicyName", fmt.Sprintf("policy-valid-%d", i), "PolicyDocument", doc),
		}})
	}
	snapScenarios = append(snapScenarios, scs...)
}
