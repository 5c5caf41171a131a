package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamd "github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// signedRequest is one API call signed once with the SDK's signer and
// served many times (AWS accepts a signature for 15 minutes).
type signedRequest struct {
	body   []byte
	header http.Header
	path   string // "" is "/"
}

func sign(b *testing.B, inst string, key, secret string, params url.Values) signedRequest {
	b.Helper()
	body := []byte(params.Encode())
	r, err := http.NewRequest(http.MethodPost, inst+"/", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return signedRequest{body: body, header: r.Header}
}

func (s signedRequest) serve(b *testing.B, h http.Handler, host string) {
	path := s.path
	if path == "" {
		path = "/"
	}
	r := httptest.NewRequest(http.MethodPost, "http://"+host+path, bytes.NewReader(s.body))
	r.Header = s.header.Clone()
	r.RemoteAddr = "127.0.0.1:50000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
}

// BenchmarkRequest serves signed API calls through the server's handler:
// SigV4 verification, the caller's decision, the store read and the XML
// response, without the network and the client's costs.
func BenchmarkRequest(b *testing.B) {
	inst := testServer(b)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	// A user whose group policy allows reading users: its calls exercise
	// the decision; root's skip it.
	must[*iam.CreateUserOutput](b)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}))
	must[*iam.CreateGroupOutput](b)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}))
	must[*iam.AddUserToGroupOutput](b)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("reader")}))
	must[*iam.PutGroupPolicyOutput](b)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](b)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})).AccessKey
	for i := range 1000 {
		must[*iam.CreateUserOutput](b)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user-%04d", i))}))
	}
	must[*iam.CreateRoleOutput](b)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	// The authorize endpoint's caller may ask about any principal.
	must[*iam.PutUserPolicyOutput](b)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("authorize"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)}))
	host := inst.URL[len("http://"):]
	h := inst.Handler()
	getUser := url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}, "UserName": {"user-0042"}}
	getRole := url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"app"}}
	listUsers := url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}, "MaxItems": {"1000"}}
	// Allowed: the service passes the client's address, so the Deny
	// outside 127.0.0.0/8 does not apply.
	authorize := signJSON(b, inst.URL+"/iamd/authorize", *key.AccessKeyId, *key.SecretAccessKey,
		`{"principal":"arn:aws:iam::123456789012:user/reader","action":"iam:GetUser","resource":"arn:aws:iam::123456789012:user/reader","context":{"aws:SourceIp":["127.0.0.1"]}}`)
	authorize.path = "/iamd/authorize"
	createUser := sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}, "UserName": {"churn"}})
	deleteUser := sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"DeleteUser"}, "Version": {"2010-05-08"}, "UserName": {"churn"}})
	cases := []struct {
		name string
		reqs []signedRequest // served in turn: one op is all of them
	}{
		{"GetUser/root", []signedRequest{sign(b, inst.URL, rootKey, rootSecret, getUser)}},
		{"GetUser/user", []signedRequest{sign(b, inst.URL, *key.AccessKeyId, *key.SecretAccessKey, getUser)}},
		{"GetRole/user", []signedRequest{sign(b, inst.URL, *key.AccessKeyId, *key.SecretAccessKey, getRole)}},
		{"ListUsers1000/user", []signedRequest{sign(b, inst.URL, *key.AccessKeyId, *key.SecretAccessKey, listUsers)}},
		{"Authorize/user", []signedRequest{authorize}},
		// Durable writes: one pair is two commits (group commit only
		// helps concurrent callers).
		{"CreateDeleteUser/root", []signedRequest{createUser, deleteUser}},
	}
	// The harness alone (request, recorder, a canned answer): what the
	// figures above include that is not the server's.
	canned := []byte(`<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><Path>/</Path><UserName>user-0042</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/user-0042</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></GetUserResponse>`)
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"text/xml"}
		_, _ = w.Write(canned)
	})
	b.Run("Floor", func(b *testing.B) {
		b.ReportAllocs()
		r := cases[0].reqs[0]
		cpu := processCPU()
		for b.Loop() {
			r.serve(b, floor, host)
		}
		reportCPU(b, cpu)
	})
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				for _, r := range tc.reqs {
					r.serve(b, h, host)
				}
			}
			reportCPU(b, cpu)
		})
		if len(tc.reqs) > 1 {
			continue // the pair's user name is one: see CreateDeleteUser/root/parallel8
		}
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tc.reqs[0].serve(b, h, host)
				}
			})
		})
	}
}

// BenchmarkWrites is durable CreateUser+DeleteUser pairs from 8
// concurrent callers, each with its own user: what group commit gives.
func BenchmarkWrites(b *testing.B) {
	inst := testServer(b)
	host := inst.URL[len("http://"):]
	h := inst.Handler()
	const callers = 8
	pairs := make([][2]signedRequest, callers)
	for i := range pairs {
		name := fmt.Sprintf("churn-%d", i)
		pairs[i] = [2]signedRequest{
			sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}, "UserName": {name}}),
			sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"DeleteUser"}, "Version": {"2010-05-08"}, "UserName": {name}}),
		}
	}
	b.Run("CreateDeleteUser/root/c8", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		var next atomic.Int64
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			p := pairs[int(next.Add(1)-1)%callers]
			for pb.Next() {
				p[0].serve(b, h, host)
				p[1].serve(b, h, host)
			}
		})
		reportCPU(b, cpu)
	})
}

// BenchmarkBulkLoad is bench/api.sh's bulk load in process: from 8
// concurrent callers, a user and three inline policies each (the
// documents of bench/inline-policies.json), one op being one user.
func BenchmarkBulkLoad(b *testing.B) {
	raw, err := os.ReadFile("../bench/inline-policies.json")
	if err != nil {
		b.Fatal(err)
	}
	var docs []struct {
		PolicyDocument json.RawMessage
	}
	if err := json.Unmarshal(raw, &docs); err != nil {
		b.Fatal(err)
	}
	inst := testServerWith(b, func(o *server.Options) {
		q := iamd.DefaultQuotas()
		q.Users = 1 << 30
		o.Quotas = &q
	})
	host := inst.URL[len("http://"):]
	h := inst.Handler()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu := processCPU()
	defer reportCPU(b, cpu)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			name := fmt.Sprintf("load-%06d", i)
			sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}, "UserName": {name}}).serve(b, h, host)
			for p := range 3 {
				doc := string(docs[(int(i)*3+p)%len(docs)].PolicyDocument)
				sign(b, inst.URL, rootKey, rootSecret, url.Values{"Action": {"PutUserPolicy"}, "Version": {"2010-05-08"}, "UserName": {name},
					"PolicyName": {fmt.Sprintf("p%d", p)}, "PolicyDocument": {doc}}).serve(b, h, host)
			}
		}
	})
}

// BenchmarkAuthenticateAndDecide is SigV4 verification (signing keys
// cached per key and day) plus the caller's decision: the cost the data
// plane adds to every request.
func BenchmarkAuthenticateAndDecide(b *testing.B) {
	inst := testServer(b)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must[*iam.CreateUserOutput](b)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}))
	must[*iam.PutUserPolicyOutput](b)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::reports/*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](b)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})).AccessKey
	req := sign(b, inst.URL, *key.AccessKeyId, *key.SecretAccessKey, url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}})
	r := httptest.NewRequest(http.MethodPost, inst.URL+"/", bytes.NewReader(req.body))
	r.Header = req.header
	if err := inst.AuthenticateAndDecide(r, req.body, "s3:GetObject", "arn:aws:s3:::reports/q1.csv"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := inst.AuthenticateAndDecide(r, req.body, "s3:GetObject", "arn:aws:s3:::reports/q1.csv"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopback sends signed requests over loopback HTTP at a fixed
// concurrency (a plain client replaying a signed request, so that the
// figures are the server's, not an SDK's) and reports requests/s and the
// 99th percentile latency: GetUser by a policy-checked user (SigV4 +
// decision + store read + XML) and the authorize endpoint.
func BenchmarkLoopback(b *testing.B) {
	inst := testServer(b)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must[*iam.CreateUserOutput](b)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}))
	must[*iam.PutUserPolicyOutput](b)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iamd:Authorize"],"Resource":"*"}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](b)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})).AccessKey
	getUser := sign(b, inst.URL, *key.AccessKeyId, *key.SecretAccessKey, url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}, "UserName": {"reader"}})
	authorize := signJSON(b, inst.URL+"/iamd/authorize", *key.AccessKeyId, *key.SecretAccessKey,
		`{"principal":"arn:aws:iam::123456789012:user/reader","action":"iam:GetUser","resource":"arn:aws:iam::123456789012:user/reader"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, tc := range []struct {
		name string
		url  string
		req  signedRequest
	}{{"GetUser", inst.URL + "/", getUser}, {"Authorize", inst.URL + "/iamd/authorize", authorize}} {
		for _, conc := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/c=%d", tc.name, conc), func(b *testing.B) {
				var mu sync.Mutex
				var lat []time.Duration
				var next atomic.Int64
				var wg sync.WaitGroup
				start := time.Now()
				for range conc {
					wg.Add(1)
					go func() {
						defer wg.Done()
						mine := make([]time.Duration, 0, b.N/conc+1)
						for next.Add(1) <= int64(b.N) {
							t0 := time.Now()
							r, _ := http.NewRequest(http.MethodPost, tc.url, bytes.NewReader(tc.req.body))
							r.Header = tc.req.header.Clone()
							resp, err := client.Do(r)
							if err != nil {
								b.Error(err)
								return
							}
							_, _ = io.Copy(io.Discard, resp.Body) // drained for reuse; the status is checked
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								b.Errorf("status %d", resp.StatusCode)
								return
							}
							mine = append(mine, time.Since(t0))
						}
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				if len(lat) == 0 {
					return
				}
				slices.Sort(lat)
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			})
		}
	}
}

// processCPU is the CPU time the process has used (user and system, all
// threads: the GC's and the store's too). On a machine shared with other
// work a call's wall time mostly measures waiting for a CPU; its CPU
// time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per op since start (cpu-ns/op).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// signJSON signs a JSON POST.
func signJSON(b *testing.B, target, key, secret, body string) signedRequest {
	b.Helper()
	r, err := http.NewRequest(http.MethodPost, target, bytes.NewReader([]byte(body)))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return signedRequest{body: []byte(body), header: r.Header}
}
