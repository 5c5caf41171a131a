package actions

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ../../internal/actionsgen -o data/models.json.gz

//go:embed data/models.json.gz
var modelsGz []byte

// service is one botocore model, digested by internal/actionsgen.
type service struct {
	Name        string `json:"name"`
	Signing     string `json:"signing"`
	Prefix      string `json:"prefix"`
	Protocol    string `json:"protocol"`
	Target      string `json:"target"`
	QueryCompat bool   `json:"queryCompat"`
	Ops         []*op  `json:"ops"`

	byName  map[string]*op // operation name → op
	byLower map[string]*op
	rest    []*op // rest protocols: in matching order, most specific first
}

type op struct {
	Name     string            `json:"n"`
	Method   string            `json:"m"`
	URI      string            `json:"u"`
	Action   string            `json:"a"`
	Resource *resource         `json:"r"`
	Members  map[string]member `json:"p"`
	Tags     string            `json:"t"`
	TagKeys  string            `json:"k"`
	Keys     map[string]string `json:"c"`
	Need     []string          `json:"q"`

	tmpl *uriTemplate
}

type member struct {
	Loc  string `json:"l"`
	Name string `json:"n"`
}

type resource struct {
	Type string            `json:"type"`
	ARN  string            `json:"arn"`
	Vars map[string]string `json:"vars"`
	Full string            `json:"full"`
}

type models struct {
	services  map[string]*service   // botocore name → service
	bySigning map[string][]*service // signing name → services that sign with it
}

var (
	loadOnce sync.Once
	loaded   *models
	loadErr  error
)

func load() (*models, error) {
	loadOnce.Do(func() { loaded, loadErr = decodeModels(modelsGz) })
	return loaded, loadErr
}

func decodeModels(gz []byte) (*models, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var list []*service
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	m := &models{services: map[string]*service{}, bySigning: map[string][]*service{}}
	for _, s := range list {
		s.byName = make(map[string]*op, len(s.Ops))
		s.byLower = make(map[string]*op, len(s.Ops))
		for _, o := range s.Ops {
			s.byName[o.Name] = o
			s.byLower[strings.ToLower(o.Name)] = o
			if o.URI != "" {
				o.tmpl = parseTemplate(o.URI)
				for _, n := range o.Need {
					kind, name, _ := strings.Cut(n, ":")
					if kind == "q" {
						o.tmpl.query[name] = ""
					} else {
						o.tmpl.headers = append(o.tmpl.headers, name)
					}
				}
				s.rest = append(s.rest, o)
			}
		}
		sort.SliceStable(s.rest, func(i, j int) bool { return s.rest[i].tmpl.score() > s.rest[j].tmpl.score() })
		m.services[s.Name] = s
		m.bySigning[s.Signing] = append(m.bySigning[s.Signing], s)
	}
	// The service whose name is the signing name is tried first (s3 before s3control).
	for sig, ss := range m.bySigning {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].Name == sig && ss[j].Name != sig })
	}
	return m, nil
}

// uriTemplate is a rest request URI: path segments with {Label} and
// {Label+} (greedy) parts, and the query keys (and values) it requires.
type uriTemplate struct {
	segs    []seg
	query   map[string]string // key → required value ("" for any)
	headers []string          // headers the operation requires
}

type seg struct {
	prefix, label, suffix string
	greedy                bool
	literal               bool
}

func parseTemplate(uri string) *uriTemplate {
	t := &uriTemplate{query: map[string]string{}}
	path, q, _ := strings.Cut(uri, "?")
	if q != "" {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			t.query[k] = v
		}
	}
	for _, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if s == "" {
			continue
		}
		i, j := strings.Index(s, "{"), strings.Index(s, "}")
		if i < 0 || j < i {
			t.segs = append(t.segs, seg{prefix: s, literal: true})
			continue
		}
		label := s[i+1 : j]
		g := strings.HasSuffix(label, "+")
		t.segs = append(t.segs, seg{prefix: s[:i], label: strings.TrimSuffix(label, "+"), suffix: s[j+1:], greedy: g})
	}
	return t
}

// score orders templates so the most specific wins: required query keys,
// then literal path text, then fewer greedy labels.
func (t *uriTemplate) score() int {
	n := 1000 * (len(t.query) + len(t.headers))
	for _, s := range t.segs {
		n += 10 * (len(s.prefix) + len(s.suffix))
		if s.literal {
			n += 5
		}
		if !s.greedy && !s.literal {
			n++
		}
	}
	return n
}

// match returns the labels' values when path (already split into decoded
// segments) and query fit the template.
func (t *uriTemplate) match(segs []string, query map[string][]string, header http.Header) (map[string]string, bool) {
	for _, h := range t.headers {
		if header.Get(h) == "" {
			return nil, false
		}
	}
	for k, v := range t.query {
		got, ok := query[k]
		if !ok || (v != "" && (len(got) == 0 || got[0] != v)) {
			return nil, false
		}
	}
	labels := map[string]string{}
	i := 0
	for n, s := range t.segs {
		if s.greedy {
			if n != len(t.segs)-1 || i >= len(segs) {
				return nil, false
			}
			rest := strings.Join(segs[i:], "/")
			if !strings.HasPrefix(rest, s.prefix) || !strings.HasSuffix(rest, s.suffix) || len(rest) <= len(s.prefix)+len(s.suffix) {
				return nil, false
			}
			labels[s.label] = rest[len(s.prefix) : len(rest)-len(s.suffix)]
			return labels, true
		}
		if i >= len(segs) {
			return nil, false
		}
		v := segs[i]
		i++
		if s.literal {
			if v != s.prefix {
				return nil, false
			}
			continue
		}
		if !strings.HasPrefix(v, s.prefix) || !strings.HasSuffix(v, s.suffix) || len(v) <= len(s.prefix)+len(s.suffix) {
			return nil, false
		}
		labels[s.label] = v[len(s.prefix) : len(v)-len(s.suffix)]
	}
	if i != len(segs) {
		return nil, false
	}
	return labels, true
}
