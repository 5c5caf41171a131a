package actions

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func s3c(cfg aws.Config, pathStyle bool) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
}

func TestS3Overrides(t *testing.T) {
	const bucket, obj = "arn:aws:s3:::amzn-bucket", "arn:aws:s3:::amzn-bucket/dir/a b.txt"
	var cases []sdkCase
	for _, ps := range []bool{true, false} {
		ps := ps
		style := "virtual"
		if ps {
			style = "path"
		}
		cases = append(cases,
			sdkCase{style + "/ListObjectsV2", func(cfg aws.Config) {
				s3c(cfg, ps).ListObjectsV2(ctxb(), &s3.ListObjectsV2Input{Bucket: aws.String("amzn-bucket"), Prefix: aws.String("dir/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(10)})
			}, "ListObjectsV2", []want{{"s3:ListBucket", bucket, kv("s3:prefix", "dir/", "s3:delimiter", "/", "s3:max-keys", "10")}}},
			sdkCase{style + "/ListObjects", func(cfg aws.Config) {
				s3c(cfg, ps).ListObjects(ctxb(), &s3.ListObjectsInput{Bucket: aws.String("amzn-bucket"), Prefix: aws.String("p")})
			}, "ListObjects", []want{{"s3:ListBucket", bucket, kv("s3:prefix", "p", "s3:delimiter", "<none>")}}},
			sdkCase{style + "/HeadObject", func(cfg aws.Config) {
				s3c(cfg, ps).HeadObject(ctxb(), &s3.HeadObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("dir/a b.txt")})
			}, "HeadObject", []want{{"s3:GetObject", obj, nil}}},
			sdkCase{style + "/GetObject", func(cfg aws.Config) {
				s3c(cfg, ps).GetObject(ctxb(), &s3.GetObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("dir/a b.txt")})
			}, "GetObject", []want{{"s3:GetObject", obj, nil}}},
			sdkCase{style + "/GetObjectVersion", func(cfg aws.Config) {
				s3c(cfg, ps).GetObject(ctxb(), &s3.GetObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("dir/a b.txt"), VersionId: aws.String("v1")})
			}, "GetObject", []want{{"s3:GetObjectVersion", obj, kv("s3:versionid", "v1")}}},
			sdkCase{style + "/PutObject", func(cfg aws.Config) {
				s3c(cfg, ps).PutObject(ctxb(), &s3.PutObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("dir/a b.txt"),
					Body: strings.NewReader("hello"), ACL: types.ObjectCannedACLPublicRead, ServerSideEncryption: types.ServerSideEncryptionAwsKms, Tagging: aws.String("env=prod&team=a")})
			}, "PutObject", []want{{"s3:PutObject", obj, kv("s3:x-amz-acl", "public-read", "s3:x-amz-server-side-encryption", "aws:kms",
				"s3:RequestObjectTag/env", "prod", "s3:RequestObjectTagKeys", "env,team")}}},
			sdkCase{style + "/HeadBucket", func(cfg aws.Config) {
				s3c(cfg, ps).HeadBucket(ctxb(), &s3.HeadBucketInput{Bucket: aws.String("amzn-bucket")})
			}, "HeadBucket", []want{{"s3:ListBucket", bucket, nil}}},
			sdkCase{style + "/PutBucketPolicy", func(cfg aws.Config) {
				s3c(cfg, ps).PutBucketPolicy(ctxb(), &s3.PutBucketPolicyInput{Bucket: aws.String("amzn-bucket"), Policy: aws.String("{}")})
			}, "PutBucketPolicy", []want{{"s3:PutBucketPolicy", bucket, nil}}},
			sdkCase{style + "/GetBucketPolicy", func(cfg aws.Config) {
				s3c(cfg, ps).GetBucketPolicy(ctxb(), &s3.GetBucketPolicyInput{Bucket: aws.String("amzn-bucket")})
			}, "GetBucketPolicy", []want{{"s3:GetBucketPolicy", bucket, nil}}},
			sdkCase{style + "/CopyObject", func(cfg aws.Config) {
				s3c(cfg, ps).CopyObject(ctxb(), &s3.CopyObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("dir/a b.txt"), CopySource: aws.String("src-bucket/in/x%2By.txt?versionId=v9")})
			}, "CopyObject", []want{{"s3:GetObjectVersion", "arn:aws:s3:::src-bucket/in/x+y.txt", kv("s3:versionid", "v9")},
				{"s3:PutObject", obj, kv("s3:x-amz-copy-source", "src-bucket/in/x%2By.txt?versionId=v9")}}},
			sdkCase{style + "/DeleteObjects", func(cfg aws.Config) {
				s3c(cfg, ps).DeleteObjects(ctxb(), &s3.DeleteObjectsInput{Bucket: aws.String("amzn-bucket"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
					{Key: aws.String("a")}, {Key: aws.String("b/c")}, {Key: aws.String("a"), VersionId: aws.String("v2")}}}})
			}, "DeleteObjects", []want{{"s3:DeleteObject", "arn:aws:s3:::amzn-bucket/a", nil}, {"s3:DeleteObject", "arn:aws:s3:::amzn-bucket/b/c", nil},
				{"s3:DeleteObjectVersion", "arn:aws:s3:::amzn-bucket/a", kv("s3:versionid", "v2")}}},
			sdkCase{style + "/DeleteObject", func(cfg aws.Config) {
				s3c(cfg, ps).DeleteObject(ctxb(), &s3.DeleteObjectInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("k")})
			}, "DeleteObject", []want{{"s3:DeleteObject", "arn:aws:s3:::amzn-bucket/k", nil}}},
			sdkCase{style + "/CreateBucket", func(cfg aws.Config) {
				s3c(cfg, ps).CreateBucket(ctxb(), &s3.CreateBucketInput{Bucket: aws.String("amzn-bucket"), ACL: types.BucketCannedACLPrivate})
			}, "CreateBucket", []want{{"s3:CreateBucket", bucket, kv("s3:x-amz-acl", "private")}}},
			sdkCase{style + "/DeleteBucketCors", func(cfg aws.Config) {
				s3c(cfg, ps).DeleteBucketCors(ctxb(), &s3.DeleteBucketCorsInput{Bucket: aws.String("amzn-bucket")})
			}, "DeleteBucketCors", []want{{"s3:PutBucketCORS", bucket, nil}}},
			sdkCase{style + "/GetBucketEncryption", func(cfg aws.Config) {
				s3c(cfg, ps).GetBucketEncryption(ctxb(), &s3.GetBucketEncryptionInput{Bucket: aws.String("amzn-bucket")})
			}, "GetBucketEncryption", []want{{"s3:GetEncryptionConfiguration", bucket, nil}}},
			sdkCase{style + "/ListObjectVersions", func(cfg aws.Config) {
				s3c(cfg, ps).ListObjectVersions(ctxb(), &s3.ListObjectVersionsInput{Bucket: aws.String("amzn-bucket")})
			}, "ListObjectVersions", []want{{"s3:ListBucketVersions", bucket, nil}}},
			sdkCase{style + "/CreateMultipartUpload", func(cfg aws.Config) {
				s3c(cfg, ps).CreateMultipartUpload(ctxb(), &s3.CreateMultipartUploadInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("big")})
			}, "CreateMultipartUpload", []want{{"s3:PutObject", "arn:aws:s3:::amzn-bucket/big", nil}}},
			sdkCase{style + "/UploadPart", func(cfg aws.Config) {
				s3c(cfg, ps).UploadPart(ctxb(), &s3.UploadPartInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("big"), UploadId: aws.String("u"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
			}, "UploadPart", []want{{"s3:PutObject", "arn:aws:s3:::amzn-bucket/big", nil}}},
			sdkCase{style + "/ListParts", func(cfg aws.Config) {
				s3c(cfg, ps).ListParts(ctxb(), &s3.ListPartsInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("big"), UploadId: aws.String("u")})
			}, "ListParts", []want{{"s3:ListMultipartUploadParts", "arn:aws:s3:::amzn-bucket/big", nil}}},
			sdkCase{style + "/GetObjectAcl", func(cfg aws.Config) {
				s3c(cfg, ps).GetObjectAcl(ctxb(), &s3.GetObjectAclInput{Bucket: aws.String("amzn-bucket"), Key: aws.String("k")})
			}, "GetObjectAcl", []want{{"s3:GetObjectAcl", "arn:aws:s3:::amzn-bucket/k", nil}}},
		)
	}
	cases = append(cases, sdkCase{"ListBuckets", func(cfg aws.Config) {
		s3c(cfg, true).ListBuckets(ctxb(), &s3.ListBucketsInput{})
	}, "ListBuckets", []want{{"s3:ListAllMyBuckets", "*", nil}}})
	runSDKCases(t, cases)
}
