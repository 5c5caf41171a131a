package querytest

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Model is the part of an AWS model that ValidParams reads.
type Model struct {
	Operations map[string]struct {
		Input *struct{ Shape string } `json:"input"`
	} `json:"operations"`
	Shapes map[string]*modelShape `json:"shapes"`
}

type modelShape struct {
	Type     string                            `json:"type"`
	Members  map[string]struct{ Shape string } `json:"members"`
	Required []string                          `json:"required"`
	Member   *struct{ Shape string }           `json:"member"`
	Min      *float64                          `json:"min"`
	Max      *float64                          `json:"max"`
	Pattern  string                            `json:"pattern"`
	Enum     []string                          `json:"enum"`
}

// LoadModel reads a gzipped model of api/model.
func LoadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var m Model
	return &m, json.NewDecoder(zr).Decode(&m)
}

// candidates are tried, in order, for a required string member; the first
// that fits the member's length and pattern is used.
var candidates = []string{"abcdefghij", "v1", "1234567890123456", "o-abcdefghij/r-abcd", "abc"}

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4,5})`)

// ValidParams are query parameters that decode and validate for an
// operation: its required members, each with a value that fits the
// model's constraints, as the Action parameter names it.
func (m *Model) ValidParams(op string) (url.Values, error) {
	o, ok := m.Operations[op]
	if !ok {
		return nil, fmt.Errorf("no operation %s", op)
	}
	params := url.Values{"Action": {op}}
	if o.Input == nil {
		return params, nil
	}
	return params, m.fill(params, "", o.Input.Shape, 0)
}

func (m *Model) fill(params url.Values, prefix, name string, depth int) error {
	s := m.Shapes[name]
	if depth > 8 {
		return fmt.Errorf("%s: nested too deep", prefix)
	}
	switch s.Type {
	case "structure":
		req := append([]string(nil), s.Required...)
		if len(req) == 0 && prefix != "" {
			// A structure is present only with a member.
			for mn := range s.Members {
				if len(req) == 0 || mn < req[0] {
					req = []string{mn}
				}
			}
		}
		sort.Strings(req)
		for _, mn := range req {
			key := mn
			if prefix != "" {
				key = prefix + "." + mn
			}
			if err := m.fill(params, key, s.Members[mn].Shape, depth+1); err != nil {
				return err
			}
		}
		return nil
	case "list":
		n := 1
		if s.Min != nil && int(*s.Min) > n {
			n = int(*s.Min)
		}
		for i := 1; i <= n; i++ {
			if err := m.fill(params, prefix+".member."+strconv.Itoa(i), s.Member.Shape, depth+1); err != nil {
				return err
			}
		}
		return nil
	case "integer", "long":
		v := 1
		if s.Min != nil {
			v = int(*s.Min)
		}
		params.Set(prefix, strconv.Itoa(v))
		return nil
	case "boolean":
		params.Set(prefix, "true")
		return nil
	case "string":
		v, err := s.value()
		if err != nil {
			return fmt.Errorf("%s: %w", prefix, err)
		}
		params.Set(prefix, v)
		return nil
	}
	return fmt.Errorf("%s: no value for a %s", prefix, s.Type)
}

// value is a string that fits the shape's enum, length and pattern.
func (s *modelShape) value() (string, error) {
	if len(s.Enum) > 0 {
		return s.Enum[0], nil
	}
	var re *regexp.Regexp
	if s.Pattern != "" {
		// Java's \uXXXX is Go's \x{XXXX}; patterns Go cannot compile
		// (lookaheads) are tried by length only.
		re, _ = regexp.Compile("^(?:" + unicodeEscape.ReplaceAllString(s.Pattern, `\x{$1}`) + ")$")
	}
	min, max := 1, 1<<20
	if s.Min != nil {
		min = int(*s.Min)
	}
	if s.Max != nil {
		max = int(*s.Max)
	}
	tries := append([]string(nil), candidates...)
	tries = append(tries, strings.Repeat("a", min), strings.Repeat("1", min))
	for _, v := range tries {
		if len(v) >= min && len(v) <= max && (re == nil || re.MatchString(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("no candidate fits pattern %q, length %d..%d", s.Pattern, min, max)
}
