package analysis

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used: on a shared machine the
// wall clock of a benchmark says more about the neighbours than the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEscalations(b *testing.B) {
	a, _ := NewAccount(generated(3500, 1500, 20000))
	g := BuildGraph(a)
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		g.escalation = nil
		g.Escalations()
	}
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}
