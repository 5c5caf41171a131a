package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// decoders writes, for every shape read from requests, the code reading it
// from query parameters and the code checking it against the model.
func (g *generator) decoders(f *file) error {
	f.use(queryPkg)
	for _, o := range g.ops {
		if o.Input == nil {
			f.use("net/url")
			f.p("")
			f.p("// Decode reads nothing: %s takes no parameters.", o.Name)
			f.p("func (v *%sInput) Decode(params url.Values) error { return nil }", o.Name)
			f.p("")
			f.p("// Validate has nothing to check.")
			f.p("func (v *%sInput) Validate() error { return nil }", o.Name)
		}
	}
	for _, name := range g.sortedShapes(g.inShapes, "structure") {
		if err := g.structDecoder(f, name); err != nil {
			return err
		}
		if err := g.structValidator(f, name); err != nil {
			return err
		}
	}
	for _, name := range g.sortedShapes(g.inShapes, "list", "map") {
		if err := g.collectionDecoder(f, name); err != nil {
			return err
		}
	}
	if len(g.enums) > 0 {
		var names []string
		for n := range g.enums {
			names = append(names, n)
		}
		sort.Strings(names)
		f.p("")
		f.p("// Allowed values of the enums requests carry, for validation messages.")
		f.p("var (")
		for _, n := range names {
			f.p("enum%s = []string{%s}", exported(n), quoteList(g.m.Shapes[n].Enum))
		}
		f.p(")")
	}
	if len(g.patterns) > 0 {
		f.use("regexp")
		var pats []string
		for p := range g.patterns {
			pats = append(pats, p)
		}
		// In numbering order, which is the order of first use.
		sort.Slice(pats, func(i, j int) bool { return patternNum(g.patterns[pats[i]]) < patternNum(g.patterns[pats[j]]) })
		f.p("")
		f.p("// The model's patterns, compiled once, anchored: AWS matches the whole value.")
		f.p("var (")
		for _, p := range pats {
			re, err := goPattern(p)
			if err != nil {
				return err
			}
			f.p("%s = regexp.MustCompile(%q) // %s", g.patterns[p], re, p)
		}
		f.p(")")
	}
	return nil
}

// readCall is the Decoder call reading a scalar at the cursor.
var readCall = map[string]string{"string": "d.String()", "integer": "d.Int32()", "long": "d.Int64()",
	"boolean": "d.Bool()", "timestamp": "d.Time()", "blob": "d.Blob()", "double": "d.Float64()", "float": "d.Float64()"}

// readExpr is an expression of two values (value, present) reading a
// non-structure shape at the cursor.
func (g *generator) readExpr(shapeName string) string {
	s := g.m.Shapes[shapeName]
	if call, ok := readCall[s.Type]; ok {
		return call
	}
	return helper("decode", shapeName) + "(d)"
}

func (g *generator) structDecoder(f *file, name string) error {
	s := g.m.Shapes[name]
	goName := g.goNames[name]
	var required []string
	f.p("")
	f.p("// decode reads the members at the cursor; top marks an operation's input,")
	f.p("// whose required members are checked even when nothing was sent.")
	f.p("func (v *%s) decode(d *query.Decoder, top bool) bool {", goName)
	f.p("found := d.Has()")
	if len(s.Required) > 0 {
		f.p("var absent uint64")
	}
	if len(s.order) > 0 {
		f.p("var mark int")
	}
	for _, mn := range s.order {
		mr := s.Members[mn]
		ms := g.m.Shapes[mr.Shape]
		req := s.required(mn)
		field := "v." + exported(mn)
		f.p("mark = d.Push(%q)", wireName(mn, mr))
		if ms.Type == "structure" {
			f.p("{")
			f.p("var x %s", g.goNames[mr.Shape])
			f.p("if x.decode(d, false) {")
			if req {
				f.p("%s = x", field)
			} else {
				f.p("%s = &x", field)
			}
			f.p("found = true")
		} else {
			f.p("if x, ok := %s; ok {", g.readExpr(mr.Shape))
			if req || g.nilable(mr.Shape) {
				f.p("%s = x", field)
			} else {
				// new(x) allocates only when the member is present.
				f.p("%s = new(x)", field)
			}
			f.p("found = true")
		}
		if req {
			if len(required) >= 64 {
				return fmt.Errorf("%s: more than 64 required members", name)
			}
			f.p("} else {")
			f.p("absent |= 1 << %d", len(required))
			// Messages name members by model name, as validate does (the
			// key above is in wire names, the same in IAM and STS).
			required = append(required, mn)
		}
		f.p("}")
		if ms.Type == "structure" {
			f.p("}")
		}
		f.p("d.Pop(mark)")
	}
	if len(required) > 0 {
		f.p("if absent != 0 && (found || top) {")
		for i, wn := range required {
			f.p("if absent&(1<<%d) != 0 { d.Missing(%q) }", i, wn)
		}
		f.p("}")
	}
	f.p("return found")
	f.p("}")

	if g.topIn[name] {
		f.use("net/url")
		f.p("")
		f.p("// Decode reads the request's parameters and checks them against the")
		f.p("// model, answering AWS's InvalidParameterValue or ValidationError.")
		f.p("func (v *%s) Decode(params url.Values) error {", goName)
		f.p("d := query.NewDecoder(params)")
		f.p("v.decode(d, true)")
		f.p("if err := d.Err(); err != nil { return err }")
		f.p("vs := d.Violations()")
		if g.m.hideValues {
			f.p("vs.HideValues()")
		}
		f.p("v.validate(vs, nil)")
		f.p("return vs.Err()")
		f.p("}")
		f.p("")
		f.p("// Validate checks the values against the model's constraints. A Go value")
		f.p("// cannot tell an absent required member from an empty one; Decode can,")
		f.p("// and reports it as AWS does (\"Member must not be null\").")
		f.p("func (v *%s) Validate() error {", goName)
		f.p("var vs query.Violations")
		if g.m.hideValues {
			f.p("vs.HideValues()")
		}
		f.p("v.validate(&vs, nil)")
		f.p("return vs.Err()")
		f.p("}")
	}
	return nil
}

// collectionDecoder writes the reader of a list (Name.member.N, or Name.N
// when flattened) or a map (Name.entry.N.key / .value).
func (g *generator) collectionDecoder(f *file, name string) error {
	s := g.m.Shapes[name]
	goT := g.goType(name, false)
	f.p("")
	f.p("func %s(d *query.Decoder) (%s, bool) {", helper("decode", name), goT)
	f.p("present := d.Has()")
	var elem string
	switch {
	case s.Type == "list" && s.Flattened && s.Member.LocationName != "":
		return fmt.Errorf("list %s: flattened with a member locationName is not supported", name)
	case s.Type == "list":
		elem = s.Member.Shape
	default:
		elem = s.Value.Shape
	}
	// Elements are Name.member.N (or Name.entry.N), or Name.N when flattened.
	if !s.Flattened {
		seg := "entry"
		if s.Type == "list" {
			seg = s.elemName()
		}
		f.p("mark := d.Push(%q)", seg)
	}
	f.p("var out %s", goT)
	f.p("for i := 1; ; i++ {")
	f.p("mi := d.PushIndex(i)")
	es := g.m.Shapes[elem]
	if s.Type == "list" {
		if es.Type == "structure" {
			f.p("var x %s", g.goNames[elem])
			f.p("ok := x.decode(d, false)")
		} else {
			f.p("x, ok := %s", g.readExpr(elem))
		}
		f.p("d.Pop(mi)")
		f.p("if !ok { break }")
		f.p("out = append(out, x)")
	} else {
		f.p("mk := d.Push(%q)", s.keyName())
		f.p("k, kok := d.String()")
		f.p("d.Pop(mk)")
		f.p("mv := d.Push(%q)", s.valueName())
		if es.Type == "structure" {
			f.p("var x %s", g.goNames[elem])
			f.p("vok := x.decode(d, false)")
		} else {
			f.p("x, vok := %s", g.readExpr(elem))
		}
		f.p("d.Pop(mv)")
		f.p("d.Pop(mi)")
		f.p("if !kok && !vok { break }")
		f.p("if out == nil { out = %s{} }", goT)
		f.p("out[k] = x")
	}
	f.p("}")
	if !s.Flattened {
		f.p("d.Pop(mark)")
	}
	f.p("if out == nil && present { out = %s{} }", goT)
	f.p("return out, out != nil")
	f.p("}")
	return nil
}

// needsCheck reports whether a shape has anything to validate.
func (g *generator) needsCheck(name string) bool {
	if v, ok := g.validate[name]; ok {
		return v
	}
	g.validate[name] = false // cycles: assume nothing until shown
	s := g.m.Shapes[name]
	_, hasMin := num(s.Min)
	_, hasMax := num(s.Max)
	need := false
	switch s.Type {
	case "string":
		min, _ := num(s.Min)
		need = min > 0 || hasMax || s.Pattern != "" || len(s.Enum) > 0
	case "integer", "long":
		need = hasMin || hasMax
	case "list":
		need = hasMin || hasMax || g.needsCheck(s.Member.Shape)
	case "map":
		need = hasMin || hasMax || g.needsCheck(s.Key.Shape) || g.needsCheck(s.Value.Shape)
	case "structure":
		need = len(s.Required) > 0
		for _, mn := range s.order {
			need = need || g.needsCheck(s.Members[mn].Shape)
		}
	}
	g.validate[name] = need
	return need
}

func (g *generator) structValidator(f *file, name string) error {
	s := g.m.Shapes[name]
	f.p("")
	f.p("func (v *%s) validate(vs *query.Violations, p *query.Path) {", g.goNames[name])
	for _, mn := range s.order {
		mr := s.Members[mn]
		if !g.needsCheck(mr.Shape) {
			continue
		}
		ms := g.m.Shapes[mr.Shape]
		field := "v." + exported(mn)
		val := field
		optional := !s.required(mn)
		switch {
		case optional && g.nilable(mr.Shape):
			f.p("if %s != nil {", field)
		case optional && ms.Type == "structure":
			f.p("if %s != nil {", field)
		case optional:
			f.p("if %s != nil {", field)
			val = "*" + field
		default:
			f.p("{")
		}
		f.p("mp := query.Path{Parent: p, Name: %q}", lowerFirst(mn))
		if msg, ok := g.m.shortMessages[mn]; ok && ms.Type == "string" {
			min, hasMin := num(ms.Min)
			if !hasMin {
				return fmt.Errorf("%s.%s: a short message for a member without a minimum", name, mn)
			}
			before, after, _ := strings.Cut(msg, "%s")
			f.p("vs.ShortOwn(%s, %d, %q+%s+%q)", val, min, before, val, after)
		}
		if err := g.checkValue(f, val, mr.Shape, "&mp", 0); err != nil {
			return fmt.Errorf("%s.%s: %w", name, mn, err)
		}
		f.p("}")
	}
	f.p("}")
	return nil
}

// checkValue writes the checks of one value against its shape's
// constraints; path is an expression of type *query.Path.
func (g *generator) checkValue(f *file, val, shapeName, path string, depth int) error {
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
		if min > 0 || hasMax {
			f.p("vs.Length(%s, %s, %d, %d, %v)", path, val, min, max, s.Sensitive)
		}
		if s.Pattern != "" {
			if fn, ok := patternFuncs[s.Pattern]; ok {
				f.p("if !%s(%s) {", fn, val)
			} else {
				if _, err := goPattern(s.Pattern); err != nil {
					return fmt.Errorf("pattern %q: %w (add it to patternFuncs)", s.Pattern, err)
				}
				f.p("if !%s.MatchString(%s) {", g.patternVar(s.Pattern), val)
			}
			if msg, ok := g.m.patternMessages[shapeName]; ok {
				f.p("vs.PatternOwn(%s, %s, %q, %v, %q)", path, val, s.Pattern, s.Sensitive, msg)
			} else {
				f.p("vs.Pattern(%s, %s, %q, %v)", path, val, s.Pattern, s.Sensitive)
			}
			f.p("}")
		}
		if len(s.Enum) > 0 {
			g.enums[shapeName] = true
			f.p("switch %s {", val)
			f.p("case %s:", quoteList(s.Enum))
			f.p("default:")
			f.p("vs.Enum(%s, %s, enum%s)", path, val, exported(shapeName))
			f.p("}")
		}
	case "integer", "long":
		if hasMin || hasMax {
			f.p("vs.Range(%s, int64(%s), %d, %d, %v, %v)", path, val, min, max, hasMin, hasMax)
		}
	case "list":
		if hasMin || hasMax {
			show := "query.ShowElided"
			if g.m.Shapes[s.Member.Shape].Type == "string" && !g.m.Shapes[s.Member.Shape].Sensitive {
				show = fmt.Sprintf("query.ShowList(%s)", val)
			}
			f.p("vs.Count(%s, len(%s), %d, %d, %s)", path, val, min, max, show)
		}
		if ms := g.m.Shapes[s.Member.Shape]; ms.Type == "string" && g.needsCheck(s.Member.Shape) {
			// A list of strings is reported once, at the list, with all
			// of its member's constraints, as AWS does (recorded):
			// "Value at 'tagKeys' failed to satisfy constraint: Member
			// must satisfy constraint: [Member must have length ...]".
			show := "query.ShowElided"
			if !ms.Sensitive {
				show = fmt.Sprintf("query.ShowList(%s)", val)
			}
			e := fmt.Sprintf("e%d", depth)
			mmin, mhasMin := num(ms.Min)
			mmax, mhasMax := num(ms.Max)
			var conds, words []string
			if mhasMax {
				words = append(words, fmt.Sprintf("Member must have length less than or equal to %d", mmax))
			}
			if mhasMin {
				words = append(words, fmt.Sprintf("Member must have length greater than or equal to %d", mmin))
			}
			if mhasMin || mhasMax {
				if !mhasMin {
					mmin = -1
				}
				if !mhasMax {
					mmax = -1
				}
				conds = append(conds, fmt.Sprintf("query.LengthOutside(%s, %d, %d)", e, mmin, mmax))
			}
			if ms.Pattern != "" {
				if fn, ok := patternFuncs[ms.Pattern]; ok {
					conds = append(conds, fmt.Sprintf("!%s(%s)", fn, e))
				} else {
					if _, err := goPattern(ms.Pattern); err != nil {
						return fmt.Errorf("pattern %q: %w (add it to patternFuncs)", ms.Pattern, err)
					}
					conds = append(conds, fmt.Sprintf("!%s.MatchString(%s)", g.patternVar(ms.Pattern), e))
				}
				words = append(words, "Member must satisfy regular expression pattern: "+ms.Pattern)
			}
			if len(ms.Enum) > 0 {
				g.enums[s.Member.Shape] = true
				f.use("slices")
				conds = append(conds, fmt.Sprintf("!slices.Contains(enum%s, %s)", exported(s.Member.Shape), e))
				words = append(words, "Member must satisfy enum value set: ["+strings.Join(ms.Enum, ", ")+"]")
			}
			// AWS adds "Member must not be null" for tagKeys (a list with
			// a length bound) but not for clientIDList or thumbprintList
			// (none): both recorded. The bound is the one difference the
			// model shows between them.
			if hasMin || hasMax {
				words = append(words, "Member must not be null")
			}
			f.p("for _, %s := range %s {", e, val)
			f.p("if %s {", strings.Join(conds, " || "))
			f.p("vs.Members(%s, %s, %q)", path, show, strings.Join(words, ", "))
			f.p("break")
			f.p("}")
			f.p("}")
		} else if g.needsCheck(s.Member.Shape) {
			i := fmt.Sprintf("i%d", depth)
			ep := fmt.Sprintf("ep%d", depth)
			f.p("for %s := range %s {", i, val)
			f.p("%s := query.Path{Parent: %s, Name: %q, Index: %s + 1}", ep, path, s.elemName(), i)
			if err := g.checkValue(f, fmt.Sprintf("%s[%s]", val, i), s.Member.Shape, "&"+ep, depth+1); err != nil {
				return err
			}
			f.p("}")
		}
	case "map":
		if hasMin || hasMax {
			f.p("vs.Count(%s, len(%s), %d, %d, query.ShowElided)", path, val, min, max)
		}
		if g.needsCheck(s.Key.Shape) || g.needsCheck(s.Value.Shape) {
			// No IAM or STS input has one; AWS words these differently
			// ("Map value must satisfy constraint: [...]").
			return fmt.Errorf("map %s: constraints on keys or values are not supported", shapeName)
		}
	case "structure":
		f.p("%s.validate(vs, %s)", strings.TrimPrefix(val, "*"), path)
	case "blob":
		if hasMin || hasMax {
			return fmt.Errorf("blob %s: length constraints are not supported", shapeName)
		}
	}
	return nil
}

func patternNum(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "pattern"))
	return n
}

func (g *generator) patternVar(p string) string {
	if v, ok := g.patterns[p]; ok {
		return v
	}
	// Numbered by first use; uses are walked in sorted order, so the
	// numbering is stable.
	v := fmt.Sprintf("pattern%d", len(g.patterns))
	g.patterns[p] = v
	return v
}
