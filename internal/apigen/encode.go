package main

import "fmt"

// encoders writes EncodeXML for every structure written to responses, and
// a writer per list and map shape.
func (g *generator) encoders(f *file) error {
	f.use(queryPkg)
	for _, name := range g.sortedShapes(g.outShape, "structure") {
		s := g.m.Shapes[name]
		f.p("")
		f.p("// EncodeXML writes the members as response XML in the model's order,")
		f.p("// leaving out absent optional ones.")
		f.p("func (v *%s) EncodeXML(w *query.Writer) {", g.goNames[name])
		for _, mn := range s.order {
			mr := s.Members[mn]
			ms := g.m.Shapes[mr.Shape]
			field := "v." + exported(mn)
			elem := fmt.Sprintf("%q", wireName(mn, mr))
			switch {
			case s.required(mn) && ms.Type != "blob":
				// Required lists and maps are written even when empty.
				g.encodeValue(f, field, mr.Shape, elem)
			case g.nilable(mr.Shape) || ms.Type == "structure":
				f.p("if %s != nil {", field)
				g.encodeValue(f, field, mr.Shape, elem)
				f.p("}")
			default:
				f.p("if %s != nil {", field)
				g.encodeValue(f, "*"+field, mr.Shape, elem)
				f.p("}")
			}
		}
		f.p("}")
	}
	for _, name := range g.sortedShapes(g.outShape, "list", "map") {
		s := g.m.Shapes[name]
		f.p("")
		f.p("func %s(w *query.Writer, name string, v %s) {", helper("encode", name), g.goType(name, false))
		if s.Type == "list" {
			if s.Flattened {
				// Each element is its own <Name> element.
				f.p("for i := range v {")
				g.encodeValue(f, "v[i]", s.Member.Shape, "name")
				f.p("}")
			} else {
				f.p("w.Start(name)")
				f.p("for i := range v {")
				g.encodeValue(f, "v[i]", s.Member.Shape, fmt.Sprintf("%q", s.elemName()))
				f.p("}")
				f.p("w.End(name)")
			}
		} else {
			// Keys in order, so a response is the same every time.
			f.use("maps")
			f.use("slices")
			entry := `"entry"`
			if s.Flattened {
				entry = "name" // each entry is its own <Name> element
			} else {
				f.p("w.Start(name)")
			}
			f.p("for _, k := range slices.Sorted(maps.Keys(v)) {")
			f.p("w.Start(%s)", entry)
			f.p("w.String(%q, k)", s.keyName())
			f.p("x := v[k]")
			g.encodeValue(f, "x", s.Value.Shape, fmt.Sprintf("%q", s.valueName()))
			f.p("w.End(%s)", entry)
			f.p("}")
			if !s.Flattened {
				f.p("w.End(name)")
			}
		}
		f.p("}")
	}
	return nil
}

var writeCall = map[string]string{"string": "String", "integer": "Int32", "long": "Int64", "boolean": "Bool",
	"timestamp": "Time", "blob": "Blob", "double": "Float64", "float": "Float64"}

// encodeValue writes one value as the element elem (a Go expression).
func (g *generator) encodeValue(f *file, val, shapeName, elem string) {
	s := g.m.Shapes[shapeName]
	if call, ok := writeCall[s.Type]; ok {
		f.p("w.%s(%s, %s)", call, elem, val)
		return
	}
	switch s.Type {
	case "structure":
		f.p("w.Start(%s)", elem)
		f.p("%s.EncodeXML(w)", val)
		f.p("w.End(%s)", elem)
	case "list", "map":
		f.p("%s(w, %s, %s)", helper("encode", shapeName), elem, val)
	}
}
