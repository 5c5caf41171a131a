package iam

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// The AWS managed policies (arn:aws:iam::aws:policy/...), from the
// project's reference data: 1,645 policies with their default version.
//
//go:embed data/aws-managed-policies.json.gz
var managedPoliciesGz []byte

// AWSManagedPolicy is one AWS managed policy.
type AWSManagedPolicy struct {
	Name           string
	ARN            string // in the aws partition; rewritten per request
	Path           string
	ID             string
	DefaultVersion string
	Created        time.Time
	Updated        time.Time
	Document       string // the default version, as JSON
	Deprecated     bool   // no longer attachable to new entities
}

// ManagedCatalog is the read-only set of AWS managed policies.
type ManagedCatalog struct {
	once   sync.Once
	load   func() ([]AWSManagedPolicy, error)
	byName map[string]*AWSManagedPolicy // by lower-cased path+name
	sorted []*AWSManagedPolicy          // by name
	err    error
}

var embedded = NewManagedCatalog(func() ([]AWSManagedPolicy, error) { return decodeManaged(managedPoliciesGz) })

// EmbeddedManagedPolicies returns the catalogue built into the binary. It is
// decoded on first use, so start-up stays fast.
func EmbeddedManagedPolicies() *ManagedCatalog { return embedded }

// NewManagedCatalog builds a catalogue loaded lazily by load.
func NewManagedCatalog(load func() ([]AWSManagedPolicy, error)) *ManagedCatalog {
	return &ManagedCatalog{load: load}
}

func (c *ManagedCatalog) init() {
	c.once.Do(func() {
		list, err := c.load()
		if err != nil {
			c.err = err
			return
		}
		c.byName = make(map[string]*AWSManagedPolicy, len(list))
		for i := range list {
			p := &list[i]
			if p.ARN == "" {
				continue // retired before any record: cannot be named
			}
			c.byName[strings.ToLower(p.Path+p.Name)] = p
			c.sorted = append(c.sorted, p)
		}
		sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Name < c.sorted[j].Name })
	})
}

// Lookup finds a policy by its path and name (the part of the ARN after
// "policy"), e.g. "/service-role/AWSLambdaBasicExecutionRole".
func (c *ManagedCatalog) Lookup(pathName string) (*AWSManagedPolicy, bool) {
	c.init()
	p, ok := c.byName[strings.ToLower(pathName)]
	return p, ok
}

// All returns every policy, sorted by name.
func (c *ManagedCatalog) All() []*AWSManagedPolicy {
	c.init()
	return c.sorted
}

// Err reports a failure to load the catalogue.
func (c *ManagedCatalog) Err() error {
	c.init()
	return c.err
}

func decodeManaged(gz []byte) ([]AWSManagedPolicy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var raw []struct {
		Name       string          `json:"name"`
		ARN        *string         `json:"arn"`
		Path       *string         `json:"path"`
		Version    string          `json:"default_version_id"`
		Created    time.Time       `json:"create_date"`
		Updated    time.Time       `json:"update_date"`
		Deprecated bool            `json:"deprecated"`
		Document   json.RawMessage `json:"document"`
		PolicyID   string          `json:"policy_id"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := make([]AWSManagedPolicy, 0, len(raw))
	for _, r := range raw {
		p := AWSManagedPolicy{Name: r.Name, DefaultVersion: r.Version, Created: r.Created, Updated: r.Updated,
			Deprecated: r.Deprecated, Document: string(r.Document), ID: r.PolicyID}
		if r.ARN != nil {
			p.ARN = *r.ARN
		}
		if r.Path != nil {
			p.Path = *r.Path
		}
		if p.ID == "" {
			// Stable made-up id for the few policies the sources lack one for.
			p.ID = PrefixPolicy + strings.ToUpper(strings.Map(func(r rune) rune {
				if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '2' <= r && r <= '7' {
					return r
				}
				return -1
			}, r.Name+"XXXXXXXXXXXXXXXXX"))[:17]
		}
		out = append(out, p)
	}
	return out, nil
}
