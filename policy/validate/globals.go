package validate

import "strings"

// globalKeys are AWS's global condition keys (reference_policies_condition-keys)
// with their types, lower-cased. Keys that take a tag key end in "/".
var globalKeys = map[string]string{}

func init() {
	for k, t := range map[string]string{
		"aws:PrincipalArn": "ARN", "aws:PrincipalAccount": "String", "aws:PrincipalOrgPaths": "ArrayOfString",
		"aws:PrincipalOrgID": "String", "aws:PrincipalTag/": "String", "aws:PrincipalIsAWSService": "Bool",
		"aws:PrincipalServiceName": "String", "aws:PrincipalServiceNamesList": "ArrayOfString", "aws:PrincipalType": "String",
		"aws:userid": "String", "aws:username": "String", "aws:AssumedRoot": "Bool", "aws:FederatedProvider": "String",
		"aws:TokenIssueTime": "Date", "aws:MultiFactorAuthAge": "Numeric", "aws:MultiFactorAuthPresent": "Bool",
		"aws:ChatbotSourceArn": "ARN", "aws:Ec2InstanceSourceVpc": "String", "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
		"aws:SourceIdentity": "String", "aws:SourceIp": "IPAddress", "aws:SourceVpc": "String", "aws:SourceVpcArn": "ARN",
		"aws:SourceVpce": "String", "aws:VpcSourceIp": "IPAddress", "aws:VpceAccount": "String", "aws:VpceOrgID": "String",
		"aws:VpceOrgPaths": "ArrayOfString", "aws:CalledVia": "ArrayOfString", "aws:CalledViaFirst": "String",
		"aws:CalledViaLast": "String", "aws:ViaAWSService": "Bool", "aws:CurrentTime": "Date", "aws:EpochTime": "Date",
		"aws:referer": "String", "aws:RequestedRegion": "String", "aws:RequestTag/": "String", "aws:TagKeys": "ArrayOfString",
		"aws:SecureTransport": "Bool", "aws:SourceAccount": "String", "aws:SourceArn": "ARN", "aws:SourceOrgID": "String",
		"aws:SourceOrgPaths": "ArrayOfString", "aws:UserAgent": "String", "aws:ResourceAccount": "String",
		"aws:ResourceOrgID": "String", "aws:ResourceOrgPaths": "ArrayOfString", "aws:ResourceTag/": "String",
		"aws:IsMcpServiceAction": "Bool", "aws:ViaAWSMCPService": "Bool", "aws:CalledViaAWSMCP": "String",
		"aws:SourceOwner": "String", "aws:ARN": "ARN",
	} {
		globalKeys[strings.ToLower(k)] = t
	}
}

// globalKeyType is the type of a global key ("" when it is none), and
// whether it is a tag key written without its tag (aws:ResourceTag).
func globalKeyType(key string) (typ string, missingTag bool) {
	l := strings.ToLower(key)
	if t, ok := globalKeys[l]; ok {
		return t, false
	}
	if i := strings.IndexByte(l, '/'); i >= 0 {
		if t, ok := globalKeys[l[:i+1]]; ok {
			return t, i == len(l)-1
		}
	}
	if _, ok := globalKeys[l+"/"]; ok {
		return "String", true
	}
	return "", false
}

// alwaysPresent are keys every authenticated request carries, so that
// ...IfExists on them changes nothing.
var alwaysPresent = map[string]bool{
	"aws:currenttime": true, "aws:epochtime": true, "aws:principalarn": true, "aws:principalaccount": true,
	"aws:principaltype": true, "aws:userid": true, "aws:securetransport": true,
}

// pairedKeys: each key is safer with one of the others in the same
// condition block (AWS's MISSING_PAIRED_CONDITION_KEYS).
var pairedKeys = map[string][]string{
	"aws:vpcsourceip": {"aws:SourceVpc", "aws:SourceVpce"},
}
