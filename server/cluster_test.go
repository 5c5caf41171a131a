package server_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// propagationBound is how soon a write on one node must decide requests
// on every other node (the README states it). Typical figures are a few
// milliseconds (BenchmarkPropagation); the bound allows for a lost
// notification (the 250ms catch-up) on a loaded machine.
const propagationBound = time.Second

// The keys every node of a cluster shares.
var (
	clusterSealKey   = make([]byte, 32)
	clusterTokenKeys = "t1:" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
)

// startNode starts an iamd node on the PostgreSQL database at url.
func startNode(t testing.TB, url string) *server.Instance {
	t.Helper()
	inst, err := server.Start(context.Background(), server.Options{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url, AccountID: testAccount, RootKeyID: rootKey, RootSecret: rootSecret,
		SealKey: clusterSealKey, TokenKeys: clusterTokenKeys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
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

// startCluster starts n nodes on one fresh database, at the same time (the
// first start of all of them must agree on one account).
func startCluster(t testing.TB, url string, n int) []*server.Instance {
	t.Helper()
	nodes := make([]*server.Instance, n)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); nodes[i] = startNode(t, url) }()
	}
	wg.Wait()
	for _, n := range nodes {
		if n == nil {
			t.FailNow()
		}
	}
	return nodes
}

// userOn returns clients of a user's key on each node.
func userOn(t testing.TB, nodes []*server.Instance, root *iam.Client, name string) []*iam.Client {
	t.Helper()
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	k := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	var out []*iam.Client
	for _, n := range nodes {
		out = append(out, iamClient(n, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey))
	}
	return out
}

func allowPolicy(actions ...string) *string {
	list := ""
	for i, a := range actions {
		if i > 0 {
			list += ","
		}
		list += fmt.Sprintf("%q", a)
	}
	return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + list + `],"Resource":"*"}]}`)
}

// waitFor polls check until it returns nil or the bound passes, and says
// how long it took.
func waitFor(t testing.TB, bound time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v: %v", what, bound, err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestClusterStartsOneAccount(t *testing.T) {
	pgtest.Need(t)
	url := pgtest.DB(t)
	var wg sync.WaitGroup
	nodes := make([]*server.Instance, 3)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// No account id, no root key: each node would pick random ones.
			inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url,
				SealKey: clusterSealKey, TokenKeys: clusterTokenKeys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { inst.Close(context.Background()) })
			nodes[i] = inst
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	created := 0
	for _, n := range nodes {
		if n.Account != nodes[0].Account {
			t.Fatalf("nodes disagree on the account: %s and %s", n.Account, nodes[0].Account)
		}
		if n.Created {
			created++
			// The credentials printed work on every node.
			for _, other := range nodes {
				c := sts.NewFromConfig(awsConfig(other.URL, n.RootKeyID, n.RootSecret, ""))
				if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
					t.Fatalf("root key of the creating node on %s: %v", other.URL, err)
				}
			}
		}
	}
	if created != 1 {
		t.Fatalf("%d nodes say they created the account, want 1", created)
	}
}

// TestClusterPolicyChangePropagates: a policy written through node 1
// decides a user's calls through node 3 within the bound, both ways.
func TestClusterPolicyChangePropagates(t *testing.T) {
	pgtest.Need(t)
	nodes := startCluster(t, pgtest.DB(t), 3)
	root := iamClient(nodes[0], rootKey, rootSecret)
	alice := userOn(t, nodes, root, "alice")
	_, err := alice[2].ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied") // node 3 has alice in its view now
	for round := range 5 {
		must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"),
			PolicyName: aws.String("read"), PolicyDocument: allowPolicy("iam:ListUsers")}))
		d := waitFor(t, propagationBound, "grant through node 1 seen on node 3", func() error {
			_, err := alice[2].ListUsers(ctx, &iam.ListUsersInput{})
			return err
		})
		t.Logf("round %d: grant seen after %v", round, d)
		// A revocation through node 2 as well.
		must[*iam.DeleteUserPolicyOutput](t)(iamClient(nodes[1], rootKey, rootSecret).DeleteUserPolicy(ctx,
			&iam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read")}))
		d = waitFor(t, propagationBound, "revocation through node 2 seen on node 3", func() error {
			_, err := alice[2].ListUsers(ctx, &iam.ListUsersInput{})
			if apiCode(err) == "AccessDenied" {
				return nil
			}
			return fmt.Errorf("still %v", err)
		})
		t.Logf("round %d: revocation seen after %v", round, d)
	}
	// A new access key and a deactivated one reach the other nodes too.
	k := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
	viaNode3 := sts.NewFromConfig(awsConfig(nodes[2].URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
	waitFor(t, propagationBound, "new key usable on node 3", func() error {
		_, err := viaNode3.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	must[*iam.UpdateAccessKeyOutput](t)(root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"),
		AccessKeyId: k.AccessKey.AccessKeyId, Status: "Inactive"}))
	waitFor(t, propagationBound, "deactivated key refused on node 3", func() error {
		_, err := viaNode3.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) == "InvalidClientTokenId" {
			return nil
		}
		return fmt.Errorf("still %v", err)
	})
}

// TestClusterRaces: two nodes modifying one entity at once lose nothing and
// leave nothing dangling.
func TestClusterRaces(t *testing.T) {
	pgtest.Need(t)
	nodes := startCluster(t, pgtest.DB(t), 3)
	roots := []*iam.Client{iamClient(nodes[0], rootKey, rootSecret), iamClient(nodes[1], rootKey, rootSecret), iamClient(nodes[2], rootKey, rootSecret)}
	bob := userOn(t, nodes, roots[0], "bob")

	t.Run("PutUserPolicy on two nodes", func(t *testing.T) {
		docs := []*string{allowPolicy("iam:ListUsers"), allowPolicy("iam:ListGroups")}
		for round := range 8 {
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := roots[i].PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"), PolicyDocument: docs[(i+round)%2]}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got := must[*iam.GetUserPolicyOutput](t)(roots[2].GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p")}))
			users := got.PolicyDocument != nil && containsAction(*got.PolicyDocument, "iam:ListUsers")
			// Node 3 decides by the policy that won, within the bound.
			waitFor(t, propagationBound, "node 3 decides by the stored policy", func() error {
				_, errUsers := bob[2].ListUsers(ctx, &iam.ListUsersInput{})
				_, errGroups := bob[2].ListGroups(ctx, &iam.ListGroupsInput{})
				if (errUsers == nil) == users && (errGroups == nil) == !users {
					return nil
				}
				return fmt.Errorf("ListUsers %v, ListGroups %v, stored allows ListUsers: %v", errUsers, errGroups, users)
			})
			list := must[*iam.ListUserPoliciesOutput](t)(roots[0].ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("bob")}))
			if len(list.PolicyNames) != 1 {
				t.Fatalf("round %d: inline policies %v, want one", round, list.PolicyNames)
			}
		}
	})

	t.Run("AttachUserPolicy racing DeletePolicy", func(t *testing.T) {
		for round := range 10 {
			name := fmt.Sprintf("race-%d", round)
			p := must[*iam.CreatePolicyOutput](t)(roots[0].CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: allowPolicy("iam:GetUser")}))
			var wg sync.WaitGroup
			var attachErr, deleteErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, attachErr = roots[1].AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: p.Policy.Arn})
			}()
			go func() {
				defer wg.Done()
				_, deleteErr = roots[2].DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: p.Policy.Arn})
			}()
			wg.Wait()
			_, getErr := roots[0].GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Policy.Arn})
			attached := must[*iam.ListAttachedUserPoliciesOutput](t)(roots[0].ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("bob")}))
			isAttached := false
			for _, a := range attached.AttachedPolicies {
				isAttached = isAttached || *a.PolicyArn == *p.Policy.Arn
			}
			switch {
			case attachErr == nil && apiCode(deleteErr) == "DeleteConflict":
				if !isAttached || getErr != nil {
					t.Fatalf("round %d: attach won but attached %v, policy %v", round, isAttached, getErr)
				}
				// Clean up for the next round.
				must[*iam.DetachUserPolicyOutput](t)(roots[0].DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: p.Policy.Arn}))
			case deleteErr == nil && apiCode(attachErr) == "NoSuchEntity":
				if isAttached || apiCode(getErr) != "NoSuchEntity" {
					t.Fatalf("round %d: delete won but attached %v, policy %v", round, isAttached, getErr)
				}
			default:
				t.Fatalf("round %d: attach %v, delete %v (attached %v, policy %v)", round, attachErr, deleteErr, isAttached, getErr)
			}
		}
	})
}

// containsAction reports whether a policy document as GetUserPolicy
// returns it (URL-encoded) names the action.
func containsAction(doc, action string) bool {
	text, err := url.QueryUnescape(doc)
	return err == nil && strings.Contains(text, `"`+action+`"`)
}

// httpStatus is the HTTP status of an SDK error (0 when none).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestClusterDatabaseLoss: without its database a node still decides from
// its view, refuses writes with ServiceUnavailable (503, AWS's common
// error for a temporary failure), and recovers alone.
// (Decisions on a named user, group or role read its tags from the store:
// those answer 503 too.)
func TestClusterDatabaseLoss(t *testing.T) {
	c := pgtest.New(t, pgtest.Options{})
	nodes := startCluster(t, c.NewDB(t), 2)
	root := iamClient(nodes[0], rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}))
	k := must[*iam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")}))
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"),
		PolicyName: aws.String("p"), PolicyDocument: allowPolicy("iam:CreatePolicy")}))
	carol := iamClient(nodes[1], *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	carolSTS := sts.NewFromConfig(awsConfig(nodes[1].URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
	createPolicy := func(name string) error {
		_, err := carol.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: allowPolicy("s3:GetObject")})
		return err
	}
	// Node 2 learns carol's key and policies.
	waitFor(t, propagationBound, "carol may create policies on node 2", func() error { return createPolicy("p0") })
	// The first use of a key records its last use (once a minute), a write
	// that drops the key from every node's cache; once that has passed,
	// the next call puts it back.
	time.Sleep(500 * time.Millisecond)
	_, err := carol.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")

	c.Stop()
	// Decisions still answer, from the view.
	_, err = carol.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if out, err := carolSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || *out.Arn != "arn:aws:iam::123456789012:user/carol" {
		t.Fatalf("GetCallerIdentity without a database: %v", err)
	}
	// Writes, allowed or by root, are refused with 503.
	for _, write := range []func() error{
		func() error { return createPolicy("p1") },
		func() error {
			_, err := iamClient(nodes[1], rootKey, rootSecret).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("y")})
			return err
		},
	} {
		err := write()
		if apiCode(err) != "ServiceUnavailable" || httpStatus(err) != 503 {
			t.Fatalf("write without a database: %v (status %d), want ServiceUnavailable 503", err, httpStatus(err))
		}
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "writes after the database returns", func() error { return createPolicy("p2") })
	// Both nodes follow changes again.
	must[*iam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"),
		PolicyName: aws.String("p"), PolicyDocument: allowPolicy("iam:CreatePolicy", "iam:ListUsers")}))
	waitFor(t, propagationBound, "a grant through node 1 reaches node 2 after recovery", func() error {
		_, err := carol.ListUsers(ctx, &iam.ListUsersInput{})
		return err
	})
}

// TestClusterRefusesOtherKeys: a node given another seal key or token key
// ring than the nodes already on the database refuses to start.
func TestClusterRefusesOtherKeys(t *testing.T) {
	pgtest.Need(t)
	url := pgtest.DB(t)
	startNode(t, url)
	otherSeal := make([]byte, 32)
	otherSeal[0] = 1
	for _, tt := range []struct {
		name  string
		seal  []byte
		ring  string
		wants string
	}{
		{"seal key", otherSeal, clusterTokenKeys, "IAMD_SEAL_KEY"},
		{"token keys", clusterSealKey, "t9:" + base64.StdEncoding.EncodeToString(otherSeal), "IAMD_TOKEN_KEYS"},
	} {
		_, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url,
			SealKey: tt.seal, TokenKeys: tt.ring, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil || !strings.Contains(err.Error(), tt.wants) {
			t.Fatalf("%s: Start = %v, want an error naming %s", tt.name, err, tt.wants)
		}
	}
	// The same keys, with a newer token key in front (a rotation), start.
	ring := "t2:" + base64.StdEncoding.EncodeToString(otherSeal) + "," + clusterTokenKeys
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url,
		SealKey: clusterSealKey, TokenKeys: ring, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	inst.Close(context.Background())
}

// TestClusterReadiness: /readyz answers 503 while the database is gone.
func TestClusterReadiness(t *testing.T) {
	c := pgtest.New(t, pgtest.Options{})
	node := startNode(t, c.NewDB(t))
	ready := func() int {
		resp, err := http.Get(node.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := ready(); s != 200 {
		t.Fatalf("readyz = %d with the database up", s)
	}
	c.Stop()
	if s := ready(); s != 503 {
		t.Fatalf("readyz = %d with the database down", s)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "ready again", func() error {
		if s := ready(); s != 200 {
			return fmt.Errorf("readyz = %d", s)
		}
		return nil
	})
}
