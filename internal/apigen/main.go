// Command apigen generates the Go API of IAM and STS from botocore's
// service models (kept in api/model): a struct per input, output and
// nested structure, AWS Query decoding and validation with AWS's
// ValidationError messages, XML encoding of outputs, the modelled errors,
// and a dispatcher. Run from anywhere in the module:
//
//	go run ./internal/apigen            # regenerate api/iamapi and api/stsapi
//	go run ./internal/apigen -only iam  # one service
//	go run ./internal/apigen -check     # fail if the generated files are stale
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
)

// service is one model and the package generated from it.
type service struct {
	name  string // as -only takes it
	model string // file in api/model
	pkg   string // package in api/
	// noPattern are string shapes whose model pattern is not checked at
	// decoding: policy documents, whose characters the policy engine
	// rejects with AWS's MalformedPolicyDocument, not a ValidationError.
	noPattern []string
	// hideValues: AWS's validation messages for this service leave the
	// value out ("Value at 'tags.1.member.key' failed to satisfy
	// constraint: ..."), as recorded from IAM; STS quotes it ("Value
	// 'Session1:2' at 'roleSessionName' ...").
	hideValues bool
	// patternMessages are shapes whose pattern violation the service
	// answers in words of its own, not "Member must satisfy regular
	// expression pattern".
	patternMessages map[string]string
	// shortMessages are members (by name) whose value shorter than the
	// model's minimum the service answers in words of its own, the value
	// in place of %s: IAM's "ARN test-policy-me is not valid." for a
	// PolicyArn (recorded), where the model's minimum is 20.
	shortMessages map[string]string
}

// iamPathMessage is IAM's answer to a path that is not one.
const iamPathMessage = "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."

var services = []service{
	{"iam", "iam-2010-05-08.json.gz", "iamapi", []string{"policyDocumentType"}, true, map[string]string{"pathType": iamPathMessage},
		map[string]string{"PolicyArn": "ARN %s is not valid."}},
	{"sts", "sts-2011-06-15.json.gz", "stsapi", []string{"sessionPolicyDocumentType", "unrestrictedSessionPolicyDocumentType"}, false, nil, nil},
}

func main() {
	only := flag.String("only", "", "generate one service (iam or sts)")
	check := flag.Bool("check", false, "report stale generated files instead of writing them")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("apigen: ")
	root, err := moduleRoot()
	if err != nil {
		log.Fatal(err)
	}
	ran := false
	for _, svc := range services {
		if *only != "" && *only != svc.name {
			continue
		}
		ran = true
		stale, err := run(root, svc, *check)
		if err != nil {
			log.Fatal(err)
		}
		if len(stale) > 0 {
			log.Fatalf("stale generated files (run go generate ./api/...): %v", stale)
		}
	}
	if !ran {
		log.Fatalf("no service %q", *only)
	}
}

// run generates one service's package; with check, it writes nothing and
// returns the files that differ.
func run(root string, svc service, check bool) ([]string, error) {
	m, err := svc.load(root)
	if err != nil {
		return nil, err
	}
	files, err := generate(m, svc.pkg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", svc.name, err)
	}
	dir := filepath.Join(root, "api", svc.pkg)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var stale []string
	for _, name := range names {
		path := filepath.Join(dir, name)
		if check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, files[name]) {
				stale = append(stale, path)
			}
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return nil, err
		}
	}
	return stale, nil
}

// load reads the service's model and drops the patterns of noPattern.
func (svc service) load(root string) (*model, error) {
	m, err := loadModel(filepath.Join(root, "api", "model", svc.model))
	if err != nil {
		return nil, err
	}
	m.hideValues, m.patternMessages, m.shortMessages = svc.hideValues, svc.patternMessages, svc.shortMessages
	for _, name := range svc.noPattern {
		s := m.Shapes[name]
		if s == nil || s.Pattern == "" {
			return nil, fmt.Errorf("%s: no shape %q with a pattern", svc.name, name)
		}
		s.Pattern = ""
	}
	return m, nil
}

// moduleRoot finds the directory of go.mod above the working directory, so
// the command works from the root and from go:generate in a package.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
