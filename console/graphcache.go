package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// The permissions graph of an account costs seconds to build at 5,000
// principals (GetAccountAuthorizationDetails, the model, the trust
// decisions), so it is built once and kept until the account changes: the
// store's change log says when (Store.Changes, read from where the last
// check stopped, so a check is one small query), and which pages of the
// read the changes are on (gaadpages.go). Escalation edges, the dearest
// part, are computed after the first view.
//
// A kept graph is served only to a caller whose own
// GetAccountAuthorizationDetails call (one group long) succeeds, the call
// it was built from: the answer is the account's whole configuration
// whoever asks.

// graphCacheMax bounds the accounts whose graphs are kept.
const graphCacheMax = 4

// graphState is one account's graph.
type graphState struct {
	// mu guards the fields and is held while the graph is built; qmu is
	// held while the graph answers a query (who-can adds the nodes it
	// meets, escalations are memoized in it: one at a time). The tree is
	// not changed once built: views read it with neither held.
	mu      sync.Mutex
	qmu     sync.Mutex
	account string
	seq     int64 // every change up to seq is in the graph
	g       *analysis.Graph
	tree    *clusterTree
	pages   *accountPages // the read g was built from
	used    time.Time

	escDone  bool
	esc      []analysis.Escalation
	escEdges []analysis.Edge
}

type graphCache struct {
	mu   sync.Mutex
	byID map[string]*graphState
}

// graph returns the account's kept graph, rebuilt first when the account
// has changed since it was built.
func (h *Handler) graph(r *http.Request, q *req) (*graphState, error) {
	c := &h.graphs
	c.mu.Lock()
	if c.byID == nil {
		c.byID = map[string]*graphState{}
	}
	st := c.byID[q.id.account]
	if st == nil {
		if len(c.byID) >= graphCacheMax {
			var old *graphState
			for _, s := range c.byID {
				if old == nil || s.used.Before(old.used) {
					old = s
				}
			}
			delete(c.byID, old.account)
		}
		st = &graphState{account: q.id.account}
		c.byID[q.id.account] = st
	}
	st.used = h.now()
	c.mu.Unlock()

	st.mu.Lock()
	defer st.mu.Unlock()
	t, head, err := h.pending(r.Context(), st)
	if err != nil {
		return nil, err
	}
	if st.g != nil && t == nil {
		st.seq = head
		// The kept graph answers only whom its call would: the call
		// itself, one group long, as the CLI would make it (the same
		// request context for conditions, the same audit).
		if _, err := h.call(r, q, "GetAccountAuthorizationDetails", url.Values{"MaxItems": {"1"}, "Filter.member.1": {"Group"}}); err != nil {
			return nil, err
		}
		return st, nil
	}
	if err := h.buildGraph(r, q, st, t, head); err != nil {
		st.g, st.tree, st.pages = nil, nil, nil
		return nil, err
	}
	// The escalation paths are the dearest part, and the page asks for
	// them next: on their way while the first view is drawn.
	go st.escalations()
	return st, nil
}

// snapshot is the built graph's parts a view reads.
func (st *graphState) snapshot() (*analysis.Graph, *clusterTree, []analysis.Edge, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.g, st.tree, st.escEdges, st.escDone
}

// pending reads the changes since the graph was built (or last checked)
// up to the newest, head: t is nil when none may have changed what it
// shows, else what they may have changed (everything when the log no
// longer holds them all).
func (h *Handler) pending(ctx context.Context, st *graphState) (t *touched, head int64, err error) {
	head, truncated, err := h.walkChanges(ctx, st.seq, func(cs []iam.Change) {
		for _, ch := range cs {
			switch {
			case ch.Kind == "*":
				t = everything()
			case ch.Account == st.account && graphKind(ch.Kind):
				if t == nil {
					t = &touched{}
				}
				if st.pages != nil { // with nothing kept, all of it is read anyway
					t.add(ch)
				}
			}
		}
	})
	if err != nil {
		return nil, 0, err
	}
	if truncated {
		t = everything()
	}
	return t, head, nil
}

// headSeq is the newest change's sequence number.
func (h *Handler) headSeq(ctx context.Context, from int64) (int64, error) {
	head, _, err := h.walkChanges(ctx, from, nil)
	return head, err
}

// walkChanges reads the change log after from up to its newest entry,
// handing each page to fn (nil: none), and returns the newest sequence
// number; truncated tells that the log no longer held them all.
func (h *Handler) walkChanges(ctx context.Context, from int64, fn func([]iam.Change)) (head int64, truncated bool, err error) {
	store := h.b.Domain().Store()
	for {
		cs, err := store.Changes(ctx, from, 10000)
		var trunc *iam.TruncatedError
		if errors.As(err, &trunc) {
			truncated, from = true, trunc.Oldest-1
			continue
		}
		if err != nil {
			return 0, false, err
		}
		if len(cs) == 0 {
			return from, truncated, nil
		}
		if fn != nil {
			fn(cs)
		}
		from = cs[len(cs)-1].Seq
	}
}

// graphKind tells whether a change of a record kind may change the graph.
// Credentials, their last use, reports and counters do not; an unknown
// kind is taken to.
func graphKind(kind string) bool {
	switch kind {
	case "access-key", "user-key", "login-profile", "mfa", "user-mfa", "service-access", "access-job", "report", "count",
		"ssh-key", "user-ssh-key", "signing-cert", "user-cert", "service-cred", "user-service-cred", "server-cert",
		"deleted-root-key", "alias", "oidc-provider", "saml-provider", "resource-owner", "by-id":
		return false
	}
	return true
}

// gaadPages bounds the GetAccountAuthorizationDetails pages read per
// stream (of 1000 entities each).
const gaadPages = 100

// buildGraph reads the account with GetAccountAuthorizationDetails as the
// caller, again where t says it may have changed since the kept read, and
// builds its graph and clusters. head is the change log's newest change,
// read before: a change made during the read makes the next request
// build again.
func (h *Handler) buildGraph(r *http.Request, q *req, st *graphState, t *touched, head int64) error {
	pages, err := h.readPages(r, q, st.pages, t)
	if err != nil {
		return err
	}
	// The model before the change lends its compiled policies: most are
	// unchanged.
	var prev *analysis.Account
	if st.g != nil {
		prev = st.g.Account
	}
	acct, err := analysis.NewAccountReusing(pages.dump(), prev)
	if err != nil {
		return err
	}
	g := analysis.BuildGraph(acct)
	st.g, st.seq, st.tree, st.pages = g, head, buildTree(g), pages
	st.escDone, st.esc, st.escEdges = false, nil, nil
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// document is a policy document as the API gives it (URL-encoded JSON).
func document(p *string) analysis.Document {
	s := strings.TrimSpace(str(p))
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "{") {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	return analysis.Document(s)
}

func inline(list []iamapi.PolicyDetail) []analysis.PolicyDetail {
	var out []analysis.PolicyDetail
	for _, p := range list {
		out = append(out, analysis.PolicyDetail{PolicyName: str(p.PolicyName), PolicyDocument: document(p.PolicyDocument)})
	}
	return out
}

func attached(list []iamapi.AttachedPolicy) []analysis.AttachedPolicy {
	var out []analysis.AttachedPolicy
	for _, p := range list {
		out = append(out, analysis.AttachedPolicy{PolicyName: str(p.PolicyName), PolicyArn: str(p.PolicyArn)})
	}
	return out
}

func boundary(b *iamapi.AttachedPermissionsBoundary) *analysis.PermissionsBound {
	if b == nil || b.PermissionsBoundaryArn == nil {
		return nil
	}
	return &analysis.PermissionsBound{PermissionsBoundaryType: str(b.PermissionsBoundaryType), PermissionsBoundaryArn: *b.PermissionsBoundaryArn}
}

func tags(list []iamapi.Tag) []analysis.Tag {
	var out []analysis.Tag
	for _, t := range list {
		out = append(out, analysis.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// escalations computes the escalation edges and paths once per graph.
func (st *graphState) escalations() ([]analysis.Edge, []analysis.Escalation) {
	st.qmu.Lock()
	defer st.qmu.Unlock()
	st.mu.Lock()
	g, done, edges, list := st.g, st.escDone, st.escEdges, st.esc
	st.mu.Unlock()
	if done || g == nil {
		return edges, list
	}
	edges, list = g.EscalationEdges(), g.Escalations()
	st.mu.Lock()
	if st.g == g { // not rebuilt meanwhile
		st.escEdges, st.esc, st.escDone = edges, list, true
	}
	st.mu.Unlock()
	return edges, list
}
