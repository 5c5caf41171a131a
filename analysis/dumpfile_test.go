package analysis_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iamd/iamd/analysis"
)

// streamed is what a DumpFile's Each methods read, as a Dump.
func streamed(t *testing.T, f *analysis.DumpFile) *analysis.Dump {
	t.Helper()
	d := &analysis.Dump{}
	err := f.EachPolicy(func(p *analysis.ManagedPolicyDetail) error { d.Policies = append(d.Policies, *p); return nil })
	if err == nil {
		err = f.EachGroup(func(g *analysis.GroupDetail) error { d.GroupDetailList = append(d.GroupDetailList, *g); return nil })
	}
	if err == nil {
		err = f.EachUser(func(u *analysis.UserDetail) error { d.UserDetailList = append(d.UserDetailList, *u); return nil })
	}
	if err == nil {
		err = f.EachRole(func(r *analysis.RoleDetail) error { d.RoleDetailList = append(d.RoleDetailList, *r); return nil })
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dump.json")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDumpFileReadsAsReadDump: a dump read one entity at a time (after the
// check of the whole file) holds the same entities, in the same order, as
// ReadDump's: whatever the order of the lists, members ReadDump ignores or
// matches without regard to case, null lists, URL-encoded documents.
func TestDumpFileReadsAsReadDump(t *testing.T) {
	for name, path := range map[string]string{
		"fixture": filepath.Join("testdata", "account.json"),
		"shapes": write(t, `{"Marker": "x", "Policies" : [{"PolicyName":"p","Arn":"arn:aws:iam::111122223333:policy/p","PolicyVersionList":[{"VersionId":"v1","IsDefaultVersion":true,
  "Document":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}]}],
  "roledetaillist":[{"RoleName":"r","Arn":"arn:aws:iam::111122223333:role/r","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},"Extra":{"a":[1,2]}}],
  "GroupDetailList": null, "Unknown": [[{"UserName":"not a user"}]],
  "UserDetailList":[{"UserName":"a","Arn":"arn:aws:iam::111122223333:user/a","UserPolicyList":[{"PolicyName":"i","PolicyDocument":{"Statement":"{\"x\":\"}\"}"}}]},
    {"UserName":"b","Arn":"arn:aws:iam::111122223333:user/b"}],
  "IsTruncated": false}`),
	} {
		t.Run(name, func(t *testing.T) {
			want, err := analysis.LoadDump(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := analysis.OpenDump(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if c := f.Counts; c.Users != len(want.UserDetailList) || c.Groups != len(want.GroupDetailList) || c.Roles != len(want.RoleDetailList) || c.Policies != len(want.Policies) {
				t.Errorf("counts %+v", c)
			}
			got := streamed(t, f)
			for _, l := range []struct {
				name      string
				got, want any
			}{{"users", got.UserDetailList, want.UserDetailList}, {"groups", got.GroupDetailList, want.GroupDetailList},
				{"roles", got.RoleDetailList, want.RoleDetailList}, {"policies", got.Policies, want.Policies}} {
				if !reflect.DeepEqual(l.got, l.want) {
					t.Errorf("%s:\n streamed %+v\n ReadDump %+v", l.name, l.got, l.want)
				}
			}
			if len(got.UserDetailList) == 0 {
				t.Fatal("no users read")
			}
			// Read twice: each list is read from its offset again.
			if again := streamed(t, f); !reflect.DeepEqual(again.UserDetailList, got.UserDetailList) {
				t.Error("a second read differs")
			}
		})
	}
}

// TestOpenDumpRefusesMalformed: what ReadDump refuses, OpenDump refuses
// before any entity is handed out, wherever in the file the fault is.
func TestOpenDumpRefusesMalformed(t *testing.T) {
	users := `"UserDetailList":[{"UserName":"a","Arn":"x"},{"UserName":"b","Arn":"y"}]`
	for name, tc := range map[string]struct {
		text, want string
		stricter   bool // ReadDump takes the last of the two
	}{
		"truncated at the end":    {`{` + users + `, "RoleDetailList":[{"RoleName":"r"}`, "unexpected EOF", false},
		"wrong type, last entity": {`{` + users + `, "RoleDetailList":[{"RoleName":"r"},{"RoleName":5}]}`, "RoleDetailList[1]", false},
		"a list that is no array": {`{` + users + `, "Policies":{"PolicyName":"p"}}`, "Policies: want an array", false},
		"a list twice":            {`{` + users + `, "userdetaillist":[]}`, "UserDetailList appears twice", true},
		"no lists":                {`{"IsTruncated":false}`, "no UserDetailList", false},
		"not an object":           {`[` + `]`, `want "{"`, false},
		"garbage after a value":   {`{` + users + ` x}`, "invalid character", false},
	} {
		t.Run(name, func(t *testing.T) {
			p := write(t, tc.text)
			if _, rerr := analysis.LoadDump(p); rerr == nil && !tc.stricter {
				t.Fatalf("LoadDump accepts it: the case tests nothing")
			}
			f, err := analysis.OpenDump(p)
			if err == nil {
				f.Close()
				t.Fatal("OpenDump accepts it")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}
