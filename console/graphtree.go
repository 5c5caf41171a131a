package console

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iamd/iamd/analysis"
)

// The graph is drawn clustered: every node sits in a tree of clusters —
// its kind, then its path, then what it belongs to (a user's first group,
// the principal that trusts a role) — and a cluster of more than
// clusterMax members is cut into alphabetical ranges. Only the visible
// level is sent: the open clusters' members, and the closed clusters as
// single nodes, with the edges between them counted.

// clusterMax is the most items a cluster shows when it is opened.
const clusterMax = 40

// cluster is one cluster of the tree.
type cluster struct {
	idx      int
	id       string // "c:" and its place in the tree
	label    string
	kind     string // the kind of what it holds
	parent   int    // -1 for the root
	depth    int
	clusters []int // sub-clusters, then members (node indexes), in order
	members  []int
	size     int // nodes under it
	admins   int
}

// treeNode is one node of the graph as the tree holds it.
type treeNode struct {
	id, kind, label, path string
	admin                 bool
	tags                  []analysis.Tag
	leaf                  int // the cluster it is a member of
}

// clusterTree is the graph's nodes, clustered, and its edges by node index.
type clusterTree struct {
	clusters []*cluster
	byID     map[string]int
	nodes    []treeNode
	nodeIdx  map[string]int
	edges    []treeEdge
	chains   [][]int // by node: chain
}

type treeEdge struct {
	from, to int
	kind     analysis.EdgeKind
	label    string
	cond     bool
}

// kindOrder is the order of the top-level clusters, the graph's columns.
var kindOrder = []string{"user", "group", "role", "policy", "other"}

var kindTitle = map[string]string{"user": "Users", "group": "Groups", "role": "Roles", "policy": "Policies", "other": "Outside the account"}

func buildTree(g *analysis.Graph) *clusterTree {
	t := &clusterTree{byID: map[string]int{}, nodeIdx: map[string]int{}}
	root := t.newCluster(-1, "c:", "All", "")
	top := map[string]int{}
	for _, k := range kindOrder {
		top[k] = t.newCluster(root, "c:"+k, kindTitle[k], k)
	}
	// Each node's place: its kind, then the segments under it.
	place := map[int][]string{}
	add := func(id, kind string, admin bool, e *analysis.Entity) int {
		if i, ok := t.nodeIdx[id]; ok {
			return i
		}
		n := treeNode{id: id, kind: kind, label: label(id), admin: admin}
		if e != nil {
			n.path, n.tags = e.Path, e.Tags
			if e.Name != "" {
				n.label = e.Name
			}
		}
		t.nodes = append(t.nodes, n)
		i := len(t.nodes) - 1
		t.nodeIdx[id] = i
		return i
	}
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := g.Nodes[id]
		add(id, string(n.Kind), n.Admin, n.Entity)
	}
	for _, e := range g.Edges {
		add(e.From, kindOf(e.From), false, nil)
		add(e.To, kindOf(e.To), false, nil)
	}
	add(analysis.Admin, "admin", false, nil)
	for _, e := range g.Edges {
		t.edges = append(t.edges, treeEdge{from: t.nodeIdx[e.From], to: t.nodeIdx[e.To], kind: e.Kind, label: e.Label, cond: e.Conditional})
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		var segs []string
		if n.path != "" && n.path != "/" {
			segs = append(segs, "path "+n.path)
		}
		switch n.kind {
		case "user":
			if e := g.Nodes[n.id].Entity; e != nil && len(e.Groups) > 0 {
				names := make([]string, 0, len(e.Groups))
				for _, grp := range e.Groups {
					names = append(names, grp.Name)
				}
				sort.Strings(names)
				segs = append(segs, "in "+names[0])
			} else {
				segs = append(segs, "in no group")
			}
		case "role":
			segs = append(segs, trustedBy(g, n.id))
		case "policy":
			if strings.Contains(n.id, ":iam::aws:policy/") {
				segs = append([]string{"AWS managed"}, segs...)
			} else {
				segs = append([]string{"customer managed"}, segs...)
			}
		}
		place[i] = segs
	}
	// Insert the nodes, in label order within each cluster.
	order := make([]int, len(t.nodes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return t.nodes[order[a]].label < t.nodes[order[b]].label })
	for _, i := range order {
		n := &t.nodes[i]
		col := n.kind
		if _, ok := top[col]; !ok {
			col = "other"
		}
		at := top[col]
		for _, s := range place[i] {
			id := t.clusters[at].id + "/" + s
			c, ok := t.byID[id]
			if !ok {
				c = t.newCluster(at, id, s, col)
			}
			at = c
		}
		t.clusters[at].members = append(t.clusters[at].members, i)
		n.leaf = at
	}
	// Sub-clusters in label order; a chain of single sub-clusters is one.
	t.tidy(root)
	t.count(root)
	t.chains = make([][]int, len(t.nodes))
	for i := range t.nodes {
		t.chains[i] = t.chainOf(i)
	}
	return t
}

// trustedBy names what a role is trusted by, for its cluster: a service,
// the account, or its principals.
func trustedBy(g *analysis.Graph, role string) string {
	var svc, acct string
	principals := 0
	for _, ed := range g.Assumers(role) {
		n := g.Nodes[ed.From]
		switch {
		case n != nil && n.Kind == analysis.KindService:
			if svc == "" || ed.From < svc {
				svc = ed.From
			}
		case n != nil && n.Kind == analysis.KindAccount:
			acct = ed.From
		default:
			principals++
		}
	}
	switch {
	case svc != "":
		return "trusted by " + svc
	case acct != "":
		return "trusted by accounts"
	case principals > 0:
		return "trusted by principals"
	}
	return "trusted by no one"
}

func (t *clusterTree) newCluster(parent int, id, label, kind string) int {
	c := &cluster{idx: len(t.clusters), id: id, label: label, kind: kind, parent: parent}
	if parent >= 0 {
		c.depth = t.clusters[parent].depth + 1
		t.clusters[parent].clusters = append(t.clusters[parent].clusters, c.idx)
	}
	t.clusters = append(t.clusters, c)
	t.byID[id] = c.idx
	return c.idx
}

// tidy sorts sub-clusters, folds single sub-clusters into their parent
// (below the kinds) and cuts big clusters into ranges.
func (t *clusterTree) tidy(at int) {
	c := t.clusters[at]
	if at > 0 { // the kinds keep their order, the columns'
		sort.SliceStable(c.clusters, func(a, b int) bool { return t.clusters[c.clusters[a]].label < t.clusters[c.clusters[b]].label })
	}
	if c.depth >= 2 && len(c.clusters) == 1 && len(c.members) == 0 {
		only := t.clusters[c.clusters[0]]
		c.label += " · " + only.label
		c.clusters, c.members = only.clusters, only.members
		for _, s := range c.clusters {
			t.clusters[s].parent = at
		}
		for _, m := range c.members {
			t.nodes[m].leaf = at
		}
		delete(t.byID, only.id)
		t.tidy(at)
		return
	}
	for _, s := range c.clusters {
		t.tidy(s)
	}
	// A cluster of one is its member.
	kept := c.clusters[:0]
	lifted := false
	for _, s := range c.clusters {
		sc := t.clusters[s]
		if at > 0 && len(sc.clusters) == 0 && len(sc.members) == 1 {
			c.members = append(c.members, sc.members[0])
			t.nodes[sc.members[0]].leaf = at
			delete(t.byID, sc.id)
			lifted = true
			continue
		}
		kept = append(kept, s)
	}
	c.clusters = kept
	if lifted {
		sort.SliceStable(c.members, func(a, b int) bool { return t.nodes[c.members[a]].label < t.nodes[c.members[b]].label })
	}
	t.cut(at)
}

// cut splits a cluster of more than clusterMax items into ranges of
// items (sub-clusters first, then members), ranges of ranges when needed.
func (t *clusterTree) cut(at int) {
	c := t.clusters[at]
	n := len(c.clusters) + len(c.members)
	if n <= clusterMax {
		return
	}
	size := clusterMax
	for (n+size-1)/size > clusterMax {
		size *= clusterMax
	}
	subs, members := c.clusters, c.members
	c.clusters, c.members = nil, nil
	item := func(i int) (isCluster bool, v int) {
		if i < len(subs) {
			return true, subs[i]
		}
		return false, members[i-len(subs)]
	}
	name := func(i int) string {
		if ok, v := item(i); ok {
			return t.clusters[v].label
		}
		_, v := item(i)
		return t.nodes[v].label
	}
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		r := t.newCluster(at, fmt.Sprintf("%s/%d", c.id, lo/size), name(lo)+" … "+name(hi-1), c.kind)
		rc := t.clusters[r]
		for i := lo; i < hi; i++ {
			if ok, v := item(i); ok {
				rc.clusters = append(rc.clusters, v)
				t.clusters[v].parent = r
			} else {
				rc.members = append(rc.members, v)
				t.nodes[v].leaf = r
			}
		}
		t.cut(r)
	}
	t.fixDepth(at)
}

func (t *clusterTree) fixDepth(at int) {
	c := t.clusters[at]
	for _, s := range c.clusters {
		t.clusters[s].depth = c.depth + 1
		t.fixDepth(s)
	}
}

func (t *clusterTree) count(at int) {
	c := t.clusters[at]
	c.size, c.admins = len(c.members), 0
	for _, m := range c.members {
		if t.nodes[m].admin {
			c.admins++
		}
	}
	for _, s := range c.clusters {
		t.count(s)
		c.size += t.clusters[s].size
		c.admins += t.clusters[s].admins
	}
}

// chain is a node's clusters from the top down (the root left out).
func (t *clusterTree) chain(node int) []int { return t.chains[node] }

func (t *clusterTree) chainOf(node int) []int {
	var out []int
	for at := t.nodes[node].leaf; at > 0; at = t.clusters[at].parent {
		out = append(out, at)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
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
