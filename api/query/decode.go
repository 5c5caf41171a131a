// Package query is the runtime of the AWS Query protocol as IAM and STS
// speak it, used by the code internal/apigen generates into api/iamapi and
// api/stsapi and by the HTTP server: reading request parameters (lists as
// Name.member.N, maps as Name.entry.N.key/value, structures as A.B),
// checking them with AWS's ValidationError messages, and writing XML
// responses and error envelopes.
package query

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
)

// Decoder reads parameters for generated code, which walks the input shape
// and moves a cursor (the current key, e.g. "Tags.member.1.Key") with Push
// and Pop. Lookups reuse one key buffer, so reading a request allocates
// only for the values it keeps. The buffer is the Decoder's own array
// until a key outgrows it, and the Decoder keeps no pointer into itself,
// so that a Decoder its caller keeps is on the stack.
//
// Malformed values (an integer that is not one, bad base64 ...) are
// recorded, the first one reported by Err; required members found absent
// are recorded with Missing and reported as violations.
type Decoder struct {
	params  url.Values
	n       int    // the current key's length
	long    []byte // the key once it outgrows buf (nil until then)
	err     *awserr.Error
	missing []string
	buf     [64]byte
}

// NewDecoder reads params.
func NewDecoder(params url.Values) *Decoder { return &Decoder{params: params} }

// key is the current key.
func (d *Decoder) key() []byte {
	if d.long != nil {
		return d.long[:d.n]
	}
	return d.buf[:d.n]
}

// add appends to the current key.
func (d *Decoder) add(b []byte) {
	if d.long == nil && d.n+len(b) <= len(d.buf) {
		d.n += copy(d.buf[d.n:], b)
		return
	}
	if d.long == nil {
		d.long = append(make([]byte, 0, 2*len(d.buf)+len(b)), d.buf[:d.n]...)
	}
	d.long = append(d.long[:d.n], b...)
	d.n = len(d.long)
}

func (d *Decoder) addString(s string) {
	if d.long == nil && d.n+len(s) <= len(d.buf) {
		d.n += copy(d.buf[d.n:], s)
		return
	}
	d.add([]byte(s))
}

// Push moves the cursor to the child name of the current key and returns
// the mark Pop takes to come back.
func (d *Decoder) Push(name string) int {
	mark := d.n
	if mark > 0 {
		d.addString(".")
	}
	d.addString(name)
	return mark
}

// PushIndex moves the cursor to the i-th element under the current key
// (".member" already pushed), e.g. "Tags.member" -> "Tags.member.3".
func (d *Decoder) PushIndex(i int) int {
	mark := d.n
	var num [24]byte
	num[0] = '.'
	d.add(strconv.AppendInt(num[:1], int64(i), 10))
	return mark
}

// Pop returns the cursor to a mark.
func (d *Decoder) Pop(mark int) { d.n = mark }

// Has reports whether the current key itself is a parameter. Clients send
// an empty list as "Name=" with no members.
func (d *Decoder) Has() bool {
	_, ok := d.params[string(d.key())]
	return ok
}

func (d *Decoder) lookup() (string, bool) {
	vs, ok := d.params[string(d.key())]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// Missing records that the required member name of the current structure
// is absent.
func (d *Decoder) Missing(name string) {
	if d.n == 0 {
		d.missing = append(d.missing, name)
		return
	}
	d.missing = append(d.missing, string(d.key())+"."+name)
}

// Err returns the first malformed value met, as InvalidParameterValue.
func (d *Decoder) Err() error {
	if d.err == nil {
		return nil
	}
	return d.err
}

// Violations returns the absent required members as "must not be null"
// violations, to which validation adds its own.
func (d *Decoder) Violations() *Violations {
	vs := &Violations{} // small enough to inline: no allocation when the caller keeps vs
	d.addMissing(vs)
	return vs
}

func (d *Decoder) addMissing(vs *Violations) {
	for _, k := range d.missing {
		vs.add(MemberPath(k), "", "null", "not be null")
	}
}

func (d *Decoder) malformed(value, want string) {
	if d.err == nil {
		if len(value) > 64 {
			value = value[:64] + "..."
		}
		d.err = awserr.InvalidParameterValue("Value (" + value + ") for parameter " + string(d.key()) + " is invalid. Expected " + want + ".")
	}
}

// String reads the current key.
func (d *Decoder) String() (string, bool) { return d.lookup() }

// Int32 reads an integer.
func (d *Decoder) Int32() (int32, bool) {
	s, ok := d.lookup()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		d.malformed(s, "an integer")
		return 0, false
	}
	return int32(n), true
}

// Int64 reads a long.
func (d *Decoder) Int64() (int64, bool) {
	s, ok := d.lookup()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		d.malformed(s, "a long integer")
		return 0, false
	}
	return n, true
}

// Float64 reads a double.
func (d *Decoder) Float64() (float64, bool) {
	s, ok := d.lookup()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		d.malformed(s, "a number")
		return 0, false
	}
	return f, true
}

// Bool reads "true" or "false" (any case, as AWS's Java parser takes them;
// anything else is refused rather than read as false).
func (d *Decoder) Bool() (bool, bool) {
	s, ok := d.lookup()
	if !ok {
		return false, false
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	d.malformed(s, "true or false")
	return false, false
}

// Time reads a timestamp in the forms clients send: ISO 8601 with or
// without fractional seconds and zone (SDKs send "2024-05-01T12:00:00Z" or
// "...:00.123Z"; no zone means UTC), or epoch seconds.
func (d *Decoder) Time() (time.Time, bool) {
	s, ok := d.lookup()
	if !ok {
		return time.Time{}, false
	}
	if t, ok := ParseTime(s); ok {
		return t, true
	}
	d.malformed(s, "an ISO 8601 timestamp")
	return time.Time{}, false
}

// ParseTime parses a timestamp as Time does.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e11 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
	}
	return time.Time{}, false
}

var timeLayouts = []string{
	time.RFC3339Nano, // also takes no fraction, and any offset
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02",
}

// Blob reads base64 (standard alphabet, padding optional).
func (d *Decoder) Blob() ([]byte, bool) {
	s, ok := d.lookup()
	if !ok {
		return nil, false
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		d.malformed(s, "base64 data")
		return nil, false
	}
	return b, true
}

// MemberPath turns a parameter key into the path AWS names a member by in
// validation messages: lower-camel names, list positions before the
// element name ("Tags.member.1.Key" -> "tags.1.member.key").
func MemberPath(key string) string {
	parts := strings.Split(key, ".")
	for i := 0; i+1 < len(parts); i++ {
		if isDigits(parts[i+1]) && !isDigits(parts[i]) {
			parts[i], parts[i+1] = parts[i+1], parts[i]
			i++
		}
	}
	for i, p := range parts {
		parts[i] = lowerFirst(p)
	}
	return strings.Join(parts, ".")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lowerFirst lower-cases the first letter: AWS names members "userName"
// in validation messages.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}
