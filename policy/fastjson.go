package policy

import (
	"unicode/utf8"
)

// scanTree builds the same node tree as parseJSON for the documents that
// are well-formed JSON without duplicate keys, which are nearly all of them,
// without encoding/json's Decoder: its Token API allocated an interface per
// token and was most of the cost of checking an inline policy. It reports
// false for anything it does not accept (malformed input, a duplicate key,
// an escaped surrogate); parseJSON then decodes the text the standard way,
// so the errors and their positions stay encoding/json's.
func scanTree(text []byte) (*node, bool) {
	s := treeScanner{text: text}
	s.space()
	n := s.value(0)
	if n == nil {
		return nil, false
	}
	s.space()
	if s.pos != len(text) {
		return nil, false
	}
	return n, true
}

type treeScanner struct {
	text []byte
	pos  int
	buf  []byte // scratch for strings with escapes

	slab    []node          // nodes not yet handed out
	seen    map[string]bool // the keys of seenFor, a large object
	seenFor *node
}

func (s *treeScanner) space() {
	for s.pos < len(s.text) {
		switch s.text[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value reads the value at pos (no leading space), nil if it is not one.
func (s *treeScanner) value(depth int) *node {
	if s.pos >= len(s.text) || depth > MaxDocumentDepth {
		return nil
	}
	start := s.pos
	n := s.newNode()
	n.start = int64(start)
	switch c := s.text[s.pos]; {
	case c == '{':
		n.kind = kObject
		s.pos++
		s.space()
		if s.peek('}') {
			break
		}
		for {
			if s.pos >= len(s.text) || s.text[s.pos] != '"' {
				return nil
			}
			key, ok := s.str()
			if !ok {
				return nil
			}
			if s.duplicate(n, key) {
				return nil // the standard path says so
			}
			s.space()
			if !s.peek(':') {
				return nil
			}
			s.space()
			v := s.value(depth + 1)
			if v == nil {
				return nil
			}
			n.obj = append(n.obj, member{key, v})
			s.space()
			if s.peek('}') {
				break
			}
			if !s.peek(',') {
				return nil
			}
			s.space()
		}
	case c == '[':
		n.kind = kArray
		s.pos++
		s.space()
		if s.peek(']') {
			break
		}
		for {
			v := s.value(depth + 1)
			if v == nil {
				return nil
			}
			n.arr = append(n.arr, v)
			s.space()
			if s.peek(']') {
				break
			}
			if !s.peek(',') {
				return nil
			}
			s.space()
		}
	case c == '"':
		str, ok := s.str()
		if !ok {
			return nil
		}
		n.kind, n.str = kString, str
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.text)-s.pos >= len(lit) && string(s.text[s.pos:s.pos+len(lit)]) == lit {
				s.pos += len(lit)
				if lit == "null" {
					n.kind = kNull
				} else {
					n.kind, n.str = kBool, lit
				}
				break
			}
		}
		if s.pos == start {
			return nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if !s.number() {
			return nil
		}
		n.kind, n.str = kNumber, string(s.text[start:s.pos])
	default:
		return nil
	}
	n.end = int64(s.pos)
	return n
}

// duplicate reports whether obj already has key: by scanning the few
// members of a policy's objects, by a map past them (a large object must
// not cost quadratic time).
func (s *treeScanner) duplicate(obj *node, key string) bool {
	if len(obj.obj) < 16 {
		for _, m := range obj.obj {
			if m.key == key {
				return true
			}
		}
		return false
	}
	if s.seen == nil || s.seenFor != obj {
		s.seen, s.seenFor = make(map[string]bool, 2*len(obj.obj)), obj
		for _, m := range obj.obj {
			s.seen[m.key] = true
		}
	}
	if s.seen[key] {
		return true
	}
	s.seen[key] = true
	return false
}

// newNode hands out nodes from slabs: one allocation for many of a
// document's values instead of one each.
func (s *treeScanner) newNode() *node {
	if len(s.slab) == 0 {
		s.slab = make([]node, 32)
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	return n
}

// peek consumes c if it is next.
func (s *treeScanner) peek(c byte) bool {
	if s.pos < len(s.text) && s.text[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func (s *treeScanner) digits() int {
	n := 0
	for s.pos < len(s.text) && s.text[s.pos] >= '0' && s.text[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// number reads JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *treeScanner) number() bool {
	s.peek('-')
	if s.peek('0') {
		if s.pos < len(s.text) && s.text[s.pos] >= '0' && s.text[s.pos] <= '9' {
			return false
		}
	} else if s.digits() == 0 {
		return false
	}
	if s.peek('.') && s.digits() == 0 {
		return false
	}
	if s.peek('e') || s.peek('E') {
		if !s.peek('+') {
			s.peek('-')
		}
		if s.digits() == 0 {
			return false
		}
	}
	// A number runs into the next token only through a delimiter.
	if s.pos < len(s.text) {
		switch s.text[s.pos] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return false
		}
	}
	return true
}

// str reads the string at pos (its opening quote) and returns its value.
func (s *treeScanner) str() (string, bool) {
	s.pos++ // the opening quote
	start := s.pos
	// The common case: no escapes, the value is the text.
	for s.pos < len(s.text) {
		c := s.text[s.pos]
		switch {
		case c == '"':
			v := string(s.text[start:s.pos])
			s.pos++
			return v, true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.text[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", false // the standard decoder replaces it: let it
			}
			s.pos += size
		default:
			s.pos++
		}
	}
	return "", false
}

// escaped continues a string from its first backslash.
func (s *treeScanner) escaped(start int) (string, bool) {
	b := append(s.buf[:0], s.text[start:s.pos]...)
	for s.pos < len(s.text) {
		c := s.text[s.pos]
		switch {
		case c == '"':
			s.pos++
			s.buf = b
			return string(b), true
		case c == '\\':
			if s.pos+1 >= len(s.text) {
				return "", false
			}
			e := s.text[s.pos+1]
			s.pos += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				if s.pos+4 > len(s.text) {
					return "", false
				}
				r := rune(0)
				for _, h := range s.text[s.pos : s.pos+4] {
					switch {
					case h >= '0' && h <= '9':
						r = r<<4 | rune(h-'0')
					case h >= 'a' && h <= 'f':
						r = r<<4 | rune(h-'a'+10)
					case h >= 'A' && h <= 'F':
						r = r<<4 | rune(h-'A'+10)
					default:
						return "", false
					}
				}
				if r >= 0xD800 && r < 0xE000 {
					return "", false // surrogates: the standard decoder pairs or replaces them
				}
				s.pos += 4
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.text[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", false
			}
			b = append(b, s.text[s.pos:s.pos+size]...)
			s.pos += size
		default:
			b = append(b, c)
			s.pos++
		}
	}
	return "", false
}
