package policytest

import (
	"fmt"
	"strings"

	"github.com/iamd/iamd/policy"
)

// Describe explains a result for a person: the deciding statements and the
// missing context keys.
func Describe(r *Result) string {
	if r.Err != nil {
		return "error: " + r.Err.Error()
	}
	var b strings.Builder
	e := r.Explanation
	if len(e.Matched) == 0 {
		b.WriteString("  no statement decided it\n")
	}
	for _, m := range e.Matched {
		fmt.Fprintf(&b, "  %s\n", FormatMatch(m))
	}
	if e.AllowedByBoundary != nil {
		fmt.Fprintf(&b, "  permissions boundary allows: %v\n", *e.AllowedByBoundary)
	}
	if e.AllowedByOrganizations != nil {
		fmt.Fprintf(&b, "  organizations (SCPs) allow: %v\n", *e.AllowedByOrganizations)
	}
	if len(e.MissingContextKeys) > 0 {
		fmt.Fprintf(&b, "  missing context keys: %s\n", strings.Join(e.MissingContextKeys, ", "))
	}
	return b.String()
}

// FormatMatch renders one deciding statement: effect, policy, statement
// index and Sid, and its position.
func FormatMatch(m policy.Match) string {
	s := fmt.Sprintf("%s by %s policy %s, statement %d", m.Effect, m.Role, m.Source.ID, m.Index)
	if m.Sid != "" {
		s += fmt.Sprintf(" (Sid %q)", m.Sid)
	}
	if m.Start.Line > 0 {
		s += fmt.Sprintf(" at line %d, column %d", m.Start.Line, m.Start.Column)
	}
	return s
}
