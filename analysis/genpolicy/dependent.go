package genpolicy

// dependent is an action AWS checks besides a call's own when the request
// carries a parameter: tagging a resource as it is created needs the
// service's tagging permission too ("not authorized to perform:
// iam:TagRole" from a CreateRole with Tags is the classic).
type dependent struct {
	param  string // request parameter name prefix (any case) that triggers it
	action string
}

// dependents is the table of dependent actions. The Service Authorization
// Reference's "dependent actions" column is empty in the catalogue's data
// (package catalog), so this is a small hand-kept table of the common
// cases, from each service's documentation of tag-on-create and of session
// tags. The dependent action applies to the call's own resource. Where
// iamd (or the gateway) checks the dependent action itself, the record's
// authorizations already hold it and the table adds nothing new. Records
// without request parameters (most gateway calls) get nothing from it.
var dependents = map[string][]dependent{
	"iam:CreateUser":                  {{"Tags", "iam:TagUser"}},
	"iam:CreateRole":                  {{"Tags", "iam:TagRole"}},
	"iam:CreatePolicy":                {{"Tags", "iam:TagPolicy"}},
	"iam:CreateInstanceProfile":       {{"Tags", "iam:TagInstanceProfile"}},
	"iam:CreateOpenIDConnectProvider": {{"Tags", "iam:TagOpenIDConnectProvider"}},
	"iam:CreateSAMLProvider":          {{"Tags", "iam:TagSAMLProvider"}},
	"iam:CreateVirtualMFADevice":      {{"Tags", "iam:TagMFADevice"}},
	"iam:UploadServerCertificate":     {{"Tags", "iam:TagServerCertificate"}},
	"sts:AssumeRole":                  {{"Tags", "sts:TagSession"}, {"TransitiveTagKeys", "sts:TagSession"}, {"SourceIdentity", "sts:SetSourceIdentity"}},
	"sqs:CreateQueue":                 {{"Tag", "sqs:TagQueue"}},
	"sns:CreateTopic":                 {{"Tags", "sns:TagResource"}},
	"secretsmanager:CreateSecret":     {{"Tags", "secretsmanager:TagResource"}},
	"dynamodb:CreateTable":            {{"Tags", "dynamodb:TagResource"}},
	"kms:CreateKey":                   {{"Tags", "kms:TagResource"}},
	"lambda:CreateFunction":           {{"Tags", "lambda:TagResource"}},
	"logs:CreateLogGroup":             {{"tags", "logs:TagResource"}},
	"ecr:CreateRepository":            {{"tags", "ecr:TagResource"}},
	"ssm:PutParameter":                {{"Tags", "ssm:AddTagsToResource"}},
}
