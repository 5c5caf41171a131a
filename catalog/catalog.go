// Package catalog is the Service Authorization Reference: every AWS
// service prefix with its actions (access level, resource types, condition
// keys), resource types (ARN formats) and condition keys (types). It is
// embedded (the project's reference data) and decoded on first use.
package catalog

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:embed data/service-authorization.json.gz
var dataGz []byte

// Service is one service prefix.
type Service struct {
	Prefix        string
	Name          string                   `json:"name"`
	Actions       map[string]*Action       `json:"actions"`
	ResourceTypes map[string]*ResourceType `json:"resource_types"`
	ConditionKeys map[string]*ConditionKey `json:"condition_keys"`
	lowerActions  map[string]*Action
}

// Action is one action of a service.
type Action struct {
	Name          string
	AccessLevel   string        `json:"access_level"` // List, Read, Write, Permissions management, Tagging
	Description   string        `json:"description"`
	ResourceTypes []ResourceRef `json:"resource_types"` // empty: the action takes only Resource "*"
	ConditionKeys []string      `json:"condition_keys"`
}

// ResourceRef is a resource type an action acts on.
type ResourceRef struct {
	Name          string   `json:"name"`
	Required      bool     `json:"required"`
	ConditionKeys []string `json:"condition_keys"`
}

// ResourceType is an ARN format, e.g. arn:${Partition}:s3:::${BucketName}.
type ResourceType struct {
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"condition_keys"`
}

// ConditionKey is a condition key and its type (String, ARN, Bool, ...).
type ConditionKey struct {
	Type        string `json:"type"`
	Description string `json:"description"`
}

// Catalog is the decoded reference.
type Catalog struct {
	Services map[string]*Service
}

var (
	once sync.Once
	cat  *Catalog
	err  error
)

// Load returns the embedded catalogue, decoding it on the first call.
func Load() (*Catalog, error) {
	once.Do(func() { cat, err = decode(dataGz) })
	return cat, err
}

// MustLoad is Load for callers that cannot go on without the catalogue.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic("catalog: " + err.Error())
	}
	return c
}

func decode(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	if err := json.Unmarshal(data, &c.Services); err != nil {
		return nil, err
	}
	for prefix, s := range c.Services {
		s.Prefix = prefix
		s.lowerActions = make(map[string]*Action, len(s.Actions))
		for name, a := range s.Actions {
			a.Name = name
			s.lowerActions[strings.ToLower(name)] = a
		}
	}
	return c, nil
}

// Action finds "service:Action" (any case).
func (c *Catalog) Action(action string) (*Service, *Action, bool) {
	prefix, name, ok := strings.Cut(action, ":")
	if !ok {
		return nil, nil, false
	}
	s := c.Services[strings.ToLower(prefix)]
	if s == nil {
		return nil, nil, false
	}
	a := s.lowerActions[strings.ToLower(name)]
	return s, a, a != nil
}

// Prefixes returns the service prefixes, sorted.
func (c *Catalog) Prefixes() []string {
	out := make([]string, 0, len(c.Services))
	for p := range c.Services {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ActionNames returns "prefix:Action" for every action of a service, sorted.
func (s *Service) ActionNames() []string {
	out := make([]string, 0, len(s.Actions))
	for name := range s.Actions {
		out = append(out, s.Prefix+":"+name)
	}
	sort.Strings(out)
	return out
}
