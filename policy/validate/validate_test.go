package validate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var (
	identity = Options{Type: IdentityPolicy}
	resource = Options{Type: ResourcePolicy}
	bucket   = Options{Type: ResourcePolicy, ResourceType: "AWS::S3::Bucket"}
	trust    = Options{Type: ResourcePolicy, ResourceType: TrustPolicy}
	scp      = Options{Type: ServiceControlPolicy}
	rcp      = Options{Type: ResourceControlPolicy}
)

// id wraps statements in an identity policy with a Version.
func id(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// allow is an identity statement allowing action on resource with an
// optional condition block.
func allow(action, resource, cond string) string {
	s := `{"Effect":"Allow","Action":` + action + `,"Resource":` + resource
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return s + `}`
}

// rp is a resource policy statement for principal.
func rp(principal, action, resource string) string {
	return id(`{"Effect":"Allow","Principal":` + principal + `,"Action":` + action + `,"Resource":` + resource + `}`)
}

const okObj = `"arn:aws:s3:::b/*"`

// issueCases: for every issue code, a policy that gets the finding and a
// close one that does not.
var issueCases = []struct {
	code      string
	opt       Options
	bad, good string
}{
	{"JSON_SYNTAX_ERROR", identity, `{"Version":"2012-10-17",`, id(allow(`"s3:GetObject"`, okObj, ""))},
	{"DATA_TYPE_MISMATCH", identity, id(`{"Effect":"Allow","Action":[1],"Resource":"*"}`), id(allow(`["s3:ListAllMyBuckets"]`, `"*"`, ""))},
	{"INVALID_POLICY_ELEMENT", identity, id(`{"Effect":"Allow","Action":"s3:GetObject","Resource":` + okObj + `,"Actions":"x"}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_VERSION", identity, `{"Statement":[` + allow(`"s3:GetObject"`, okObj, "") + `]}`, id(allow(`"s3:GetObject"`, okObj, ""))},
	{"INVALID_VERSION", identity, `{"Version":"2012-10-18","Statement":[` + allow(`"s3:GetObject"`, okObj, "") + `]}`, id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_STATEMENT", identity, `{"Version":"2012-10-17"}`, id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_EFFECT", identity, id(`{"Action":"s3:GetObject","Resource":` + okObj + `}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"INVALID_EFFECT", identity, id(`{"Effect":"allow","Action":"s3:GetObject","Resource":` + okObj + `}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_ACTION", identity, id(`{"Effect":"Allow","Resource":` + okObj + `}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_RESOURCE", identity, id(`{"Effect":"Allow","Action":"s3:GetObject"}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"UNSUPPORTED_ELEMENT_COMBINATION", identity, id(`{"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:PutObject","Resource":` + okObj + `}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"UNSUPPORTED_PRINCIPAL", identity, id(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":` + okObj + `}`), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_PRINCIPAL", resource, id(allow(`"s3:GetObject"`, okObj, "")), rp(`{"AWS":"111122223333"}`, `"s3:GetObject"`, okObj)},
	{"SCP_SYNTAX_ERROR_PRINCIPAL", scp, id(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`), id(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)},
	{"SCP_SYNTAX_ERROR_ACTION_WILDCARD", scp, id(`{"Effect":"Deny","Action":"s3:*Object","Resource":"*"}`), id(`{"Effect":"Deny","Action":"s3:Get*","Resource":"*"}`)},
	{"RCP_SYNTAX_ERROR_PRINCIPAL", rcp, rp(`{"AWS":"111122223333"}`, `"s3:*"`, `"*"`), rp(`"*"`, `"s3:*"`, `"*"`)},
	{"INVALID_ACTION", identity, id(allow(`"s3:GetObjekt"`, okObj, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"INVALID_SERVICE_IN_ACTION", identity, id(allow(`"s4:GetObject"`, okObj, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"WILDCARD_IN_SERVICE_NAME", identity, id(allow(`"s*:GetObject"`, okObj, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"REDUNDANT_ACTION", identity, id(allow(`["s3:Get*","s3:GetObject"]`, okObj, "")), id(allow(`["s3:GetObject","s3:PutObject"]`, okObj, ""))},
	{"REDUNDANT_RESOURCE", identity, id(allow(`"s3:GetObject"`, `["arn:aws:s3:::b/*","arn:aws:s3:::b/x"]`, "")), id(allow(`"s3:GetObject"`, `["arn:aws:s3:::b/*","arn:aws:s3:::c/x"]`, ""))},
	{"REDUNDANT_STATEMENT", identity, id(allow(`"s3:GetObject"`, okObj, ""), `{"Sid":"Again","Effect":"Allow","Action":["s3:GetObject"],"Resource":`+okObj+`}`), id(allow(`"s3:GetObject"`, okObj, ""), allow(`"s3:PutObject"`, okObj, ""))},
	{"RESOURCE_MISMATCH", identity, id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b"`, "")), id(allow(`"s3:ListBucket"`, `"arn:aws:s3:::b"`, ""))},
	{"INVALID_ARN_PREFIX", identity, id(allow(`"s3:GetObject"`, `"aws:s3:::b/*"`, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_ARN_FIELD", identity, id(allow(`"s3:GetObject"`, `"arn:aws:s3"`, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"INVALID_PARTITION", identity, id(allow(`"s3:GetObject"`, `"arn:aws-nope:s3:::b/*"`, "")), id(allow(`"s3:GetObject"`, `"arn:aws-cn:s3:::b/*"`, ""))},
	{"INVALID_ARN_SERVICE_CASE", identity, id(allow(`"s3:GetObject"`, `"arn:aws:S3:::b/*"`, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"INVALID_ARN_ACCOUNT", identity, id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs:us-east-1:1234:q"`, "")), id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs:us-east-1:123456789012:q"`, ""))},
	{"ARN_REGION_NOT_ALLOWED", identity, id(allow(`"iam:GetUser"`, `"arn:aws:iam:us-east-1:123456789012:user/a"`, "")), id(allow(`"iam:GetUser"`, `"arn:aws:iam::123456789012:user/a"`, ""))},
	{"ARN_ACCOUNT_NOT_ALLOWED", identity, id(allow(`"s3:GetObject"`, `"arn:aws:s3::123456789012:b/*"`, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"MISSING_ARN_REGION", identity, id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs::123456789012:q"`, "")), id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs:*:123456789012:q"`, ""))},
	{"INVALID_ARN_REGION", identity, id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs:moon-1:123456789012:q"`, "")), id(allow(`"sqs:SendMessage"`, `"arn:aws:sqs:eu-west-1:123456789012:q"`, ""))},
	{"INVALID_ARN_RESOURCE", identity, id(allow(`"iam:GetUser"`, `"arn:aws:iam::123456789012:usr/a"`, "")), id(allow(`"iam:GetUser"`, `"arn:aws:iam::123456789012:user/a"`, ""))},
	{"VARIABLE_UNSUPPORTED_IN_VERSION", identity, `{"Version":"2008-10-17","Statement":[` + allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${aws:username}/*"`, "") + `]}`, id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${aws:username}/*"`, ""))},
	{"MISSING_BRACE_IN_VARIABLE", identity, id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${aws:username/*"`, "")), id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${aws:username}/*"`, ""))},
	{"EMPTY_VARIABLE", identity, id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${}/*"`, "")), id(allow(`"s3:GetObject"`, `"arn:aws:s3:::b/${aws:userid}/*"`, ""))},
	{"UNSUPPORTED_SPACE_IN_VARIABLE", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:PrincipalTag/o":"${aws: username}"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:PrincipalTag/o":"${aws:username, 'none'}"}}`))},
	{"VARIABLE_UNSUPPORTED_IN_ELEMENT", identity, id(allow(`"s3:${aws:username}"`, okObj, "")), id(allow(`"s3:GetObject"`, okObj, ""))},
	{"UNSUPPORTED_SID", identity, id(`{"Sid":"a-b","Effect":"Allow","Action":"s3:GetObject","Resource":` + okObj + `}`), id(`{"Sid":"ab","Effect":"Allow","Action":"s3:GetObject","Resource":` + okObj + `}`)},
	{"EMPTY_SID_VALUE", identity, id(`{"Sid":"","Effect":"Allow","Action":"s3:GetObject","Resource":` + okObj + `}`), id(`{"Sid":"x","Effect":"Allow","Action":"s3:GetObject","Resource":` + okObj + `}`)},
	{"UNIQUE_SIDS_REQUIRED", identity, id(`{"Sid":"a","Effect":"Allow","Action":"s3:GetObject","Resource":`+okObj+`}`, `{"Sid":"a","Effect":"Allow","Action":"s3:PutObject","Resource":`+okObj+`}`), id(`{"Sid":"a","Effect":"Allow","Action":"s3:GetObject","Resource":`+okObj+`}`, `{"Sid":"b","Effect":"Allow","Action":"s3:PutObject","Resource":`+okObj+`}`)},
	{"UNIQUE_SIDS_RECOMMENDED", bucket, id(`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":`+okObj+`}`, `{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":`+okObj+`}`), id(`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":`+okObj+`}`, `{"Sid":"b","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":`+okObj+`}`)},
	{"EMPTY_ARRAY_ACTION", identity, id(allow(`[]`, okObj, "")), id(allow(`["s3:GetObject"]`, okObj, ""))},
	{"EMPTY_ARRAY_RESOURCE", identity, id(allow(`"s3:GetObject"`, `[]`, "")), id(allow(`"s3:GetObject"`, `[`+okObj+`]`, ""))},
	{"INVALID_PRINCIPAL_FORMAT", bucket, rp(`"everyone"`, `"s3:GetObject"`, okObj), rp(`"*"`, `"s3:GetObject"`, okObj)},
	{"INVALID_PRINCIPAL_KEY", bucket, rp(`{"Aws":"111122223333"}`, `"s3:GetObject"`, okObj), rp(`{"AWS":"111122223333"}`, `"s3:GetObject"`, okObj)},
	{"EMPTY_OBJECT_PRINCIPAL", bucket, rp(`{}`, `"s3:GetObject"`, okObj), rp(`{"AWS":"111122223333"}`, `"s3:GetObject"`, okObj)},
	{"EMPTY_ARRAY_PRINCIPAL", bucket, rp(`{"AWS":[]}`, `"s3:GetObject"`, okObj), rp(`{"AWS":["111122223333"]}`, `"s3:GetObject"`, okObj)},
	{"UNSUPPORTED_WILDCARD_IN_PRINCIPAL", bucket, rp(`{"AWS":"arn:aws:iam::111122223333:user/*"}`, `"s3:GetObject"`, okObj), rp(`{"AWS":"arn:aws:iam::111122223333:user/a"}`, `"s3:GetObject"`, okObj)},
	{"INVALID_ROLE_REFERENCE", bucket, rp(`{"AWS":"AROAEXAMPLEID1234567"}`, `"s3:GetObject"`, okObj), rp(`{"AWS":"arn:aws:iam::111122223333:role/r"}`, `"s3:GetObject"`, okObj)},
	{"INVALID_USER_REFERENCE", bucket, rp(`{"AWS":"AIDAEXAMPLEID1234567"}`, `"s3:GetObject"`, okObj), rp(`{"AWS":"arn:aws:iam::111122223333:user/u"}`, `"s3:GetObject"`, okObj)},
	{"ALLOW_WITH_NOT_PRINCIPAL", bucket, id(`{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":` + okObj + `}`), id(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":` + okObj + `}`)},
	{"TRUST_POLICY_WILDCARD_PRINCIPAL", trust, id(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), id(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`)},
	{"UNSUPPORTED_ACTION_IN_TRUST_POLICY", trust, id(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}`), id(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)},
	{"UNSUPPORTED_RESOURCE_IN_TRUST", trust, id(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}`), id(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)},
	{"UNSUPPORTED_NOTPRINCIPAL_IN_TRUST", trust, id(`{"Effect":"Deny","NotPrincipal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), id(`{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)},
	{"PASS_ROLE_WITH_STAR_IN_RESOURCE", identity, id(allow(`"iam:PassRole"`, `"*"`, "")), id(allow(`"iam:PassRole"`, `"*"`, `{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}`))},
	{"PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", identity, id(allow(`"iam:*"`, `"*"`, "")), id(allow(`"iam:*"`, `"arn:aws:iam::123456789012:role/app"`, ""))},
	{"PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", identity, id(`{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}`), id(`{"Effect":"Allow","NotAction":["s3:*","iam:*"],"Resource":"*"}`)},
	{"PASS_ROLE_WITH_NOT_RESOURCE", identity, id(`{"Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::123456789012:role/admin"}`), id(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app"}`)},
	{"PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", identity, id(`{"Effect":"Allow","Action":"iam:Pass*","NotResource":"arn:aws:iam::123456789012:role/admin"}`), id(`{"Effect":"Deny","Action":"iam:Pass*","NotResource":"arn:aws:iam::123456789012:role/admin"}`)},
	{"PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", identity, id(`{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:iam::123456789012:role/admin"}`), id(`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::123456789012:role/admin"}`)},
	{"CREATE_SLR_WITH_STAR_IN_RESOURCE", identity, id(allow(`"iam:CreateServiceLinkedRole"`, `"*"`, "")), id(allow(`"iam:CreateServiceLinkedRole"`, `"arn:aws:iam::123456789012:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk"`, ""))},
	{"CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", identity, id(allow(`"iam:Create*"`, `"*"`, "")), id(allow(`"iam:CreateUser"`, `"*"`, ""))},
	{"CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", identity, id(`{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}`), id(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)},
	{"CREATE_SLR_WITH_NOT_RESOURCE", identity, id(`{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","NotResource":"arn:aws:iam::123456789012:role/x"}`), id(`{"Effect":"Deny","Action":"iam:CreateServiceLinkedRole","NotResource":"arn:aws:iam::123456789012:role/x"}`)},
	{"CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", identity, id(`{"Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:iam::123456789012:role/x"}`), id(`{"Effect":"Allow","Action":"iam:Get*","NotResource":"arn:aws:iam::123456789012:role/x"}`)},
	{"CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", identity, id(`{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:iam::123456789012:role/x"}`), id(`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::123456789012:role/x"}`)},
	{"POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", identity, id(allow(`"s3:GetObject"`, `["arn:aws:s3:::`+strings.Repeat("b", 6200)+`/*"]`, "")), id(allow(`"s3:GetObject"`, `["arn:aws:s3:::`+strings.Repeat("b", 200)+`/*"]`, ""))},
	{"POLICY_SIZE_EXCEEDS_SCP_QUOTA", scp, id(`{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::` + strings.Repeat("b", 5200) + `"}`), id(`{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b"}`)},
	{"POLICY_SIZE_EXCEEDS_TRUST_QUOTA", trust, id(`{"Sid":"` + strings.Repeat("a", 2100) + `","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), id(`{"Sid":"a","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)},
	// Conditions.
	{"INVALID_CONDITION_OPERATOR", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEqual":{"aws:username":"a"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":"a"}}`))},
	{"EMPTY_OBJECT_CONDITION", identity, id(allow(`"s3:GetObject"`, okObj, `{}`)), id(allow(`"s3:GetObject"`, okObj, `{"Bool":{"aws:SecureTransport":"true"}}`))},
	{"EMPTY_ARRAY_CONDITION", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":[]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":["a"]}}`))},
	{"EMPTY_ARRAY_CONDITION_FORALLVALUES", identity, id(allow(`"s3:GetObject"`, okObj, `{"ForAllValues:StringEquals":{"aws:TagKeys":[]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`))},
	{"EMPTY_ARRAY_CONDITION_FORANYVALUE", identity, id(allow(`"s3:GetObject"`, okObj, `{"ForAnyValue:StringEquals":{"aws:TagKeys":[]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`))},
	{"EMPTY_ARRAY_CONDITION_IFEXISTS", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEqualsIfExists":{"aws:username":[]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEqualsIfExists":{"aws:username":["a"]}}`))},
	{"NULL_WITH_IF_EXISTS", identity, id(allow(`"s3:GetObject"`, okObj, `{"NullIfExists":{"aws:username":"true"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:username":"true"}}`))},
	{"NULL_WITH_QUALIFIER", identity, id(allow(`"s3:GetObject"`, okObj, `{"ForAnyValue:Null":{"aws:TagKeys":"true"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:TagKeys":"true"}}`))},
	{"TYPE_MISMATCH_BOOLEAN", identity, id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:username":"yes"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:username":"false"}}`))},
	{"INVALID_CONDITION_MULTIPLE_BOOLEAN", identity, id(allow(`"s3:GetObject"`, okObj, `{"Bool":{"aws:SecureTransport":["true","false"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"Bool":{"aws:SecureTransport":"true"}}`))},
	{"INVALID_CONDITION_MULTIPLE_NULL", identity, id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:username":["true","false"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"Null":{"aws:username":"true"}}`))},
	{"TYPE_MISMATCH", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:MultiFactorAuthAge":"10"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"10"}}`))},
	{"TYPE_MISMATCH_NUMBER", identity, id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"ten"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"10"}}`))},
	{"TYPE_MISMATCH_DATE", identity, id(allow(`"s3:GetObject"`, okObj, `{"DateLessThan":{"aws:CurrentTime":"next year"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`))},
	{"INVALID_DATE_VALUE", identity, id(allow(`"s3:GetObject"`, okObj, `{"DateLessThan":{"aws:CurrentTime":"1893456000"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}`))},
	{"TYPE_MISMATCH_IP_RANGE", identity, id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))},
	{"IMPROVE_IP_RANGE", identity, id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":"203.0.113.7/24"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))},
	{"PRIVATE_IP_ADDRESS", identity, id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8","aws:SourceVpc":"vpc-1"}}`))},
	{"PRIVATE_NOT_IP_ADDRESS", identity, id(allow(`"s3:GetObject"`, okObj, `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))},
	{"PRIVATE_IP_ADDRESS_SUBSET", identity, id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}`))},
	{"PRIVATE_NOT_IP_ADDRESS_SUBSET", identity, id(allow(`"s3:GetObject"`, okObj, `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}`))},
	{"MISSING_PAIRED_CONDITION_KEYS", identity, id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}`))},
	{"WILDCARD_WITHOUT_LIKE_OPERATOR", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:PrincipalTag/team":"dev-*"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringLike":{"aws:PrincipalTag/team":"dev-*"}}`))},
	{"FORALLVALUES_WITH_SINGLE_VALUED_KEY", identity, id(allow(`"s3:GetObject"`, okObj, `{"ForAllValues:StringEquals":{"aws:username":["a","b"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":["a","b"]}}`))},
	{"IF_EXISTS_ON_ALWAYS_PRESENT_KEY", identity, id(allow(`"s3:GetObject"`, okObj, `{"BoolIfExists":{"aws:SecureTransport":"true"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`))},
	{"REDUNDANT_CONDITION_VALUE_NUM", identity, id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":["2700","3600"]}}`)), id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`))},
	{"INVALID_VARIABLE_FOR_OPERATOR", identity, id(allow(`"s3:GetObject"`, okObj, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"${aws:username}"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`))},
	{"DUPLICATE_KEYS_WITH_DIFFERENT_CASE", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":"a","aws:UserName":"b"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":"a","aws:userid":"b"}}`))},
	{"INVALID_CONDITION_KEY_FORMAT", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"username":"a"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:username":"a"}}`))},
	{"INVALID_GLOBAL_CONDITION_KEY", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:UserNam":"a"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:UserName":"a"}}`))},
	{"DEPRECATED_GLOBAL_CONDITION_KEY", identity, id(allow(`"s3:GetObject"`, okObj, `{"ArnEquals":{"aws:ARN":"arn:aws:iam::123456789012:user/a"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/a"}}`))},
	{"MISSING_TAG_KEY_IN_CONDITION", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:ResourceTag":"a"}}`)), id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"aws:ResourceTag/team":"a"}}`))},
	{"INVALID_SERVICE", identity, id(allow(`"s3:GetObject"`, okObj, `{"StringEquals":{"s4:prefix":"a"}}`)), id(allow(`"s3:ListBucket"`, `"arn:aws:s3:::b"`, `{"StringEquals":{"s3:prefix":"a"}}`))},
	{"INVALID_SERVICE_CONDITION_KEY", identity, id(allow(`"s3:ListBucket"`, `"arn:aws:s3:::b"`, `{"StringEquals":{"s3:prefixes":"a"}}`)), id(allow(`"s3:ListBucket"`, `"arn:aws:s3:::b"`, `{"StringEquals":{"s3:prefix":"a"}}`))},
}

func codesOf(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		if _, ok := out[f.IssueCode]; !ok {
			out[f.IssueCode] = f
		}
	}
	return out
}

func TestIssueCodes(t *testing.T) {
	for _, tc := range issueCases {
		t.Run(tc.code, func(t *testing.T) {
			if !json.Valid([]byte(tc.good)) || tc.code != "JSON_SYNTAX_ERROR" && !json.Valid([]byte(tc.bad)) {
				t.Fatalf("the case's JSON is broken")
			}
			bad := codesOf(Policy([]byte(tc.bad), tc.opt))
			f, ok := bad[tc.code]
			if !ok {
				t.Fatalf("no %s for %s; got %v", tc.code, tc.bad, keys(bad))
			}
			if f.FindingType != codeTypes[tc.code] || !strings.HasPrefix(f.LearnMoreLink, referenceURL+"#") || f.FindingDetails == "" || len(f.Locations) != 1 {
				t.Errorf("finding %+v", f)
			}
			sp := f.Locations[0].Span
			if sp.Start.Line < 1 || sp.End.Offset < sp.Start.Offset || sp.End.Offset > len(tc.bad) {
				t.Errorf("span %+v", sp)
			}
			if good := codesOf(Policy([]byte(tc.good), tc.opt)); good[tc.code].IssueCode != "" {
				t.Errorf("%s also for %s", tc.code, tc.good)
			}
		})
	}
}

func keys(m map[string]Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Every code the package can report has a case.
func TestIssueCodesCovered(t *testing.T) {
	have := map[string]bool{}
	for _, tc := range issueCases {
		have[tc.code] = true
	}
	for code := range codeTypes {
		if !have[code] {
			t.Errorf("no case for %s", code)
		}
	}
}

// Good policies, each written the way AWS's own examples are, have no
// findings at all.
func TestCleanPolicies(t *testing.T) {
	for _, tc := range []struct {
		opt Options
		doc string
	}{
		{identity, id(allow(`["s3:GetObject","s3:PutObject"]`, okObj, ""), allow(`"s3:ListBucket"`, `"arn:aws:s3:::b"`, `{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}`))},
		{identity, id(allow(`"ec2:DescribeInstances"`, `"*"`, ""), allow(`"iam:PassRole"`, `"arn:aws:iam::123456789012:role/app"`, ""))},
		{identity, id(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)},
		{bucket, rp(`{"AWS":"arn:aws:iam::111122223333:root"}`, `"s3:GetObject"`, okObj)},
		{trust, id(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/*"}}}`)},
		{scp, id(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}`)},
		{rcp, rp(`"*"`, `"s3:*"`, `"*"`)},
	} {
		if fs := Policy([]byte(tc.doc), tc.opt); len(fs) != 0 {
			t.Errorf("%s: %+v", tc.doc, fs)
		}
	}
}

// Positions: line from 1, column and offset from 0, in characters (a
// Latin-1 character before the finding counts once).
func TestPositions(t *testing.T) {
	doc := "{\"Version\":\"2012-10-17\",\n \"Statement\":[{\"Sid\":\"é\",\n  \"Effect\":\"Allow\",\"Action\":\"s3:Nope\",\"Resource\":\"*\"}]}"
	fs := Policy([]byte(doc), identity)
	f := codesOf(fs)["INVALID_ACTION"]
	if f.IssueCode == "" {
		t.Fatalf("%+v", fs)
	}
	runes := []rune(doc)
	want := strings.Index(string(runes), `"s3:Nope"`)
	wantOff := len([]rune(doc[:want]))
	sp := f.Locations[0].Span
	if sp.Start.Line != 3 || sp.Start.Column != 28 || sp.Start.Offset != wantOff || sp.End.Offset != wantOff+9 || sp.End.Column != 37 {
		t.Fatalf("span %+v (want line 3 column 28 offset %d)", sp, wantOff)
	}
	if got := PathString(f.Locations[0].Path); got != ".Statement[0].Action" {
		t.Fatalf("path %s", got)
	}
}

// Whatever the bytes, Policy answers findings, never panics.
func FuzzPolicy(f *testing.F) {
	for _, tc := range issueCases[:20] {
		f.Add([]byte(tc.bad))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, opt := range []Options{identity, bucket, trust, scp} {
			for _, fd := range Policy(doc, opt) {
				if len(fd.Locations) != 1 || fd.Locations[0].Span.End.Offset < fd.Locations[0].Span.Start.Offset {
					t.Fatalf("%+v", fd)
				}
			}
		}
	})
}

// A document built to make the pattern searches slow is answered quickly:
// hundreds of long wildcard actions and resources.
func TestAdversarialDocumentIsBounded(t *testing.T) {
	var acts, res []string
	for i := range 200 {
		acts = append(acts, `"ec2:*`+strings.Repeat("a*", 60)+itoa(i)+`"`)
		res = append(res, `"arn:aws:ec2:*:*:`+strings.Repeat("*x", 60)+itoa(i)+`"`)
	}
	st := `{"Effect":"Allow","Action":[` + strings.Join(acts, ",") + `],"Resource":[` + strings.Join(res, ",") + `]}`
	doc := id(st, st, st, st)
	start := time.Now()
	Policy([]byte(doc), identity)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}
