package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/jsonlimit"
)

// Bounds checked before a document is decoded: the decoder recurses once
// per nesting level and allocates per value, so unbounded input costs
// memory out of all proportion to its size. No policy AWS accepts comes
// near them: the largest documents AWS takes are 131,072 characters (the
// API models' policyDocumentType; a character of the allowed range is at
// most two bytes of UTF-8), and a policy nests at most six levels
// (document, Statement, statement, Condition, operator, values).
const (
	MaxDocumentBytes = 2 * 131072
	MaxDocumentDepth = 32
)

// Parse reads a policy document. It rejects everything AWS reports as
// "Syntax errors in policy." (section 10, step 1): text that is not a single
// JSON object, unknown or duplicate keys, elements of the wrong JSON type,
// an empty Statement, a missing or unknown Effect, an unknown Version, Action
// with NotAction, Resource with NotResource, and unknown condition operators
// with a non-empty key map. Further checks, which depend on the policy's
// kind, are Validate's.
func Parse(text []byte) (*Document, error) {
	if err := jsonlimit.Check(text, jsonlimit.Limits{MaxBytes: MaxDocumentBytes, MaxDepth: MaxDocumentDepth}); err != nil {
		e := &Error{Code: CodeMalformed, Message: MsgSyntax, Detail: err.Error()}
		if le, ok := errors.AsType[*jsonlimit.Error](err); ok && !le.TooLarge {
			e.Pos = positionAt(text, le.Offset)
		}
		return nil, e
	}
	if bad, i := invalidChar(text); bad {
		return nil, &Error{Code: CodeMalformed, Message: "The policy document contains a character outside the allowed range (tab, line feed, carriage return, U+0020 to U+00FF).", Pos: positionAt(text, i)}
	}
	root, err := parseJSON(text)
	if err != nil {
		return nil, syntaxError(text, err)
	}
	p := docParser{text: text}
	doc := p.document(root)
	if p.err != nil {
		return nil, p.err
	}
	return doc, nil
}

// invalidChar finds a character outside TAB, LF, CR and U+0020..U+00FF, the
// only ones AWS accepts in a policy document (section 9.4).
func invalidChar(text []byte) (bool, int) {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n <= 1 {
			return true, i
		}
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xFF) {
			return true, i
		}
		i += n
	}
	return false, 0
}

// node is a JSON value with its source offsets.
type node struct {
	kind       nodeKind
	str        string // string, number (as written) and bool values
	arr        []*node
	obj        []member
	start, end int64
}

type member struct {
	key string
	val *node
}

type nodeKind int

const (
	kString nodeKind = iota
	kNumber
	kBool
	kNull
	kArray
	kObject
)

var errDuplicateKey = errors.New("duplicate key")

// parseJSON decodes text into a node tree, recording where each value starts
// and ends. Duplicate keys are rejected (section 1.1).
func parseJSON(text []byte) (*node, error) {
	if n, ok := scanTree(text); ok {
		return n, nil
	}
	return decodeTree(text)
}

// decodeTree is parseJSON with encoding/json, whose errors Parse reports.
func decodeTree(text []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	n, err := readNode(dec, text)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, text []byte) (*node, error) {
	start := skipSpace(text, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{start: start}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = kObject
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := kt.(string)
				if seen[key] {
					return nil, fmt.Errorf("%w %q", errDuplicateKey, key)
				}
				seen[key] = true
				v, err := readNode(dec, text)
				if err != nil {
					return nil, err
				}
				n.obj = append(n.obj, member{key, v})
			}
		case '[':
			n.kind = kArray
			for dec.More() {
				v, err := readNode(dec, text)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.str = kString, t
	case json.Number:
		n.kind, n.str = kNumber, t.String()
	case bool:
		n.kind, n.str = kBool, fmt.Sprint(t)
	case nil:
		n.kind = kNull
	}
	n.end = dec.InputOffset()
	return n, nil
}

// skipSpace moves past the whitespace and separators that precede the next
// token, so that a node's start is the offset of its first character.
func skipSpace(text []byte, off int64) int64 {
	for off < int64(len(text)) {
		switch text[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// positionAt converts a byte offset into a 1-based line and column, counting
// columns in characters.
func positionAt(text []byte, off int) Position {
	if off > len(text) {
		off = len(text)
	}
	line := 1 + bytes.Count(text[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(text[:off], '\n') + 1
	return Position{Line: line, Column: 1 + utf8.RuneCount(text[lineStart:off])}
}

func syntaxError(text []byte, err error) *Error {
	e := &Error{Code: CodeMalformed, Message: MsgSyntax, Detail: err.Error()}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		e.Pos = positionAt(text, int(se.Offset))
	}
	return e
}

// docParser turns the node tree into a Document, stopping at the first
// syntax error.
type docParser struct {
	text []byte
	err  *Error
}

func (p *docParser) fail(n *node, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{Code: CodeMalformed, Message: MsgSyntax, Detail: fmt.Sprintf(format, args...)}
		if n != nil {
			p.err.Pos = positionAt(p.text, int(n.start))
		}
	}
}

func (p *docParser) document(root *node) *Document {
	if root.kind != kObject {
		p.fail(root, "a policy must be a JSON object")
		return nil
	}
	doc := &Document{}
	var stmts *node
	for _, m := range root.obj {
		switch m.key {
		case "Version":
			if m.val.kind != kString {
				p.fail(m.val, "Version must be a string")
			} else if m.val.str != Version2012 && m.val.str != Version2008 {
				p.fail(m.val, "Version must be %s or %s", Version2012, Version2008)
			}
			doc.Version = m.val.str
		case "Id":
			if m.val.kind != kString {
				p.fail(m.val, "Id must be a string")
			}
			doc.ID, doc.HasID = m.val.str, true
		case "Statement":
			stmts = m.val
		default:
			p.fail(m.val, "unknown element %q", m.key)
		}
	}
	if stmts == nil {
		p.fail(root, "Statement is missing")
		return nil
	}
	switch stmts.kind {
	case kObject:
		doc.SingleStatement = true
		doc.Statements = []*Statement{p.statement(stmts, 0)}
	case kArray:
		if len(stmts.arr) == 0 {
			p.fail(stmts, "Statement is empty")
		}
		for i, s := range stmts.arr {
			doc.Statements = append(doc.Statements, p.statement(s, i))
		}
	default:
		p.fail(stmts, "Statement must be an object or an array of objects")
	}
	return doc
}

func (p *docParser) statement(n *node, index int) *Statement {
	s := &Statement{Index: index, Start: positionAt(p.text, int(n.start)), End: positionAt(p.text, int(n.end))}
	if n.kind != kObject {
		p.fail(n, "a statement must be an object")
		return s
	}
	hasEffect := false
	for _, m := range n.obj {
		switch m.key {
		case "Sid":
			if m.val.kind != kString {
				p.fail(m.val, "Sid must be a string")
			}
			s.Sid, s.HasSid = m.val.str, true
		case "Effect":
			hasEffect = true
			if m.val.kind != kString || !strings.EqualFold(m.val.str, Allow) && !strings.EqualFold(m.val.str, Deny) {
				p.fail(m.val, "Effect must be Allow or Deny")
			}
			s.Effect = m.val.str
		case "Principal":
			s.Principal = p.principal(m.val)
		case "NotPrincipal":
			s.NotPrincipal = p.principal(m.val)
		case "Action":
			s.Action = p.values(m.val, m.key)
		case "NotAction":
			s.NotAction = p.values(m.val, m.key)
		case "Resource":
			s.Resource = p.values(m.val, m.key)
		case "NotResource":
			s.NotResource = p.values(m.val, m.key)
		case "Condition":
			s.Condition, s.HasCondition = p.condition(m.val), true
		default:
			p.fail(m.val, "unknown statement element %q", m.key)
		}
	}
	switch {
	case !hasEffect:
		p.fail(n, "statement %d has no Effect", index)
	case s.Action.Present && s.NotAction.Present:
		p.fail(n, "statement %d has both Action and NotAction", index)
	case s.Resource.Present && s.NotResource.Present:
		p.fail(n, "statement %d has both Resource and NotResource", index)
	case s.Principal != nil && s.NotPrincipal != nil:
		p.fail(n, "statement %d has both Principal and NotPrincipal", index)
	}
	return s
}

// values reads a string or an array of strings.
func (p *docParser) values(n *node, name string) Values {
	switch n.kind {
	case kString:
		return Values{List: []string{n.str}, Present: true, Single: true}
	case kArray:
		v := Values{List: make([]string, 0, len(n.arr)), Present: true}
		for _, e := range n.arr {
			if e.kind != kString {
				p.fail(e, "%s must hold only strings", name)
			}
			v.List = append(v.List, e.str)
		}
		return v
	}
	p.fail(n, "%s must be a string or an array of strings", name)
	return Values{Present: true}
}

func (p *docParser) principal(n *node) *PrincipalElement {
	switch n.kind {
	case kString:
		if n.str != "*" {
			p.fail(n, `a principal given as a string must be "*"`)
		}
		return &PrincipalElement{Wildcard: true}
	case kObject:
		pr := &PrincipalElement{}
		for _, m := range n.obj {
			pr.Entries = append(pr.Entries, PrincipalEntry{Type: m.key, Values: p.values(m.val, "Principal "+m.key)})
		}
		return pr
	}
	p.fail(n, `Principal must be "*" or an object`)
	return &PrincipalElement{}
}

// condition reads operator -> key -> value(s). Values may be strings,
// numbers or booleans; they are kept as their text.
func (p *docParser) condition(n *node) []Condition {
	if n.kind != kObject {
		p.fail(n, "Condition must be an object")
		return nil
	}
	var out []Condition
	for _, m := range n.obj {
		if m.val.kind != kObject {
			p.fail(m.val, "condition operator %s must map to an object", m.key)
			continue
		}
		if _, err := parseOperator(m.key); err != nil && len(m.val.obj) > 0 {
			p.fail(m.val, "%v", err)
		}
		c := Condition{Operator: m.key}
		for _, e := range m.val.obj {
			c.Entries = append(c.Entries, ConditionEntry{Key: e.key, Values: p.conditionValues(e.val)})
		}
		out = append(out, c)
	}
	return out
}

func (p *docParser) conditionValues(n *node) Values {
	scalar := func(e *node) bool { return e.kind == kString || e.kind == kNumber || e.kind == kBool }
	if scalar(n) {
		return Values{List: []string{n.str}, Present: true, Single: true}
	}
	if n.kind == kArray {
		v := Values{List: make([]string, 0, len(n.arr)), Present: true}
		for _, e := range n.arr {
			if !scalar(e) {
				p.fail(e, "condition values must be strings, numbers or booleans")
			}
			v.List = append(v.List, e.str)
		}
		return v
	}
	p.fail(n, "condition values must be strings, numbers or booleans, or an array of them")
	return Values{Present: true}
}
