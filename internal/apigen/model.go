package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// model is the part of a botocore service model the query protocol needs.
type model struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		XMLNamespace string `json:"xmlNamespace"`
		Protocol     string `json:"protocol"`
		ServiceID    string `json:"serviceId"`
	} `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`

	// hideValues: the service's ValidationErrors do not quote the
	// offending value (not from the model; see service.hideValues).
	hideValues bool
	// patternMessages: shapes whose pattern violation AWS answers with a
	// message of its own instead of the model's (see service).
	patternMessages map[string]string
	// shortMessages: members whose too-short value AWS answers in words
	// of its own (see service.shortMessages).
	shortMessages map[string]string
}

type operation struct {
	Name          string `json:"name"`
	Input         *ref   `json:"input"`
	Output        *ref   `json:"output"`
	Documentation string `json:"documentation"`
	Deprecated    bool   `json:"deprecated"`
}

// ref is a reference to a shape: an operation's input or output, a
// structure member, a list member, a map key or value.
type ref struct {
	Shape         string `json:"shape"`
	LocationName  string `json:"locationName"`
	ResultWrapper string `json:"resultWrapper"`
	Documentation string `json:"documentation"`
}

type shape struct {
	Type          string          `json:"type"`
	Members       map[string]*ref `json:"members"`
	Required      []string        `json:"required"`
	Member        *ref            `json:"member"`
	Key           *ref            `json:"key"`
	Value         *ref            `json:"value"`
	Flattened     bool            `json:"flattened"`
	Min           *float64        `json:"min"`
	Max           *float64        `json:"max"`
	Pattern       string          `json:"pattern"`
	Enum          []string        `json:"enum"`
	Sensitive     bool            `json:"sensitive"`
	Exception     bool            `json:"exception"`
	Documentation string          `json:"documentation"`
	Error         *struct {
		Code       string `json:"code"`
		HTTPStatus int    `json:"httpStatusCode"`
	} `json:"error"`

	// order is the members in the model's order, which is the order of
	// the XML elements (Go maps lose it).
	order []string
}

func (s *shape) required(member string) bool {
	for _, r := range s.Required {
		if r == member {
			return true
		}
	}
	return false
}

// wireName is the name of a member on the wire: its locationName, or the
// member name.
func wireName(member string, r *ref) string {
	if r.LocationName != "" {
		return r.LocationName
	}
	return member
}

// elemName is the element name of a list's members ("member" unless the
// model names it).
func (s *shape) elemName() string {
	if s.Member != nil && s.Member.LocationName != "" {
		return s.Member.LocationName
	}
	return "member"
}

func (s *shape) keyName() string {
	if s.Key.LocationName != "" {
		return s.Key.LocationName
	}
	return "key"
}

func (s *shape) valueName() string {
	if s.Value.LocationName != "" {
		return s.Value.LocationName
	}
	return "value"
}

// loadModel reads a service-2.json, gzipped or not.
func loadModel(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parseModel(data)
}

func parseModel(data []byte) (*model, error) {
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	var raw struct {
		Shapes map[string]struct {
			Members json.RawMessage `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	for name, s := range raw.Shapes {
		if len(s.Members) == 0 {
			continue
		}
		order, err := objectKeys(s.Members)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		m.Shapes[name].order = order
	}
	for name, o := range m.Operations {
		if o.Name == "" {
			o.Name = name
		}
	}
	return &m, m.check()
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v", t)
		}
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// check rejects models this generator would get wrong, so a new botocore
// model fails loudly instead of generating a subtly different protocol.
func (m *model) check() error {
	if m.Metadata.Protocol != "query" {
		return fmt.Errorf("protocol %q: only query is supported", m.Metadata.Protocol)
	}
	known := map[string]bool{"structure": true, "list": true, "map": true, "string": true, "integer": true,
		"long": true, "boolean": true, "timestamp": true, "blob": true, "double": true, "float": true}
	refOK := func(where string, r *ref) error {
		if r == nil || m.Shapes[r.Shape] == nil {
			return fmt.Errorf("%s: missing shape", where)
		}
		return nil
	}
	for name, s := range m.Shapes {
		if !known[s.Type] {
			return fmt.Errorf("shape %s: type %q is not supported", name, s.Type)
		}
		for _, mn := range s.order {
			if err := refOK(name+"."+mn, s.Members[mn]); err != nil {
				return err
			}
		}
		switch s.Type {
		case "list":
			if err := refOK(name+".member", s.Member); err != nil {
				return err
			}
		case "map":
			if err := refOK(name+".key", s.Key); err != nil {
				return err
			}
			if err := refOK(name+".value", s.Value); err != nil {
				return err
			}
			if m.Shapes[s.Key.Shape].Type != "string" {
				return fmt.Errorf("map %s: only string keys are supported", name)
			}
		}
	}
	for name, o := range m.Operations {
		if o.Input != nil {
			if err := refOK(name+" input", o.Input); err != nil {
				return err
			}
		}
		if o.Output != nil {
			if err := refOK(name+" output", o.Output); err != nil {
				return err
			}
			// The envelope writer names the result element after the
			// action, as every query service does.
			if w := o.Output.ResultWrapper; w != "" && w != name+"Result" {
				return fmt.Errorf("operation %s: resultWrapper %q is not %sResult", name, w, name)
			}
		}
	}
	return nil
}
