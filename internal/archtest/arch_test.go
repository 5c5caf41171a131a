// Package archtest holds the code to the package table of ARCHITECTURE.md:
// every package has a row, and the project packages a package's non-test
// files import are those its row allows.
package archtest

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/iamd/iamd"

// howToFix ends every failure: the table is the thing to change, with a reason.
const howToFix = "To fix: update the package table in ARCHITECTURE.md (section \"Packages and what each may import\"). " +
	"A new package needs a row such as | `path/of/pkg` | what it owns | `imported/pkg`, `other/pkg` | (— for none); " +
	"a new import needs its package in the importing row's last column. Say why in the commit. If the import " +
	"points outward (iam on a store, policy on anything but arn), move the code instead."

func TestImportsFollowArchitecture(t *testing.T) {
	root := moduleRoot(t)
	table, err := readTable(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatalf("%v\n%s", err, howToFix)
	}
	pkgs := packages(t, root)
	if len(pkgs) < 20 || pkgs["policy"] == nil || pkgs["server"] == nil {
		t.Fatalf("found %d packages under %s: the walk is broken", len(pkgs), root)
	}
	for _, path := range sortedKeys(pkgs) {
		allowed, ok := table[path]
		if !ok {
			t.Errorf("package %s has no row in ARCHITECTURE.md's table; today's imports give: %s", path, suggestRow(path, pkgs[path]))
			continue
		}
		for _, imp := range pkgs[path] {
			if !allowed[imp] {
				t.Errorf("%s imports %s, which its row in ARCHITECTURE.md does not allow", path, imp)
			}
		}
	}
	for _, path := range sortedKeys(table) {
		if _, ok := pkgs[path]; !ok {
			t.Errorf("ARCHITECTURE.md has a row for %s, which is not a package of the module", path)
		}
		for imp := range table[path] {
			if _, ok := table[imp]; !ok {
				t.Errorf("ARCHITECTURE.md lets %s import %s, which has no row", path, imp)
			}
		}
	}
	if t.Failed() {
		t.Log(howToFix)
	}
}

// TestPureCore keeps the promise of the principles: the policy language and
// ARNs know nothing of HTTP, SQL, files, processes or the network.
func TestPureCore(t *testing.T) {
	root := moduleRoot(t)
	forbidden := []string{"net", "net/http", "database/sql", "os", "os/exec", "io/fs", "syscall"}
	for _, path := range []string{"arn", "policy"} {
		p, err := build.Default.ImportDir(filepath.Join(root, path), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if slices.Contains(forbidden, imp) {
				t.Errorf("%s imports %s: the pure core does no I/O (ARCHITECTURE.md, Principles)", path, imp)
			}
		}
	}
}

// TestReadTable checks the parser on the forms the table uses, so a format
// change in ARCHITECTURE.md fails here instead of passing vacuously.
func TestReadTable(t *testing.T) {
	doc := "# x\n\n| package | owns | may import |\n|---|---|---|\n" +
		"| `arn` | ARNs | — |\n" +
		"| `policy` | the language; `pure` | `arn` |\n" +
		"| `server` | HTTP | `arn`, `policy` |\n\nprose with | a bar |\n"
	path := filepath.Join(t.TempDir(), "A.md")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readTable(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"arn": nil, "policy": {"arn"}, "server": {"arn", "policy"}}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for pkg, imps := range want {
		if len(got[pkg]) != len(imps) {
			t.Errorf("%s may import %v, want %v", pkg, got[pkg], imps)
		}
		for _, imp := range imps {
			if !got[pkg][imp] {
				t.Errorf("%s may not import %s, want it allowed", pkg, imp)
			}
		}
	}
	if err := os.WriteFile(path, []byte("| `arn` | no header before |\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readTable(path); err == nil {
		t.Error("a file without the table was accepted")
	}
}

var cellPackage = regexp.MustCompile("^`([a-z0-9_/]+)`$")

// readTable reads the table whose header is | package | owns | may import |:
// package path (relative to the module) → the project packages it may import.
func readTable(path string) (map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	table := map[string]map[string]bool{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			if in {
				break // the table ends at its first non-row line
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !in {
			if len(cells) == 3 && cells[0] == "package" && cells[2] == "may import" {
				in = true
			}
			continue
		}
		if strings.Trim(cells[0], "-: ") == "" {
			continue // the separator row
		}
		if len(cells) != 3 {
			return nil, fmt.Errorf("%s: row %q has %d cells, want 3", path, line, len(cells))
		}
		m := cellPackage.FindStringSubmatch(cells[0])
		if m == nil {
			return nil, fmt.Errorf("%s: row %q: the first cell must be one `package/path`", path, line)
		}
		allowed := map[string]bool{}
		if cells[2] != "—" && cells[2] != "-" {
			for _, c := range strings.Split(cells[2], ",") {
				im := cellPackage.FindStringSubmatch(strings.TrimSpace(c))
				if im == nil {
					return nil, fmt.Errorf("%s: row %s: %q is not a `package/path` (list them with commas, or — for none)", path, m[1], c)
				}
				allowed[im[1]] = true
			}
		}
		if _, dup := table[m[1]]; dup {
			return nil, fmt.Errorf("%s: two rows for %s", path, m[1])
		}
		table[m[1]] = allowed
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(table) == 0 {
		return nil, fmt.Errorf("%s: no table with the header | package | owns | may import |", path)
	}
	return table, nil
}

// packages maps every package directory of the module (relative path) to
// the project packages its non-test files import, as go build sees them.
func packages(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if dir != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if dir != root {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		p, err := build.Default.ImportDir(dir, 0)
		if err != nil {
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			return fmt.Errorf("%s: %w", dir, err)
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var imps []string
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				imps = append(imps, strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
			}
		}
		out[rel] = imps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// suggestRow is the table row that allows a package's imports of today.
func suggestRow(path string, imports []string) string {
	allowed := "—"
	if len(imports) > 0 {
		sorted := slices.Sorted(slices.Values(imports))
		allowed = "`" + strings.Join(sorted, "`, `") + "`"
	}
	return fmt.Sprintf("| `%s` | WHAT IT OWNS | %s |", path, allowed)
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if !strings.Contains(string(b), "module "+module+"\n") {
				t.Fatalf("%s/go.mod is not module %s", dir, module)
			}
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
