package server_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// motoS3 is an S3 client of moto itself, with the backend's credentials:
// what is really stored, past iamd.
func motoS3(moto string) *s3.Client {
	return s3.NewFromConfig(awsConfig(moto, "test", "test", ""), func(o *s3.Options) { o.UsePathStyle = true })
}

// wantNoObject asserts that the backend holds no such object.
func wantNoObject(t *testing.T, moto, bucket, key string) {
	t.Helper()
	_, err := motoS3(moto).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("%s/%s at the backend: %v, want NotFound", bucket, key, err)
	}
}

// boto3's S3 through iamd: the bucket-vs-object mistake, presigned URLs
// fetched with plain HTTP, anonymous reads under a bucket policy, and a
// multipart upload_file.
func TestGatewayBoto3S3(t *testing.T) {
	inst, audit, moto := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	for _, b := range []string{"bkt", "site"} {
		must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
	}
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("hello")}))
	must[*s3.PutObjectOutput](t)(rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"), Body: strings.NewReader("<h1>hi</h1>")}))
	putBucketPolicy(t, rootS3, "site", `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)

	// alice makes the classic mistake (s3:GetObject on the bucket's ARN);
	// bob has it right (bucket/*) and may upload under upload/.
	ak, as := gwUser(t, inst, root, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::bkt"}]}`)
	bobK, bobS := gwUser(t, inst, root, "bob", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/upload/*"}]}`)

	// 17 MiB: over boto3's 8 MiB multipart threshold, three parts.
	big := bytes.Repeat([]byte("0123456789abcdef"), 17<<16)
	file := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	p := boto3For(inst, map[string][3]string{"alice": {ak, as, ""}, "bob": {bobK, bobS, ""}})
	p.Extra = map[string]string{"file": file}
	ans := runBoto3(t, p, `
alice, bob = client("s3", "alice"), client("s3", "bob")
alice4, bob4 = client("s3", "alice", signature_version="s3v4"), client("s3", "bob", signature_version="s3v4")
anon = client("s3", signature_version=botocore.UNSIGNED)
step("alice_get", lambda: alice.get_object(Bucket="bkt", Key="k")["Body"].read().decode())
step("alice_list", lambda: [o["Key"] for o in alice.list_objects_v2(Bucket="bkt")["Contents"]])
step("alice_put", lambda: alice.put_object(Bucket="bkt", Key="alice", Body=b"x") and None)
step("bob_get", lambda: bob.get_object(Bucket="bkt", Key="k")["Body"].read().decode())
step("bob_put_outside", lambda: bob.put_object(Bucket="bkt", Key="k", Body=b"overwritten") and None)
step("bob_presigned", lambda: bob4.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"}, ExpiresIn=300))
step("alice_presigned", lambda: alice4.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"}, ExpiresIn=300))
step("bob_presigned_v2", lambda: bob.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"}, ExpiresIn=300))
step("bob_upload", lambda: bob.upload_file(P["extra"]["file"], "bkt", "upload/big.bin"))
step("alice_upload", lambda: alice.upload_file(P["extra"]["file"], "bkt", "upload/alice.bin"))
step("anon_public", lambda: anon.get_object(Bucket="site", Key="index.html")["Body"].read().decode())
step("anon_private", lambda: anon.get_object(Bucket="bkt", Key="k")["Body"].read().decode())
step("anon_put", lambda: anon.put_object(Bucket="site", Key="index.html", Body=b"defaced") and None)
`)
	const aliceARN = "arn:aws:iam::123456789012:user/alice"
	ans.denied(t, "alice_get", "AccessDenied", 403,
		"User: "+aliceARN+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bkt/k because no identity-based policy allows the s3:GetObject action")
	var keys []string
	ans.allowed(t, "alice_list", &keys)
	if strings.Join(keys, ",") != "k" {
		t.Fatalf("alice listed %v", keys)
	}
	ans.denied(t, "alice_put", "AccessDenied", 403, "s3:PutObject on resource: arn:aws:s3:::bkt/alice")
	wantNoObject(t, moto, "bkt", "alice")
	var body string
	ans.allowed(t, "bob_get", &body)
	if body != "hello" {
		t.Fatalf("bob read %q", body)
	}
	ans.denied(t, "bob_put_outside", "AccessDenied", 403, "s3:PutObject on resource: arn:aws:s3:::bkt/k")
	if got, err := getObject(t, motoS3(moto), "bkt", "k"); err != nil || got != "hello" {
		t.Fatalf("bkt/k at the backend is %q, %v", got, err)
	}

	// boto3's presigned URLs, fetched with plain HTTP.
	fetch := func(step string) (int, string) {
		t.Helper()
		var url string
		ans.allowed(t, step, &url)
		if !strings.HasPrefix(url, inst.URL+"/") {
			t.Fatalf("%s: URL %s is not iamd's", step, url)
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := fetch("bob_presigned"); st != 200 || b != "hello" {
		t.Fatalf("bob's presigned GET: %d %s", st, b)
	}
	if st, b := fetch("alice_presigned"); st != 403 || !strings.Contains(b, "<Code>AccessDenied</Code>") ||
		!strings.Contains(b, aliceARN+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bkt/k") {
		t.Fatalf("alice's presigned GET: %d %s", st, b)
	}

	// boto3's default presigned URL in us-east-1 is SigV2 (AWSAccessKeyId,
	// Signature, Expires), which iamd does not verify: refused as S3
	// refuses SigV2 where it takes SigV4 only, never served as anonymous.
	if st, b := fetch("bob_presigned_v2"); st != 400 || !strings.Contains(b, "<Code>InvalidRequest</Code>") || !strings.Contains(b, "Please use AWS4-HMAC-SHA256.") {
		t.Fatalf("bob's SigV2 presigned GET: %d %s", st, b)
	}

	// upload_file went multipart, each part authorized as s3:PutObject.
	ans.allowed(t, "bob_upload", nil)
	const bobARN = "arn:aws:iam::123456789012:user/bob"
	for _, op := range []string{"CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"} {
		rec := findRecord(t, audit, "s3.amazonaws.com", op, bobARN)
		if rec.Decision != "allowed" || len(rec.Authorizations) != 1 || rec.Authorizations[0].Action != "s3:PutObject" ||
			rec.Authorizations[0].Resource != "arn:aws:s3:::bkt/upload/big.bin" {
			t.Fatalf("%s: audit record %+v", op, rec)
		}
	}
	out := must[*s3.GetObjectOutput](t)(motoS3(moto).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("upload/big.bin")}))
	stored, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(stored, big) {
		t.Fatalf("the backend holds %d bytes (%v), want the %d uploaded", len(stored), err, len(big))
	}
	// s3transfer wraps the refusal in S3UploadFailedError.
	if r := ans["alice_upload"]; r.Exception != "S3UploadFailedError" || !strings.Contains(r.Message, "AccessDenied") {
		t.Fatalf("alice's upload_file: %+v", r)
	}
	wantNoObject(t, moto, "bkt", "upload/alice.bin")
	ups := must[*s3.ListMultipartUploadsOutput](t)(motoS3(moto).ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt")}))
	if len(ups.Uploads) != 0 {
		t.Fatalf("multipart uploads left at the backend: %+v", ups.Uploads)
	}

	// Anonymous: allowed where the bucket policy grants "*", refused
	// elsewhere and for writing.
	ans.allowed(t, "anon_public", &body)
	if body != "<h1>hi</h1>" {
		t.Fatalf("anonymous read %q", body)
	}
	ans.denied(t, "anon_private", "AccessDenied", 403, "s3:GetObject on resource: arn:aws:s3:::bkt/k")
	ans.denied(t, "anon_put", "AccessDenied", 403, "s3:PutObject on resource: arn:aws:s3:::site/index.html")
	if got, err := getObject(t, motoS3(moto), "site", "index.html"); err != nil || got != "<h1>hi</h1>" {
		t.Fatalf("site/index.html at the backend is %q, %v", got, err)
	}
}
