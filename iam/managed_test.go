package iam

import (
	"encoding/json"
	"testing"
	"time"
)

// TestManagedCatalogVersionsRebuild rebuilds every version of every AWS
// managed policy from its deltas: each must be a policy document, dated no
// later than the next newer one, and the ids must run newest first.
func TestManagedCatalogVersionsRebuild(t *testing.T) {
	c := EmbeddedManagedPolicies()
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range c.All() {
		vs := p.Versions()
		if len(vs) == 0 || vs[0].ID != p.DefaultVersion || !vs[0].IsDefault {
			t.Fatalf("%s: versions %v, default %s", p.Name, vs, p.DefaultVersion)
		}
		docs := map[string]string{}
		p.EachVersion(func(v AWSPolicyVersion, doc string) { docs[v.ID] = doc })
		for i, v := range vs {
			doc, created, ok := docs[v.ID], v.Created, docs[v.ID] != ""
			if i == 0 || i == len(vs)-1 || len(vs) <= 20 {
				// Version replays the deltas anew each call: checked where cheap.
				doc, created, ok = p.Version(v.ID)
				if doc != docs[v.ID] {
					t.Fatalf("%s: EachVersion's %s differs from Version's", p.Name, v.ID)
				}
			}
			if !ok {
				t.Fatalf("%s %s: not rebuilt", p.Name, v.ID)
			}
			var d struct {
				Version   string
				Statement json.RawMessage
			}
			if err := json.Unmarshal([]byte(doc), &d); err != nil || len(d.Statement) == 0 {
				t.Fatalf("%s %s: not a policy document (%v): %.200s", p.Name, v.ID, err, doc)
			}
			if !created.Equal(v.Created) || created.IsZero() {
				t.Fatalf("%s %s: date %v, listed %v", p.Name, v.ID, created, v.Created)
			}
			if i > 0 && (versionNumber(v.ID) >= versionNumber(vs[i-1].ID) || v.Created.After(vs[i-1].Created)) {
				t.Fatalf("%s: %s (%v) listed after %s (%v)", p.Name, v.ID, v.Created, vs[i-1].ID, vs[i-1].Created)
			}
			if i > 0 && v.IsDefault {
				t.Fatalf("%s: two defaults", p.Name)
			}
		}
		if p.Created.After(p.Updated) {
			t.Fatalf("%s: created %v after its default version %v", p.Name, p.Created, p.Updated)
		}
		if len(docs) != len(vs) {
			t.Fatalf("%s: EachVersion gave %d of %d", p.Name, len(docs), len(vs))
		}
		total += len(vs)
	}
	if n := len(c.All()); n < 1600 || total < 6000 {
		t.Fatalf("%d policies, %d versions", n, total)
	}
	if _, _, ok := c.All()[0].Version("v999"); ok {
		t.Fatal("a version that does not exist was found")
	}
}

// TestManagedCatalogLoadTime keeps the first use of the catalogue cheap
// (it is decoded then, not at start-up).
func TestManagedCatalogLoadTime(t *testing.T) {
	start := time.Now()
	list, err := decodeManaged(managedPoliciesGz)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("decoded %d policies (%d bytes embedded) in %v", len(list), len(managedPoliciesGz), took)
	if took > 10*time.Second { // loose: a busy two-core CI machine is several times slower
		t.Fatalf("decoding took %v", took)
	}
}

func TestApplyDeltaRefusesBadRuns(t *testing.T) {
	prev := []string{"a", "b"}
	for _, d := range []string{"\x011,5", "\x01x,1", "\x01-1,1", "\x011"} {
		if _, err := applyDelta(prev, d); err == nil {
			t.Errorf("%q: accepted", d)
		}
	}
	got, err := applyDelta(prev, "z\n\x010,2\nq")
	if err != nil || len(got) != 4 || got[0] != "z" || got[1] != "a" || got[2] != "b" || got[3] != "q" {
		t.Fatalf("got %q, %v", got, err)
	}
}
