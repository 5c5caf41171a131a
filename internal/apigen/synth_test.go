package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// synthModel uses what the IAM and STS models do not, but botocore's query
// protocol has: locationName on members, flattened lists and maps, maps in
// requests, longs, doubles, timestamps and blobs in requests.
const synthModel = `{
 "metadata": {"protocol": "query", "apiVersion": "2020-01-01", "xmlNamespace": "urn:synth", "serviceId": "Synth"},
 "operations": {
  "Echo": {"name": "Echo", "input": {"shape": "EchoRequest"}, "output": {"shape": "EchoResponse", "resultWrapper": "EchoResult"}}
 },
 "shapes": {
  "EchoRequest": {"type": "structure", "required": ["Name"], "members": {
   "Name": {"shape": "Str", "locationName": "TheName"},
   "Flat": {"shape": "FlatList"},
   "Items": {"shape": "ItemList"},
   "Attrs": {"shape": "AttrMap"},
   "FlatAttrs": {"shape": "FlatMap"},
   "Big": {"shape": "Long"},
   "Ratio": {"shape": "Double"},
   "When": {"shape": "Time"},
   "Data": {"shape": "Blob"}
  }},
  "EchoResponse": {"type": "structure", "members": {
   "Name": {"shape": "Str", "locationName": "TheName"},
   "Flat": {"shape": "FlatList"},
   "Items": {"shape": "ItemList"},
   "Attrs": {"shape": "AttrMap"},
   "FlatAttrs": {"shape": "FlatMap"},
   "Big": {"shape": "Long"},
   "Ratio": {"shape": "Double"},
   "When": {"shape": "Time"},
   "Data": {"shape": "Blob"}
  }},
  "Str": {"type": "string", "min": 1},
  "Long": {"type": "long", "max": 10000000000},
  "Double": {"type": "double"},
  "Time": {"type": "timestamp"},
  "Blob": {"type": "blob"},
  "FlatList": {"type": "list", "member": {"shape": "Str"}, "flattened": true},
  "ItemList": {"type": "list", "member": {"shape": "Str", "locationName": "item"}, "max": 2},
  "Text": {"type": "string"},
  "AttrMap": {"type": "map", "key": {"shape": "Text", "locationName": "k"}, "value": {"shape": "Text", "locationName": "v"}},
  "FlatMap": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}, "flattened": true}
 }
}`

const synthTest = `package synth

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/api/query"
)

func TestEcho(t *testing.T) {
	params := url.Values{"TheName": {"n"}, "Flat.1": {"a"}, "Flat.2": {"b"}, "Items.item.1": {"x"},
		"Attrs.entry.1.k": {"ak"}, "Attrs.entry.1.v": {"av"}, "FlatAttrs.1.key": {"fk"}, "FlatAttrs.1.value": {"fv"},
		"Big": {"9999999999"}, "Ratio": {"0.5"}, "When": {"2024-05-01T12:00:00Z"}, "Data": {"aGk="}}
	var in EchoInput
	if err := in.Decode(params); err != nil {
		t.Fatal(err)
	}
	want := EchoInput{Name: "n", Flat: []string{"a", "b"}, Items: []string{"x"}, Attrs: map[string]string{"ak": "av"},
		FlatAttrs: map[string]string{"fk": "fv"}, Big: new(int64(9999999999)), Ratio: new(0.5),
		When: new(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)), Data: []byte("hi")}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v", in)
	}
	out := EchoOutput{Name: &in.Name, Flat: in.Flat, Items: in.Items, Attrs: in.Attrs, FlatAttrs: in.FlatAttrs,
		Big: in.Big, Ratio: in.Ratio, When: in.When, Data: in.Data}
	w := query.NewWriter(nil)
	out.EncodeXML(w)
	const xml = "<TheName>n</TheName><Flat>a</Flat><Flat>b</Flat><Items><item>x</item></Items>" +
		"<Attrs><entry><k>ak</k><v>av</v></entry></Attrs><FlatAttrs><key>fk</key><value>fv</value></FlatAttrs>" +
		"<Big>9999999999</Big><Ratio>0.5</Ratio><When>2024-05-01T12:00:00Z</When><Data>aGk=</Data>"
	if string(w.Bytes()) != xml {
		t.Errorf("got  %s\nwant %s", w.Bytes(), xml)
	}
	err := (&EchoInput{}).Decode(url.Values{"Items.item.1": {"1"}, "Items.item.2": {"2"}, "Items.item.3": {"3"}, "Big": {"10000000001"}})
	if err == nil || !strings.Contains(err.Error(), "3 validation errors detected: Value '10000000001' at 'big'") || !strings.Contains(err.Error(), "; Value null at 'name' failed to satisfy constraint: Member must not be null; ") ||
		!strings.Contains(err.Error(), "Value '[1, 2, 3]' at 'items' failed to satisfy constraint: Member must have length less than or equal to 2") {
		t.Errorf("err = %v", err)
	}
}
`

// TestSynthModel generates a package from synthModel and runs synthTest
// against it, through a build overlay so nothing is written to the tree.
func TestSynthModel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package")
	}
	m, err := parseModel([]byte(synthModel))
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(m, "synth")
	if err != nil {
		t.Fatal(err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	pkgDir := filepath.Join(root, "internal", "apigen", "testdata", "synth")
	replace := map[string]string{}
	files["synth_test.go"] = []byte(synthTest)
	for name, src := range files {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(pkgDir, name)] = p
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": replace})
	overlayPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	// The package directory does not exist, so build the test binary and
	// run it elsewhere.
	bin := filepath.Join(tmp, "synth.test")
	cmd := exec.Command("go", "test", "-c", "-vet=off", "-overlay", overlayPath, "-o", bin, "./internal/apigen/testdata/synth")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cmd = exec.Command(bin, "-test.count=1")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
