package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// node is a JSON value with where it is in the source: start and end are
// byte offsets (end exclusive). Object members keep the key's own span, so
// that a finding can point at a key or at its value.
type node struct {
	kind       kind
	str        string // string values, numbers and booleans as written
	arr        []*node
	obj        []member
	start, end int
}

type member struct {
	key        string
	start, end int // the key's span, quotes included
	val        *node
}

type kind uint8

const (
	kString kind = iota
	kNumber
	kBool
	kNull
	kArray
	kObject
)

func (k kind) String() string {
	return [...]string{"String", "Number", "Boolean", "Null", "Array", "Object"}[k]
}

// get is the member of an object named key (exactly), or nil.
func (n *node) get(key string) *member {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i := range n.obj {
		if n.obj[i].key == key {
			return &n.obj[i]
		}
	}
	return nil
}

// syntaxError is a document that is not one JSON value, with where.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

// maxDepth bounds nesting: the decoder recurses per level (a policy nests
// six levels at most).
const maxDepth = 32

// parseTree reads text into a node tree, recording each value's span from
// the decoder's input offset. It reads one value and nothing after it.
func parseTree(text []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	n, err := readValue(dec, text, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &syntaxError{offset: skipSep(text, int(dec.InputOffset())), msg: "data after the top-level value"}
	}
	return n, nil
}

func readValue(dec *json.Decoder, text []byte, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &syntaxError{offset: int(dec.InputOffset()), msg: "the document nests too deeply"}
	}
	start := skipSep(text, int(dec.InputOffset()))
	tok, err := dec.Token()
	if err != nil {
		return nil, wrapSyntax(err, dec, text)
	}
	n := &node{start: start}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.kind = kObject
			for dec.More() {
				ks := skipSep(text, int(dec.InputOffset()))
				kt, err := dec.Token()
				if err != nil {
					return nil, wrapSyntax(err, dec, text)
				}
				key, _ := kt.(string)
				ke := int(dec.InputOffset())
				v, err := readValue(dec, text, depth+1)
				if err != nil {
					return nil, err
				}
				n.obj = append(n.obj, member{key: key, start: ks, end: ke, val: v})
			}
		} else {
			n.kind = kArray
			for dec.More() {
				v, err := readValue(dec, text, depth+1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, wrapSyntax(err, dec, text)
		}
	case string:
		n.kind, n.str = kString, t
	case json.Number:
		n.kind, n.str = kNumber, t.String()
	case bool:
		n.kind = kBool
		n.str = "false"
		if t {
			n.str = "true"
		}
	case nil:
		n.kind = kNull
	}
	n.end = int(dec.InputOffset())
	return n, nil
}

func wrapSyntax(err error, dec *json.Decoder, text []byte) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &syntaxError{offset: int(se.Offset), msg: se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &syntaxError{offset: len(text), msg: "unexpected end of the document"}
	}
	return &syntaxError{offset: skipSep(text, int(dec.InputOffset())), msg: err.Error()}
}

// skipSep moves past whitespace and the separators the decoder has not
// reported as tokens (',' and ':').
func skipSep(text []byte, i int) int {
	for i < len(text) {
		switch text[i] {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}

// positions turns byte offsets into AWS's positions: a 1-based line, a
// 0-based column and a 0-based offset, both counted in characters (AWS
// counts UTF-16 units; every character a policy may hold is one unit).
type positions struct {
	text      []byte
	lineStart []int // byte offset of each line's first character
	ascii     bool
}

func newPositions(text []byte) *positions {
	p := &positions{text: text, lineStart: []int{0}, ascii: true}
	for i, c := range text {
		if c == '\n' {
			p.lineStart = append(p.lineStart, i+1)
		}
		if c >= utf8.RuneSelf {
			p.ascii = false
		}
	}
	return p
}

func (p *positions) at(off int) Position {
	if off > len(p.text) {
		off = len(p.text)
	}
	lo, hi := 0, len(p.lineStart)-1
	for lo < hi { // the last line starting at or before off
		mid := (lo + hi + 1) / 2
		if p.lineStart[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	ls := p.lineStart[lo]
	if p.ascii {
		return Position{Line: lo + 1, Column: off - ls, Offset: off}
	}
	return Position{Line: lo + 1, Column: utf8.RuneCount(p.text[ls:off]), Offset: utf8.RuneCount(p.text[:off])}
}

func (p *positions) span(start, end int) Span {
	return Span{Start: p.at(start), End: p.at(end)}
}
