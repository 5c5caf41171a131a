// Command actionsgen writes gateway/actions/data/models.json.gz: for every
// service in botocore's models, how a request names its operation
// (protocol, JSON target prefix, HTTP method and request URI) and, for each
// operation, the IAM action of the same name in the Service Authorization
// Reference (package catalog) with the resource type whose ARN the
// operation's input fills in.
//
// The models come with the aws CLI (botocore/data/<svc>/<version>/service-2.json.gz);
// the output is committed so that building needs neither.
//
//	go run ./internal/actionsgen [-models DIR] [-o FILE]
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/iamd/iamd/catalog"
)

func main() {
	models := flag.String("models", "", "botocore data directory (default: found from python3's botocore)")
	out := flag.String("o", "", "output file (default gateway/actions/data/models.json.gz under the module root)")
	flag.Parse()
	dir := *models
	if dir == "" {
		dir = ModelsDir()
	}
	if dir == "" {
		log.Fatal("actionsgen: botocore models not found; pass -models DIR")
	}
	data, err := Generate(dir)
	if err != nil {
		log.Fatal(err)
	}
	path := *out
	if path == "" {
		path = filepath.Join(moduleRoot(), "gateway", "actions", "data", "models.json.gz")
	}
	if err := os.WriteFile(path, Compress(data), 0o644); err != nil {
		log.Fatal(err)
	}
}

// ModelsDir finds botocore's data directory: $BOTOCORE_DATA, python3's
// botocore, or the aws CLI's pyenv install; "" when there is none.
func ModelsDir() string {
	if d := os.Getenv("BOTOCORE_DATA"); d != "" {
		return d
	}
	if out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output(); err == nil {
		d := filepath.Join(strings.TrimSpace(string(out)), "data")
		if _, err := os.Stat(filepath.Join(d, "s3")); err == nil {
			return d
		}
	}
	d := "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data"
	if _, err := os.Stat(filepath.Join(d, "s3")); err == nil {
		return d
	}
	return ""
}

func moduleRoot() string {
	d, _ := os.Getwd()
	for p := d; p != filepath.Dir(p); p = filepath.Dir(p) {
		if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
			return p
		}
	}
	return d
}

// Compress gzips deterministically (no name, no time).
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// The output shapes; gateway/actions decodes the same JSON.
type service struct {
	Name        string `json:"name"`
	Signing     string `json:"signing"`
	Prefix      string `json:"prefix"` // IAM action prefix
	Protocol    string `json:"protocol"`
	Target      string `json:"target,omitempty"`
	QueryCompat bool   `json:"queryCompat,omitempty"`
	Ops         []op   `json:"ops"`
}

type op struct {
	Name     string            `json:"n"`
	Method   string            `json:"m,omitempty"`
	URI      string            `json:"u,omitempty"`
	Action   string            `json:"a,omitempty"` // "" when the catalogue has no action of the operation's name
	Resource *resource         `json:"r,omitempty"`
	Members  map[string]member `json:"p,omitempty"`
	Tags     string            `json:"t,omitempty"` // the input member holding the request's tags
	TagKeys  string            `json:"k,omitempty"` // the input member holding tag keys (untag)
	Keys     map[string]string `json:"c,omitempty"` // service condition key → the scalar input member of its name
	Need     []string          `json:"q,omitempty"` // rest: required query ("q:name") and header ("h:name") members, which tell apart operations of one URI
}

type member struct {
	Loc  string `json:"l,omitempty"` // uri, querystring, header; "" for the body
	Name string `json:"n,omitempty"` // locationName when it differs
}

type resource struct {
	Type string            `json:"type"`
	ARN  string            `json:"arn"`
	Vars map[string]string `json:"vars,omitempty"` // ARN variable → input member
	Full string            `json:"full,omitempty"` // input member that may hold the whole ARN
}

type model struct {
	Metadata struct {
		Protocol           string          `json:"protocol"`
		SigningName        string          `json:"signingName"`
		EndpointPrefix     string          `json:"endpointPrefix"`
		TargetPrefix       string          `json:"targetPrefix"`
		ServiceID          string          `json:"serviceId"`
		AWSQueryCompatible json.RawMessage `json:"awsQueryCompatible"`
	} `json:"metadata"`
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input *struct {
			Shape string `json:"shape"`
		} `json:"input"`
	} `json:"operations"`
	Shapes map[string]struct {
		Type     string   `json:"type"`
		Required []string `json:"required"`
		Members  map[string]struct {
			Shape        string `json:"shape"`
			Location     string `json:"location"`
			LocationName string `json:"locationName"`
		} `json:"members"`
	} `json:"shapes"`
}

// Generate reads every service's newest model under dir and returns the
// JSON the mapper embeds.
func Generate(dir string) ([]byte, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var services []service
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		versions, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*", "service-2.json.gz"))
		if len(versions) == 0 {
			continue
		}
		sort.Strings(versions)
		m, err := readModel(versions[len(versions)-1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		services = append(services, build(cat, e.Name(), m))
	}
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, s := range services {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		if i < len(services)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

func readModel(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	m := &model{}
	return m, json.Unmarshal(b, m)
}

func build(cat *catalog.Catalog, name string, m *model) service {
	md := m.Metadata
	s := service{
		Name:        name,
		Signing:     md.SigningName,
		Protocol:    md.Protocol,
		Target:      md.TargetPrefix,
		QueryCompat: len(md.AWSQueryCompatible) > 0,
	}
	if s.Signing == "" {
		s.Signing = md.EndpointPrefix
	}
	s.Prefix = prefixFor(cat, name, m)
	svc := cat.Services[s.Prefix]
	var names []string
	for n := range m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mo := m.Operations[n]
		o := op{Name: n}
		if strings.HasPrefix(s.Protocol, "rest") {
			o.Method, o.URI = mo.HTTP.Method, mo.HTTP.RequestURI
		}
		members := map[string]member{}
		var inputNames []string
		scalars := map[string]string{} // lower-case name → scalar member
		if mo.Input != nil {
			for mn, mm := range m.Shapes[mo.Input.Shape].Members {
				inputNames = append(inputNames, mn)
				loc := mm.Location
				mem := member{Loc: loc}
				if mm.LocationName != "" && mm.LocationName != mn {
					mem.Name = mm.LocationName
				}
				members[mn] = mem
				t := m.Shapes[mm.Shape].Type
				switch t {
				case "string", "boolean", "integer", "long":
					scalars[strings.ToLower(mn)] = mn
				}
				switch {
				case strings.EqualFold(mn, "tags") && (t == "list" || t == "map"):
					o.Tags = mn
				case strings.EqualFold(mn, "tagKeys") && t == "list":
					o.TagKeys = mn
				}
			}
		}
		sort.Strings(inputNames)
		if mo.Input != nil && o.URI != "" {
			sh := m.Shapes[mo.Input.Shape]
			for _, rq := range sh.Required {
				mm := sh.Members[rq]
				ln := mm.LocationName
				if ln == "" {
					ln = rq
				}
				switch mm.Location {
				case "querystring":
					o.Need = append(o.Need, "q:"+ln)
				case "header":
					o.Need = append(o.Need, "h:"+ln)
				}
			}
			sort.Strings(o.Need)
		}
		if svc != nil {
			a := svc.Actions[n]
			if a == nil {
				for an, x := range svc.Actions {
					if strings.EqualFold(an, n) {
						a = x
					}
				}
			}
			if a != nil {
				o.Action = s.Prefix + ":" + a.Name
				o.Resource = resolve(svc, a, inputNames)
				// A service key named as a scalar input member (ssm:Overwrite,
				// secretsmanager:SecretId, dynamodb:Select) takes its value.
				for _, k := range a.ConditionKeys {
					kp, kn, _ := strings.Cut(k, ":")
					if kp != s.Prefix || strings.ContainsAny(kn, "/${}<") {
						continue
					}
					if mn := scalars[strings.ToLower(kn)]; mn != "" {
						if o.Keys == nil {
							o.Keys = map[string]string{}
						}
						o.Keys[k] = mn
					}
				}
			}
		}
		// Keep only the members the mapper reads: resource names and tags.
		keep := map[string]member{}
		if o.Resource != nil {
			for _, mn := range o.Resource.Vars {
				keep[mn] = members[mn]
			}
			if o.Resource.Full != "" {
				keep[o.Resource.Full] = members[o.Resource.Full]
			}
		}
		for _, mn := range o.Keys {
			keep[mn] = members[mn]
		}
		for _, mn := range []string{o.Tags, o.TagKeys} {
			if mn != "" {
				keep[mn] = members[mn]
			}
		}
		for mn, mem := range keep {
			if mem == (member{}) {
				delete(keep, mn) // a body member of its own name: the default
			}
		}
		if len(keep) > 0 {
			o.Members = keep
		}
		s.Ops = append(s.Ops, o)
	}
	return s
}

// prefixFor picks the IAM prefix among the service's names that the
// catalogue knows best: the one with the most actions named as operations.
func prefixFor(cat *catalog.Catalog, name string, m *model) string {
	md := m.Metadata
	cands := []string{md.SigningName, md.EndpointPrefix, name, strings.ToLower(strings.ReplaceAll(md.ServiceID, " ", ""))}
	best, bestN := "", 0
	for _, c := range cands {
		s := cat.Services[c]
		if c == "" || s == nil {
			continue
		}
		n := 0
		for op := range m.Operations {
			if s.Actions[op] != nil {
				n++
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	if best == "" {
		if md.SigningName != "" {
			return md.SigningName
		}
		return md.EndpointPrefix
	}
	return best
}

var varRE = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// resolve finds the first resource type of the action (required ones
// first) whose ARN variables the input members all name.
func resolve(svc *catalog.Service, a *catalog.Action, inputs []string) *resource {
	refs := append([]catalog.ResourceRef(nil), a.ResourceTypes...)
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Required && !refs[j].Required })
	for _, ref := range refs {
		rt := svc.ResourceTypes[ref.Name]
		if rt == nil {
			continue
		}
		r := &resource{Type: ref.Name, ARN: rt.ARN, Vars: map[string]string{}}
		ok := true
		for _, v := range varRE.FindAllStringSubmatch(rt.ARN, -1) {
			switch v[1] {
			case "Partition", "Region", "Account":
				continue
			}
			mn := matchMember(v[1], inputs)
			if mn == "" {
				ok = false
				break
			}
			r.Vars[v[1]] = mn
		}
		if ok {
			r.Full = arnMember(ref.Name, inputs)
			if len(r.Vars) == 0 && r.Full == "" {
				continue // an ARN of the account alone names no resource of the input
			}
			return r
		}
		if full := arnMember(ref.Name, inputs); full != "" {
			return &resource{Type: ref.Name, ARN: rt.ARN, Full: full}
		}
	}
	return nil
}

// matchMember: a member of the variable's name, or of it without "Name"
// or "Id" (BucketName ↔ Bucket), or with it (Function ↔ FunctionName).
func matchMember(v string, inputs []string) string {
	lv := strings.ToLower(v)
	cands := []string{lv, strings.TrimSuffix(lv, "name"), strings.TrimSuffix(lv, "id"), lv + "name", lv + "id"}
	if lv == "objectname" {
		cands = append(cands, "key")
	}
	for _, c := range cands {
		for _, in := range inputs {
			if strings.ToLower(in) == c {
				return in
			}
		}
	}
	return ""
}

// arnMember: an input member that holds the resource's whole ARN
// (ResourceArn, <Type>Arn).
func arnMember(typ string, inputs []string) string {
	t := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(typ))
	for _, c := range []string{t + "arn", "resourcearn", "arn", "resource"} {
		for _, in := range inputs {
			if strings.ToLower(in) == c {
				return in
			}
		}
	}
	return ""
}
