// Command replay measures iamd's request path over loopback HTTP with the
// lightest client that still speaks the real protocol: each scenario's
// requests are SigV4-signed once and replayed over keep-alive connections
// (AWS accepts a signature for 15 minutes), so the client costs far less
// than an SDK call. Every scenario is measured against a floor in the same
// run: an in-process server that answers the very bytes iamd answered for
// it (ListUsers' 1,000 users included), so the ratio is what the server's
// own work costs, not the network's or the client's. Server and floor
// alternate round by round, so both see the same machine load; medians
// of the rounds are printed last.
//
//	replay -endpoint http://127.0.0.1:4299 -access-key K -secret-key S -c 1,8 -dur 2s -rounds 3
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/bench/internal/proc"
)

var (
	endpoint = flag.String("endpoint", "http://127.0.0.1:4299", "iamd's endpoint")
	ak       = flag.String("access-key", os.Getenv("BENCH_ACCESS_KEY_ID"), "root access key id")
	sk       = flag.String("secret-key", os.Getenv("BENCH_SECRET_ACCESS_KEY"), "root secret access key")
	account  = flag.String("account", "123456789012", "the account's id")
	conc     = flag.String("c", "1,8", "concurrency levels")
	dur      = flag.Duration("dur", 2*time.Second, "duration of one measurement")
	rounds   = flag.Int("rounds", 3, "server/floor rounds per scenario and level (medians printed)")
	only     = flag.String("only", "", "run only the scenarios whose name contains this")
	users    = flag.Int("users", 1000, "users created for ListUsers")
	pid      = flag.Int("pid", 0, "iamd's process id: report its CPU time per op (from /proc), which holds under load")
	// The floor runs in a process of its own, as iamd does: in the
	// client's process it would share the client's scheduler, and on a
	// loaded machine a process's share of the CPUs differs from a pair's.
	floorChild = flag.String("floor-child", "", "internal: serve these answer files (comma-separated) as the floor")
)

// req is one signed request, replayed as it is.
type req struct {
	path   string
	body   []byte
	header http.Header
}

// scenario is a named operation: one op is all its requests in turn (per
// worker: concurrent writers each have their own).
type scenario struct {
	name    string
	workers func(w int) []req // the requests worker w replays
	answers [][]byte          // what iamd answered, replayed by the floor in turn
}

func main() {
	flag.Parse()
	if *floorChild != "" {
		serveFloor(strings.Split(*floorChild, ","))
		return
	}
	if *ak == "" || *sk == "" {
		fail(fmt.Errorf("-access-key and -secret-key (or BENCH_ACCESS_KEY_ID, BENCH_SECRET_ACCESS_KEY) are required"))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 30 * time.Second}
	root := creds{*ak, *sk}
	reader := setup(client, root)

	getUser := "Action=GetUser&Version=2010-05-08&UserName=replay-target"
	authorize := fmt.Sprintf(`{"principal":"arn:aws:iam::%s:user/replay-reader","action":"iam:GetUser","resource":"arn:aws:iam::%s:user/replay-target","context":{"aws:SourceIp":["127.0.0.1"]}}`, *account, *account)
	one := func(r req) func(int) []req { return func(int) []req { return []req{r} } }
	scenarios := []scenario{
		{name: "GetUser/root", workers: one(signQuery(root, getUser))},
		{name: "GetUser/user", workers: one(signQuery(reader, getUser))},
		{name: "GetRole/user", workers: one(signQuery(reader, "Action=GetRole&Version=2010-05-08&RoleName=replay-role"))},
		{name: "ListUsers1000/user", workers: one(signQuery(reader, "Action=ListUsers&Version=2010-05-08&MaxItems=1000"))},
		{name: "Authorize/user", workers: one(sign(reader, "/iamd/authorize", "application/json", authorize))},
		{name: "CreateDeleteUser/root", workers: func(w int) []req {
			name := "replay-churn-" + strconv.Itoa(w)
			return []req{signQuery(root, "Action=CreateUser&Version=2010-05-08&UserName="+name),
				signQuery(root, "Action=DeleteUser&Version=2010-05-08&UserName="+name)}
		}},
	}
	levels := parseLevels(*conc)
	maxWorkers := slices.Max(levels)
	type result struct{ server, floor, serverCPU, floorCPU []float64 }
	results := map[string]*result{}
	for _, sc := range scenarios {
		if *only != "" && !strings.Contains(sc.name, *only) {
			continue
		}
		// Sign every worker's requests now (the signatures last 15
		// minutes), and record what iamd answers for the floor.
		perWorker := make([][]req, maxWorkers)
		for w := range perWorker {
			perWorker[w] = sc.workers(w)
		}
		for _, r := range perWorker[0] {
			st, body := do(client, *endpoint, r)
			if st != 200 {
				fail(fmt.Errorf("%s: HTTP %d: %.300s", sc.name, st, body))
			}
			sc.answers = append(sc.answers, body)
		}
		fl, flPid := startFloor(sc.answers)
		for _, c := range levels {
			res := &result{}
			results[fmt.Sprintf("%s c=%d", sc.name, c)] = res
			for range *rounds {
				s := run(client, *endpoint, perWorker[:c], *pid)
				f := run(client, fl, perWorker[:c], flPid)
				fmt.Printf("%-24s c=%d  iamd %8.0f ops/s p50 %6.0fµs p99 %6.0fµs cpu %5.0fµs/op | floor %8.0f ops/s p50 %6.0fµs cpu %5.0fµs/op | %.2f\n",
					sc.name, c, s.rate, s.p50, s.p99, s.cpu, f.rate, f.p50, f.cpu, s.rate/f.rate)
				res.server = append(res.server, s.rate)
				res.floor = append(res.floor, f.rate)
				res.serverCPU = append(res.serverCPU, s.cpu)
				res.floorCPU = append(res.floorCPU, f.cpu)
			}
		}
	}
	for _, d := range floorDirs {
		_ = os.RemoveAll(d)
	}
	fmt.Println("\nmedians (ops/s; one op of CreateDeleteUser is the pair):")
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r := results[k]
		s, f := median(r.server), median(r.floor)
		fmt.Printf("%-30s iamd %8.0f (%s)  floor %8.0f (%s)  ratio %.2f", k, s, spread(r.server), f, spread(r.floor), s/f)
		if *pid != 0 {
			// CPU per op: the process's own work, whatever the load.
			fmt.Printf("  cpu/op iamd %.0fµs floor %.0fµs", median(r.serverCPU), median(r.floorCPU))
		}
		fmt.Println()
	}
}

type creds struct{ key, secret string }

// setup creates what the scenarios read (idempotent, so a second run on
// the same data works): the target user, a role, the users ListUsers
// lists, and a policy-checked user with a key.
func setup(client *http.Client, root creds) creds {
	must := func(body string, ok ...int) []byte {
		st, b := do(client, *endpoint, signQuery(root, body))
		if st != 200 && !slices.Contains(ok, st) {
			fail(fmt.Errorf("%s: HTTP %d: %.300s", body, st, b))
		}
		return b
	}
	must("Action=CreateUser&Version=2010-05-08&UserName=replay-target", 409)
	trust := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	must("Action=CreateRole&Version=2010-05-08&RoleName=replay-role&AssumeRolePolicyDocument="+trust, 409)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)); i < *users; i = int(next.Add(1)) { // with replay-target: *users in all
				must(fmt.Sprintf("Action=CreateUser&Version=2010-05-08&UserName=replay-list-%05d", i), 409)
			}
		}()
	}
	wg.Wait()
	must("Action=CreateUser&Version=2010-05-08&UserName=replay-reader", 409)
	pol := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iamd:Authorize"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	must("Action=PutUserPolicy&Version=2010-05-08&UserName=replay-reader&PolicyName=read&PolicyDocument=" + pol)
	b := must("Action=CreateAccessKey&Version=2010-05-08&UserName=replay-reader", 409)
	id, secret := between(b, "<AccessKeyId>", "</AccessKeyId>"), between(b, "<SecretAccessKey>", "</SecretAccessKey>")
	if id == "" || secret == "" {
		fail(fmt.Errorf("CreateAccessKey: %.300s (a second run needs fresh data: the user may hold two keys)", b))
	}
	return creds{id, secret}
}

func signQuery(c creds, body string) req {
	return sign(c, "/", "application/x-www-form-urlencoded; charset=utf-8", body)
}

func sign(c creds, path, contentType, body string) req {
	r, err := http.NewRequest(http.MethodPost, *endpoint+path, strings.NewReader(body))
	if err != nil {
		fail(err)
	}
	r.Header.Set("Content-Type", contentType)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.key, SecretAccessKey: c.secret}, r,
		hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		fail(err)
	}
	return req{path: path, body: []byte(body), header: r.Header}
}

func do(c *http.Client, base string, s req) (int, []byte) {
	r, _ := http.NewRequest(http.MethodPost, base+s.path, bytes.NewReader(s.body))
	r.Header = s.header.Clone()
	resp, err := c.Do(r)
	if err != nil {
		return 0, []byte(err.Error())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, b
}

// startFloor starts a floor process serving answers and returns its
// address; it ends with this process (its stdin closes).
func startFloor(answers [][]byte) (string, int) {
	dir, err := os.MkdirTemp("", "replay-floor")
	if err != nil {
		fail(err)
	}
	var files []string
	for i, a := range answers {
		f := fmt.Sprintf("%s/%d.xml", dir, i)
		if err := os.WriteFile(f, a, 0o600); err != nil {
			fail(err)
		}
		files = append(files, f)
	}
	cmd := exec.Command(os.Args[0], "-floor-child", strings.Join(files, ","))
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	floors = append(floors, stdin)
	floorDirs = append(floorDirs, dir)
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		fail(fmt.Errorf("floor: %w", err))
	}
	return strings.TrimSpace(addr), cmd.Process.Pid
}

var (
	floors    []io.Closer
	floorDirs []string
)

// serveFloor answers the files in turn (per connection, as a worker sends
// its requests in turn on its own connection) until stdin closes.
func serveFloor(files []string) {
	var answers [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		answers = append(answers, b)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	type turnKey struct{}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			turn := r.Context().Value(turnKey{}).(*int)
			body := answers[*turn%len(answers)]
			*turn++
			h := w.Header()
			h["Content-Type"] = []string{"text/xml"}
			h["Content-Length"] = []string{strconv.Itoa(len(body))}
			_, _ = w.Write(body)
		}),
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, turnKey{}, new(int))
		},
	}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("http://" + ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent ends
}

type measured struct{ rate, p50, p99, cpu float64 }

// run replays each worker's requests on its own connection for -dur and
// reports the server's CPU time per op when its pid is known.
func run(client *http.Client, base string, workers [][]req, pid int) measured {
	cpu0 := proc.CPU(pid)
	// A client per measurement: each worker keeps one connection, so a
	// per-connection floor answers in the worker's turn.
	var ops, errs atomic.Int64
	lat := make([][]time.Duration, len(workers))
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	start := time.Now()
	for i, reqs := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: client.Timeout}
			defer c.CloseIdleConnections()
			for time.Now().Before(deadline) {
				t := time.Now()
				for _, r := range reqs {
					if st, b := do(c, base, r); st != 200 {
						if errs.Add(1) == 1 {
							fmt.Fprintf(os.Stderr, "replay: HTTP %d: %.300s\n", st, b)
						}
					}
				}
				lat[i] = append(lat[i], time.Since(t))
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	if errs.Load() > 0 {
		fail(fmt.Errorf("%d of %d operations failed", errs.Load(), ops.Load()))
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) / 1e3 }
	m := measured{rate: float64(ops.Load()) / secs, p50: pct(0.5), p99: pct(0.99)}
	if pid != 0 {
		m.cpu = float64((proc.CPU(pid) - cpu0).Microseconds()) / float64(ops.Load())
	}
	return m
}

func parseLevels(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-c %q: want positive integers", s))
		}
		out = append(out, n)
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is the range of the rounds, as a share of the median.
func spread(v []float64) string {
	m := median(v)
	if m == 0 {
		return "-"
	}
	return fmt.Sprintf("±%.0f%%", (slices.Max(v)-slices.Min(v))/2/m*100)
}

func between(b []byte, open, close string) string {
	s := string(b)
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	if j := strings.Index(s, close); j >= 0 {
		return s[:j]
	}
	return ""
}

func fail(err error) { fmt.Fprintln(os.Stderr, "replay:", err); os.Exit(1) }
