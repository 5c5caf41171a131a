package console

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/awserr"
)

// The permissions graph: the account as the analysis package sees it
// (analysis.BuildGraph, its escalation edges and paths, who-can, what-can
// and path), read through GetAccountAuthorizationDetails as the signed-in
// user, clustered (graphtree.go) and drawn in SVG by graph.js.

func (h *Handler) serveGraph(w http.ResponseWriter, r *http.Request, q *req) {
	h.render(w, r, q.s, "graph", http.StatusOK, "Permissions graph", nil, nil)
}

// errNoGraph answers a request that met a build that failed.
var errNoGraph = awserr.New("ServiceFailure", http.StatusServiceUnavailable, "The graph could not be built; try again.")

// viewItem is a visible cluster or node.
type viewItem struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Column  string `json:"column"`
	Label   string `json:"label"`
	Cluster bool   `json:"cluster,omitempty"`
	Open    bool   `json:"open,omitempty"` // an open cluster: its members follow
	Depth   int    `json:"depth"`
	Size    int    `json:"size,omitempty"`
	Admins  int    `json:"admins,omitempty"`
	Admin   bool   `json:"admin,omitempty"`
	Path    string `json:"path,omitempty"`
	Hits    int    `json:"hits,omitempty"` // nodes in it that match the filter
}

// viewEdge is the edges of one kind between two visible items.
type viewEdge struct {
	From        string            `json:"from"`
	To          string            `json:"to"`
	Kind        analysis.EdgeKind `json:"kind"`
	N           int               `json:"n"`
	Label       string            `json:"label,omitempty"`
	Conditional bool              `json:"conditional,omitempty"`
}

type viewJSON struct {
	Items   []viewItem `json:"items"`
	Edges   []viewEdge `json:"edges"`
	Open    []string   `json:"open"`
	Nodes   int        `json:"nodes"`   // in the whole graph
	Matches int        `json:"matches"` // nodes the filter matches
	// Escalation edges are drawn once the escalations were asked for.
	Escalations bool `json:"escalations"`
}

// viewMax bounds the items one view draws; defaultView is what the first
// view opens up to.
const (
	viewMax     = 2500
	defaultView = 120
	focusMax    = 200 // filter matches shown on their own
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, err error) {
	e := toAPIError(err)
	writeJSON(w, statusOf(err), map[string]string{"code": e.Code, "message": e.Message})
}

// serveGraphData answers one view of the graph: open (the clusters the
// viewer opened; given empty, none), focus (nodes to show on their own), q (a
// filter on ARN, path or tag) and esc (draw escalation edges).
func (h *Handler) serveGraphData(w http.ResponseWriter, r *http.Request, q *req) {
	st, err := h.graph(r, q)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	_, tree, esc, done := st.snapshot()
	if tree == nil {
		writeJSONError(w, errNoGraph)
		return
	}
	p := r.URL.Query()
	if p.Get("esc") != "1" {
		esc = nil
	} else if !done {
		esc, _ = st.escalations()
	}
	// open and focus are repeated parameters: names may hold commas.
	_, given := p["open"]
	v := tree.view(p["open"], p["focus"], p.Get("q"), !given, esc)
	v.Escalations = esc != nil
	writeJSON(w, http.StatusOK, v)
}

// view computes what is drawn.
func (t *clusterTree) view(open, focus []string, filter string, byDefault bool, esc []analysis.Edge) *viewJSON {
	want := make([]bool, len(t.clusters))
	for _, id := range open {
		// An open cluster is shown: so are the clusters it is in.
		for c, ok := t.byID[id]; ok && c > 0 && !want[c]; c = t.clusters[c].parent {
			want[c] = true
		}
	}
	// Focused nodes (and a filter's few matches) are pinned: shown on
	// their own beside their cluster, which stays as it is.
	pinned := map[int]bool{}
	pins := map[int][]int{} // cluster -> pinned nodes under it
	pin := func(node int) {
		if pinned[node] {
			return
		}
		pinned[node] = true
		for _, c := range t.chain(node) {
			pins[c] = append(pins[c], node)
		}
	}
	for _, id := range focus[:min(len(focus), focusMax*2)] {
		if n, ok := t.nodeIdx[id]; ok {
			pin(n)
		}
	}
	hits := make([]int, len(t.clusters))
	nodeHit := map[int]bool{}
	out := &viewJSON{Nodes: len(t.nodes)}
	if f := strings.ToLower(strings.TrimSpace(filter)); f != "" {
		var matched []int
		for i := range t.nodes {
			if t.nodes[i].matches(f) {
				matched = append(matched, i)
				nodeHit[i] = true
				for _, c := range t.chain(i) {
					hits[c]++
				}
			}
		}
		out.Matches = len(matched)
		if len(matched) <= focusMax {
			for _, n := range matched {
				pin(n)
			}
		}
	} else if byDefault && len(focus) == 0 {
		t.defaultOpen(want)
	}
	eff := make([]bool, len(t.clusters))
	eff[0] = true
	count := 0
	shown := map[int]bool{} // pinned nodes drawn beside their cluster
	member := func(m, at int) {
		n := &t.nodes[m]
		it := viewItem{ID: n.id, Kind: n.kind, Column: t.column(at), Label: n.label, Depth: t.clusters[at].depth + 1, Admin: n.admin, Path: n.path}
		if nodeHit[m] {
			it.Hits = 1
		}
		out.Items = append(out.Items, it)
		count++
	}
	var walk func(at int)
	walk = func(at int) {
		c := t.clusters[at]
		for _, s := range c.clusters {
			sc := t.clusters[s]
			if sc.size == 0 {
				continue
			}
			item := viewItem{ID: sc.id, Kind: sc.kind, Column: t.column(s), Label: sc.label, Cluster: true, Depth: sc.depth, Size: sc.size, Admins: sc.admins, Hits: hits[s]}
			fits := count+1+len(sc.clusters)+len(sc.members) <= viewMax
			if (want[s] || sc.depth == 1) && fits {
				item.Open, eff[s] = true, true
				out.Items = append(out.Items, item)
				count++
				if sc.depth > 1 {
					out.Open = append(out.Open, sc.id)
				}
				walk(s)
				continue
			}
			out.Items = append(out.Items, item)
			count++
			for _, m := range pins[s] {
				if !shown[m] {
					shown[m] = true
					member(m, s)
				}
			}
		}
		if at == 0 {
			return
		}
		for _, m := range c.members {
			member(m, at)
		}
	}
	walk(0)
	if out.Open == nil {
		out.Open = []string{}
	}
	// Each edge between its ends' visible stand-ins, counted.
	rep := make(map[int]string, 64)
	visible := func(node int) string {
		if s, ok := rep[node]; ok {
			return s
		}
		s := t.nodes[node].id
		for _, c := range t.chain(node) {
			if !eff[c] && !shown[node] {
				s = t.clusters[c].id
				break
			}
		}
		rep[node] = s
		return s
	}
	type key struct {
		from, to string
		kind     analysis.EdgeKind
	}
	agg := map[key]*viewEdge{}
	var order []key
	addEdge := func(from, to int, kind analysis.EdgeKind, lbl string, cond bool) {
		a, b := visible(from), visible(to)
		if a == b {
			return
		}
		k := key{a, b, kind}
		e := agg[k]
		if e == nil {
			e = &viewEdge{From: a, To: b, Kind: kind, Label: lbl, Conditional: cond}
			agg[k] = e
			order = append(order, k)
		} else if e.Label != lbl {
			e.Label = ""
		}
		e.N++
		e.Conditional = e.Conditional && cond
	}
	for _, e := range t.edges {
		addEdge(e.from, e.to, e.kind, e.label, e.cond)
	}
	for _, e := range esc {
		a, ok1 := t.nodeIdx[e.From]
		b, ok2 := t.nodeIdx[e.To]
		if ok1 && ok2 {
			addEdge(a, b, e.Kind, e.Label, e.Conditional)
		}
	}
	out.Edges = make([]viewEdge, 0, len(order))
	for _, k := range order {
		e := agg[k]
		if e.N > 1 {
			e.Label = ""
		}
		out.Edges = append(out.Edges, *e)
	}
	return out
}

// column is the top-level kind a cluster is under.
func (t *clusterTree) column(at int) string {
	for t.clusters[at].depth > 1 {
		at = t.clusters[at].parent
	}
	return t.clusters[at].kind
}

// defaultOpen opens clusters breadth first while the view stays small.
func (t *clusterTree) defaultOpen(want []bool) {
	visible := 0
	var queue []int
	for _, s := range t.clusters[0].clusters {
		if t.clusters[s].size > 0 {
			visible++
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		c := t.clusters[at]
		extra := len(c.clusters) + len(c.members)
		if c.depth > 1 {
			extra-- // it stays as its header
			if visible+extra > defaultView {
				continue
			}
		}
		want[at] = true
		visible += extra
		queue = append(queue, c.clusters...)
	}
}

// matches tells whether a node matches a filter: a part of its ARN or
// path, or a tag as key or key=value.
func (n *treeNode) matches(f string) bool {
	if strings.Contains(strings.ToLower(n.id), f) || strings.Contains(strings.ToLower(n.path), f) {
		return true
	}
	for _, tg := range n.tags {
		k := strings.ToLower(tg.Key)
		if k == f || k+"="+strings.ToLower(tg.Value) == f {
			return true
		}
	}
	return false
}

// escalationsMax bounds the escalation paths listed.
const escalationsMax = 300

// serveGraphEscalations lists the escalation paths, with their steps.
func (h *Handler) serveGraphEscalations(w http.ResponseWriter, r *http.Request, q *req) {
	st, err := h.graph(r, q)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	_, list := st.escalations()
	out := struct {
		Total       int                   `json:"total"`
		Escalations []analysis.Escalation `json:"escalations"`
	}{Total: len(list), Escalations: list[:min(len(list), escalationsMax)]}
	if out.Escalations == nil {
		out.Escalations = []analysis.Escalation{}
	}
	writeJSON(w, http.StatusOK, out)
}

// queryStep is one step of an answer, as the page lists and draws it.
type queryStep struct {
	Text string `json:"text"`
	analysis.Step
}

type queryResult struct {
	Principal   string      `json:"principal"`
	Kind        string      `json:"kind,omitempty"`
	Conditional bool        `json:"conditional,omitempty"`
	Steps       []queryStep `json:"steps"`
	// Pairs are the graph's edges the steps go along, as from and to.
	Pairs [][2]string `json:"pairs"`
}

type queryJSON struct {
	Mode    string        `json:"mode"`
	Title   string        `json:"title"`
	Total   int           `json:"total"`
	Results []queryResult `json:"results"`
	// Focus are the nodes to show (their clusters opened).
	Focus []string `json:"focus"`
	// Subject is the principal what-can and path are about.
	Subject string `json:"subject,omitempty"`
}

// queryMax bounds the answers listed and drawn.
const queryMax = 50

// serveGraphQuery answers who-can (action, resource), what-can
// (principal, service) and path (from, to, resource) on the graph, with
// the steps and the edges that grant it.
func (h *Handler) serveGraphQuery(w http.ResponseWriter, r *http.Request, q *req) {
	p := r.URL.Query()
	mode := p.Get("mode")
	bad := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "ValidationError", "message": msg})
	}
	switch mode {
	case "who-can":
		if p.Get("action") == "" {
			bad("Who can: give an action (and a resource; * when none).")
			return
		}
	case "what-can":
		if p.Get("principal") == "" {
			bad("What can: give a principal's ARN.")
			return
		}
	case "path":
		if p.Get("from") == "" || p.Get("to") == "" {
			bad("Path: give the principal it starts from and a target (a role or user ARN, ADMIN, or an action).")
			return
		}
	default:
		bad("mode must be who-can, what-can or path.")
		return
	}
	st, err := h.graph(r, q)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	g, _, _, _ := st.snapshot()
	if g == nil {
		writeJSONError(w, errNoGraph)
		return
	}
	st.qmu.Lock()
	defer st.qmu.Unlock()
	out := queryJSON{Mode: mode, Results: []queryResult{}, Focus: []string{}}
	focus := map[string]bool{}
	addResult := func(res queryResult) {
		out.Results = append(out.Results, res)
		for _, pr := range res.Pairs {
			for _, id := range pr {
				if !focus[id] {
					focus[id] = true
					out.Focus = append(out.Focus, id)
				}
			}
		}
		if !focus[res.Principal] {
			focus[res.Principal] = true
			out.Focus = append(out.Focus, res.Principal)
		}
	}
	switch mode {
	case "who-can":
		action, resource := strings.TrimSpace(p.Get("action")), strings.TrimSpace(p.Get("resource"))
		if resource == "" {
			resource = "*"
		}
		res := g.WhoCan(action, resource, nil)
		out.Title = "Who can " + action + " on " + resource
		out.Total = len(res)
		for _, a := range res[:min(len(res), queryMax)] {
			addResult(queryResult{Principal: a.Principal, Kind: string(a.Kind), Conditional: a.Conditional, Steps: texts(a.Via), Pairs: pairs(g, a.Principal, a.Via)})
		}
	case "what-can":
		principal, service := strings.TrimSpace(p.Get("principal")), strings.TrimSpace(p.Get("service"))
		e, ok := g.Account.Entity(principal)
		if !ok || e.Kind == analysis.KindGroup {
			writeJSON(w, http.StatusNotFound, map[string]string{"code": "NoSuchEntity", "message": "No user or role " + principal + " in the account."})
			return
		}
		c := g.WhatCan(e, service)
		out.Title = "What " + label(principal) + " can do" + map[bool]string{true: " in " + service, false: ""}[service != ""]
		out.Total = len(c.Actions)
		for _, perm := range c.Actions[:min(len(c.Actions), queryMax)] {
			res := queryResult{Principal: perm.Action + " on " + perm.Resource, Conditional: perm.Conditional,
				Steps: []queryStep{{Text: "allowed by " + perm.Policy + " (statement " + strconv.Itoa(perm.Statement) + ")", Step: analysis.Step{Kind: "policy", Policy: perm.Policy}}}}
			res.Pairs = policyPairs(e, perm.Policy)
			addResult(res)
		}
		for _, role := range c.Assumable {
			addResult(queryResult{Principal: "may assume " + label(role), Steps: []queryStep{{Text: "may assume " + role, Step: analysis.Step{Kind: "assume", From: e.ARN, To: role}}},
				Pairs: [][2]string{{e.ARN, role}}})
		}
		out.Subject = e.ARN
		if !focus[e.ARN] {
			out.Focus = append(out.Focus, e.ARN)
		}
	case "path":
		from, to, resource := strings.TrimSpace(p.Get("from")), strings.TrimSpace(p.Get("to")), strings.TrimSpace(p.Get("resource"))
		steps, ok := g.Path(from, to, resource)
		out.Title = "How " + label(from) + " reaches " + label(to)
		out.Subject = from
		if ok {
			out.Total = 1
			addResult(queryResult{Principal: from, Steps: texts(steps), Pairs: pairs(g, from, steps)})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func texts(steps []analysis.Step) []queryStep {
	out := make([]queryStep, 0, len(steps))
	for _, s := range steps {
		out = append(out, queryStep{Text: s.String(), Step: s})
	}
	return out
}

// pairs are the edges a chain of steps goes along: memberships, roles
// assumed, techniques used, and the policies that allow (from the entity
// that holds them).
func pairs(g *analysis.Graph, principal string, steps []analysis.Step) [][2]string {
	var out [][2]string
	cur, holder := principal, ""
	for _, s := range steps {
		switch s.Kind {
		case "policy":
			h := cur
			if holder != "" {
				h = holder
			}
			if owner, _, inline := strings.Cut(s.Policy, "#"); inline {
				if owner != h {
					out = append(out, [2]string{cur, owner})
				}
			} else if s.Policy != "" && s.Detail != "resource policy" {
				out = append(out, [2]string{h, s.Policy})
			}
			holder = ""
		case "member":
			out = append(out, [2]string{s.From, s.To})
			holder = s.To
		default:
			if s.From != "" && s.To != "" {
				out = append(out, [2]string{s.From, s.To})
				if _, ok := g.Nodes[s.To]; ok {
					cur = s.To
				}
			}
			holder = ""
		}
	}
	return out
}

// policyPairs are the edges from a principal to a policy it has: its own,
// or through a group.
func policyPairs(e *analysis.Entity, policyID string) [][2]string {
	owner, _, inline := strings.Cut(policyID, "#")
	if inline {
		if owner == e.ARN {
			return nil
		}
		return [][2]string{{e.ARN, owner}}
	}
	for _, p := range e.Attached {
		if p.ARN == policyID {
			return [][2]string{{e.ARN, policyID}}
		}
	}
	grps := append([]*analysis.Entity{}, e.Groups...)
	sort.Slice(grps, func(i, j int) bool { return grps[i].ARN < grps[j].ARN })
	for _, grp := range grps {
		for _, p := range grp.Attached {
			if p.ARN == policyID {
				return [][2]string{{e.ARN, grp.ARN}, {grp.ARN, policyID}}
			}
		}
	}
	return nil
}
