// Package policytest runs policy unit tests: files of cases, each one
// request with every policy that applies and the decision expected, or one
// policy document with the error IAM must answer when it is written. It is
// the engine behind `iamd test`; the formats are the evaluation-vector and
// policy-validation formats of the project's testdata (JSON, or the same
// structure in YAML).
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

	// A validation case: a document (Policy, its text as a JSON string or
	// the document itself; or PolicyFile, a file beside the case or an AWS
	// managed policy's ARN), where it is written (Kind: managed,
	// inline-user, trust, ...), and Expect: "valid" or the error code, with
	// Message the error's message.
	Policy     json.RawMessage `json:"policy,omitempty"`
	PolicyFile string          `json:"policy_file,omitempty"`
	Kind       string          `json:"kind,omitempty"`
	Message    string          `json:"message,omitempty"`
	Note       string          `json:"note,omitempty"`

	File string `json:"-"` // where the case was read from
}

// IsValidation reports whether the case is a validation case.
func (c *Case) IsValidation() bool {
	return c.Kind != "" || len(c.Policy) > 0 || c.PolicyFile != ""
}

// Options say how to find the policies a case names instead of pasting
// them.
type Options struct {
	// Managed returns an AWS managed policy's document by ARN
	// (arn:aws:iam::aws:policy/ReadOnlyAccess); nil: none can be named.
	Managed func(arn string) (string, bool)
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
func LoadPaths(paths []string) ([]*Case, error) { return LoadPathsWith(paths, Options{}) }

// LoadPathsWith is LoadPaths resolving the policies cases name. In a
// directory, files that are not arrays of cases (the policy documents the
// cases name, for instance) are left alone; a file named on its own must
// be a case file.
func LoadPathsWith(paths []string, opt Options) ([]*Case, error) {
	var all []*Case
	for _, p := range paths {
		files, err := caseFiles(p)
		if err != nil {
			return nil, err
		}
		walked := len(files) != 1 || files[0] != p
		for _, f := range files {
			data, err := readCaseFile(f)
			if err != nil {
				return nil, err
			}
			if !isCaseArray(data) {
				if walked {
					continue
				}
				return nil, fmt.Errorf("%s: not a case file (a JSON or YAML array of cases)", f)
			}
			cs, err := decodeCases(f, data, opt)
			if err != nil {
				return nil, err
			}
			all = append(all, cs...)
		}
	}
	return all, nil
}

// isCaseArray reports whether a file's JSON is an array.
func isCaseArray(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '['
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
	data, err := readCaseFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCases(path, data, Options{})
}

// readCaseFile reads a file as JSON (YAML re-encoded).
func readCaseFile(path string) ([]byte, error) {
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
	return data, nil
}

func decodeCases(path string, data []byte, opt Options) ([]*Case, error) {
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
		if err := c.resolve(filepath.Dir(path), opt); err != nil {
			return nil, fmt.Errorf("%s: case %s: %w", path, c.Name, err)
		}
	}
	return cases, nil
}

// resolve replaces the policies a case names (a file path relative to the
// case file, or an AWS managed policy's ARN) with their documents. In an
// evaluation case a policy given as a JSON string names one; a validation
// case's Policy string is the document's text, and PolicyFile names one.
func (c *Case) resolve(dir string, opt Options) error {
	load := func(ref string) (json.RawMessage, error) {
		if strings.HasPrefix(ref, "arn:") {
			if opt.Managed == nil {
				return nil, fmt.Errorf("%s: managed policies cannot be named here", ref)
			}
			doc, ok := opt.Managed(ref)
			if !ok {
				return nil, fmt.Errorf("%s: no such AWS managed policy", ref)
			}
			return json.RawMessage(doc), nil
		}
		p := ref
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return json.RawMessage(data), nil
	}
	one := func(raw *json.RawMessage) error {
		var ref string
		if len(*raw) == 0 || (*raw)[0] != '"' {
			return nil // a document pasted as an object, or none
		}
		if err := json.Unmarshal(*raw, &ref); err != nil {
			return err
		}
		if strings.HasPrefix(strings.TrimSpace(ref), "{") {
			*raw = json.RawMessage(ref) // the document's text
			return nil
		}
		doc, err := load(ref)
		if err != nil {
			return err
		}
		*raw = doc
		return nil
	}
	if c.IsValidation() {
		if c.PolicyFile != "" {
			doc, err := load(c.PolicyFile)
			if err != nil {
				return err
			}
			text, _ := json.Marshal(string(doc))
			c.Policy = text
		}
		return nil
	}
	for i := range c.IdentityPolicies {
		if err := one(&c.IdentityPolicies[i]); err != nil {
			return err
		}
	}
	for i := range c.SCPs {
		if err := one(&c.SCPs[i]); err != nil {
			return err
		}
	}
	for i := range c.RCPs {
		if err := one(&c.RCPs[i]); err != nil {
			return err
		}
	}
	for _, raw := range []*json.RawMessage{&c.PermissionsBoundary, &c.SessionPolicy, &c.ResourcePolicy} {
		if err := one(raw); err != nil {
			return err
		}
	}
	return nil
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
