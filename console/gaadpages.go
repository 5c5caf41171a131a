package console

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// The graph reads the account with GetAccountAuthorizationDetails, one
// stream of pages per entity kind. At 5,000 principals and 20,000
// policies that read is most of a build, and after a change most of its
// pages are as they were: the pages are kept, and a build after changes
// reads again only the pages the change log says the changes are on
// (and a whole stream when a change adds or removes one of its entries,
// which moves the pages' bounds). Every build still reads the AWS
// managed policies' stream, so every build makes the call as the
// signed-in user and is refused as the full read would be.

// gaadStreams are the Filter values of the streams, in the order the
// dump lists their entries.
var gaadStreams = [...]string{"User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"}

const (
	streamUser = iota
	streamRole
	streamGroup
	streamLocal
	streamAWS
)

// accountPages is the account as the graph last read it.
type accountPages [len(gaadStreams)][]gaadPage

// gaadPage is one page of a stream, converted for the model.
type gaadPage struct {
	marker, next string          // the Marker it was read from, and its own ("" for the last page)
	names        map[string]bool // the lower names of its entries
	part         analysis.Dump
}

// touched is what changes since the last read may have changed: per
// stream, all of it or the entries of these lower names.
type touched struct {
	all   [len(gaadStreams)]bool
	names [len(gaadStreams)]map[string]bool
}

func everything() *touched {
	t := &touched{}
	for i := range t.all {
		t.all[i] = true
	}
	return t
}

func (t *touched) name(stream int, lowerName string) {
	if t.names[stream] == nil {
		t.names[stream] = map[string]bool{}
	}
	t.names[stream][lowerName] = true
}

// add records what one change of the account's records may have changed
// in the read (the store's record kinds and keys, iam/repo.go). A kind it
// does not know touches everything.
func (t *touched) add(ch iam.Change) {
	first, rest, _ := strings.Cut(ch.Key, "|")
	switch ch.Kind {
	case "user":
		t.name(streamUser, ch.Key)
	case "role":
		t.name(streamRole, ch.Key)
	case "group":
		// Users list their groups by name: a renamed group renames it
		// in every member's entry.
		t.name(streamGroup, ch.Key)
		t.all[streamUser] = true
	case "policy":
		t.name(streamLocal, ch.Key)
	case "policy-version": // policy | version
		t.name(streamLocal, first)
	case "member", "user-group": // group | user, user | group
		if ch.Kind == "member" {
			first, _, _ = strings.Cut(rest, "|")
		}
		t.name(streamUser, first)
	case "role-profile": // role | profile
		t.name(streamRole, first)
	case "instance-profile":
		// A role's entry lists its profiles with their roles.
		t.all[streamRole] = true
	case "inline", "attached": // entity kind | entity | ...
		name, _, _ := strings.Cut(rest, "|")
		switch first {
		case "user":
			t.name(streamUser, name)
		case "role":
			t.name(streamRole, name)
		case "group":
			t.name(streamGroup, name)
		default:
			*t = *everything()
		}
	case "attached-to", "boundary-use": // policy ARN | entity kind | entity
		// The policy's counts (an AWS managed one's stream is read
		// every time).
		if a := strings.SplitN(first, ":", 6); len(a) == 6 && a[4] != "aws" {
			t.name(streamLocal, strings.ToLower(a[5][strings.LastIndexByte(a[5], '/')+1:]))
		}
	default:
		*t = *everything()
	}
}

// readPages reads the account for a build: the streams prev does not have
// or t touches, side by side, with the pages of prev that no change is on.
func (h *Handler) readPages(r *http.Request, q *req, prev *accountPages, t *touched) (*accountPages, error) {
	if prev == nil || t == nil {
		prev, t = &accountPages{}, everything()
	}
	t.all[streamAWS] = true // the call made as the caller on every build
	out := &accountPages{}
	errs := make([]error, len(gaadStreams))
	var wg sync.WaitGroup
	for i := range gaadStreams {
		wg.Go(func() {
			out[i], errs[i] = h.readStream(r, q, i, prev[i], t.all[i], t.names[i])
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readStream is one stream: prev with the pages the names are on read
// again, or all of it read when all, when a name is on none of them (an
// entry added, or one prev never had) or when a page read again ends
// elsewhere (an entry removed).
func (h *Handler) readStream(r *http.Request, q *req, stream int, prev []gaadPage, all bool, names map[string]bool) ([]gaadPage, error) {
	if all || len(prev) == 0 {
		return h.readWhole(r, q, stream)
	}
	again := make([]bool, len(prev))
	for n := range names {
		found := false
		for i := range prev {
			if prev[i].names[n] {
				again[i], found = true, true
				break
			}
		}
		if !found {
			return h.readWhole(r, q, stream)
		}
	}
	out := make([]gaadPage, len(prev))
	for i := range prev {
		if !again[i] {
			out[i] = prev[i]
			continue
		}
		p, err := h.readPage(r, q, stream, prev[i].marker)
		if err != nil {
			return nil, err
		}
		if p.next != prev[i].next {
			return h.readWhole(r, q, stream)
		}
		out[i] = p
	}
	return out, nil
}

// readWhole reads a stream from its start.
func (h *Handler) readWhole(r *http.Request, q *req, stream int) ([]gaadPage, error) {
	var pages []gaadPage
	marker := ""
	for range gaadPages {
		p, err := h.readPage(r, q, stream, marker)
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
		if p.next == "" {
			break
		}
		marker = p.next
	}
	return pages, nil
}

// readPage reads one page of a stream from marker.
func (h *Handler) readPage(r *http.Request, q *req, stream int, marker string) (gaadPage, error) {
	p := url.Values{"MaxItems": {"1000"}, "Filter.member.1": {gaadStreams[stream]}}
	if marker != "" {
		p.Set("Marker", marker)
	}
	res, err := h.call(r, q, "GetAccountAuthorizationDetails", p)
	if err != nil {
		return gaadPage{}, err
	}
	o := res.(*iamapi.GetAccountAuthorizationDetailsOutput)
	pg := gaadPage{marker: marker, part: dumpOf(o), names: map[string]bool{}}
	if t, m := truncated(o.IsTruncated, o.Marker); t {
		pg.next = m
	}
	d := &pg.part
	for _, u := range d.UserDetailList {
		pg.names[strings.ToLower(u.UserName)] = true
	}
	for _, ro := range d.RoleDetailList {
		pg.names[strings.ToLower(ro.RoleName)] = true
	}
	for _, g := range d.GroupDetailList {
		pg.names[strings.ToLower(g.GroupName)] = true
	}
	for _, mp := range d.Policies {
		pg.names[strings.ToLower(mp.PolicyName)] = true
	}
	return pg, nil
}

// dump is the account the pages hold, in the streams' order.
func (a *accountPages) dump() *analysis.Dump {
	d := &analysis.Dump{}
	for _, pages := range a {
		for i := range pages {
			p := &pages[i].part
			d.UserDetailList = append(d.UserDetailList, p.UserDetailList...)
			d.GroupDetailList = append(d.GroupDetailList, p.GroupDetailList...)
			d.RoleDetailList = append(d.RoleDetailList, p.RoleDetailList...)
			d.Policies = append(d.Policies, p.Policies...)
		}
	}
	return d
}

// dumpOf converts a GetAccountAuthorizationDetails answer for the model.
func dumpOf(o *iamapi.GetAccountAuthorizationDetailsOutput) analysis.Dump {
	var d analysis.Dump
	for _, u := range o.UserDetailList {
		d.UserDetailList = append(d.UserDetailList, analysis.UserDetail{Path: str(u.Path), UserName: str(u.UserName), UserId: str(u.UserId), Arn: str(u.Arn),
			UserPolicyList: inline(u.UserPolicyList), GroupList: u.GroupList, AttachedManagedPolicies: attached(u.AttachedManagedPolicies),
			PermissionsBoundary: boundary(u.PermissionsBoundary), Tags: tags(u.Tags)})
	}
	for _, g := range o.GroupDetailList {
		d.GroupDetailList = append(d.GroupDetailList, analysis.GroupDetail{Path: str(g.Path), GroupName: str(g.GroupName), GroupId: str(g.GroupId), Arn: str(g.Arn),
			GroupPolicyList: inline(g.GroupPolicyList), AttachedManagedPolicies: attached(g.AttachedManagedPolicies)})
	}
	for _, ro := range o.RoleDetailList {
		rd := analysis.RoleDetail{Path: str(ro.Path), RoleName: str(ro.RoleName), RoleId: str(ro.RoleId), Arn: str(ro.Arn),
			AssumeRolePolicyDocument: document(ro.AssumeRolePolicyDocument), RolePolicyList: inline(ro.RolePolicyList),
			AttachedManagedPolicies: attached(ro.AttachedManagedPolicies), PermissionsBoundary: boundary(ro.PermissionsBoundary), Tags: tags(ro.Tags)}
		for _, ip := range ro.InstanceProfileList {
			rd.InstanceProfileList = append(rd.InstanceProfileList, analysis.InstanceProfile{InstanceProfileName: ip.InstanceProfileName, Arn: ip.Arn, Path: ip.Path})
		}
		d.RoleDetailList = append(d.RoleDetailList, rd)
	}
	for _, p := range o.Policies {
		mp := analysis.ManagedPolicyDetail{PolicyName: str(p.PolicyName), PolicyId: str(p.PolicyId), Arn: str(p.Arn), Path: str(p.Path), DefaultVersionId: str(p.DefaultVersionId)}
		for _, v := range p.PolicyVersionList {
			mp.PolicyVersionList = append(mp.PolicyVersionList, analysis.PolicyVersion{Document: document(v.Document), VersionId: str(v.VersionId),
				IsDefaultVersion: v.IsDefaultVersion != nil && *v.IsDefaultVersion})
		}
		d.Policies = append(d.Policies, mp)
	}
	return d
}
