package analysis

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkNewAccountGenerated builds the model of the generated account
// of 5,000 principals and 20,000 policies: the half of the console's cold
// graph after GetAccountAuthorizationDetails.
func BenchmarkNewAccountGenerated(b *testing.B) {
	d := Generated(3500, 1500, 20000)
	start := cpuNow()
	for b.Loop() {
		if _, err := NewAccount(d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuNow()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuNow is the process's CPU time: the machine is shared, so the wall
// clock says more about the neighbours than about the code.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNewAccountReusing is the model built again after a change to
// one entity, from the model before it (what the console's graph does
// after a change).
func BenchmarkNewAccountReusing(b *testing.B) {
	d := Generated(3500, 1500, 20000)
	prev, err := NewAccount(d)
	if err != nil {
		b.Fatal(err)
	}
	d.UserDetailList[1].Tags = []Tag{{Key: "n", Value: "1"}}
	start := cpuNow()
	for b.Loop() {
		if _, err := NewAccountReusing(d, prev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuNow()-start).Seconds()/float64(b.N), "cpu-s/op")
}
