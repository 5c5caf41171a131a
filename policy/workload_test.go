package policy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The benchmark workload of the project (bench/workload/kN): 50 users with
// K statements each and 2,000 requests with the decision expected.
// IAMD_BENCH_WORKLOAD names a directory holding k5, k20 and k100; without
// it the gzipped copy in testdata/workload is used.

var workloadKs = []int{5, 20, 100}

type workloadRequest struct {
	Principal string            `json:"principal"`
	Action    string            `json:"action"`
	Resource  string            `json:"resource"`
	Context   map[string]string `json:"context"`
	Expected  string            `json:"expected"`
}

type workload struct {
	inputs   []*Input // per request: the principal's policies
	requests []Request
	expected []Decision
}

func readWorkloadFile(dir, name string) ([]byte, error) {
	if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
		return data, nil
	}
	f, err := os.Open(filepath.Join(dir, name+".gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func loadWorkload(tb testing.TB, k int) *workload {
	root := os.Getenv("IAMD_BENCH_WORKLOAD")
	if root == "" {
		root = filepath.Join("testdata", "workload")
	}
	dir := filepath.Join(root, fmt.Sprintf("k%d", k))
	var policies []struct {
		PolicyName     string
		PolicyDocument json.RawMessage
	}
	var principals []struct {
		UserName         string
		Arn              string
		AttachedPolicies []string
	}
	for name, v := range map[string]any{"policies.json": &policies, "principals.json": &principals} {
		data, err := readWorkloadFile(dir, name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			tb.Fatalf("%s/%s: %v", dir, name, err)
		}
	}
	compiled := map[string]*Policy{}
	for _, p := range policies {
		doc, err := Parse(p.PolicyDocument)
		if err != nil {
			tb.Fatalf("%s: %v", p.PolicyName, err)
		}
		compiled[p.PolicyName] = Compile(doc, Source{ID: p.PolicyName, Type: "user-managed"})
	}
	inputs := map[string]*Input{}
	arns := map[string]string{}
	for _, pr := range principals {
		var ps []*Policy
		for _, name := range pr.AttachedPolicies {
			ps = append(ps, compiled[name])
		}
		inputs[pr.UserName] = &Input{Identity: NewSet(ps...)}
		arns[pr.UserName] = pr.Arn
	}
	data, err := readWorkloadFile(dir, "requests.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	w := &workload{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r workloadRequest
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		ctx := Context{}
		for key, v := range r.Context {
			ctx.Set(key, v)
		}
		ctx.Set("aws:PrincipalArn", arns[r.Principal])
		ctx.Set("aws:PrincipalType", "User")
		w.inputs = append(w.inputs, inputs[r.Principal])
		w.requests = append(w.requests, Request{
			Principal: Principal{Type: TypeUser, ARN: arns[r.Principal], Account: "123456789012"},
			Action:    r.Action, Resource: r.Resource, Context: ctx,
		})
		w.expected = append(w.expected, map[string]Decision{"Allow": Allowed, "ExplicitDeny": ExplicitDeny, "ImplicitDeny": ImplicitDeny}[r.Expected])
	}
	if len(w.requests) != 2000 {
		tb.Fatalf("%s: %d requests, want 2000", dir, len(w.requests))
	}
	return w
}

// TestWorkloadDecisions checks every decision of the benchmark workload
// against the reference evaluator's expectation.
func TestWorkloadDecisions(t *testing.T) {
	for _, k := range workloadKs {
		w := loadWorkload(t, k)
		bad := 0
		for i := range w.requests {
			got := Evaluate(w.inputs[i], &w.requests[i])
			if got != w.expected[i] {
				if bad < 5 {
					t.Errorf("K=%d request %d (%s %s): got %s, want %s", k, i, w.requests[i].Action, w.requests[i].Resource, got, w.expected[i])
				}
				bad++
			}
			// Explain must agree with the fast path.
			if e := Explain(w.inputs[i], &w.requests[i]); e.Decision != got {
				t.Fatalf("K=%d request %d: Explain says %s, Evaluate %s", k, i, e.Decision, got)
			}
		}
		if bad > 0 {
			t.Errorf("K=%d: %d of %d decisions differ", k, bad, len(w.requests))
		}
	}
}

var sinkDecision Decision

// BenchmarkDecide decides the workload's 2,000 requests in turn, like the
// peer benchmarks do: requests pre-translated, principal looked up, only
// the decision timed.
func BenchmarkDecide(b *testing.B) {
	for _, k := range workloadKs {
		w := loadWorkload(b, k)
		for i := range w.requests { // warm the per-set action plans
			Evaluate(w.inputs[i], &w.requests[i])
		}
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sinkDecision = Evaluate(w.inputs[i], &w.requests[i])
				if i++; i == len(w.requests) {
					i = 0
				}
			}
		})
	}
}
