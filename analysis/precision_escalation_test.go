package analysis

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// The counts of issue 17's precision note: who-can's answers over the
// precision queries, and escalation's findings, per account. With
// IAMD_PRECISION_DUMP=FILE, the findings are written there, one a line,
// to be read.
func TestPrecisionEscalationReport(t *testing.T) {
	report := func(name string, g *Graph) {
		answers, services, missed, through := precision(g)
		esc := g.Escalations()
		existing := 0
		var existingEdges []string
		for _, ed := range g.EscalationEdges() {
			for _, tq := range existingTechniques {
				if strings.HasSuffix(ed.Label, "["+tq.ID+"]") {
					existing++
					existingEdges = append(existingEdges, name+" edge "+ed.From+" -> "+ed.To+" | "+ed.Label)
				}
			}
		}
		byTechnique := map[string]int{}
		for _, e := range esc {
			byTechnique[e.Steps[0].Technique]++
		}
		ids := make([]string, 0, len(byTechnique))
		for id := range byTechnique {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		t.Logf("%s: who-can %d answers (%d through a service, %d service principals, %d missed); escalation %d findings (%d existing-passrole edges); first steps %v",
			name, answers, through, services, missed, len(esc), existing, func() []any {
				var out []any
				for _, id := range ids {
					out = append(out, id, byTechnique[id])
				}
				return out
			}())
		if p := os.Getenv("IAMD_PRECISION_DUMP"); p != "" {
			f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var b strings.Builder
			for _, e := range existingEdges {
				b.WriteString(e + "\n")
			}
			for _, e := range esc {
				b.WriteString(name + " " + e.Principal + " -> " + e.Reaches)
				for _, st := range e.Steps {
					b.WriteString(" | " + st.Technique + " " + st.Detail)
				}
				b.WriteString("\n")
			}
			if _, err := f.WriteString(b.String()); err != nil {
				t.Fatal(err)
			}
		}
	}
	report("fixture", fixture(t))
	// The fixture with an inventory: a function running as lambda-admin,
	// an instance as ec2-admin.
	f := fixture(t).Account
	inv := &Account{}
	*inv = *f
	inv.Runners = []Runner{{"arn:aws:lambda:us-east-1:111122223333:function:deploy", acct + "role/lambda-admin"},
		{"arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0", acct + "role/ec2-admin"}}
	report("fixture+inventory", BuildGraph(inv))
	if testing.Short() {
		return
	}
	acc, _ := NewAccount(generated(3500, 1500, 20000))
	report("generated", BuildGraph(acc))
}
