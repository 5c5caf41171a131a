// Package jsonlimit bounds JSON input before it is decoded: a cheap scan of
// the bytes that refuses a document larger or more deeply nested than its
// reader needs. Decoders recurse per nesting level and allocate per value;
// without the bound, a request of a few hundred kilobytes of "[[[[" costs
// hundreds of megabytes (issue 11).
package jsonlimit

import "fmt"

// Limits are the bounds of one kind of document. Zero means no bound.
type Limits struct {
	MaxBytes int // length of the text
	MaxDepth int // nesting of arrays and objects; a bare value is depth 0
}

// Error says which bound the text broke.
type Error struct {
	TooLarge bool // MaxBytes, else MaxDepth
	Limit    int
	Offset   int // where the bound was passed
}

func (e *Error) Error() string {
	if e.TooLarge {
		return fmt.Sprintf("the JSON text is longer than %d bytes", e.Limit)
	}
	return fmt.Sprintf("the JSON text nests deeper than %d levels (at byte %d)", e.Limit, e.Offset)
}

// Check reports whether text stays within l. It does not validate the
// JSON: brackets inside strings are skipped, unbalanced or malformed text
// is left for the decoder to refuse. It allocates nothing.
func Check(text []byte, l Limits) error {
	if l.MaxBytes > 0 && len(text) > l.MaxBytes {
		return &Error{TooLarge: true, Limit: l.MaxBytes, Offset: l.MaxBytes}
	}
	if l.MaxDepth <= 0 {
		return nil
	}
	depth, inString := 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped character, even a quote
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > l.MaxDepth {
				return &Error{Limit: l.MaxDepth, Offset: i}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
