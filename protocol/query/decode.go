// Package query is the runtime of the AWS Query protocol, as IAM and STS
// speak it: parameters in a form body or query string (lists as
// Name.member.N, maps as Name.entry.N.key/value, structures as A.B), and XML
// responses and errors. The code generated into protocol/iamapi and
// protocol/stsapi calls it.
package query

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Decoder reads parameters. It records the first malformed value it meets
// (a bad integer, boolean or timestamp); Err reports it.
type Decoder struct {
	v        url.Values
	prefixes map[string]bool // every key and each of its dotted prefixes
	err      error
}

// NewDecoder indexes the parameters.
func NewDecoder(v url.Values) *Decoder {
	d := &Decoder{v: v, prefixes: make(map[string]bool, 2*len(v))}
	for k := range v {
		d.prefixes[k] = true
		for i := strings.IndexByte(k, '.'); i >= 0; {
			d.prefixes[k[:i]] = true
			j := strings.IndexByte(k[i+1:], '.')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return d
}

// Has reports whether a parameter named key, or any nested under it, is
// present.
func (d *Decoder) Has(key string) bool { return d.prefixes[key] }

// Err returns the first malformed value met.
func (d *Decoder) Err() error { return d.err }

func (d *Decoder) fail(key, value, want string) {
	if d.err == nil {
		d.err = &MalformedError{Key: key, Value: value, Want: want}
	}
}

// MalformedError is a parameter whose value is not of its type.
type MalformedError struct{ Key, Value, Want string }

func (e *MalformedError) Error() string {
	return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be %s", e.Value, e.Key, e.Want)
}

// String returns a parameter's value.
func (d *Decoder) String(key string) (string, bool) {
	vs, ok := d.v[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// Int32 reads an integer parameter.
func (d *Decoder) Int32(key string) (int32, bool) {
	s, ok := d.String(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		d.fail(key, s, "an integer")
		return 0, false
	}
	return int32(n), true
}

// Int64 reads a long parameter.
func (d *Decoder) Int64(key string) (int64, bool) {
	s, ok := d.String(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		d.fail(key, s, "a long")
		return 0, false
	}
	return n, true
}

// Bool reads a boolean parameter ("true" or "false", any case).
func (d *Decoder) Bool(key string) (bool, bool) {
	s, ok := d.String(key)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.fail(key, s, "a boolean")
	return false, false
}

// Time reads a timestamp: ISO 8601 as the SDKs send it, or epoch seconds.
func (d *Decoder) Time(key string) (time.Time, bool) {
	s, ok := d.String(key)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)).UTC(), true
	}
	d.fail(key, s, "a timestamp")
	return time.Time{}, false
}

// Blob reads a base64 parameter.
func (d *Decoder) Blob(key string) ([]byte, bool) {
	s, ok := d.String(key)
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		d.fail(key, s, "base64")
		return nil, false
	}
	return b, true
}

// ListLen returns how many members a list parameter has: Name.member.1 to
// Name.member.N, contiguous. present is true also for an empty list, which
// clients send as "Name=".
func (d *Decoder) ListLen(key string) (n int, present bool) {
	if !d.Has(key) {
		return 0, false
	}
	for d.Has(key + ".member." + strconv.Itoa(n+1)) {
		n++
	}
	return n, true
}

// MapLen is ListLen for maps (Name.entry.N).
func (d *Decoder) MapLen(key string) (n int, present bool) {
	if !d.Has(key) {
		return 0, false
	}
	for d.Has(key + ".entry." + strconv.Itoa(n+1)) {
		n++
	}
	return n, true
}
