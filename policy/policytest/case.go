// Package policytest runs policy unit tests: files of cases, each one
// request with every policy that applies and the decision expected. It is
// the engine behind `iamd test`; the format is the evaluation-vector format
// of the project's testdata (JSON, or the same structure in YAML).
package policytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Case is one request and its expected decision.
type Case struct {
	Name                string              `json:"name"`
	Why                 string              `json:"why,omitempty"`
	IdentityPolicies    []json.RawMessage   `json:"identity_policies"`
	PermissionsBoundary json.RawMessage     `json:"permissions_boundary"`
	SessionPolicy       json.RawMessage     `json:"session_policy"`
	SCPs                []json.RawMessage   `json:"scps"`
	RCPs                []json.RawMessage   `json:"rcps"`
	ResourcePolicy      json.RawMessage     `json:"resource_policy"`
	Principal           Principal           `json:"principal"`
	ResourceAccount     string              `json:"resource_account"`
	Action              string              `json:"action"`
	Resource            string              `json:"resource"`
	Context             map[string][]string `json:"context"`
	Expect              string              `json:"expect"`

	File string `json:"-"` // where the case was read from
}

// Principal is the caller of a case.
type Principal struct {
	Type              string            `json:"type"`
	ARN               string            `json:"arn"`
	Account           string            `json:"account"`
	ID                string            `json:"id,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
	RoleARN           string            `json:"role_arn,omitempty"`
	FederatingUserARN string            `json:"federating_user_arn,omitempty"`
	Service           string            `json:"service,omitempty"`
	Federated         string            `json:"federated,omitempty"`
}

// LoadPaths reads every case file named, descending into directories
// (files ending in .json, .yaml or .yml, in name order).
func LoadPaths(paths []string) ([]*Case, error) {
	var all []*Case
	for _, p := range paths {
		files, err := caseFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			cs, err := LoadFile(f)
			if err != nil {
				return nil, err
			}
			all = append(all, cs...)
		}
	}
	return all, nil
}

func caseFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".yaml", ".yml":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// LoadFile reads one file of cases: a JSON or YAML array of case objects.
func LoadFile(path string) ([]*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		if data, err = yamlToJSON(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	var cases []*Case
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, c := range cases {
		if c == nil {
			return nil, fmt.Errorf("%s: case %d is null", path, i)
		}
		c.File = path
		if c.Name == "" {
			c.Name = fmt.Sprintf("case-%d", i)
		}
	}
	return cases, nil
}

// yamlToJSON re-encodes a YAML document as JSON so that one decoder (and
// the policy parser, which reads JSON text) serves both formats.
func yamlToJSON(data []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	v, err := jsonable(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// jsonable converts YAML's map[string]any / []any tree into values
// encoding/json accepts, rejecting non-string keys.
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		return nil, errors.New("YAML maps must have string keys")
	case []any:
		for i, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
	}
	return v, nil
}
