package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the document back as JSON, elements in AWS's usual
// order, single values as strings where the author wrote strings. Condition
// values are written as strings (their meaning is the same, section 4.1).
func (d *Document) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	w := objWriter{b: &b}
	w.open()
	if d.Version != "" {
		w.field("Version", d.Version)
	}
	if d.HasID {
		w.field("Id", d.ID)
	}
	if d.SingleStatement && len(d.Statements) == 1 {
		w.raw("Statement", d.Statements[0].marshal())
	} else {
		var list bytes.Buffer
		list.WriteByte('[')
		for i, s := range d.Statements {
			if i > 0 {
				list.WriteByte(',')
			}
			list.Write(s.marshal())
		}
		list.WriteByte(']')
		w.raw("Statement", list.Bytes())
	}
	w.close()
	return b.Bytes(), nil
}

func (s *Statement) marshal() []byte {
	var b bytes.Buffer
	w := objWriter{b: &b}
	w.open()
	if s.HasSid {
		w.field("Sid", s.Sid)
	}
	w.field("Effect", s.Effect)
	if s.Principal != nil {
		w.raw("Principal", s.Principal.marshal())
	}
	if s.NotPrincipal != nil {
		w.raw("NotPrincipal", s.NotPrincipal.marshal())
	}
	for _, e := range []struct {
		name string
		v    Values
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if e.v.Present {
			w.raw(e.name, e.v.marshal())
		}
	}
	if s.HasCondition {
		var cb bytes.Buffer
		cw := objWriter{b: &cb}
		cw.open()
		for _, c := range s.Condition {
			var kb bytes.Buffer
			kw := objWriter{b: &kb}
			kw.open()
			for _, e := range c.Entries {
				kw.raw(e.Key, e.Values.marshal())
			}
			kw.close()
			cw.raw(c.Operator, kb.Bytes())
		}
		cw.close()
		w.raw("Condition", cb.Bytes())
	}
	w.close()
	return b.Bytes()
}

func (p *PrincipalElement) marshal() []byte {
	if p.Wildcard {
		return []byte(`"*"`)
	}
	var b bytes.Buffer
	w := objWriter{b: &b}
	w.open()
	for _, e := range p.Entries {
		w.raw(e.Type, e.Values.marshal())
	}
	w.close()
	return b.Bytes()
}

func (v Values) marshal() []byte {
	if v.Single && len(v.List) == 1 {
		return jsonString(v.List[0])
	}
	list := v.List
	if list == nil {
		list = []string{}
	}
	out, _ := json.Marshal(list)
	return out
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// objWriter writes a JSON object with keys in the order given.
type objWriter struct {
	b     *bytes.Buffer
	count int
}

func (w *objWriter) open()  { w.b.WriteByte('{') }
func (w *objWriter) close() { w.b.WriteByte('}') }

func (w *objWriter) raw(key string, value []byte) {
	if w.count > 0 {
		w.b.WriteByte(',')
	}
	w.count++
	w.b.Write(jsonString(key))
	w.b.WriteByte(':')
	w.b.Write(value)
}

func (w *objWriter) field(key, value string) { w.raw(key, jsonString(value)) }
