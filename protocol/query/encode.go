package query

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"strconv"
	"time"

	"github.com/iamd/iamd/awserr"
)

// Encodable is an operation's output; the generated code implements it.
type Encodable interface {
	EncodeXML(w *Writer)
}

// Writer writes response XML.
type Writer struct {
	b *bytes.Buffer
}

// NewWriter writes to b.
func NewWriter(b *bytes.Buffer) *Writer { return &Writer{b: b} }

// Start opens an element.
func (w *Writer) Start(name string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// End closes an element.
func (w *Writer) End(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// String writes <name>escaped value</name>.
func (w *Writer) String(name, v string) {
	w.Start(name)
	_ = xml.EscapeText(w.b, []byte(v))
	w.End(name)
}

// Int writes an integer element.
func (w *Writer) Int(name string, v int64) { w.raw(name, strconv.FormatInt(v, 10)) }

// Bool writes a boolean element.
func (w *Writer) Bool(name string, v bool) { w.raw(name, strconv.FormatBool(v)) }

// Time writes a timestamp as AWS does: ISO 8601 in UTC, seconds precision.
func (w *Writer) Time(name string, v time.Time) { w.raw(name, FormatTime(v)) }

// Blob writes base64.
func (w *Writer) Blob(name string, v []byte) { w.raw(name, base64.StdEncoding.EncodeToString(v)) }

func (w *Writer) raw(name, v string) {
	w.Start(name)
	w.b.WriteString(v)
	w.End(name)
}

// FormatTime is AWS's timestamp form in query responses.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// WriteResponse writes the envelope of a successful call: the result (when
// the operation has an output) and the request id.
func WriteResponse(b *bytes.Buffer, action, namespace, requestID string, out Encodable) {
	w := NewWriter(b)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString("<" + action + `Response xmlns="` + namespace + `">`)
	if out != nil {
		w.Start(action + "Result")
		out.EncodeXML(w)
		w.End(action + "Result")
	}
	w.Start("ResponseMetadata")
	w.String("RequestId", requestID)
	w.End("ResponseMetadata")
	w.End(action + "Response")
	b.WriteByte('\n')
}

// WriteError writes AWS's error envelope for query services.
func WriteError(b *bytes.Buffer, namespace, requestID string, e *awserr.Error) {
	w := NewWriter(b)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ErrorResponse xmlns="` + namespace + `">`)
	w.Start("Error")
	if e.Receiver {
		w.String("Type", "Receiver")
	} else {
		w.String("Type", "Sender")
	}
	w.String("Code", e.Code)
	w.String("Message", e.Message)
	w.End("Error")
	w.String("RequestId", requestID)
	w.End("ErrorResponse")
	b.WriteByte('\n')
}
