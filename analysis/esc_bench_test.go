package analysis

import "testing"

func BenchmarkEscalations(b *testing.B) {
	a, _ := NewAccount(generated(3500, 1500, 20000))
	g := BuildGraph(a)
	b.ResetTimer()
	for b.Loop() {
		g.escalation = nil
		g.Escalations()
	}
}
