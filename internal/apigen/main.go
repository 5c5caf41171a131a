// Command apigen generates the Go shapes and the AWS Query protocol code of
// an AWS service from its model (botocore's service-2.json): a struct per
// input, output and nested structure, decoders that read Query parameters,
// validators that enforce the model's constraints with AWS's messages,
// XML encoders, and a dispatcher that calls the operations a service
// implements.
//
//	go run ./internal/apigen -model protocol/model/iam-2010-05-08.json.gz -pkg iamapi -out protocol/iamapi/api_gen.go
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The subset of the botocore model the query protocol needs.
type model struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		XMLNamespace string `json:"xmlNamespace"`
		Protocol     string `json:"protocol"`
		ServiceID    string `json:"serviceId"`
	} `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type operation struct {
	Name   string `json:"name"`
	Input  *ref   `json:"input"`
	Output *struct {
		Shape         string `json:"shape"`
		ResultWrapper string `json:"resultWrapper"`
	} `json:"output"`
	Documentation string `json:"documentation"`
}

type ref struct {
	Shape         string `json:"shape"`
	Documentation string `json:"documentation"`
}

type shape struct {
	Type      string          `json:"type"`
	Members   map[string]*ref `json:"members"`
	Required  []string        `json:"required"`
	Member    *ref            `json:"member"`
	Key       *ref            `json:"key"`
	Value     *ref            `json:"value"`
	Min       *float64        `json:"min"`
	Max       *float64        `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Exception bool            `json:"exception"`
	Error     *struct {
		Code       string `json:"code"`
		HTTPStatus int    `json:"httpStatusCode"`
	} `json:"error"`
	Documentation string `json:"documentation"`

	// memberOrder is the members in the order the model lists them, which
	// decides the order of XML elements.
	memberOrder []string
}

func main() {
	modelPath := flag.String("model", "", "botocore service-2.json(.gz)")
	pkg := flag.String("pkg", "", "Go package name")
	out := flag.String("out", "", "output file")
	skipPatterns := flag.String("skip-pattern", "", "comma-separated shapes whose pattern is not enforced here")
	flag.Parse()
	if *modelPath == "" || *pkg == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	m, err := load(*modelPath)
	if err != nil {
		log.Fatal(err)
	}
	g := &generator{m: m, pkg: *pkg, skipPattern: map[string]bool{}}
	for _, s := range strings.Split(*skipPatterns, ",") {
		if s != "" {
			g.skipPattern[s] = true
		}
	}
	src, err := g.generate()
	if err != nil {
		log.Fatal(err)
	}
	formatted, err := format.Source(src)
	if err != nil {
		os.WriteFile(*out+".broken", src, 0o644)
		log.Fatalf("gofmt: %v (source in %s.broken)", err, *out)
	}
	if err := os.WriteFile(*out, formatted, 0o644); err != nil {
		log.Fatal(err)
	}
}

// load reads the model, keeping each structure's member order (Go maps
// lose it, and XML element order must follow the model).
func load(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	var raw struct {
		Shapes map[string]struct {
			Members json.RawMessage `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	for name, s := range raw.Shapes {
		if len(s.Members) > 0 {
			order, err := objectKeys(s.Members)
			if err != nil {
				return nil, fmt.Errorf("shape %s: %w", name, err)
			}
			m.Shapes[name].memberOrder = order
		}
	}
	return &m, nil
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

type generator struct {
	m           *model
	pkg         string
	skipPattern map[string]bool
	goNames     map[string]string // structure shape -> Go type name
	patterns    map[string]string // pattern -> variable name
	buf         bytes.Buffer
}

func (g *generator) p(format string, args ...any) {
	fmt.Fprintf(&g.buf, format, args...)
	g.buf.WriteByte('\n')
}

func (g *generator) sortedOps() []*operation {
	var ops []*operation
	for _, o := range g.m.Operations {
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops
}

func (g *generator) generate() ([]byte, error) {
	if g.m.Metadata.Protocol != "query" {
		return nil, fmt.Errorf("protocol %q: only query is supported", g.m.Metadata.Protocol)
	}
	g.goNames = map[string]string{}
	g.patterns = map[string]string{}
	ops := g.sortedOps()
	// Shapes shared by several operations (SimulatePolicyResponse) are
	// named after the first; the others get aliases.
	var aliases [][2]string
	for _, o := range ops {
		for _, io := range []struct {
			shape, name string
		}{{shapeOf(o.Input), o.Name + "Input"}, {outputShape(o), o.Name + "Output"}} {
			if io.shape == "" {
				continue
			}
			if prev, ok := g.goNames[io.shape]; ok {
				aliases = append(aliases, [2]string{io.name, prev})
				continue
			}
			g.goNames[io.shape] = io.name
		}
	}
	// Which structures are read from requests and which are written to
	// responses decides which methods they get.
	inputs, outputs := map[string]bool{}, map[string]bool{}
	for _, o := range ops {
		if o.Input != nil {
			g.reach(o.Input.Shape, inputs)
		}
		if o.Output != nil {
			g.reach(o.Output.Shape, outputs)
		}
	}
	var structs []string
	for name, s := range g.m.Shapes {
		if s.Type == "structure" && !s.Exception && (inputs[name] || outputs[name]) {
			if _, ok := g.goNames[name]; !ok {
				g.goNames[name] = exported(name)
			}
			structs = append(structs, name)
		}
	}
	sort.Slice(structs, func(i, j int) bool { return g.goNames[structs[i]] < g.goNames[structs[j]] })

	var body bytes.Buffer
	main := g.buf
	g.buf = body
	for _, name := range structs {
		g.structType(name)
		if inputs[name] {
			g.decoder(name)
			g.validator(name)
		}
		if outputs[name] {
			g.encoder(name)
		}
	}
	for _, o := range ops {
		if o.Input == nil {
			g.p("")
			g.p("// %sInput is empty: the operation takes no parameters.", o.Name)
			g.p("type %sInput struct{}", o.Name)
		}
	}
	for _, a := range aliases {
		g.p("")
		g.p("// %s is the same shape as %s.", a[0], a[1])
		g.p("type %s = %s", a[0], a[1])
	}
	g.errors()
	g.dispatch(ops)
	body = g.buf
	g.buf = main

	g.p("// Code generated by internal/apigen from the AWS %s model (%s); DO NOT EDIT.", g.m.Metadata.ServiceID, g.m.Metadata.APIVersion)
	g.p("")
	g.p("package %s", g.pkg)
	g.p("")
	g.p("import (")
	for _, imp := range []string{"context", "net/http", "net/url", "regexp", "sort", "strconv", "time"} {
		g.p("%q", imp)
	}
	g.p("")
	g.p("%q", "github.com/iamd/iamd/awserr")
	g.p("%q", "github.com/iamd/iamd/protocol/query")
	g.p(")")
	g.p("")
	g.p("// Namespace is the XML namespace of responses; APIVersion the Version parameter.")
	g.p("const (")
	g.p("Namespace = %q", g.m.Metadata.XMLNamespace)
	g.p("APIVersion = %q", g.m.Metadata.APIVersion)
	g.p(")")
	g.p("")
	g.p("var (")
	g.p("_ = sort.Strings")
	g.p("_ = strconv.Itoa")
	g.p("_ = time.Time{}")
	g.p("_ = regexp.MustCompile")
	g.p("_ = http.StatusOK")
	g.p(")")
	var pats []string
	for p := range g.patterns {
		pats = append(pats, p)
	}
	sort.Strings(pats)
	if len(pats) > 0 {
		g.p("")
		g.p("// The model's patterns, anchored: AWS matches the whole value.")
		g.p("var (")
		for _, p := range pats {
			re, err := goRegexp(p)
			if err != nil {
				return nil, err
			}
			g.p("%s = regexp.MustCompile(%q)", g.patterns[p], re)
		}
		g.p(")")
	}
	g.buf.Write(body.Bytes())
	return g.buf.Bytes(), nil
}

// reach marks the structures reachable from a shape.
func (g *generator) reach(name string, seen map[string]bool) {
	s := g.m.Shapes[name]
	if s == nil || seen[name] {
		return
	}
	switch s.Type {
	case "structure":
		seen[name] = true
		for _, m := range s.memberOrder {
			g.reach(s.Members[m].Shape, seen)
		}
	case "list":
		g.reach(s.Member.Shape, seen)
	case "map":
		g.reach(s.Key.Shape, seen)
		g.reach(s.Value.Shape, seen)
	}
}

func shapeOf(r *ref) string {
	if r == nil {
		return ""
	}
	return r.Shape
}

func outputShape(o *operation) string {
	if o.Output == nil {
		return ""
	}
	return o.Output.Shape
}

func exported(name string) string { return strings.ToUpper(name[:1]) + name[1:] }

func (g *generator) required(s *shape, member string) bool {
	for _, r := range s.Required {
		if r == member {
			return true
		}
	}
	return false
}

// goType is the Go type of a member; optional scalars and structures are
// pointers, so "absent" differs from "empty".
func (g *generator) goType(shapeName string, optional bool) string {
	s := g.m.Shapes[shapeName]
	ptr := ""
	if optional {
		ptr = "*"
	}
	switch s.Type {
	case "string":
		return ptr + "string"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "boolean":
		return ptr + "bool"
	case "timestamp":
		return ptr + "time.Time"
	case "blob":
		return "[]byte"
	case "list":
		return "[]" + g.goType(s.Member.Shape, false)
	case "map":
		return "map[" + g.goType(s.Key.Shape, false) + "]" + g.goType(s.Value.Shape, false)
	case "structure":
		return ptr + g.goNames[shapeName]
	}
	panic("unsupported shape type " + s.Type)
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// firstSentence shortens model documentation to one plain sentence.
func firstSentence(doc string) string {
	text := strings.Join(strings.Fields(tagRE.ReplaceAllString(doc, " ")), " ")
	text = strings.ReplaceAll(text, "&quot;", `"`)
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	if len(text) > 160 {
		text = text[:157] + "..."
	}
	return text
}

func (g *generator) structType(name string) {
	s := g.m.Shapes[name]
	goName := g.goNames[name]
	g.p("")
	if doc := firstSentence(s.Documentation); doc != "" {
		g.p("// %s: %s", goName, doc)
	}
	g.p("type %s struct {", goName)
	for _, mname := range s.memberOrder {
		m := s.Members[mname]
		if doc := firstSentence(m.Documentation); doc != "" {
			g.p("// %s", doc)
		}
		g.p("%s %s", exported(mname), g.goType(m.Shape, !g.required(s, mname)))
	}
	if len(s.Required) > 0 {
		g.p("")
		g.p("// absent marks required members a request left out (bit per member).")
		g.p("absent uint64")
	}
	g.p("}")
}

// decoder generates decode(d, prefix): read the members from parameters.
func (g *generator) decoder(name string) {
	s := g.m.Shapes[name]
	g.p("")
	g.p("func (v *%s) decode(d *query.Decoder, p string) {", g.goNames[name])
	for i, mname := range s.memberOrder {
		m := s.Members[mname]
		req := g.required(s, mname)
		g.p("{ k := p + %q", mname)
		if req {
			g.p("if !d.Has(k) { v.absent |= 1 << %d }", i)
		}
		g.decodeValue("v."+exported(mname), m.Shape, !req, "k", 0)
		g.p("}")
	}
	g.p("}")
}

// decodeValue emits code reading shape from parameter key into dst.
func (g *generator) decodeValue(dst, shapeName string, optional bool, key string, depth int) {
	s := g.m.Shapes[shapeName]
	scalar := map[string]string{"string": "String", "integer": "Int32", "long": "Int64", "boolean": "Bool", "timestamp": "Time", "blob": "Blob"}
	if fn, ok := scalar[s.Type]; ok {
		x := fmt.Sprintf("x%d", depth)
		g.p("if %s, ok := d.%s(%s); ok {", x, fn, key)
		if optional && s.Type != "blob" {
			g.p("%s = &%s", dst, x)
		} else {
			g.p("%s = %s", dst, x)
		}
		g.p("}")
		return
	}
	switch s.Type {
	case "structure":
		x := fmt.Sprintf("x%d", depth)
		g.p("if d.Has(%s) {", key)
		g.p("var %s %s", x, g.goNames[shapeName])
		g.p("%s.decode(d, %s + \".\")", x, key)
		if optional {
			g.p("%s = &%s", dst, x)
		} else {
			g.p("%s = %s", dst, x)
		}
		g.p("}")
	case "list":
		n, i := fmt.Sprintf("n%d", depth), fmt.Sprintf("i%d", depth)
		g.p("if %s, ok := d.ListLen(%s); ok {", n, key)
		g.p("%s = make(%s, %s)", dst, g.goType(shapeName, false), n)
		g.p("for %s := range %s {", i, n)
		ek := fmt.Sprintf("ek%d", depth)
		g.p("%s := %s + \".member.\" + strconv.Itoa(%s+1)", ek, key, i)
		g.decodeValue(fmt.Sprintf("%s[%s]", dst, i), s.Member.Shape, false, ek, depth+1)
		g.p("}")
		g.p("}")
	case "map":
		n, i := fmt.Sprintf("n%d", depth), fmt.Sprintf("i%d", depth)
		g.p("if %s, ok := d.MapLen(%s); ok {", n, key)
		g.p("%s = make(%s, %s)", dst, g.goType(shapeName, false), n)
		g.p("for %s := range %s {", i, n)
		ek := fmt.Sprintf("ek%d", depth)
		g.p("%s := %s + \".entry.\" + strconv.Itoa(%s+1)", ek, key, i)
		kv, vv := fmt.Sprintf("mk%d", depth), fmt.Sprintf("mv%d", depth)
		g.p("var %s %s", kv, g.goType(s.Key.Shape, false))
		g.p("var %s %s", vv, g.goType(s.Value.Shape, false))
		g.decodeValue(kv, s.Key.Shape, false, ek+`+".key"`, depth+1)
		g.decodeValue(vv, s.Value.Shape, false, ek+`+".value"`, depth+1)
		g.p("%s[%s] = %s", dst, kv, vv)
		g.p("}")
		g.p("}")
	default:
		panic("cannot decode " + s.Type)
	}
	_ = optional
}

// validator generates validate(vs, path): the model's constraints.
func (g *generator) validator(name string) {
	s := g.m.Shapes[name]
	g.p("")
	g.p("func (v *%s) validate(vs *query.Violations, path string) {", g.goNames[name])
	for i, mname := range s.memberOrder {
		m := s.Members[mname]
		req := g.required(s, mname)
		ms := g.m.Shapes[m.Shape]
		optionalPtr := !req && ms.Type != "list" && ms.Type != "map" && ms.Type != "blob"
		val := "v." + exported(mname)
		if optionalPtr {
			val = "(*v." + exported(mname) + ")"
		}
		checks := g.capture(func() { g.validateValue(val, m.Shape, "mp", 0) })
		if checks == "" && !req {
			continue
		}
		g.p("{ mp := query.MemberPath(path, %q)", mname)
		switch {
		case req && checks == "":
			g.p("if v.absent&(1<<%d) != 0 { vs.Null(mp) }", i)
		case req:
			g.p("if v.absent&(1<<%d) != 0 { vs.Null(mp) } else {", i)
			g.buf.WriteString(checks)
			g.p("}")
		case optionalPtr:
			g.p("if v.%s != nil {", exported(mname))
			g.buf.WriteString(checks)
			g.p("}")
		default:
			g.buf.WriteString(checks)
		}
		g.p("}")
	}
	g.p("}")
	if g.isOperationInput(name) {
		g.p("")
		g.p("// Validate checks the input against the model's constraints.")
		g.p("func (v *%s) Validate() error {", g.goNames[name])
		g.p("var vs query.Violations")
		g.p("v.validate(&vs, \"\")")
		g.p("return vs.Err()")
		g.p("}")
	}
}

// capture returns what fn generates instead of appending it.
func (g *generator) capture(fn func()) string {
	saved := g.buf
	g.buf = bytes.Buffer{}
	fn()
	out := g.buf.String()
	g.buf = saved
	return out
}

func (g *generator) isOperationInput(shapeName string) bool {
	for _, o := range g.m.Operations {
		if o.Input != nil && o.Input.Shape == shapeName {
			return true
		}
	}
	return false
}

func num(f *float64) (int64, bool) {
	if f == nil {
		return 0, false
	}
	return int64(*f), true
}

func (g *generator) patternVar(p string) string {
	if v, ok := g.patterns[p]; ok {
		return v
	}
	v := fmt.Sprintf("pattern%d", len(g.patterns))
	g.patterns[p] = v
	return v
}

func (g *generator) validateValue(val, shapeName, path string, depth int) {
	s := g.m.Shapes[shapeName]
	min, hasMin := num(s.Min)
	max, hasMax := num(s.Max)
	if !hasMin {
		min = -1
	}
	if !hasMax {
		max = -1
	}
	switch s.Type {
	case "string":
		if hasMin || hasMax {
			g.p("vs.Length(%s, %s, %d, %d)", path, val, min, max)
		}
		if s.Pattern != "" && !g.skipPattern[shapeName] {
			if fn, ok := patternFuncs[s.Pattern]; ok {
				g.p("vs.Pattern(%s, %s, %q, %s(%s))", path, val, s.Pattern, fn, val)
			} else {
				g.p("vs.Pattern(%s, %s, %q, %s.MatchString(%s))", path, val, s.Pattern, g.patternVar(s.Pattern), val)
			}
		}
		if len(s.Enum) > 0 {
			g.p("vs.Enum(%s, %s, %#v)", path, val, s.Enum)
		}
	case "integer", "long":
		if hasMin || hasMax {
			g.p("vs.Range(%s, int64(%s), %d, %d, %v, %v)", path, val, min, max, hasMin, hasMax)
		}
	case "list":
		if hasMin || hasMax {
			g.p("vs.Count(%s, len(%s), %d, %d)", path, val, min, max)
		}
		i, e := fmt.Sprintf("i%d", depth), fmt.Sprintf("e%d", depth)
		inner := g.capture(func() {
			g.validateValue(e, s.Member.Shape, fmt.Sprintf("query.ElemPath(%s, %s+1)", path, i), depth+1)
		})
		if inner != "" {
			g.p("for %s, %s := range %s {", i, e, val)
			g.buf.WriteString(inner)
			g.p("}")
		}
	case "map":
		if hasMin || hasMax {
			g.p("vs.Count(%s, len(%s), %d, %d)", path, val, min, max)
		}
	case "structure":
		g.p("%s.validate(vs, %s)", strings.TrimSuffix(strings.TrimPrefix(val, "(*"), ")"), path)
	}
}

// encoder generates EncodeXML: members in model order, absent ones left out.
func (g *generator) encoder(name string) {
	s := g.m.Shapes[name]
	g.p("")
	g.p("// EncodeXML writes the members as response XML, in the model's order.")
	g.p("func (v *%s) EncodeXML(w *query.Writer) {", g.goNames[name])
	for _, mname := range s.memberOrder {
		m := s.Members[mname]
		ms := g.m.Shapes[m.Shape]
		req := g.required(s, mname)
		switch {
		case ms.Type == "list" || ms.Type == "map":
			if req {
				g.encodeValue("v."+exported(mname), m.Shape, fmt.Sprintf("%q", mname), 0)
			} else {
				g.p("if v.%s != nil {", exported(mname))
				g.encodeValue("v."+exported(mname), m.Shape, fmt.Sprintf("%q", mname), 0)
				g.p("}")
			}
		case ms.Type == "blob":
			g.p("if v.%s != nil {", exported(mname))
			g.encodeValue("v."+exported(mname), m.Shape, fmt.Sprintf("%q", mname), 0)
			g.p("}")
		case req:
			g.encodeValue("v."+exported(mname), m.Shape, fmt.Sprintf("%q", mname), 0)
		default:
			g.p("if v.%s != nil {", exported(mname))
			g.encodeValue("(*v."+exported(mname)+")", m.Shape, fmt.Sprintf("%q", mname), 0)
			g.p("}")
		}
	}
	g.p("}")
}

func (g *generator) encodeValue(val, shapeName, elem string, depth int) {
	s := g.m.Shapes[shapeName]
	switch s.Type {
	case "string":
		g.p("w.String(%s, %s)", elem, val)
	case "integer", "long":
		g.p("w.Int(%s, int64(%s))", elem, val)
	case "boolean":
		g.p("w.Bool(%s, %s)", elem, val)
	case "timestamp":
		g.p("w.Time(%s, %s)", elem, val)
	case "blob":
		g.p("w.Blob(%s, %s)", elem, val)
	case "structure":
		g.p("w.Start(%s)", elem)
		g.p("%s.EncodeXML(w)", strings.TrimSuffix(strings.TrimPrefix(val, "(*"), ")"))
		g.p("w.End(%s)", elem)
	case "list":
		e := fmt.Sprintf("e%d", depth)
		g.p("w.Start(%s)", elem)
		g.p("for _, %s := range %s {", e, val)
		g.encodeValue(e, s.Member.Shape, `"member"`, depth+1)
		g.p("}")
		g.p("w.End(%s)", elem)
	case "map":
		k := fmt.Sprintf("k%d", depth)
		keys := fmt.Sprintf("keys%d", depth)
		g.p("w.Start(%s)", elem)
		g.p("%s := make([]string, 0, len(%s))", keys, val)
		g.p("for %s := range %s { %s = append(%s, %s) }", k, val, keys, keys, k)
		g.p("sort.Strings(%s)", keys)
		g.p("for _, %s := range %s {", k, keys)
		g.p("w.Start(\"entry\")")
		g.encodeValue(k, s.Key.Shape, `"key"`, depth+1)
		g.encodeValue(fmt.Sprintf("%s[%s]", val, k), s.Value.Shape, `"value"`, depth+1)
		g.p("w.End(\"entry\")")
		g.p("}")
		g.p("w.End(%s)", elem)
	}
}

// errors generates a constructor per modelled error, with its code and
// HTTP status.
func (g *generator) errors() {
	var names []string
	for name, s := range g.m.Shapes {
		if s.Exception && s.Error != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	g.p("")
	g.p("// The service's modelled errors, with AWS's codes and HTTP statuses.")
	for _, name := range names {
		s := g.m.Shapes[name]
		fn := strings.TrimSuffix(exported(name), "Exception")
		status := s.Error.HTTPStatus
		if status == 0 {
			status = 400
		}
		g.p("")
		g.p("// %s is the %s error (HTTP %d).", fn, s.Error.Code, status)
		g.p("func %s(format string, args ...any) *awserr.Error { return awserr.New(%q, %d, format, args...) }", fn, s.Error.Code, status)
	}
}

// dispatch generates Dispatch, Operations and Implemented.
func (g *generator) dispatch(ops []*operation) {
	g.p("")
	g.p("// Operations lists every operation of the model.")
	g.p("var Operations = []string{")
	for _, o := range ops {
		g.p("%q,", o.Name)
	}
	g.p("}")

	g.p("")
	g.p("// Implemented reports whether svc has the method for an operation.")
	g.p("func Implemented(svc any, action string) bool {")
	g.p("switch action {")
	for _, o := range ops {
		g.p("case %q:", o.Name)
		g.p("_, ok := svc.(%s)", g.handlerIface(o))
		g.p("return ok")
	}
	g.p("}")
	g.p("return false")
	g.p("}")

	g.p("")
	g.p("// Authorizer is implemented by services that check each call before it")
	g.p("// runs, with the decoded input.")
	g.p("type Authorizer interface {")
	g.p("Authorize(ctx context.Context, operation string, in any) error")
	g.p("}")
	g.p("")
	g.p("// Dispatch decodes and validates the parameters of action, then calls the")
	g.p("// method of svc named after it (after svc's Authorize, when it has one).")
	g.p("// The result is nil for operations with no")
	g.p("// output. Unknown actions and operations svc does not implement get quick")
	g.p("// 400 errors: SDKs retry 5xx answers for minutes.")
	g.p("func Dispatch(ctx context.Context, svc any, action string, params url.Values) (query.Encodable, error) {")
	g.p("d := query.NewDecoder(params)")
	g.p("switch action {")
	for _, o := range ops {
		g.p("case %q:", o.Name)
		g.p("h, ok := svc.(%s)", g.handlerIface(o))
		g.p("if !ok { return nil, awserr.New(awserr.CodeNotImplemented, http.StatusBadRequest, \"iamd does not implement %s yet.\") }", o.Name)
		args := "ctx, in"
		g.p("in := &%sInput{}", o.Name)
		if o.Input != nil {
			g.p("in.decode(d, \"\")")
			g.p("if err := d.Err(); err != nil { return nil, query.DecodeErr(err) }")
			g.p("if err := in.Validate(); err != nil { return nil, err }")
		}
		g.p("if a, ok := svc.(Authorizer); ok {")
		g.p("if err := a.Authorize(ctx, %q, in); err != nil { return nil, err }", o.Name)
		g.p("}")
		if o.Output != nil {
			g.p("out, err := h.%s(%s)", o.Name, args)
			g.p("if err != nil { return nil, err }")
			g.p("if out == nil { out = &%sOutput{} }", o.Name)
			g.p("return out, nil")
		} else {
			g.p("return nil, h.%s(%s)", o.Name, args)
		}
	}
	g.p("}")
	g.p("return nil, awserr.New(awserr.CodeInvalidAction, http.StatusBadRequest, \"Could not find operation %%s for version %s\", action)", g.m.Metadata.APIVersion)
	g.p("}")
}

func (g *generator) handlerIface(o *operation) string {
	in := ", *" + o.Name + "Input"
	out := "error"
	if o.Output != nil {
		out = "(*" + o.Name + "Output, error)"
	}
	return fmt.Sprintf("interface{ %s(context.Context%s) %s }", o.Name, in, out)
}

// patternFuncs are the model patterns RE2 cannot express (they use
// lookahead), checked by hand-written functions of package query instead.
var patternFuncs = map[string]string{
	"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$": "query.MatchAccountAlias",
}

// goRegexp translates a model pattern (Java syntax) to an anchored RE2
// expression.
func goRegexp(p string) (string, error) {
	re := regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`).ReplaceAllString(p, `\x{$1}`)
	re = "^(?:" + re + ")$"
	if _, err := regexp.Compile(re); err != nil {
		return "", fmt.Errorf("pattern %q: %w", p, err)
	}
	return re, nil
}

var _ = strconv.Itoa
