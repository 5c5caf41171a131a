package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

// The generated account, one per test binary: seeding it takes half a
// minute.
var (
	genOnce sync.Once
	genInst *server.Instance
	genErr  error
)

// generatedAccount is a server holding analysis.Generated's account of
// 5,000 principals (3,500 users, 1,500 roles) and 20,000 policies.
func generatedAccount(tb testing.TB) *server.Instance {
	tb.Helper()
	genOnce.Do(func() {
		// The generated account is past AWS's default quotas (1,000 roles,
		// 1,500 policies), within what AWS raises them to on request.
		q := iam.DefaultQuotas()
		q.Roles, q.Policies = 5000, 20000
		dir, err := tempDir()
		if err != nil {
			genErr = err
			return
		}
		genInst, genErr = server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: dir, AccountID: "210987654321",
			RootKeyID: rootKey, RootSecret: rootSecret, Logger: slog.New(slog.DiscardHandler), Quotas: &q})
		if genErr != nil {
			return
		}
		t0 := time.Now()
		genErr = seed(genInst, analysis.Generated(3500, 1500, 20000))
		tb.Logf("generated account seeded in %v", time.Since(t0))
	})
	if genErr != nil {
		tb.Fatal(genErr)
	}
	return genInst
}

// cpuTime is the CPU time the process has used: on a shared machine the
// wall clock says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMetric reports the CPU seconds per op of what ran since start.
func cpuMetric(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

func get(tb testing.TB, h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s: %d %.500s", path, rec.Code, rec.Body.String())
	}
	return rec
}

// BenchmarkGraphDataCold is the graph's data after a change to the account:
// the whole account read and the graph built again.
func BenchmarkGraphDataCold(b *testing.B) {
	inst := generatedAccount(b)
	h := inst.ReadOnlyConsole()
	ctx := rootCtx(inst)
	i := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		i++
		if err := inst.IAM.TagUser(ctx, &iamapi.TagUserInput{UserName: "user-1", Tags: []iamapi.Tag{{Key: "n", Value: strconv.Itoa(i)}}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := cpuTime()
		rec := get(b, h, "/console/api/graph")
		cpu += cpuTime() - t0
		b.ReportMetric(float64(rec.Body.Len()), "bytes")
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkGraphDataFirst is the graph's first view in a console that has
// none kept (`iamd console --from`, or the server's console after a
// restart): the whole account read and every policy compiled. The
// escalation paths the view sets going are waited for off the clock.
func BenchmarkGraphDataFirst(b *testing.B) {
	inst := generatedAccount(b)
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		h := inst.ReadOnlyConsole()
		b.StartTimer()
		t0 := cpuTime()
		get(b, h, "/console/api/graph")
		cpu += cpuTime() - t0
		b.StopTimer()
		get(b, h, "/console/api/graph/escalations")
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkGraphDataWarm is the first view of an unchanged account.
func BenchmarkGraphDataWarm(b *testing.B) {
	h := generatedAccount(b).ReadOnlyConsole()
	get(b, h, "/console/api/graph")
	start := cpuTime()
	for b.Loop() {
		rec := get(b, h, "/console/api/graph")
		b.ReportMetric(float64(rec.Body.Len()), "bytes")
	}
	cpuMetric(b, start)
}

// BenchmarkGraphDataOpen opens a cluster of users, with the escalation
// edges drawn.
func BenchmarkGraphDataOpen(b *testing.B) {
	h := generatedAccount(b).ReadOnlyConsole()
	get(b, h, "/console/api/graph/escalations")
	start := cpuTime()
	for b.Loop() {
		get(b, h, "/console/api/graph?esc=1&open=c:user/0&open=c:user/0/in+group-0&open=c:role/trusted+by+accounts")
	}
	cpuMetric(b, start)
}

// BenchmarkGraphEscalations lists the escalation paths (computed once per
// graph).
func BenchmarkGraphEscalations(b *testing.B) {
	h := generatedAccount(b).ReadOnlyConsole()
	start := cpuTime()
	for b.Loop() {
		get(b, h, "/console/api/graph/escalations")
	}
	cpuMetric(b, start)
}

// BenchmarkGraphPage is the graph page itself.
func BenchmarkGraphPage(b *testing.B) {
	h := generatedAccount(b).ReadOnlyConsole()
	start := cpuTime()
	for b.Loop() {
		get(b, h, "/console/graph")
	}
	cpuMetric(b, start)
}

// BenchmarkGraphWhoCan highlights who can delete a role.
func BenchmarkGraphWhoCan(b *testing.B) {
	h := generatedAccount(b).ReadOnlyConsole()
	get(b, h, "/console/api/graph")
	start := cpuTime()
	for b.Loop() {
		get(b, h, "/console/api/graph/query?mode=who-can&action=iam:DeleteRole&resource=arn:aws:iam::210987654321:role/role-3")
	}
	cpuMetric(b, start)
}

// TestMain closes the generated account's server and removes its store.
func TestMain(m *testing.M) {
	code := m.Run()
	if genInst != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		genInst.Close(ctx)
		cancel()
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
