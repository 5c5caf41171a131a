package server

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/iamd/iamd/api/awserr"
)

// decodeAuthorizeInput decodes an authorize request's body (already within
// authorizeBodyLimits). The reference is a json.Decoder refusing unknown
// fields and data after the object; the common body (decodePlain's) is
// read by hand to the same value without the Decoder's copy of the body
// and its reflection. Anything else is decoded by the reference, so that
// what is refused and how stays the same.
func decodeAuthorizeInput(body []byte) (*AuthorizeInput, error) {
	if in, ok := decodePlain(body); ok {
		return in, nil
	}
	return decodeAuthorizeInputStrict(body)
}

// decodeAuthorizeInputStrict is the reference decoding, with its errors.
func decodeAuthorizeInputStrict(body []byte) (*AuthorizeInput, error) {
	in := new(AuthorizeInput)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return nil, awserr.ValidationError(fmt.Sprintf("The request body is not an authorize request: %v", err))
	}
	if dec.More() {
		return nil, awserr.ValidationError("The request body is not an authorize request: data after the JSON object.")
	}
	return in, nil
}

func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	return i
}

// plainDecoder decodes the plainest authorize bodies by hand: an object
// of the tags' names, each once, whose strings have no escape and no byte
// beyond ASCII and whose values are never null. It says ok=false for
// anything else, which the reference then decodes.
type plainDecoder struct {
	b   []byte
	i   int
	bad bool
}

func decodePlain(body []byte) (*AuthorizeInput, bool) {
	d := &plainDecoder{b: body}
	in := new(AuthorizeInput)
	var seen once
	d.object(func(name []byte) {
		if d.bad = seen.again(name); d.bad {
			return
		}
		switch string(name) {
		case "principal":
			in.Principal = d.str()
		case "action":
			in.Action = d.str()
		case "resource":
			in.Resource = d.str()
		case "resourcePolicy":
			in.ResourcePolicy = d.str()
		case "resourceAccount":
			in.ResourceAccount = d.str()
		case "context":
			in.Context = d.lists()
		case "request":
			in.Request = d.signed()
		default:
			d.bad = true
		}
	})
	if d.space(); d.bad || d.i != len(d.b) {
		return nil, false
	}
	return in, true
}

func (d *plainDecoder) space() { d.i = skipSpace(d.b, d.i) }

// expect consumes c after spaces.
func (d *plainDecoder) expect(c byte) bool {
	if d.space(); !d.bad && d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	d.bad = true
	return false
}

// peek reports whether c is next after spaces, without consuming it.
func (d *plainDecoder) peek(c byte) bool {
	d.space()
	return !d.bad && d.i < len(d.b) && d.b[d.i] == c
}

// str reads a string of printable ASCII without escapes.
func (d *plainDecoder) str() string { return string(d.raw()) }

// raw is str's bytes, in the body: a name that is only compared needs no
// copy.
func (d *plainDecoder) raw() []byte {
	if !d.expect('"') {
		return nil
	}
	for j := d.i; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[d.i:j]
			d.i = j + 1
			return s
		case c == '\\' || c < 0x20 || c >= 0x80:
			d.bad = true
			return nil
		}
	}
	d.bad = true
	return nil
}

// object reads an object, calling field with each name, positioned at
// its value; field reads the value.
func (d *plainDecoder) object(field func(name []byte)) {
	if !d.expect('{') {
		return
	}
	if d.peek('}') {
		d.i++
		return
	}
	for !d.bad {
		name := d.raw()
		if !d.expect(':') {
			return
		}
		if field(name); d.bad {
			return
		}
		if d.peek(',') {
			d.i++
			continue
		}
		d.expect('}')
		return
	}
}

// strs reads an array of strings.
func (d *plainDecoder) strs() []string {
	vs := []string{}
	if !d.expect('[') {
		return nil
	}
	if d.peek(']') {
		d.i++
		return vs
	}
	for !d.bad {
		vs = append(vs, d.str())
		if d.peek(',') {
			d.i++
			continue
		}
		d.expect(']')
		break
	}
	return vs
}

// lists reads an object of string arrays, each name once.
func (d *plainDecoder) lists() map[string][]string {
	m := map[string][]string{}
	d.object(func(name []byte) {
		if _, dup := m[string(name)]; dup {
			d.bad = true
			return
		}
		m[string(name)] = d.strs()
	})
	return m
}

// signed reads a SignedRequest, each name once.
func (d *plainDecoder) signed() *SignedRequest {
	sr := new(SignedRequest)
	var seen once
	d.object(func(name []byte) {
		if d.bad = seen.again(name); d.bad {
			return
		}
		switch string(name) {
		case "method":
			sr.Method = d.str()
		case "url":
			sr.URL = d.str()
		case "body":
			sr.Body = d.str()
		case "headers":
			sr.Headers = d.lists()
		default:
			d.bad = true
		}
	})
	return sr
}

// once remembers the names an object has had: its fields are known and
// at most seven, so more names are a repeat or an unknown name anyway.
type once struct {
	names [7][]byte // in the body
	n     int
}

func (o *once) again(name []byte) bool {
	for _, n := range o.names[:o.n] {
		if string(n) == string(name) {
			return true
		}
	}
	if o.n == len(o.names) {
		return true
	}
	o.names[o.n] = name
	o.n++
	return false
}
