package query

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamd/iamd/awserr"
)

// Violations collects the constraint violations of an input, and reports
// them the way AWS does:
//
//	2 validation errors detected: Value null at 'userName' failed to satisfy
//	constraint: Member must not be null; Value 'x y' at 'path' failed ...
type Violations struct {
	list []string
}

func (v *Violations) add(value, path, constraint string) {
	v.list = append(v.list, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member must %s", value, path, constraint))
}

func quote(s string) string { return "'" + s + "'" }

// Null reports a required member that is absent.
func (v *Violations) Null(path string) { v.add("null", path, "not be null") }

// Length checks a string's length in characters.
func (v *Violations) Length(path, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case min >= 0 && n < min:
		v.add(quote(s), path, "have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add(quote(s), path, "have length less than or equal to "+strconv.Itoa(max))
	}
}

// Count checks a list's or map's number of elements. An empty list is
// not checked against a minimum: clients send one ("Name=") for a list
// they leave empty, and AWS takes it as absent.
func (v *Violations) Count(path string, n, min, max int) {
	switch {
	case n == 0:
	case min >= 0 && n < min:
		v.add("'[...]'", path, "have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add("'[...]'", path, "have length less than or equal to "+strconv.Itoa(max))
	}
}

// Range checks an integer.
func (v *Violations) Range(path string, n int64, min, max int64, hasMin, hasMax bool) {
	switch {
	case hasMin && n < min:
		v.add(quote(strconv.FormatInt(n, 10)), path, "have value greater than or equal to "+strconv.FormatInt(min, 10))
	case hasMax && n > max:
		v.add(quote(strconv.FormatInt(n, 10)), path, "have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// Pattern checks a string against the model's pattern; ok is the match.
func (v *Violations) Pattern(path, s, pattern string, ok bool) {
	if !ok {
		v.add(quote(s), path, "satisfy regular expression pattern: "+pattern)
	}
}

// Enum checks a string against the allowed values.
func (v *Violations) Enum(path, s string, values []string) {
	for _, e := range values {
		if s == e {
			return
		}
	}
	v.add(quote(s), path, "satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// Err returns the ValidationError, or nil when nothing was violated.
func (v *Violations) Err() error {
	switch len(v.list) {
	case 0:
		return nil
	case 1:
		return awserr.New(awserr.CodeValidation, http.StatusBadRequest, "1 validation error detected: %s", v.list[0])
	}
	return awserr.New(awserr.CodeValidation, http.StatusBadRequest, "%d validation errors detected: %s", len(v.list), strings.Join(v.list, "; "))
}

// DecodeErr turns a malformed parameter into a ValidationError.
func DecodeErr(err error) error {
	if err == nil {
		return nil
	}
	return awserr.New(awserr.CodeValidation, http.StatusBadRequest, "1 validation error detected: %s", err.Error())
}

// MemberPath is the name AWS gives a member in validation messages:
// lower-camel, with list positions as ".N.member." ("tags.1.member.key").
func MemberPath(parent, member string) string {
	name := lowerFirst(member)
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// ElemPath is the path of the i-th (1-based) element of a list.
func ElemPath(list string, i int) string { return list + "." + strconv.Itoa(i) + ".member" }

// lowerFirst lower-cases the first letter, as AWS names members in these
// messages ("UserName" -> "userName").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// MatchAccountAlias implements the account alias pattern
// ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$, which needs a lookahead RE2
// lacks: 3 to 63 lower-case letters, digits and single hyphens, starting and
// ending with a letter or digit.
func MatchAccountAlias(s string) bool {
	if len(s) < 3 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
