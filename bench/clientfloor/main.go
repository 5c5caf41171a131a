// Command clientfloor measures what the AWS SDK for Go v2 client itself
// costs per IAM call, against an in-process server that answers a canned
// GetUser response at once: the ceiling any server's measured throughput
// is held under when the client shares the machine (bench/api.sh).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const getUser = `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><Path>/</Path>` +
	`<UserName>u</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/u</Arn>` +
	`<CreateDate>2026-12-02T01:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>x</RequestId>` +
	`</ResponseMetadata></GetUserResponse>`

func main() {
	dur := flag.Duration("dur", 5*time.Second, "duration per concurrency")
	flag.Parse()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm() // read the body as a server would; the answer is canned
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(getUser)))
		w.Write([]byte(getUser))
	}))
	defer srv.Close()
	c := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("K", "S", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}})
	for _, conc := range []int{1, 8} {
		var n, failed int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		deadline := time.Now().Add(*dur)
		start := time.Now()
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine, bad int64
				for time.Now().Before(deadline) {
					if _, err := c.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("u")}); err != nil {
						bad++
						continue
					}
					mine++
				}
				mu.Lock()
				n, failed = n+mine, failed+bad
				mu.Unlock()
			}()
		}
		wg.Wait()
		if failed > 0 {
			fmt.Fprintf(os.Stderr, "%d calls failed\n", failed)
		}
		fmt.Printf("SDK GetUser floor c=%d  %8.1f ops/s\n", conc, float64(n)/time.Since(start).Seconds())
	}
}
