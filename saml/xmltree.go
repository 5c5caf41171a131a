// Package saml verifies SAML 2.0 responses for AssumeRoleWithSAML: the IdP
// metadata's signing certificates, XML signatures (enveloped, exclusive
// canonicalization, RSA with SHA-256 or SHA-1) on the response or its
// assertion, and the assertion's conditions and attributes. It implements
// the subset of XML canonicalization and XML-DSig that SAML uses, with
// the standard library only.
package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is an element as parsed, prefixes kept (canonicalization needs
// them as written).
type node struct {
	prefix, local string
	attrs         []xml.Attr // as written: Name.Space is the prefix ("xmlns" for declarations)
	children      []any      // *node or string
	parent        *node
}

// maxDocBytes bounds a SAML response or metadata document.
const maxDocBytes = 1 << 20

// parse reads a document into a tree. DTDs are refused (no entity
// expansion), as are documents with more than one root.
func parse(data []byte) (*node, error) {
	if len(data) > maxDocBytes {
		return nil, errors.New("document too large")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var root, cur *node
	depth := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > 64 {
				return nil, errors.New("elements nested too deep")
			}
			n := &node{prefix: t.Name.Space, local: t.Name.Local, attrs: append([]xml.Attr(nil), t.Attr...), parent: cur}
			if cur == nil {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = n
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			if cur == nil || t.Name.Space != cur.prefix || t.Name.Local != cur.local {
				return nil, errors.New("mismatched end tag")
			}
			depth--
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.children = append(cur.children, string(t))
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root element")
			}
		case xml.Directive:
			return nil, errors.New("DTDs are not allowed")
		}
	}
	if root == nil || cur != nil {
		return nil, errors.New("no complete root element")
	}
	return root, nil
}

// declared returns the namespace a prefix has on this element itself.
func (n *node) declared(prefix string) (string, bool) {
	for _, a := range n.attrs {
		if prefix == "" && a.Name.Space == "" && a.Name.Local == "xmlns" || prefix != "" && a.Name.Space == "xmlns" && a.Name.Local == prefix {
			return a.Value, true
		}
	}
	return "", false
}

// lookup resolves a prefix in scope ("" the default namespace).
func (n *node) lookup(prefix string) string {
	if prefix == "xml" {
		return "http://www.w3.org/XML/1998/namespace"
	}
	for e := n; e != nil; e = e.parent {
		if uri, ok := e.declared(prefix); ok {
			return uri
		}
	}
	return ""
}

// space is the element's namespace URI.
func (n *node) space() string { return n.lookup(n.prefix) }

// is reports whether the element is local in namespace uri.
func (n *node) is(uri, local string) bool { return n.local == local && n.space() == uri }

// attr returns an unprefixed attribute's value.
func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// child returns the first child element local in namespace uri.
func (n *node) child(uri, local string) *node {
	for _, c := range n.children {
		if e, ok := c.(*node); ok && e.is(uri, local) {
			return e
		}
	}
	return nil
}

// all returns the child elements local in namespace uri.
func (n *node) all(uri, local string) []*node {
	var out []*node
	for _, c := range n.children {
		if e, ok := c.(*node); ok && e.is(uri, local) {
			out = append(out, e)
		}
	}
	return out
}

// text is the element's character data (its direct text children).
func (n *node) text() string {
	var b strings.Builder
	for _, c := range n.children {
		if s, ok := c.(string); ok {
			b.WriteString(s)
		}
	}
	return strings.TrimSpace(b.String())
}

// ids maps every ID attribute to its element, failing on a duplicate (an
// XML signature wrapping attempt).
func ids(root *node) (map[string]*node, error) {
	out := map[string]*node{}
	var walk func(n *node) error
	walk = func(n *node) error {
		if id := n.attr("ID"); id != "" {
			if _, dup := out[id]; dup {
				return fmt.Errorf("duplicate ID %q", id)
			}
			out[id] = n
		}
		for _, c := range n.children {
			if e, ok := c.(*node); ok {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(root)
}
