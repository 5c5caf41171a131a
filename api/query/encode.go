package query

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/iamd/iamd/api/awserr"
)

// Output is an operation's result; the generated code implements it,
// writing its members in the model's order.
type Output interface {
	EncodeXML(w *Writer)
}

// ContentType is what AWS sends query responses as.
const ContentType = "text/xml"

// Writer builds response XML in a byte slice. Element names come from the
// model and are written as they are; text is escaped.
type Writer struct {
	b []byte
}

// NewWriter appends to buf (which may be nil, or a pooled buffer's [:0]).
func NewWriter(buf []byte) *Writer { return &Writer{b: buf} }

// Bytes returns what was written.
func (w *Writer) Bytes() []byte { return w.b }

// Reset empties the writer, keeping its memory.
func (w *Writer) Reset() { w.b = w.b[:0] }

// Start opens an element.
func (w *Writer) Start(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// End closes an element.
func (w *Writer) End(name string) {
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// String writes <name>escaped text</name>.
func (w *Writer) String(name, v string) {
	w.Start(name)
	w.b = AppendEscaped(w.b, v)
	w.End(name)
}

// Int32 writes an integer element.
func (w *Writer) Int32(name string, v int32) { w.Int64(name, int64(v)) }

// Int64 writes a long element.
func (w *Writer) Int64(name string, v int64) {
	w.Start(name)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.End(name)
}

// Float64 writes a double element.
func (w *Writer) Float64(name string, v float64) {
	w.Start(name)
	w.b = strconv.AppendFloat(w.b, v, 'g', -1, 64)
	w.End(name)
}

// Bool writes true or false.
func (w *Writer) Bool(name string, v bool) {
	w.Start(name)
	w.b = strconv.AppendBool(w.b, v)
	w.End(name)
}

// Time writes a timestamp as AWS does in query responses: ISO 8601, UTC,
// whole seconds ("2024-05-01T12:00:00Z").
func (w *Writer) Time(name string, v time.Time) {
	w.Start(name)
	w.b = v.UTC().AppendFormat(w.b, TimeFormat)
	w.End(name)
}

// TimeFormat is AWS's timestamp form in query responses.
const TimeFormat = "2006-01-02T15:04:05Z"

// Blob writes base64.
func (w *Writer) Blob(name string, v []byte) {
	w.Start(name)
	w.b = base64.StdEncoding.AppendEncode(w.b, v)
	w.End(name)
}

// AppendEscaped appends s as XML text or attribute value: &, <, > and " escaped, \r kept as a
// reference (a parser would turn a raw one into \n), and what XML 1.0
// cannot carry at all (control characters, invalid UTF-8) replaced by
// U+FFFD so the document stays well formed.
func AppendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' {
			i++
			continue
		}
		var esc string
		width := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"':
			esc = "&quot;"
		case c == '\r':
			esc = "&#xD;"
		case c == '\n' || c == '\t':
			i++
			continue
		case c < 0x20:
			esc = "\uFFFD"
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			} else {
				i += n
				continue
			}
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// WriteResponse writes the envelope of a successful call:
//
//	<ActionResponse xmlns="ns"><ActionResult>...</ActionResult>
//	<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></ActionResponse>
//
// An operation with no output (out == nil) writes only ResponseMetadata.
func WriteResponse(w *Writer, action, namespace, requestID string, out Output) {
	w.b = append(w.b, '<')
	w.b = append(w.b, action...)
	w.b = append(w.b, `Response xmlns="`...)
	w.b = AppendEscaped(w.b, namespace)
	w.b = append(w.b, `">`...)
	if out != nil {
		w.b = append(w.b, '<')
		w.b = append(w.b, action...)
		w.b = append(w.b, "Result>"...)
		out.EncodeXML(w)
		w.b = append(w.b, "</"...)
		w.b = append(w.b, action...)
		w.b = append(w.b, "Result>"...)
	}
	w.Start("ResponseMetadata")
	w.String("RequestId", requestID)
	w.End("ResponseMetadata")
	w.b = append(w.b, "</"...)
	w.b = append(w.b, action...)
	w.b = append(w.b, "Response>\n"...)
}

// WriteError writes AWS's error envelope for query services:
//
//	<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>..</Code>
//	<Message>..</Message></Error><RequestId>id</RequestId></ErrorResponse>
//
// An error without a message has no Message element, as AWS sends some
// (ReportNotPresent). The HTTP status to send with it is e.Status.
func WriteError(w *Writer, namespace, requestID string, e *awserr.Error) {
	w.b = append(w.b, `<ErrorResponse xmlns="`...)
	w.b = AppendEscaped(w.b, namespace)
	w.b = append(w.b, `">`...)
	w.Start("Error")
	if e.Sender {
		w.String("Type", "Sender")
	} else {
		w.String("Type", "Receiver")
	}
	w.String("Code", e.Code)
	if e.Message != "" {
		w.String("Message", e.Message)
	}
	w.End("Error")
	w.String("RequestId", requestID)
	w.b = append(w.b, "</ErrorResponse>\n"...)
}
