package actions

import (
	"encoding/xml"
	"net/url"
	"strings"
)

// S3's operations and the actions AWS checks for them. Source: Amazon S3
// User Guide, "Required permissions for Amazon S3 API operations"
// (docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html),
// and the Service Authorization Reference (package catalog) for the actions'
// resource types and condition keys.
const (
	s3Bucket = iota
	s3Object
	s3None
)

type s3Op struct {
	action    string
	level     int
	versioned string // the action when the request names a versionId
}

var s3Ops = map[string]s3Op{
	"HeadBucket":              {"s3:ListBucket", s3Bucket, ""},
	"ListObjects":             {"s3:ListBucket", s3Bucket, ""},
	"ListObjectsV2":           {"s3:ListBucket", s3Bucket, ""},
	"ListObjectVersions":      {"s3:ListBucketVersions", s3Bucket, ""},
	"ListMultipartUploads":    {"s3:ListBucketMultipartUploads", s3Bucket, ""},
	"ListBuckets":             {"s3:ListAllMyBuckets", s3None, ""},
	"ListDirectoryBuckets":    {"s3express:ListAllMyDirectoryBuckets", s3None, ""},
	"HeadObject":              {"s3:GetObject", s3Object, "s3:GetObjectVersion"},
	"GetObject":               {"s3:GetObject", s3Object, "s3:GetObjectVersion"},
	"SelectObjectContent":     {"s3:GetObject", s3Object, ""},
	"DeleteObject":            {"s3:DeleteObject", s3Object, "s3:DeleteObjectVersion"},
	"GetObjectAcl":            {"s3:GetObjectAcl", s3Object, "s3:GetObjectVersionAcl"},
	"PutObjectAcl":            {"s3:PutObjectAcl", s3Object, "s3:PutObjectVersionAcl"},
	"GetObjectTagging":        {"s3:GetObjectTagging", s3Object, "s3:GetObjectVersionTagging"},
	"PutObjectTagging":        {"s3:PutObjectTagging", s3Object, "s3:PutObjectVersionTagging"},
	"DeleteObjectTagging":     {"s3:DeleteObjectTagging", s3Object, "s3:DeleteObjectVersionTagging"},
	"GetObjectAttributes":     {"s3:GetObjectAttributes", s3Object, "s3:GetObjectVersionAttributes"},
	"PutObject":               {"s3:PutObject", s3Object, ""},
	"CreateMultipartUpload":   {"s3:PutObject", s3Object, ""},
	"UploadPart":              {"s3:PutObject", s3Object, ""},
	"CompleteMultipartUpload": {"s3:PutObject", s3Object, ""},
	"ListParts":               {"s3:ListMultipartUploadParts", s3Object, ""},
	// Bucket subresources whose Delete is a Put of the configuration, and
	// whose action names differ from the operation's.
	"DeleteBucketCors":                            {"s3:PutBucketCORS", s3Bucket, ""},
	"DeleteBucketEncryption":                      {"s3:PutEncryptionConfiguration", s3Bucket, ""},
	"GetBucketEncryption":                         {"s3:GetEncryptionConfiguration", s3Bucket, ""},
	"PutBucketEncryption":                         {"s3:PutEncryptionConfiguration", s3Bucket, ""},
	"DeleteBucketLifecycle":                       {"s3:PutLifecycleConfiguration", s3Bucket, ""},
	"GetBucketLifecycle":                          {"s3:GetLifecycleConfiguration", s3Bucket, ""},
	"GetBucketLifecycleConfiguration":             {"s3:GetLifecycleConfiguration", s3Bucket, ""},
	"PutBucketLifecycle":                          {"s3:PutLifecycleConfiguration", s3Bucket, ""},
	"PutBucketLifecycleConfiguration":             {"s3:PutLifecycleConfiguration", s3Bucket, ""},
	"DeleteBucketAnalyticsConfiguration":          {"s3:PutAnalyticsConfiguration", s3Bucket, ""},
	"GetBucketAnalyticsConfiguration":             {"s3:GetAnalyticsConfiguration", s3Bucket, ""},
	"ListBucketAnalyticsConfigurations":           {"s3:GetAnalyticsConfiguration", s3Bucket, ""},
	"PutBucketAnalyticsConfiguration":             {"s3:PutAnalyticsConfiguration", s3Bucket, ""},
	"DeleteBucketIntelligentTieringConfiguration": {"s3:PutIntelligentTieringConfiguration", s3Bucket, ""},
	"GetBucketIntelligentTieringConfiguration":    {"s3:GetIntelligentTieringConfiguration", s3Bucket, ""},
	"ListBucketIntelligentTieringConfigurations":  {"s3:GetIntelligentTieringConfiguration", s3Bucket, ""},
	"PutBucketIntelligentTieringConfiguration":    {"s3:PutIntelligentTieringConfiguration", s3Bucket, ""},
	"DeleteBucketInventoryConfiguration":          {"s3:PutInventoryConfiguration", s3Bucket, ""},
	"GetBucketInventoryConfiguration":             {"s3:GetInventoryConfiguration", s3Bucket, ""},
	"ListBucketInventoryConfigurations":           {"s3:GetInventoryConfiguration", s3Bucket, ""},
	"PutBucketInventoryConfiguration":             {"s3:PutInventoryConfiguration", s3Bucket, ""},
	"DeleteBucketMetricsConfiguration":            {"s3:PutMetricsConfiguration", s3Bucket, ""},
	"GetBucketMetricsConfiguration":               {"s3:GetMetricsConfiguration", s3Bucket, ""},
	"ListBucketMetricsConfigurations":             {"s3:GetMetricsConfiguration", s3Bucket, ""},
	"PutBucketMetricsConfiguration":               {"s3:PutMetricsConfiguration", s3Bucket, ""},
	"DeleteBucketOwnershipControls":               {"s3:PutBucketOwnershipControls", s3Bucket, ""},
	"DeleteBucketReplication":                     {"s3:PutReplicationConfiguration", s3Bucket, ""},
	"GetBucketReplication":                        {"s3:GetReplicationConfiguration", s3Bucket, ""},
	"PutBucketReplication":                        {"s3:PutReplicationConfiguration", s3Bucket, ""},
	"DeleteBucketTagging":                         {"s3:PutBucketTagging", s3Bucket, ""},
	"DeletePublicAccessBlock":                     {"s3:PutBucketPublicAccessBlock", s3Bucket, ""},
	"GetPublicAccessBlock":                        {"s3:GetBucketPublicAccessBlock", s3Bucket, ""},
	"PutPublicAccessBlock":                        {"s3:PutBucketPublicAccessBlock", s3Bucket, ""},
	"GetBucketAccelerateConfiguration":            {"s3:GetAccelerateConfiguration", s3Bucket, ""},
	"PutBucketAccelerateConfiguration":            {"s3:PutAccelerateConfiguration", s3Bucket, ""},
	"GetBucketNotificationConfiguration":          {"s3:GetBucketNotification", s3Bucket, ""},
	"PutBucketNotificationConfiguration":          {"s3:PutBucketNotification", s3Bucket, ""},
	"GetObjectLockConfiguration":                  {"s3:GetBucketObjectLockConfiguration", s3Bucket, ""},
	"PutObjectLockConfiguration":                  {"s3:PutBucketObjectLockConfiguration", s3Bucket, ""},
	"CreateBucketMetadataConfiguration":           {"s3:CreateBucketMetadataTableConfiguration", s3Bucket, ""},
	"DeleteBucketMetadataConfiguration":           {"s3:DeleteBucketMetadataTableConfiguration", s3Bucket, ""},
	"GetBucketMetadataConfiguration":              {"s3:GetBucketMetadataTableConfiguration", s3Bucket, ""},
	"WriteGetObjectResponse":                      {"s3-object-lambda:WriteGetObjectResponse", s3None, ""},
}

// s3HeaderKeys are the S3 condition keys a request header of the key's
// name sets (s3:x-amz-acl ← x-amz-acl, ...), on actions that list them.
var s3HeaderKeys = []string{
	"x-amz-acl", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
	"x-amz-server-side-encryption-customer-algorithm", "x-amz-storage-class",
	"x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp",
	"x-amz-grant-write", "x-amz-grant-write-acp", "x-amz-copy-source",
	"x-amz-metadata-directive", "x-amz-website-redirect-location", "x-amz-object-ownership",
	"x-amz-content-sha256", "if-match", "if-none-match",
	"object-lock-mode", "object-lock-retain-until-date", "object-lock-legal-hold",
}

func init() {
	for op, o := range s3Ops {
		o := o
		acts := []string{o.action}
		if o.versioned != "" {
			acts = append(acts, o.versioned+" (with versionId)")
		}
		res := []string{"*"}
		switch o.level {
		case s3Bucket:
			res = []string{"arn:${Partition}:s3:::${BucketName}"}
		case s3Object:
			res = []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}
		}
		reg("s3", op, override{actions: acts, keys: s3KeysFor(op), res: res, fn: func(c *call) ([]Authorization, error) {
			action := o.action
			if v := c.urlQuery.Get("versionId"); v != "" && o.versioned != "" {
				action = o.versioned
			}
			var res string
			switch o.level {
			case s3Bucket:
				res = c.s3BucketARN(c.labels["Bucket"])
			case s3Object:
				res = c.s3ObjectARN(c.labels["Bucket"], c.labels["Key"])
			default:
				res = "*"
			}
			a := Authorization{Action: action, Resource: res}
			c.s3Keys(&a)
			return one(a)
		}})
	}
	reg("s3", "CopyObject", override{
		actions: []string{"s3:GetObject (source)", "s3:GetObjectVersion (versioned source)", "s3:PutObject"},
		keys:    []string{"s3:x-amz-copy-source", "s3:x-amz-metadata-directive", "s3:x-amz-acl", "s3:x-amz-server-side-encryption"},
		res:     []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName} (source and destination)"},
		fn:      s3Copy("s3:PutObject"),
	})
	reg("s3", "UploadPartCopy", override{
		actions: []string{"s3:GetObject (source)", "s3:GetObjectVersion (versioned source)", "s3:PutObject"},
		res:     []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName} (source and destination)"},
		fn:      s3Copy("s3:PutObject"),
	})
	reg("s3", "DeleteObjects", override{
		actions: []string{"s3:DeleteObject (each key)", "s3:DeleteObjectVersion (each versioned key)"},
		res:     []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName} (each key)"},
		fn:      s3DeleteObjects,
	})
	// Directory buckets: a session is authorized by s3express:CreateSession
	// on the bucket (S3 User Guide, "Authorizing Regional endpoint API
	// operations with IAM" for S3 Express One Zone); RenameObject runs in
	// such a session.
	for _, op := range []string{"CreateSession", "RenameObject"} {
		reg("s3", op, override{actions: []string{"s3express:CreateSession"}, fn: func(c *call) ([]Authorization, error) {
			return one(Authorization{Action: "s3express:CreateSession",
				Resource: orStar(c.catARN("s3express", "bucket", map[string]string{"BucketName": c.labels["Bucket"]}))})
		}})
	}
}

func s3KeysFor(op string) []string {
	switch op {
	case "ListObjects", "ListObjectsV2", "ListObjectVersions":
		return []string{"s3:prefix", "s3:delimiter", "s3:max-keys"}
	case "PutObject", "CreateMultipartUpload":
		return []string{"s3:x-amz-acl", "s3:x-amz-server-side-encryption", "s3:x-amz-storage-class", "s3:RequestObjectTag/*", "s3:RequestObjectTagKeys"}
	case "GetObject", "HeadObject", "DeleteObject":
		return []string{"s3:versionid"}
	}
	return nil
}

func (c *call) s3BucketARN(bucket string) string {
	if bucket == "" {
		return "*"
	}
	return "arn:" + c.partition + ":s3:::" + bucket
}

// s3ObjectARN is arn:aws:s3:::bucket/key, the key as sent (decoded).
func (c *call) s3ObjectARN(bucket, key string) string {
	if bucket == "" || key == "" {
		return "*"
	}
	return "arn:" + c.partition + ":s3:::" + bucket + "/" + key
}

// s3Keys sets the request's S3 condition keys the catalogue lists for the action.
func (c *call) s3Keys(a *Authorization) {
	cat := mustCatalog()
	if cat == nil {
		return
	}
	_, act, ok := cat.Action(a.Action)
	if !ok {
		return
	}
	listed := map[string]bool{}
	for _, k := range act.ConditionKeys {
		listed[strings.ToLower(k)] = true
	}
	set := func(k string, v ...string) {
		if listed[strings.ToLower(k)] {
			setKey(a, k, v...)
		}
	}
	for _, q := range []string{"prefix", "delimiter", "max-keys"} {
		if vs, ok := c.urlQuery[q]; ok && len(vs) > 0 {
			set("s3:"+q, vs[0])
		}
	}
	if v := c.urlQuery.Get("versionId"); v != "" {
		set("s3:versionid", v)
	}
	for _, h := range s3HeaderKeys {
		hn := h
		if strings.HasPrefix(h, "object-lock-") {
			hn = "x-amz-" + h
		}
		if v := c.header(hn); v != "" {
			set("s3:"+h, v)
		}
	}
	// Tags on the new object: x-amz-tagging is a query string of tags.
	if t := c.header("x-amz-tagging"); t != "" {
		if tags, err := url.ParseQuery(t); err == nil {
			var keys []string
			for k, v := range tags {
				keys = append(keys, k)
				if listed["s3:requestobjecttag/<key>"] && len(v) > 0 {
					setKey(a, "s3:RequestObjectTag/"+k, v[0])
				}
			}
			sortStrings(keys)
			set("s3:RequestObjectTagKeys", keys...)
		}
	}
}

// s3Copy reads the source (x-amz-copy-source: bucket/key[?versionId=v],
// URL-encoded) and writes the destination.
func s3Copy(write string) func(c *call) ([]Authorization, error) {
	return func(c *call) ([]Authorization, error) {
		src := c.header("x-amz-copy-source")
		if src == "" {
			return nil, errorf(ErrMalformed, "%s needs the x-amz-copy-source header", c.op.Name)
		}
		path, q, _ := strings.Cut(src, "?")
		p, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
		if err != nil {
			return nil, errorf(ErrMalformed, "malformed x-amz-copy-source %q", src)
		}
		bucket, key, ok := strings.Cut(p, "/")
		if !ok || bucket == "" || key == "" {
			return nil, errorf(ErrMalformed, "malformed x-amz-copy-source %q", src)
		}
		read := Authorization{Action: "s3:GetObject", Resource: c.s3ObjectARN(bucket, key)}
		if qv, err := url.ParseQuery(q); err == nil && qv.Get("versionId") != "" {
			read.Action = "s3:GetObjectVersion"
			setKey(&read, "s3:versionid", qv.Get("versionId"))
		}
		w := Authorization{Action: write, Resource: c.s3ObjectARN(c.labels["Bucket"], c.labels["Key"])}
		c.s3Keys(&w)
		return []Authorization{read, w}, nil
	}
}

// s3DeleteObjects: s3:DeleteObject (or DeleteObjectVersion) on each key of
// the XML body (S3 API Reference, DeleteObjects: "you must have
// s3:DeleteObject ... on the objects").
func s3DeleteObjects(c *call) ([]Authorization, error) {
	if len(c.req.Body) == 0 {
		return nil, errorf(ErrMalformed, "DeleteObjects needs its XML body")
	}
	if len(c.req.Body) > MaxS3Body {
		return nil, errorf(ErrMalformed, "DeleteObjects body over %d bytes", MaxS3Body)
	}
	var d struct {
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(c.req.Body, &d); err != nil {
		return nil, errorf(ErrMalformed, "malformed DeleteObjects body: %v", err)
	}
	if len(d.Objects) == 0 {
		return nil, errorf(ErrMalformed, "DeleteObjects names no object")
	}
	bucket := c.labels["Bucket"]
	seen := map[[2]string]bool{}
	var out []Authorization
	for _, o := range d.Objects {
		if o.Key == "" {
			return nil, errorf(ErrMalformed, "DeleteObjects: an object without a key")
		}
		a := Authorization{Action: "s3:DeleteObject", Resource: c.s3ObjectARN(bucket, o.Key)}
		if o.VersionID != "" {
			a.Action = "s3:DeleteObjectVersion"
			setKey(&a, "s3:versionid", o.VersionID)
		}
		k := [2]string{a.Action, a.Resource + "\x00" + o.VersionID}
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out, nil
}
