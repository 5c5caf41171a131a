package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamd "github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

// BenchmarkStores runs the same API calls on SQLite and on PostgreSQL
// (durable commits in both), through the AWS SDK over HTTP: writes
// (CreateUser), reads (GetUser), and a decision (a user's denied call,
// answered from the view: the store should not matter).
func BenchmarkStores(b *testing.B) {
	pg := pgtest.New(b, pgtest.Options{Durable: true})
	quotas := iamd.DefaultQuotas()
	quotas.Users = 1 << 30
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			opt := server.Options{Addr: "127.0.0.1:0", DataDir: b.TempDir(), AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
				SealKey: clusterSealKey, TokenKeys: clusterTokenKeys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Quotas: &quotas}
			if store == "postgres" {
				opt.Store = pg.NewDB(b)
			}
			inst, err := server.Start(context.Background(), opt)
			if err != nil {
				b.Fatal(err)
			}
			defer inst.Close(context.Background())
			root := iamClient(inst, rootKey, rootSecret)
			alice := userOn(b, []*server.Instance{inst}, root, "alice")[0]
			var n atomic.Int64
			b.Run("write", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						name := fmt.Sprintf("u%d", n.Add(1))
						if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			b.Run("read", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			b.Run("decision", func(b *testing.B) {
				for b.Loop() {
					if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkPropagation measures how long a policy written through node 1
// takes to decide a user's call through node 3 (three nodes on one
// PostgreSQL, durable commits), as p50 and p99 (run with -benchtime=200x
// for a meaningful p99). Each sample polls node 3 every 200µs.
func BenchmarkPropagation(b *testing.B) {
	pg := pgtest.New(b, pgtest.Options{Durable: true})
	nodes := startCluster(b, pg.NewDB(b), 3)
	root := iamClient(nodes[0], rootKey, rootSecret)
	alice := userOn(b, nodes, root, "alice")
	var samples []time.Duration
	for i := 0; b.Loop(); i++ {
		allow := i%2 == 0
		doc := allowPolicy("iam:GetUser")
		if allow {
			doc = allowPolicy("iam:ListUsers")
		}
		if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: doc}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for {
			_, err := alice[2].ListUsers(ctx, &iam.ListUsersInput{})
			if (err == nil) == allow {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("not propagated: %v", err)
			}
			time.Sleep(200 * time.Microsecond)
		}
		samples = append(samples, time.Since(start))
	}
	slices.Sort(samples)
	at := func(q float64) float64 {
		return float64(samples[min(len(samples)-1, int(q*float64(len(samples))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}
