// Command bulkload loads users with three inline policies each through
// iamd's IAM API, as a client would: per user a CreateUser and then three
// PutUserPolicy calls, from -c concurrent callers. Each request is signed
// with the SDK's SigV4 signer as it is sent and posted over keep-alive,
// without the rest of the SDK's client: its middleware and XML decoding
// cost more CPU per call than iamd does (bench/clientfloor), and on two
// shared cores the client's cost would be what is measured. The same
// client is first run against a floor (a process of its own answering
// each call's shape at once), so the client's own ceiling is in the same
// run. Afterwards it checks what was loaded through the API (the user
// count in GetAccountSummary, every user's policy names in a sample) and
// reports the wall time, iamd's CPU time and its resident memory.
//
//	bulkload -endpoint http://127.0.0.1:4299 -access-key K -secret-key S -users 100000 -c 8 -pid PID
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/bench/internal/proc"
)

var (
	endpoint   = flag.String("endpoint", "http://127.0.0.1:4299", "iamd's endpoint")
	ak         = flag.String("access-key", os.Getenv("BENCH_ACCESS_KEY_ID"), "root access key id")
	sk         = flag.String("secret-key", os.Getenv("BENCH_SECRET_ACCESS_KEY"), "root secret access key")
	users      = flag.Int("users", 100000, "users to load, each with three inline policies")
	conc       = flag.Int("c", 8, "concurrent callers")
	policies   = flag.String("policies", "bench/inline-policies.json", "the inline policy documents, used in turn")
	prefix     = flag.String("prefix", "load-", "the users' name prefix")
	pid        = flag.Int("pid", 0, "iamd's process id: its CPU time and resident memory are reported")
	floorUsers = flag.Int("floor-users", 20000, "users loaded against the floor first (0: no floor)")
	floorChild = flag.Bool("floor-child", false, "internal: serve the floor's canned answers")
)

const perUser = 4 // CreateUser and three PutUserPolicy

func main() {
	flag.Parse()
	if *floorChild {
		serveFloor()
		return
	}
	if *ak == "" || *sk == "" {
		fail(fmt.Errorf("-access-key and -secret-key (or BENCH_ACCESS_KEY_ID, BENCH_SECRET_ACCESS_KEY) are required"))
	}
	docs, err := readDocs(*policies)
	if err != nil {
		fail(err)
	}
	c := &caller{creds: aws.Credentials{AccessKeyID: *ak, SecretAccessKey: *sk}, signer: v4.NewSigner(), docs: docs,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}, Timeout: time.Minute}}

	if *floorUsers > 0 {
		addr, floorPid, stop := startFloor()
		r := c.load(addr, *floorUsers, floorPid)
		stop()
		fmt.Printf("floor   %7d users %8.1f s  %7.0f calls/s  client cpu %5.1f µs/call  floor cpu %5.1f µs/call\n",
			*floorUsers, r.wall.Seconds(), r.rate(), r.clientPerCall(), r.serverPerCall())
	}
	before := accountUsers(c)
	rssStart := proc.RSSKB(*pid)
	r := c.load(*endpoint, *users, *pid)
	fmt.Printf("iamd    %7d users %8.1f s  %7.0f calls/s  client cpu %5.1f µs/call  iamd cpu %5.1f µs/call (%.1f s)\n",
		*users, r.wall.Seconds(), r.rate(), r.clientPerCall(), r.serverPerCall(), r.serverCPU.Seconds())
	time.Sleep(time.Second)
	fmt.Printf("iamd RSS %d MB at the start, %d MB after the load\n", rssStart/1024, proc.RSSKB(*pid)/1024)
	if got := accountUsers(c) - before; got != *users {
		fail(fmt.Errorf("GetAccountSummary counts %d more users, want %d", got, *users))
	}
	checkSample(c, *users)
	fmt.Printf("checked: %d more users in GetAccountSummary; p0 p1 p2 on every sampled user\n", *users)
}

// caller signs and sends the load's requests.
type caller struct {
	creds  aws.Credentials
	signer *v4.Signer
	client *http.Client
	docs   []string // query-escaped policy documents
}

type result struct {
	wall, clientCPU, serverCPU time.Duration
	calls                      int
}

func (r result) rate() float64 { return float64(r.calls) / r.wall.Seconds() }
func (r result) clientPerCall() float64 {
	return float64(r.clientCPU.Microseconds()) / float64(r.calls)
}
func (r result) serverPerCall() float64 {
	return float64(r.serverCPU.Microseconds()) / float64(r.calls)
}

// load sends n users' calls to base from -c callers, each taking the next
// user; it stops at the first refused call.
func (c *caller) load(base string, n, serverPid int) result {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	cpu0, srv0 := selfCPU(), proc.CPU(serverPid)
	start := time.Now()
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n && failed.Load() == nil; i = int(next.Add(1)) - 1 {
				if err := c.loadUser(base, i); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		fail(*err)
	}
	return result{wall: time.Since(start), clientCPU: selfCPU() - cpu0, serverCPU: proc.CPU(serverPid) - srv0, calls: n * perUser}
}

func (c *caller) loadUser(base string, i int) error {
	name := *prefix + strconv.Itoa(i)
	if _, err := c.call(base, "Action=CreateUser&Version=2010-05-08&UserName="+name); err != nil {
		return err
	}
	for j := range perUser - 1 {
		body := "Action=PutUserPolicy&Version=2010-05-08&UserName=" + name + "&PolicyName=p" + strconv.Itoa(j) +
			"&PolicyDocument=" + c.docs[(i*3+j)%len(c.docs)]
		if _, err := c.call(base, body); err != nil {
			return err
		}
	}
	return nil
}

// call signs body as it is sent, and returns the answer of a 200.
func (c *caller) call(base, body string) ([]byte, error) {
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := c.signer.SignHTTP(context.Background(), c.creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%.80s: HTTP %d: %.300s", body, resp.StatusCode, b)
	}
	return b, nil
}

func readDocs(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pols []struct{ PolicyDocument json.RawMessage }
	if err := json.Unmarshal(b, &pols); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var docs []string
	for _, p := range pols {
		var compact bytes.Buffer
		if err := json.Compact(&compact, p.PolicyDocument); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		docs = append(docs, url.QueryEscape(compact.String()))
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no policies", path)
	}
	return docs, nil
}

var summaryUsers = regexp.MustCompile(`<key>Users</key>\s*<value>(\d+)</value>`)

func accountUsers(c *caller) int {
	b, err := c.call(*endpoint, "Action=GetAccountSummary&Version=2010-05-08")
	if err != nil {
		fail(err)
	}
	m := summaryUsers.FindSubmatch(b)
	if m == nil {
		fail(fmt.Errorf("GetAccountSummary: no Users in %.300s", b))
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// checkSample reads the policy names of every 997th user and of the last
// back through the API.
func checkSample(c *caller, n int) {
	check := func(i int) {
		b, err := c.call(*endpoint, "Action=ListUserPolicies&Version=2010-05-08&UserName="+*prefix+strconv.Itoa(i))
		if err != nil {
			fail(err)
		}
		for j := range perUser - 1 {
			if !bytes.Contains(b, []byte("<member>p"+strconv.Itoa(j)+"</member>")) {
				fail(fmt.Errorf("user %d lacks policy p%d: %.300s", i, j, b))
			}
		}
	}
	for i := 0; i < n; i += 997 {
		check(i)
	}
	check(n - 1)
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startFloor starts the floor in a process of its own (in this one it
// would share the client's scheduler) and returns its address, its pid
// and how to stop it.
func startFloor() (string, int, func()) {
	cmd := exec.Command(os.Args[0], "-floor-child")
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	line := make([]byte, 64)
	k, err := out.Read(line)
	if err != nil {
		fail(fmt.Errorf("floor: %w", err))
	}
	return strings.TrimSpace(string(line[:k])), cmd.Process.Pid, func() { _ = stdin.Close(); _ = cmd.Wait() }
}

// serveFloor answers each call at once with the shape iamd answers, until
// stdin closes.
func serveFloor() {
	answer := func(action string) []byte {
		return []byte(`<` + action + `Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>` +
			`00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></` + action + `Response>`)
	}
	putPolicy := answer("PutUserPolicy")
	createUser := []byte(`<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/</Path>` +
		`<UserName>load-0</UserName><UserId>AIDAEXAMPLEEXAMPLEEX</UserId><Arn>arn:aws:iam::123456789012:user/load-0</Arn>` +
		`<CreateDate>2026-12-08T00:00:00Z</CreateDate></User></CreateUserResult><ResponseMetadata><RequestId>` +
		`00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></CreateUserResponse>`)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm() // read the body as a server does; the answer is canned
		body := putPolicy
		if r.PostForm.Get("Action") == "CreateUser" {
			body = createUser
		}
		h := w.Header()
		h["Content-Type"] = []string{"text/xml"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("http://" + ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func fail(err error) { fmt.Fprintln(os.Stderr, "bulkload:", err); os.Exit(1) }
