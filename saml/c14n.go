package saml

import (
	"sort"
	"strings"
)

// Exclusive XML Canonicalization 1.0 (without comments) of an element
// subtree, as XML-DSig's http://www.w3.org/2001/10/xml-exc-c14n# defines
// it: namespace declarations only where visibly used (or listed in the
// InclusiveNamespaces PrefixList) and not already in effect in the
// output, sorted; attributes sorted by namespace URI then local name;
// empty elements as start and end tags; text and attribute values
// escaped as the standard says. skip is left out (the enveloped
// signature transform).
func canonicalize(n *node, inclusive []string, skip *node) []byte {
	var b strings.Builder
	c14n(&b, n, map[string]string{}, inclusive, skip)
	return []byte(b.String())
}

func c14n(b *strings.Builder, n *node, rendered map[string]string, inclusive []string, skip *node) {
	// The prefixes this element visibly uses.
	used := map[string]bool{n.prefix: true}
	for _, a := range n.attrs {
		if a.Name.Space != "" && a.Name.Space != "xmlns" && a.Name.Space != "xml" {
			used[a.Name.Space] = true
		}
	}
	for _, p := range inclusive {
		if p == "#default" {
			p = ""
		}
		if _, ok := n.declaredInScope(p); ok {
			used[p] = true
		}
	}
	type decl struct{ prefix, uri string }
	var decls []decl
	next := rendered
	for p := range used {
		uri := n.lookup(p)
		prev, had := rendered[p]
		if p == "" && uri == "" && (!had || prev == "") {
			continue // the empty default namespace is in effect already
		}
		if had && prev == uri {
			continue
		}
		decls = append(decls, decl{p, uri})
	}
	if len(decls) > 0 {
		next = make(map[string]string, len(rendered)+len(decls))
		for k, v := range rendered {
			next[k] = v
		}
		for _, d := range decls {
			next[d.prefix] = d.uri
		}
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].prefix < decls[j].prefix })

	type attr struct{ space, local, qname, value string }
	var attrs []attr
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			continue
		}
		qname, space := a.Name.Local, ""
		if a.Name.Space != "" {
			qname = a.Name.Space + ":" + a.Name.Local
			space = n.lookup(a.Name.Space)
		}
		attrs = append(attrs, attr{space, a.Name.Local, qname, a.Value})
	}
	sort.Slice(attrs, func(i, j int) bool {
		if attrs[i].space != attrs[j].space {
			return attrs[i].space < attrs[j].space
		}
		return attrs[i].local < attrs[j].local
	})

	qname := n.local
	if n.prefix != "" {
		qname = n.prefix + ":" + n.local
	}
	b.WriteByte('<')
	b.WriteString(qname)
	for _, d := range decls {
		if d.prefix == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:` + d.prefix + `="`)
		}
		escapeAttr(b, d.uri)
		b.WriteByte('"')
	}
	for _, a := range attrs {
		b.WriteString(" " + a.qname + `="`)
		escapeAttr(b, a.value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	for _, c := range n.children {
		switch v := c.(type) {
		case string:
			escapeText(b, v)
		case *node:
			if v != skip {
				c14n(b, v, next, inclusive, skip)
			}
		}
	}
	b.WriteString("</" + qname + ">")
}

// declaredInScope reports whether a prefix is declared on the element or
// an ancestor.
func (n *node) declaredInScope(prefix string) (string, bool) {
	for e := n; e != nil; e = e.parent {
		if uri, ok := e.declared(prefix); ok {
			return uri, true
		}
	}
	return "", false
}

func escapeText(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}

func escapeAttr(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}
