package actions

import (
	"net/url"
	"strings"
)

func init() {
	sqsInit()
	snsInit()
	kmsInit()
	secretsInit()
	ssmInit()
	lambdaInit()
	ecrInit()
	logsInit()
}

// SQS: every queue call names its queue by QueueUrl (in the query
// protocol also the request's path, /ACCOUNT/NAME); the batch calls are
// authorized as their single forms. Source: Amazon SQS Developer Guide,
// "Amazon SQS API permissions: Actions and resource reference" ("the
// permission for ... Batch is the same as for the non-batch action").
func sqsInit() {
	batch := map[string]string{"ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
		"DeleteMessageBatch": "sqs:DeleteMessage", "SendMessageBatch": "sqs:SendMessage"}
	for _, op := range []string{"AddPermission", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage",
		"DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "ListDeadLetterSourceQueues", "ListQueueTags", "PurgeQueue",
		"ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch", "SetQueueAttributes", "TagQueue", "UntagQueue"} {
		action := batch[op]
		if action == "" {
			action = "sqs:" + op
		}
		reg("sqs", op, override{actions: []string{action}, res: []string{"arn:${Partition}:sqs:${Region}:${Account}:${QueueName} (from QueueUrl)"}, fn: func(c *call) ([]Authorization, error) {
			u := c.raw("QueueUrl")
			if u == "" && c.form != nil {
				u = c.req.HTTP.URL.Path // the query protocol's queue URL
			}
			res, err := c.sqsQueueARN(u)
			if err != nil {
				return nil, err
			}
			a := Authorization{Action: action, Resource: res}
			c.addTags(&a)
			return one(a)
		}})
	}
}

// sqsQueueARN: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (or any host,
// or the path alone) → arn:aws:sqs:REGION:ACCOUNT:NAME.
func (c *call) sqsQueueARN(queueURL string) (string, error) {
	if queueURL == "" {
		return "", errorf(ErrMalformed, "%s needs QueueUrl", c.op.Name)
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return "", errorf(ErrMalformed, "malformed QueueUrl %q", queueURL)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", errorf(ErrMalformed, "malformed QueueUrl %q", queueURL)
	}
	region := c.region
	if h := strings.Split(u.Hostname(), "."); len(h) >= 4 && h[0] == "sqs" && strings.HasSuffix(u.Hostname(), ".amazonaws.com") {
		region = h[1]
	}
	return "arn:" + c.partition + ":sqs:" + region + ":" + parts[0] + ":" + parts[1], nil
}

// SNS: CreateTopic names the topic by Name; PublishBatch is sns:Publish
// (Amazon SNS API Reference, PublishBatch: "requires sns:Publish").
func snsInit() {
	reg("sns", "CreateTopic", override{actions: []string{"sns:CreateTopic"}, keys: []string{"aws:RequestTag/*", "aws:TagKeys"},
		fn: func(c *call) ([]Authorization, error) {
			return one(c.auth("sns:CreateTopic", orStar(c.catARN("sns", "topic", map[string]string{"TopicName": c.raw("Name")}))))
		}})
	reg("sns", "PublishBatch", override{actions: []string{"sns:Publish"}, fn: func(c *call) ([]Authorization, error) {
		return one(Authorization{Action: "sns:Publish", Resource: orStar(c.raw("TopicArn"))})
	}})
	reg("sns", "Publish", override{actions: []string{"sns:Publish"}, fn: func(c *call) ([]Authorization, error) {
		t := c.raw("TopicArn")
		if t == "" {
			t = c.raw("TargetArn")
		}
		return one(Authorization{Action: "sns:Publish", Resource: orStar(t)})
	}})
}

// KMS: KeyId is a key id, a key ARN, an alias name (alias/x) or an alias
// ARN; AWS authorizes a call on the key, and sets kms:RequestAlias when the
// caller named an alias (AWS KMS Developer Guide, "Using aliases to control
// access to KMS keys", kms:RequestAlias). Encryption context keys
// kms:EncryptionContext:K and kms:EncryptionContextKeys come from the
// request's EncryptionContext (Developer Guide, kms:EncryptionContext:context-key).
// CreateAlias/UpdateAlias need the action on the alias and on the key
// (Developer Guide, "Controlling access to aliases"). ReEncrypt is
// kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination.
func kmsInit() {
	keyOps := []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
		"GenerateDataKeyWithoutPlaintext", "GenerateMac", "VerifyMac", "Sign", "Verify", "DescribeKey", "GetPublicKey", "DeriveSharedSecret"}
	for _, op := range keyOps {
		reg("kms", op, override{actions: []string{"kms:" + op}, keys: []string{"kms:EncryptionContext:*", "kms:EncryptionContextKeys", "kms:RequestAlias", "kms:EncryptionAlgorithm"},
			fn: func(c *call) ([]Authorization, error) {
				a := c.auth("kms:"+op, "")
				c.kmsKey(&a, c.raw("KeyId"))
				c.kmsContext(&a, "EncryptionContext")
				return one(a)
			}})
	}
	reg("kms", "ReEncrypt", override{actions: []string{"kms:ReEncryptFrom (source key)", "kms:ReEncryptTo (destination key)"},
		keys: []string{"kms:EncryptionContext:*", "kms:ReEncryptOnSameKey"},
		fn: func(c *call) ([]Authorization, error) {
			from := Authorization{Action: "kms:ReEncryptFrom"}
			c.kmsKey(&from, c.raw("SourceKeyId"))
			c.kmsContext(&from, "SourceEncryptionContext")
			to := Authorization{Action: "kms:ReEncryptTo"}
			c.kmsKey(&to, c.raw("DestinationKeyId"))
			c.kmsContext(&to, "DestinationEncryptionContext")
			same := []string{"false"}
			if from.Resource == to.Resource && from.Resource != "*" {
				same = []string{"true"}
			}
			setKey(&from, "kms:ReEncryptOnSameKey", same...)
			setKey(&to, "kms:ReEncryptOnSameKey", same...)
			return []Authorization{from, to}, nil
		}})
	for _, op := range []string{"CreateAlias", "UpdateAlias"} {
		reg("kms", op, override{actions: []string{"kms:" + op + " (alias)", "kms:" + op + " (target key)"}, fn: func(c *call) ([]Authorization, error) {
			alias := Authorization{Action: "kms:" + op, Resource: c.kmsAliasARN(c.raw("AliasName"))}
			key := Authorization{Action: "kms:" + op}
			c.kmsKey(&key, c.raw("TargetKeyId"))
			return []Authorization{alias, key}, nil
		}})
	}
}

func (c *call) kmsAliasARN(alias string) string {
	if alias == "" {
		return "*"
	}
	if strings.HasPrefix(alias, "arn:") {
		return alias
	}
	return orStar(c.catARN("kms", "alias", map[string]string{"Alias": strings.TrimPrefix(alias, "alias/")}))
}

// kmsKey sets the resource from KeyId in any of its four forms.
func (c *call) kmsKey(a *Authorization, keyID string) {
	switch {
	case keyID == "":
		// Decrypt of a symmetric ciphertext names no key: the key is inside
		// the ciphertext, which only the backend can read.
		a.Resource = "*"
	case strings.HasPrefix(keyID, "alias/") || (strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":alias/")):
		aliasARN := c.kmsAliasARN(keyID)
		setKey(a, "kms:RequestAlias", "alias/"+aliasARN[strings.Index(aliasARN, ":alias/")+len(":alias/"):])
		a.Resource = aliasARN
		if k := c.lookup(c.m.KMSAlias, "alias/"+aliasARN[strings.Index(aliasARN, ":alias/")+len(":alias/"):]); k != "" {
			a.Resource = k
		}
	case strings.HasPrefix(keyID, "arn:"):
		a.Resource = keyID
	default:
		a.Resource = orStar(c.catARN("kms", "key", map[string]string{"KeyId": keyID}))
	}
}

func (c *call) kmsContext(a *Authorization, member string) {
	ctx, ok := c.jsonBody()[member].(map[string]any)
	if !ok || len(ctx) == 0 {
		return
	}
	keys := make([]string, 0, len(ctx))
	for k, v := range ctx {
		keys = append(keys, k)
		setKey(a, "kms:EncryptionContext:"+k, jsonString(v))
	}
	sortStrings(keys)
	setKey(a, "kms:EncryptionContextKeys", keys...)
	if alg := jsonString(c.jsonBody()["EncryptionAlgorithm"]); alg != "" {
		setKey(a, "kms:EncryptionAlgorithm", alg)
	}
}

// Secrets Manager: SecretId is a name or an ARN; secretsmanager:SecretId
// is the identifier as the caller sent it (Secrets Manager User Guide,
// "Permissions reference": secretsmanager:SecretId, Name).
func secretsInit() {
	reg("secretsmanager", "CreateSecret", override{actions: []string{"secretsmanager:CreateSecret"},
		keys: []string{"secretsmanager:Name", "aws:RequestTag/*", "aws:TagKeys"},
		fn: func(c *call) ([]Authorization, error) {
			a := c.auth("secretsmanager:CreateSecret", c.secretARN(c.raw("Name")))
			return one(a)
		}})
	for _, o := range mustModels().services["secretsmanager"].Ops {
		if o.Resource == nil || o.Resource.Vars["SecretId"] != "SecretId" {
			continue
		}
		action := o.Action
		reg("secretsmanager", o.Name, override{actions: []string{action}, keys: []string{"secretsmanager:SecretId"},
			fn: func(c *call) ([]Authorization, error) {
				return one(c.auth(action, c.secretARN(c.raw("SecretId"))))
			}})
	}
}

func (c *call) secretARN(id string) string {
	if id == "" {
		return "*"
	}
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	if a := c.lookup(c.m.SecretARN, id); a != "" {
		return a
	}
	return orStar(c.catARN("secretsmanager", "Secret", map[string]string{"SecretId": id}))
}

// SSM parameters: arn:aws:ssm:R:A:parameter/NAME without the leading "/"
// of a hierarchical name; a name may carry a version or label selector
// (name:3) that is not part of the ARN. GetParameters and DeleteParameters
// are authorized per parameter. Source: AWS Systems Manager User Guide,
// "Restricting access to Parameter Store parameters using IAM policies".
func ssmInit() {
	for _, op := range []string{"GetParameter", "PutParameter", "DeleteParameter", "GetParameterHistory", "LabelParameterVersion", "UnlabelParameterVersion"} {
		reg("ssm", op, override{actions: []string{"ssm:" + op}, keys: []string{"ssm:Overwrite", "aws:RequestTag/*", "aws:TagKeys"},
			fn: func(c *call) ([]Authorization, error) {
				return one(c.auth("ssm:"+op, c.ssmParameterARN(c.raw("Name"))))
			}})
	}
	reg("ssm", "GetParametersByPath", override{actions: []string{"ssm:GetParametersByPath"}, fn: func(c *call) ([]Authorization, error) {
		return one(c.auth("ssm:GetParametersByPath", c.ssmParameterARN(c.raw("Path"))))
	}})
	for _, op := range []string{"GetParameters", "DeleteParameters"} {
		reg("ssm", op, override{actions: []string{"ssm:" + op + " (each parameter)"}, fn: func(c *call) ([]Authorization, error) {
			names, _ := c.jsonBody()["Names"].([]any)
			if len(names) == 0 {
				return nil, errorf(ErrMalformed, "%s needs Names", op)
			}
			var out []Authorization
			seen := map[string]bool{}
			for _, n := range names {
				r := c.ssmParameterARN(jsonString(n))
				if !seen[r] {
					seen[r] = true
					out = append(out, Authorization{Action: "ssm:" + op, Resource: r})
				}
			}
			return out, nil
		}})
	}
}

func (c *call) ssmParameterARN(name string) string {
	if name == "" {
		return "*"
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[:i] // name:version or name:label
	}
	return orStar(c.catARN("ssm", "parameter", map[string]string{"ParameterNameWithoutLeadingSlash": strings.TrimPrefix(name, "/")}))
}

// Lambda: FunctionName is a name (my-function, my-function:alias), a
// partial ARN (ACCOUNT:function:my-function) or an ARN; a Qualifier makes
// the resource the qualified ARN (Lambda Developer Guide, "Fine-tuning the
// Resources and Conditions sections of policies": a qualified ARN needs
// function:name:* or the qualifier). Invoke and InvokeWithResponseStream
// are lambda:InvokeFunction. Passing Role to CreateFunction or
// UpdateFunctionConfiguration needs iam:PassRole on it with
// iam:PassedToService = lambda.amazonaws.com (IAM User Guide, "Granting a
// user permissions to pass a role to an AWS service").
func lambdaInit() {
	for _, o := range mustModels().services["lambda"].Ops {
		if !strings.Contains(o.URI, "{FunctionName}") && o.Name != "CreateFunction" {
			continue
		}
		action := o.Action
		switch o.Name {
		case "Invoke", "InvokeWithResponseStream":
			action = "lambda:InvokeFunction"
		}
		if action == "" {
			continue
		}
		acts := []string{action}
		if o.Name == "CreateFunction" || o.Name == "UpdateFunctionConfiguration" {
			acts = append(acts, "iam:PassRole (Role, iam:PassedToService=lambda.amazonaws.com)")
		}
		reg("lambda", o.Name, override{actions: acts, res: []string{"arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}[:${Qualifier}]"}, fn: func(c *call) ([]Authorization, error) {
			fn := c.raw("FunctionName")
			if fn == "" {
				fn = c.labels["FunctionName"]
			}
			res, err := c.lambdaFunctionARN(fn, c.urlQuery.Get("Qualifier"))
			if err != nil {
				return nil, err
			}
			out := []Authorization{c.auth(action, res)}
			if role := c.raw("Role"); role != "" && len(acts) > 1 {
				p := Authorization{Action: "iam:PassRole", Resource: role}
				setKey(&p, "iam:PassedToService", "lambda.amazonaws.com")
				setKey(&p, "iam:AssociatedResourceArn", res)
				out = append(out, p)
			}
			return out, nil
		}})
	}
	reg("lambda", "GetLayerVersionByArn", override{actions: []string{"lambda:GetLayerVersion"}, fn: func(c *call) ([]Authorization, error) {
		return one(Authorization{Action: "lambda:GetLayerVersion", Resource: orStar(c.urlQuery.Get("Arn"))})
	}})
}

func (c *call) lambdaFunctionARN(fn, qualifier string) (string, error) {
	if fn == "" {
		return "", errorf(ErrMalformed, "%s needs FunctionName", c.op.Name)
	}
	account, region := c.account, c.region
	var name string
	parts := strings.Split(fn, ":")
	switch {
	case strings.HasPrefix(fn, "arn:"):
		// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
		if len(parts) < 7 || parts[5] != "function" {
			return "", errorf(ErrMalformed, "malformed function ARN %q", fn)
		}
		region, account, name = parts[3], parts[4], parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function": // ACCOUNT:function:NAME[:QUALIFIER]
		account, name = parts[0], parts[2]
		if len(parts) > 3 {
			qualifier = parts[3]
		}
	case len(parts) <= 2:
		name = parts[0]
		if len(parts) == 2 {
			qualifier = parts[1]
		}
	default:
		return "", errorf(ErrMalformed, "malformed FunctionName %q", fn)
	}
	if name == "" {
		return "", errorf(ErrMalformed, "malformed FunctionName %q", fn)
	}
	arn := "arn:" + c.partition + ":lambda:" + region + ":" + account + ":function:" + name
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn, nil
}

// ECR: registryId, when given, is the account that owns the repository
// (Amazon ECR API Reference, "registryId: The AWS account ID associated
// with the registry"). ListImageReferrers is listed in no catalogue
// version; it reads the repository's image index like ListImages.
func ecrInit() {
	for _, o := range mustModels().services["ecr"].Ops {
		if o.Resource == nil || o.Resource.Vars["RepositoryName"] == "" {
			continue
		}
		reg("ecr", o.Name, override{actions: []string{o.Action}, fn: func(c *call) ([]Authorization, error) {
			if r := c.raw("registryId"); r != "" {
				c.account = r
			}
			return one(c.defaultAuth())
		}})
	}
	reg("ecr", "ListImageReferrers", override{actions: []string{"ecr:ListImages"}, fn: func(c *call) ([]Authorization, error) {
		account := c.account
		if r := c.raw("registryId"); r != "" {
			account = r
		}
		c.account = account
		return one(Authorization{Action: "ecr:ListImages", Resource: orStar(c.catARN("ecr", "repository", map[string]string{"RepositoryName": c.raw("repositoryName")}))})
	}})
}

// CloudWatch Logs: the log group by logGroupName, or by
// logGroupIdentifier (a name or an ARN). GetLogObject, which no catalogue
// version lists, reads log events: logs:GetLogEvents.
func logsInit() {
	for _, o := range mustModels().services["logs"].Ops {
		if o.Action == "" || (o.Resource != nil && o.Resource.Type != "log-group") {
			continue
		}
		if o.Resource == nil && !strings.Contains(strings.Join(opMembers(o), ","), "logGroupIdentifier") {
			continue
		}
		reg("logs", o.Name, override{actions: []string{o.Action}, fn: func(c *call) ([]Authorization, error) {
			a := c.defaultAuth()
			if id := c.raw("logGroupIdentifier"); id != "" && a.Resource == "*" {
				if strings.HasPrefix(id, "arn:") {
					a.Resource = strings.TrimSuffix(id, ":*")
				} else {
					a.Resource = orStar(c.catARN("logs", "log-group", map[string]string{"LogGroupName": id}))
				}
			}
			return one(a)
		}})
	}
	reg("logs", "GetLogObject", override{actions: []string{"logs:GetLogEvents"}, fn: func(c *call) ([]Authorization, error) {
		return one(Authorization{Action: "logs:GetLogEvents", Resource: "*"})
	}})
}

func opMembers(o *op) []string {
	var out []string
	for m := range o.Members {
		out = append(out, m)
	}
	return out
}

func mustModels() *models {
	m, err := load()
	if err != nil {
		panic("actions: the embedded models: " + err.Error())
	}
	return m
}
