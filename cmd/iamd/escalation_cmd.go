package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/policy"
)

// escalationGraph is the graph of the source with the SCPs applied.
func escalationGraph(ctx context.Context, s *source, scps []string) (*analysis.Graph, error) {
	if len(scps) == 0 {
		g, _, err := s.graph(ctx)
		return g, err
	}
	d, _, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	a, err := analysis.NewAccount(d)
	if err != nil {
		return nil, usageError("%v", err)
	}
	for _, path := range scps {
		p, err := loadPolicy(path, policy.KindSCP, policy.KindSCP.String())
		if err != nil {
			return nil, err
		}
		a.SCPs = append(a.SCPs, policy.NewSet(p))
	}
	return analysis.BuildGraph(a), nil
}

// writeTechniques lists the escalation techniques.
func writeTechniques(w io.Writer, format string) error {
	ts := analysis.Techniques()
	if format == "json" {
		return analysis.WriteJSON(w, ts)
	}
	for _, t := range ts {
		line := fmt.Sprintf("%-22s %-17s %s", t.ID, t.Category, t.Name)
		if len(t.Services) > 0 {
			line += " (role trusting " + strings.Join(t.Services, " or ") + ")"
		}
		if t.Note != "" {
			line += "; " + t.Note
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d techniques\n", len(ts))
	return nil
}
