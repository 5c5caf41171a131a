package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/iam"
)

// Metrics are the server's Prometheus metrics, in a registry of their own
// (no global state).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	store    *prometheus.HistogramVec
	decided  *prometheus.CounterVec
	// background counts the background runner's tasks by outcome;
	// auditErrors the audit records that could not be written.
	background  *prometheus.CounterVec
	auditErrors prometheus.Counter
}

// NewMetrics creates the metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_requests_total", Help: "API requests by service, action and error code (empty when successful).",
		}, []string{"service", "action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "iamd_request_duration_seconds", Help: "API request latency by service and action.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
		}, []string{"service", "action"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "iamd_store_duration_seconds", Help: "Store transaction latency by kind (update, view).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 12),
		}, []string{"op", "outcome"}),
		decided: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_decisions_total", Help: "Authorization decisions by action's service and decision (allowed, explicitDeny, implicitDeny).",
		}, []string{"service", "decision"}),
		background: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_background_tasks_total", Help: "Background writes (last used, last accessed) by task and outcome (ok, error, dropped).",
		}, []string{"task", "outcome"}),
		auditErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "iamd_audit_write_errors_total", Help: "Audit records that could not be written.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.store, m.decided, m.background, m.auditErrors, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) observe(service, action, code string, d time.Duration) {
	if !knownActions[service+":"+action] {
		action = "unknown" // labels only for real operations: a client cannot grow the metrics at will
	}
	m.requests.WithLabelValues(service, action, code).Inc()
	m.latency.WithLabelValues(service, action).Observe(d.Seconds())
}

// knownActions are the operations a label may name.
var knownActions = func() map[string]bool {
	m := map[string]bool{"iamd:Authorize": true}
	for _, op := range iamapi.Operations {
		m["iam:"+op] = true
	}
	for _, op := range stsapi.Operations {
		m["sts:"+op] = true
	}
	return m
}()

// decision counts one authorization decision.
func (m *Metrics) decision(action, decision string) {
	service, _, _ := strings.Cut(action, ":")
	if decision == "" {
		return
	}
	m.decided.WithLabelValues(strings.ToLower(service), decision).Inc()
}

// backgroundTask counts one background task (the runner's Observe hook).
func (m *Metrics) backgroundTask(task, outcome string) {
	m.background.WithLabelValues(task, outcome).Inc()
}

// InstrumentStore wraps a store so its transactions are timed, and
// exports its group commit's counters when it has them: commits over
// calls is the batch size, commits the number of fsyncs.
func (m *Metrics) InstrumentStore(s iam.Store) iam.Store {
	if gc, ok := s.(interface{ Stats() (commits, calls int64) }); ok {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "iamd_store_commits_total", Help: "Write transactions committed (one fsync each)."},
				func() float64 { c, _ := gc.Stats(); return float64(c) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "iamd_store_committed_calls_total", Help: "Update calls the commits carried."},
				func() float64 { _, n := gc.Stats(); return float64(n) }))
	}
	return &timedStore{Store: s, m: m}
}

type timedStore struct {
	iam.Store
	m *Metrics
}

func (t *timedStore) Update(ctx context.Context, fn func(iam.Tx) error) error {
	start := time.Now()
	err := t.Store.Update(ctx, fn)
	t.m.store.WithLabelValues("update", outcome(err)).Observe(time.Since(start).Seconds())
	return err
}

func (t *timedStore) View(ctx context.Context, fn func(iam.Tx) error) error {
	start := time.Now()
	err := t.Store.View(ctx, fn)
	t.m.store.WithLabelValues("view", outcome(err)).Observe(time.Since(start).Seconds())
	return err
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
