package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

// startGatewayNode starts a node of a cluster on the database at url
// with a gateway in front of the backend.
func startGatewayNode(t *testing.T, url, backend string) *server.Instance {
	t.Helper()
	inst, err := server.Start(context.Background(), server.Options{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url, AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
		SealKey: clusterSealKey, TokenKeys: clusterTokenKeys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Gateway: server.GatewayOptions{Backend: backend},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inst.Close(ctx)
	})
	return inst
}

// A bucket policy written through one node decides the calls through
// every other node at once (within the cluster's propagation bound), not
// when the other nodes' cached copy expires (30 s): the write is noted
// in the store, and its change in the feed drops the other nodes' cache.
// Taking the policy away is seen the same way.
func TestGatewayClusterPolicyWrite(t *testing.T) {
	moto := startMoto(t)
	url := pgtest.DB(t)
	a := startGatewayNode(t, url, moto)
	b := startGatewayNode(t, url, moto)
	rootA := s3Client(a, rootKey, rootSecret, "")
	must[*s3.CreateBucketOutput](t)(rootA.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")}))
	must[*s3.PutObjectOutput](t)(rootA.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), Body: strings.NewReader("v")}))
	key, secret := gwUser(t, a, iamClient(a, rootKey, rootSecret), "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	aliceB := s3Client(b, key, secret, "")
	read := func() error {
		_, err := getObject(t, aliceB, "shared", "k")
		return err
	}
	waitFor(t, propagationBound, "alice's key on node b", read) // node b has cached the bucket's (absent) policy now
	if err := read(); err != nil {
		t.Fatal(err)
	}

	putBucketPolicy(t, rootA, "shared", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::`+testAccount+`:user/alice"},
		"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	took := waitFor(t, propagationBound, "the bucket policy written through node a, on node b", func() error {
		if err := read(); apiCode(err) != "AccessDenied" {
			return fmt.Errorf("still allowed: %v", err)
		}
		return nil
	})
	t.Logf("the policy written through a decided on b after %v", took)

	must[*s3.DeleteBucketPolicyOutput](t)(rootA.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared")}))
	waitFor(t, propagationBound, "the bucket policy deleted through node a, on node b", read)
}
