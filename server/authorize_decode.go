package server

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/iamd/iamd/api/awserr"
)

// decodeAuthorizeInput decodes an authorize request's body (already within
// authorizeBodyLimits). The reference is a json.Decoder refusing unknown
// fields and data after the object; for the common body, json.Unmarshal
// and a scan of its field names reach the same value without the
// Decoder's copy of the body. Anything else (an error, a field name not
// spelled exactly as the struct's tags, an escape in a name) is decoded by
// the reference again, so that what is refused and how stays the same.
func decodeAuthorizeInput(body []byte) (*AuthorizeInput, error) {
	in := new(AuthorizeInput)
	if json.Unmarshal(body, in) == nil && knownFieldsOnly(body) {
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

// The field names of AuthorizeInput and SignedRequest, as their tags spell
// them.
var (
	authorizeInputFields = map[string]bool{"principal": true, "request": true, "action": true, "resource": true,
		"resourcePolicy": true, "resourceAccount": true, "context": true}
	signedRequestFields = map[string]bool{"method": true, "url": true, "headers": true, "body": true}
)

// knownFieldsOnly reports whether body, valid JSON that decoded into an
// AuthorizeInput, names only fields of AuthorizeInput and, in request,
// of SignedRequest, each spelled exactly as its tag.
func knownFieldsOnly(body []byte) bool {
	i := skipSpace(body, 0)
	if i < len(body) && body[i] == 'n' { // null: no fields
		return true
	}
	return objectFields(body, i, func(name []byte, v int) bool {
		if !authorizeInputFields[string(name)] {
			return false
		}
		if string(name) == "request" && body[v] == '{' {
			return objectFields(body, v, func(name []byte, _ int) bool { return signedRequestFields[string(name)] })
		}
		return true
	})
}

// objectFields calls field with each name of the object at body[i] and
// where its value starts, while field says true; false for a name with an
// escape (left to the reference decoding). body is valid JSON.
func objectFields(body []byte, i int, field func(name []byte, value int) bool) bool {
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	for i < len(body) && body[i] == '"' {
		end := bytes.IndexByte(body[i+1:], '"')
		if end < 0 {
			return false
		}
		name := body[i+1 : i+1+end]
		if bytes.IndexByte(name, '\\') >= 0 {
			return false
		}
		v := skipSpace(body, skipSpace(body, i+end+2)+1) // past the colon
		if v >= len(body) || !field(name, v) {
			return false
		}
		i = skipSpace(body, skipValue(body, v))
		if i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
		}
	}
	return true
}

// skipValue returns where the valid JSON value at body[i] ends.
func skipValue(body []byte, i int) int {
	depth := 0
	for ; i < len(body); i++ {
		switch body[i] {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a number, true, false or null
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i // the end of a number, true, false or null
			}
		}
	}
	return i
}

func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	return i
}
