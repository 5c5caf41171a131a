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
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// BenchmarkGateway measures the gateway's own cost: the same signed
// DynamoDB GetItem sent straight to a canned-answer backend ("direct"),
// through a bare httputil.ReverseProxy doing nothing else ("proxy", what
// any forwarder adds), and through iamd (authentication, mapping,
// decision, re-signing, forwarding, audit record in a file as iamd serve
// writes it by default) to it, over loopback HTTP in one process.
//
// On a shared machine the speed drifts by more than the differences
// measured, so the three are interleaved rather than run one after the
// other: c1 sends one request to each per iteration and reports each
// one's median and iamd's addition to direct's (added-µs); c8 runs eight
// clients against each in turn for 20 ms windows and reports the
// throughputs and iamd's as a percentage of direct's. Both also report
// the process's CPU time per request of each (cpu-µs: client, iamd and
// backend together), which waiting for a busy machine does not inflate:
// iamd's minus direct's is what iamd costs, and direct's over iamd's is
// the c8 ratio a machine with two idle cores would see.
func BenchmarkGateway(b *testing.B) {
	answer := []byte(`{"Item":{"id":{"S":"1"}}}`)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write(answer)
	}))
	defer backend.Close()
	audit, err := os.Create(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer audit.Close()
	inst := testServerWith(b, func(o *server.Options) {
		o.Gateway = server.GatewayOptions{Backend: backend.URL}
		o.AuditLog = audit
	})
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
	u, _ := url.Parse(backend.URL)
	bare := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: &http.Transport{MaxIdleConnsPerHost: 64}})
	defer bare.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	type target struct {
		name, url string
		header    http.Header
	}
	targets := []*target{{name: "direct", url: backend.URL}, {name: "proxy", url: bare.URL}, {name: "iamd", url: inst.URL}}
	for _, t := range targets {
		t.header = signed(t.url)
	}
	do := func(b *testing.B, t *target) {
		r, _ := http.NewRequest(http.MethodPost, t.url+"/", bytes.NewReader(body))
		r.Header = t.header.Clone()
		resp, err := client.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, answer) {
			b.Fatalf("%s: %d %s", t.name, resp.StatusCode, got)
		}
	}
	for _, t := range targets { // warm up: connections, caches, the mapper's tables
		for range 50 {
			do(b, t)
		}
	}

	b.Run("c1", func(b *testing.B) {
		lat := make([][]time.Duration, len(targets))
		cpu := make([]time.Duration, len(targets))
		i := 0
		for b.Loop() {
			i++
			for j := range targets {
				j = (j + i) % len(targets) // each first in turn
				before := cpuTime()
				start := time.Now()
				do(b, targets[j])
				lat[j] = append(lat[j], time.Since(start))
				cpu[j] += cpuTime() - before
			}
		}
		for j := range targets {
			b.ReportMetric(float64(cpu[j].Nanoseconds())/1e3/float64(len(lat[j])), targets[j].name+"-cpu-µs")
		}
		p50 := make([]float64, len(targets))
		for j, l := range lat {
			slices.Sort(l)
			p50[j] = float64(l[len(l)/2].Nanoseconds()) / 1e3
			b.ReportMetric(p50[j], targets[j].name+"-p50-µs")
		}
		b.ReportMetric(p50[2]-p50[0], "added-µs")
		b.ReportMetric(p50[1]-p50[0], "proxy-added-µs")
		b.ReportMetric(0, "ns/op")
	})

	b.Run("c8", func(b *testing.B) {
		const clients, window = 8, 20 * time.Millisecond
		ops := make([]int64, len(targets))
		busy := make([]time.Duration, len(targets))
		cpu := make([]time.Duration, len(targets))
		for b.Loop() {
			for j, t := range targets {
				var n atomic.Int64
				var wg sync.WaitGroup
				before := cpuTime()
				start := time.Now()
				end := start.Add(window)
				for range clients {
					wg.Go(func() {
						for time.Now().Before(end) {
							do(b, t)
							n.Add(1)
						}
					})
				}
				wg.Wait()
				ops[j] += n.Load()
				busy[j] += time.Since(start)
				cpu[j] += cpuTime() - before
			}
		}
		rate := make([]float64, len(targets))
		for j := range targets {
			rate[j] = float64(ops[j]) / busy[j].Seconds()
			b.ReportMetric(rate[j], targets[j].name+"-ops/s")
			b.ReportMetric(float64(cpu[j].Nanoseconds())/1e3/float64(ops[j]), targets[j].name+"-cpu-µs")
		}
		b.ReportMetric(100*rate[2]/rate[0], "iamd/direct-%")
		b.ReportMetric(100*rate[1]/rate[0], "proxy/direct-%")
		b.ReportMetric(0, "ns/op")
	})
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
