package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signHTTPS3 signs an S3 request with the SDK's signer (S3 escapes the
// path once).
func signHTTPS3(t testing.TB, r *http.Request, payloadHash, key, secret string) {
	t.Helper()
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, payloadHash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = byte(i*7 + int(p.left))
	}
	p.left -= int64(len(b))
	return len(b), nil
}

func TestGatewayStreamingUpload(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	rootS3 := s3Client(inst, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")}))

	// 1 GiB, generated on the fly: neither the client nor iamd holds it.
	const size = 1 << 30
	h := sha256.New()
	_, _ = io.Copy(h, &patternReader{left: size})
	sum := hex.EncodeToString(h.Sum(nil))

	// Sample the heap while the upload streams through the gateway (the
	// client and iamd share this process: the client holds nothing either).
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	req, _ := http.NewRequest(http.MethodPut, inst.URL+"/big/object", &patternReader{left: size})
	req.ContentLength = size
	req.Header.Set("X-Amz-Content-Sha256", sum)
	signHTTPS3(t, req, sum, rootKey, rootSecret)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	elapsed := time.Since(start)
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	grown := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("streamed %d MiB through the gateway in %v (%.0f MiB/s); heap in use grew by %.1f MiB at its peak",
		size>>20, elapsed.Round(time.Millisecond), float64(size>>20)/elapsed.Seconds(), float64(grown)/(1<<20))
	if grown > 48<<20 {
		t.Fatalf("the heap grew by %d MiB while streaming %d MiB", grown>>20, size>>20)
	}
	head := must[*s3.HeadObjectOutput](t)(rootS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("big"), Key: aws.String("object")}))
	if *head.ContentLength != size {
		t.Fatalf("stored %d bytes", *head.ContentLength)
	}

	// A body that is not the one signed never lands.
	req, _ = http.NewRequest(http.MethodPut, inst.URL+"/big/forged", strings.NewReader("not the signed body"))
	signed := sha256.Sum256([]byte("the signed body...."))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(signed[:]))
	signHTTPS3(t, req, hex.EncodeToString(signed[:]), rootKey, rootSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "XAmzContentSHA256Mismatch") {
		t.Fatalf("forged body: %d %s", resp.StatusCode, body)
	}
	_, err = rootS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("big"), Key: aws.String("forged")})
	if httpStatus(err) != 404 {
		t.Fatalf("the forged object: %v", err)
	}

	// Signed aws-chunked uploads are refused with S3's NotImplemented.
	req, _ = http.NewRequest(http.MethodPut, inst.URL+"/big/chunked", strings.NewReader("0;chunk-signature=00\r\n\r\n"))
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	req.Header.Set("Content-Encoding", "aws-chunked")
	signHTTPS3(t, req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", rootKey, rootSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 501 || !strings.Contains(string(body), "<Code>NotImplemented</Code>") {
		t.Fatalf("signed aws-chunked: %d %s", resp.StatusCode, body)
	}
}
