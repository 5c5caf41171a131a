package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
)

// The permissions graph: the account as the analysis package sees it
// (analysis.BuildGraph and its escalation edges), read through
// GetAccountAuthorizationDetails as the signed-in user, and drawn in SVG
// by console.js.

func (h *Handler) serveGraph(w http.ResponseWriter, r *http.Request, q *req) {
	h.render(w, r, q.s, "graph", http.StatusOK, "Permissions graph", nil, nil)
}

type graphNode struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Admin bool   `json:"admin,omitempty"`
}

type graphJSON struct {
	Nodes       []graphNode           `json:"nodes"`
	Edges       []analysis.Edge       `json:"edges"`
	Escalations []analysis.Escalation `json:"escalations"`
}

// gaadPages bounds the GetAccountAuthorizationDetails pages read (of
// 1000 entities each).
const gaadPages = 100

func (h *Handler) serveGraphData(w http.ResponseWriter, r *http.Request, q *req) {
	w.Header().Set("Content-Type", "application/json")
	fail := func(err error) {
		e := toAPIError(err)
		w.WriteHeader(statusOf(err))
		_ = json.NewEncoder(w).Encode(map[string]string{"code": e.Code, "message": e.Message})
	}
	var all iamapi.GetAccountAuthorizationDetailsOutput
	marker := ""
	for i := 0; i < gaadPages; i++ {
		p := url.Values{"MaxItems": {"1000"}}
		if marker != "" {
			p.Set("Marker", marker)
		}
		out, err := h.call(r, q, "GetAccountAuthorizationDetails", p)
		if err != nil {
			fail(err)
			return
		}
		o := out.(*iamapi.GetAccountAuthorizationDetailsOutput)
		all.UserDetailList = append(all.UserDetailList, o.UserDetailList...)
		all.GroupDetailList = append(all.GroupDetailList, o.GroupDetailList...)
		all.RoleDetailList = append(all.RoleDetailList, o.RoleDetailList...)
		all.Policies = append(all.Policies, o.Policies...)
		t, m := truncated(o.IsTruncated, o.Marker)
		if !t {
			break
		}
		marker = m
	}
	// The API's shapes carry AWS's member names, which are a dump's.
	b, err := json.Marshal(&all)
	if err != nil {
		fail(err)
		return
	}
	d, err := analysis.ReadDump(bytes.NewReader(b))
	if err != nil {
		fail(err)
		return
	}
	acct, err := analysis.NewAccount(d)
	if err != nil {
		fail(err)
		return
	}
	g := analysis.BuildGraph(acct)
	out := graphJSON{Edges: append(append([]analysis.Edge{}, g.Edges...), g.EscalationEdges()...), Escalations: g.Escalations()}
	seen := map[string]bool{}
	add := func(id, kind string, admin bool) {
		if seen[id] {
			return
		}
		seen[id] = true
		out.Nodes = append(out.Nodes, graphNode{ID: id, Kind: kind, Label: label(id), Admin: admin})
	}
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := g.Nodes[id]
		add(id, string(n.Kind), n.Admin)
	}
	for _, e := range out.Edges {
		add(e.From, kindOf(e.From), false)
		add(e.To, kindOf(e.To), false)
	}
	if out.Escalations == nil {
		out.Escalations = []analysis.Escalation{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// kindOf names what an edge's end is when the graph has no node for it.
func kindOf(id string) string {
	switch {
	case id == analysis.Admin:
		return "admin"
	case strings.Contains(id, ":policy/"):
		return "policy"
	case strings.Contains(id, ":user/"):
		return "user"
	case strings.Contains(id, ":group/"):
		return "group"
	case strings.Contains(id, ":role/"):
		return "role"
	}
	return "other"
}

// label is an ARN's last part, what a node shows.
func label(id string) string {
	if i := strings.LastIndexAny(id, "/"); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}
