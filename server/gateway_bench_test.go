package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// BenchmarkGateway measures the gateway's own cost: the same signed
// DynamoDB GetItem sent straight to a canned-answer backend, and through
// iamd (authentication, mapping, decision, re-signing, forwarding) to it,
// over loopback HTTP in one run. The difference of the two is iamd's;
// bare-proxy (a ReverseProxy doing nothing else) is what any forwarder
// adds. c1 reports the median (p50-µs), c8 the throughput (ns/op) with
// eight clients.
func BenchmarkGateway(b *testing.B) {
	answer := []byte(`{"Item":{"id":{"S":"1"}}}`)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write(answer)
	}))
	defer backend.Close()
	inst := testServerWith(b, func(o *server.Options) { o.Gateway = server.GatewayOptions{Backend: backend.URL} })
	root := iamClient(inst, rootKey, rootSecret)
	must[*iam.CreateUserOutput](b)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}))
	must[*iam.PutUserPolicyOutput](b)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/t"}]}`)}))
	k := must[*iam.CreateAccessKeyOutput](b)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")}))
	key, secret := *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey

	body := []byte(`{"TableName":"t","Key":{"id":{"S":"1"}}}`)
	signed := func(url string) http.Header {
		r, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		return r.Header
	}
	// The floor of any forwarder: a bare ReverseProxy in front of the backend.
	u, _ := url.Parse(backend.URL)
	bare := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: &http.Transport{MaxIdleConnsPerHost: 64}})
	defer bare.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, c := range []struct{ name, url string }{{"direct", backend.URL}, {"bare-proxy", bare.URL}, {"through-iamd", inst.URL}} {
		h := signed(c.url)
		do := func(b *testing.B) {
			r, _ := http.NewRequest(http.MethodPost, c.url+"/", bytes.NewReader(body))
			r.Header = h.Clone()
			resp, err := client.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Equal(got, answer) {
				b.Fatalf("%d %s", resp.StatusCode, got)
			}
		}
		// Concurrency 1: ns/op and the median.
		b.Run(c.name+"/c1", func(b *testing.B) {
			b.ReportAllocs()
			var lat []time.Duration
			for b.Loop() {
				t := time.Now()
				do(b)
				lat = append(lat, time.Since(t))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		})
		// Concurrency 8: ns/op is the inverse of the throughput.
		b.Run(c.name+"/c8", func(b *testing.B) {
			b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					do(b)
				}
			})
		})
	}
}
