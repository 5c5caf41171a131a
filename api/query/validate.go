package query

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/iamd/iamd/api/awserr"
)

// Path names a member in validation messages: "userName",
// "tags.1.member.key". Generated validators build it on the stack as they
// descend and render it only when a constraint fails.
type Path struct {
	Parent *Path
	Name   string // lower-camel member name, or the list element name
	Index  int    // 1-based list position; 0 for a structure member
}

func (p *Path) String() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p *Path) write(b *strings.Builder) {
	if p.Parent != nil {
		p.Parent.write(b)
		b.WriteByte('.')
	}
	if p.Index > 0 {
		b.WriteString(strconv.Itoa(p.Index))
		b.WriteByte('.')
	}
	b.WriteString(p.Name)
}

// Violations collects an input's constraint violations and reports them
// as AWS does:
//
//	2 validation errors detected: Value null at 'userName' failed to
//	satisfy constraint: Member must not be null; Value 'a b' at 'path' ...
//
// Values of sensitive members (passwords, keys) are never echoed.
type Violations struct {
	list  []string
	paths []string // each violation's member path, for AWS's order
	nulls []string // paths reported null: their values are not checked
	quiet bool     // quote no value at all (IAM): "Value at 'x' failed ..."
	own   string   // the service's own words for the violation, when it is the only one
}

// PatternOwn is Pattern for a member whose violation the service answers
// in words of its own (IAM's invalid path) when it is the only one.
func (vs *Violations) PatternOwn(p *Path, s, pattern string, secret bool, msg string) {
	vs.Pattern(p, s, pattern, secret)
	vs.own = msg
}

// ShortOwn is the service's own words for a value shorter than min, when
// it is the only violation (IAM's "ARN x is not valid." for a PolicyArn);
// call it before the value's own checks.
func (vs *Violations) ShortOwn(s string, min int, msg string) {
	if s != "" && utf8.RuneCountInString(s) < min { // an absent member is reported null
		vs.own = msg
	}
}

// HideValues makes the messages leave every value out, as IAM's do
// ("Value at 'tags.1.member.key' failed to satisfy constraint: ..."); a
// missing member still reads "Value null at ...".
func (vs *Violations) HideValues() { vs.quiet = true }

func (vs *Violations) add(path, value, shown, constraint string) {
	if shown == "null" {
		vs.nulls = append(vs.nulls, path)
	} else {
		// A required member found absent holds its zero value, which
		// would fail its length or enum too: AWS reports only the null.
		for _, n := range vs.nulls {
			if path == n || strings.HasPrefix(path, n) && path[len(n)] == '.' {
				return
			}
		}
	}
	var b strings.Builder
	b.WriteString("Value ")
	switch {
	case shown == "null":
		b.WriteString("null ")
	case shown == "secret" || vs.quiet:
	default:
		b.WriteByte('\'')
		b.WriteString(value)
		b.WriteString("' ")
	}
	b.WriteString("at '")
	b.WriteString(path)
	b.WriteString("' failed to satisfy constraint: Member must ")
	b.WriteString(constraint)
	vs.list = append(vs.list, b.String())
	vs.paths = append(vs.paths, path)
}

func shown(secret bool) string {
	if secret {
		return "secret"
	}
	return "value"
}

// Len is the number of violations.
func (vs *Violations) Len() int { return len(vs.list) }

// Null reports a required member that is absent.
func (vs *Violations) Null(p *Path) { vs.add(p.String(), "", "null", "not be null") }

// Length checks a string's length in characters (Unicode code points, as
// Smithy measures it); min or max < 0 is no bound. Both bounds are
// reported separately from pattern and enum, as AWS does.
func (vs *Violations) Length(p *Path, s string, min, max int, secret bool) {
	n := utf8.RuneCountInString(s)
	switch {
	case min >= 0 && n < min:
		vs.add(p.String(), s, shown(secret), "have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		vs.add(p.String(), s, shown(secret), "have length less than or equal to "+strconv.Itoa(max))
	}
}

// Pattern reports a string that does not match the model's pattern
// (given as the model spells it, as AWS quotes it).
func (vs *Violations) Pattern(p *Path, s, pattern string, secret bool) {
	vs.add(p.String(), s, shown(secret), "satisfy regular expression pattern: "+pattern)
}

// Enum reports a string outside the allowed values.
func (vs *Violations) Enum(p *Path, s string, values []string) {
	vs.add(p.String(), s, "value", "satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// Range checks an integer.
func (vs *Violations) Range(p *Path, n, min, max int64, hasMin, hasMax bool) {
	switch {
	case hasMin && n < min:
		vs.add(p.String(), strconv.FormatInt(n, 10), "value", "have value greater than or equal to "+strconv.FormatInt(min, 10))
	case hasMax && n > max:
		vs.add(p.String(), strconv.FormatInt(n, 10), "value", "have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// Count checks the number of elements of a list or map; shown is how the
// value is quoted ("[a, b]" as Java prints a list, "[...]" for lists of
// structures).
func (vs *Violations) Count(p *Path, n, min, max int, shown func() string) {
	switch {
	case min >= 0 && n < min:
		vs.add(p.String(), shown(), "value", "have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		vs.add(p.String(), shown(), "value", "have length less than or equal to "+strconv.Itoa(max))
	}
}

// LengthOutside reports whether s's length in characters is outside
// [min, max] (a bound < 0 is none).
func LengthOutside(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	return min >= 0 && n < min || max >= 0 && n > max
}

// Members reports a list of strings one of whose elements breaks its
// member's constraints, as AWS does: at the list, with every constraint
// of the member ("Member must satisfy constraint: [Member must have
// length less than or equal to 128, ..., Member must not be null]").
func (vs *Violations) Members(p *Path, shown func() string, constraints string) {
	vs.add(p.String(), shown(), "value", "satisfy constraint: ["+constraints+"]")
}

// ShowList quotes a list of strings as AWS's Java code prints one.
func ShowList(l []string) func() string {
	return func() string { return "[" + strings.Join(l, ", ") + "]" }
}

// ShowElided quotes a list or map whose elements are not printed.
func ShowElided() string { return "[...]" }

// Err returns the ValidationError, or nil when nothing was violated.
func (vs *Violations) Err() error {
	if vs.own != "" && len(vs.list) == 1 {
		return awserr.ValidationError(vs.own)
	}
	switch len(vs.list) {
	case 0:
		return nil
	case 1:
		return awserr.ValidationError("1 validation error detected: " + vs.list[0])
	}
	order := javaMapOrder(vs.paths)
	sorted := make([]string, 0, len(vs.list))
	for _, p := range order {
		for i, q := range vs.paths {
			if q == p {
				sorted = append(sorted, vs.list[i])
			}
		}
	}
	return awserr.ValidationError(strconv.Itoa(len(vs.list)) + " validation errors detected: " + strings.Join(sorted, "; "))
}

// javaMapOrder is the order in which a java.util.HashMap keyed by these
// paths (first seen first) iterates them. AWS's validator gathers the
// violations so, by member: the recordings list clientIDList,
// thumbprintList, url (CreateOpenIDConnectProvider, whose model has Url
// first) and minimumPasswordLength, passwordReusePrevention,
// maxPasswordAge (UpdateAccountPasswordPolicy, model order minimum,
// maxPasswordAge, passwordReusePrevention), which neither the model's
// order nor the alphabet gives and this does. One member's violations
// keep the order they were found in.
func javaMapOrder(paths []string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			keys = append(keys, p)
		}
	}
	// HashMap's table starts at 16 buckets and doubles past a load of 3/4.
	size := uint32(16)
	for uint32(len(keys)) > size/4*3 {
		size *= 2
	}
	bucket := func(s string) uint32 {
		var h uint32
		for _, c := range utf16.Encode([]rune(s)) { // String.hashCode
			h = 31*h + uint32(c)
		}
		return (h ^ h>>16) & (size - 1) // HashMap.hash, then the index
	}
	sort.SliceStable(keys, func(i, j int) bool { return bucket(keys[i]) < bucket(keys[j]) })
	return keys
}

// MatchAccountAlias implements the account alias pattern
// ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$, whose lookahead RE2 lacks:
// 3 to 63 lower-case letters, digits and single hyphens, starting and
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
