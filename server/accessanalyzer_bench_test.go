package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/policy/validate"
)

// BenchmarkValidatePolicyHTTP is ValidatePolicy of a 6 KB identity policy
// through HTTP on loopback: SigV4, the caller's decision on
// access-analyzer:ValidatePolicy, the validator and the JSON answer (the
// request is signed once: AWS accepts a signature for 15 minutes). It
// reports the median and the ratio to BenchmarkValidatorAlone's time.
func BenchmarkValidatePolicyHTTP(b *testing.B) {
	inst := testServer(b)
	root := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must[*iam.CreateUserOutput](b)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}))
	must[*iam.PutUserPolicyOutput](b)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("aa"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:ValidatePolicy","Resource":"*"}]}`)}))
	key := must[*iam.CreateAccessKeyOutput](b)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})).AccessKey
	doc, err := os.ReadFile("../policy/validate/testdata/policy-6k.json")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"policyDocument": string(doc), "policyType": "IDENTITY_POLICY"})
	req, _ := http.NewRequest(http.MethodPost, inst.URL+"/policy/validation", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: *key.AccessKeyId, SecretAccessKey: *key.SecretAccessKey}, req, hex.EncodeToString(sum[:]), "access-analyzer", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	call := func() {
		r, _ := http.NewRequest(http.MethodPost, req.URL.String(), bytes.NewReader(body))
		r.Header = req.Header.Clone()
		resp, err := client.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(out, []byte(`{"findings":[]`)) {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
	}
	call()
	alone := medianOf(200, func() { validate.Policy(doc, validate.Options{Type: validate.IdentityPolicy}) })
	var times []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		call()
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	med := times[len(times)/2]
	b.ReportMetric(float64(med.Microseconds()), "µs-median")
	b.ReportMetric(float64(med)/float64(alone), "x-validator")
}

// medianOf times f n times and returns the median.
func medianOf(n int, f func()) time.Duration {
	ts := make([]time.Duration, n)
	for i := range ts {
		t0 := time.Now()
		f()
		ts[i] = time.Since(t0)
	}
	slices.Sort(ts)
	return ts[n/2]
}
