package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Formats are the output formats of the graph queries.
var Formats = []string{"text", "json", "dot", "mermaid"}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Chain is a principal and the steps that lead it to a target: the shape
// who-can, path and escalation share for drawing.
type Chain struct {
	Principal string
	Steps     []Step
	Target    string
}

// diagram collects nodes and labelled edges once each.
type diagram struct {
	nodes []string
	kinds map[string]string
	edges [][3]string
	seen  map[string]bool
}

func newDiagram() *diagram { return &diagram{kinds: map[string]string{}, seen: map[string]bool{}} }

func (d *diagram) node(id, kind string) {
	if _, ok := d.kinds[id]; !ok {
		d.nodes = append(d.nodes, id)
		d.kinds[id] = kind
	}
}

func (d *diagram) edge(from, to, label string) {
	k := from + "\x00" + to + "\x00" + label
	if !d.seen[k] {
		d.seen[k] = true
		d.edges = append(d.edges, [3]string{from, to, label})
	}
}

func nodeKind(id string) string {
	switch {
	case id == Admin:
		return "admin"
	case strings.Contains(id, ":user/"):
		return "user"
	case strings.Contains(id, ":role/"):
		return "role"
	case strings.Contains(id, ":group/"):
		return "group"
	case strings.Contains(id, ":policy/") || strings.Contains(id, "#"):
		return "policy"
	case strings.HasSuffix(id, ".amazonaws.com"):
		return "service"
	}
	return "other"
}

func chainsDiagram(chains []Chain) *diagram {
	d := newDiagram()
	for _, c := range chains {
		at := c.Principal
		d.node(at, nodeKind(at))
		for _, s := range c.Steps {
			switch s.Kind {
			case "policy":
				d.node(s.Policy, "policy")
				d.edge(at, s.Policy, s.Statement)
				if c.Target != "" {
					d.node(c.Target, "target")
					d.edge(s.Policy, c.Target, "allows")
				}
			case "member":
				d.node(s.To, "group")
				d.edge(s.From, s.To, "member of")
				at = s.To
			default:
				d.node(s.From, nodeKind(s.From))
				d.node(s.To, nodeKind(s.To))
				label := s.Detail
				if s.Kind != "assume" {
					label = s.Kind
				}
				if s.Conditional {
					label += " (conditional)"
				}
				d.edge(s.From, s.To, label)
				at = s.To
			}
		}
	}
	return d
}

var dotShapes = map[string]string{"user": "ellipse", "role": "box", "group": "folder", "policy": "note", "service": "hexagon", "admin": "doubleoctagon", "target": "octagon", "other": "diamond"}

func (d *diagram) dot(w io.Writer, name string) {
	fmt.Fprintf(w, "digraph %q {\n  rankdir=LR;\n", name)
	for _, n := range d.nodes {
		fmt.Fprintf(w, "  %q [label=%q, shape=%s];\n", n, short(n), dotShapes[d.kinds[n]])
	}
	for _, e := range d.edges {
		fmt.Fprintf(w, "  %q -> %q [label=%q];\n", e[0], e[1], e[2])
	}
	fmt.Fprintln(w, "}")
}

func (d *diagram) mermaid(w io.Writer) {
	ids := map[string]string{}
	fmt.Fprintln(w, "flowchart LR")
	for i, n := range d.nodes {
		id := fmt.Sprintf("n%d", i)
		ids[n] = id
		label := strings.NewReplacer(`"`, "#quot;").Replace(short(n))
		switch d.kinds[n] {
		case "role":
			fmt.Fprintf(w, "  %s[\"%s\"]\n", id, label)
		case "policy":
			fmt.Fprintf(w, "  %s>\"%s\"]\n", id, label)
		case "admin", "target":
			fmt.Fprintf(w, "  %s{{\"%s\"}}\n", id, label)
		default:
			fmt.Fprintf(w, "  %s([\"%s\"])\n", id, label)
		}
	}
	for _, e := range d.edges {
		fmt.Fprintf(w, "  %s -->|\"%s\"| %s\n", ids[e[0]], strings.ReplaceAll(e[2], `"`, "#quot;"), ids[e[1]])
	}
}

// WriteChains draws chains in a diagram format (dot or mermaid).
func WriteChains(w io.Writer, format, name string, chains []Chain) error {
	d := chainsDiagram(chains)
	switch format {
	case "dot":
		d.dot(w, name)
	case "mermaid":
		d.mermaid(w)
	default:
		return fmt.Errorf("format %q: want text, json, dot or mermaid", format)
	}
	return nil
}

// WriteGraph draws the whole graph (membership, attachment, trust and
// escalation edges).
func WriteGraph(w io.Writer, format string, g *Graph) error {
	d := newDiagram()
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		k := string(g.Nodes[id].Kind)
		if g.Nodes[id].Admin {
			k = "admin"
		}
		d.node(id, k)
	}
	edges := append(append([]Edge{}, g.Edges...), g.EscalationEdges()...)
	for _, e := range edges {
		d.node(e.From, nodeKind(e.From))
		d.node(e.To, nodeKind(e.To))
		label := string(e.Kind)
		if e.Kind == EdgeAssume || e.Kind == EdgeEscalate {
			label = e.Label
			if i := strings.Index(label, ": "); i > 0 {
				label = label[:i]
			}
		}
		if e.Conditional {
			label += " (conditional)"
		}
		d.edge(e.From, e.To, label)
	}
	switch format {
	case "dot":
		d.dot(w, "iam")
	case "mermaid":
		d.mermaid(w)
	case "json":
		return WriteJSON(w, struct {
			Nodes []*Node `json:"nodes"`
			Edges []Edge  `json:"edges"`
		}{nodesOf(g, ids), edges})
	default:
		return fmt.Errorf("format %q: want json, dot or mermaid", format)
	}
	return nil
}

func nodesOf(g *Graph, ids []string) []*Node {
	out := make([]*Node, 0, len(ids))
	for _, id := range ids {
		out = append(out, g.Nodes[id])
	}
	return out
}

// WriteCapabilitiesDiagram draws what-can: the principal, its services,
// and the actions grouped by access level.
func WriteCapabilitiesDiagram(w io.Writer, format string, c *Capabilities) error {
	d := newDiagram()
	d.node(c.Principal, nodeKind(c.Principal))
	for _, p := range c.Actions {
		svc, _, _ := strings.Cut(p.Action, ":")
		group := svc + " (" + p.AccessLevel + ")"
		d.node(group, "other")
		d.edge(c.Principal, group, p.AccessLevel)
		d.node(p.Action, "target")
		d.edge(group, p.Action, p.Resource)
	}
	for _, r := range c.Assumable {
		d.node(r, "role")
		d.edge(c.Principal, r, "sts:AssumeRole")
	}
	switch format {
	case "dot":
		d.dot(w, "what-can")
	case "mermaid":
		d.mermaid(w)
	default:
		return fmt.Errorf("format %q: want text, json, dot or mermaid", format)
	}
	return nil
}
