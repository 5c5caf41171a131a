package analysis

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// DumpFile is a dump read from its file one entity at a time, so that
// importing a large account never holds all of it: OpenDump reads the
// whole file once, decoding every entity (a malformed file is refused
// before anything is imported) and noting where each list starts; each
// Each method then reads only its own list from there.
type DumpFile struct {
	f    *os.File
	path string
	at   map[string]int64 // list member -> offset just after its key
	// Counts is how many entities each list holds.
	Counts DumpCounts
}

// DumpCounts is the size of each list of a dump.
type DumpCounts struct {
	Users, Groups, Roles, Policies int
}

// The lists of a dump, as ReadDump's struct names them.
const (
	listUsers    = "UserDetailList"
	listGroups   = "GroupDetailList"
	listRoles    = "RoleDetailList"
	listPolicies = "Policies"
)

// OpenDump opens and checks a dump file. Close it when done.
func OpenDump(path string) (*DumpFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	d := &DumpFile{f: f, path: path, at: map[string]int64{}}
	if err := d.check(); err != nil {
		f.Close()
		if errors.Is(err, io.EOF) { // the file ends inside the dump
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s: account authorization details: %w", path, err)
	}
	return d, nil
}

// Close closes the file.
func (d *DumpFile) Close() error { return d.f.Close() }

// check decodes every entity once (as ReadDump would, discarding them)
// and records the lists' offsets.
func (d *DumpFile) check() error {
	dec := json.NewDecoder(bufio.NewReaderSize(d.f, 1<<16))
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		off := dec.InputOffset()
		// encoding/json matches struct members without regard to case,
		// and so does ReadDump: the same here.
		list := ""
		for _, l := range []string{listUsers, listGroups, listRoles, listPolicies} {
			if strings.EqualFold(key, l) {
				list = l
			}
		}
		if list != "" {
			if _, dup := d.at[list]; dup {
				return fmt.Errorf("%s appears twice", list)
			}
		}
		var present bool
		switch list {
		case listUsers:
			present, err = eachElement(dec, list, func(*UserDetail) error { d.Counts.Users++; return nil })
		case listGroups:
			present, err = eachElement(dec, list, func(*GroupDetail) error { d.Counts.Groups++; return nil })
		case listRoles:
			present, err = eachElement(dec, list, func(*RoleDetail) error { d.Counts.Roles++; return nil })
		case listPolicies:
			present, err = eachElement(dec, list, func(*ManagedPolicyDetail) error { d.Counts.Policies++; return nil })
		default:
			var skip json.RawMessage // IsTruncated, Marker, members the CLI adds
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
		if present {
			d.at[list] = off
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	if len(d.at) == 0 {
		return errors.New("no UserDetailList, GroupDetailList, RoleDetailList or Policies")
	}
	return nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

// eachElement decodes the array at the decoder one element at a time.
// present is false for null, which ReadDump reads as an absent list.
func eachElement[T any](dec *json.Decoder, list string, fn func(*T) error) (present bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	if tok == nil {
		return false, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return false, fmt.Errorf("%s: want an array, found %v", list, tok)
	}
	for i := 0; dec.More(); i++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			return true, fmt.Errorf("%s[%d]: %w", list, i, err)
		}
		if err := fn(&v); err != nil {
			return true, err
		}
	}
	_, err = dec.Token()
	return true, err
}

// each reads one list from its offset (checked by OpenDump).
func each[T any](d *DumpFile, list string, fn func(*T) error) error {
	off, ok := d.at[list]
	if !ok {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(d.f, off, 1<<62), 1<<16)
	// The offset is just after the key: what separates it from the value
	// (space and the colon) is no JSON value of its own.
	for {
		b, err := r.ReadByte()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", d.path, list, err)
		}
		if b == ':' {
			break
		}
	}
	if _, err := eachElement(json.NewDecoder(r), list, fn); err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	return nil
}

// EachPolicy calls fn with each managed policy, in file order, until fn
// returns an error.
func (d *DumpFile) EachPolicy(fn func(*ManagedPolicyDetail) error) error {
	return each(d, listPolicies, fn)
}

// EachGroup calls fn with each group.
func (d *DumpFile) EachGroup(fn func(*GroupDetail) error) error { return each(d, listGroups, fn) }

// EachUser calls fn with each user.
func (d *DumpFile) EachUser(fn func(*UserDetail) error) error { return each(d, listUsers, fn) }

// EachRole calls fn with each role.
func (d *DumpFile) EachRole(fn func(*RoleDetail) error) error { return each(d, listRoles, fn) }

// The same for a dump in memory.

// EachPolicy calls fn with each managed policy until fn returns an error.
func (d *Dump) EachPolicy(fn func(*ManagedPolicyDetail) error) error { return eachOf(d.Policies, fn) }

// EachGroup calls fn with each group.
func (d *Dump) EachGroup(fn func(*GroupDetail) error) error { return eachOf(d.GroupDetailList, fn) }

// EachUser calls fn with each user.
func (d *Dump) EachUser(fn func(*UserDetail) error) error { return eachOf(d.UserDetailList, fn) }

// EachRole calls fn with each role.
func (d *Dump) EachRole(fn func(*RoleDetail) error) error { return eachOf(d.RoleDetailList, fn) }

func eachOf[T any](list []T, fn func(*T) error) error {
	for i := range list {
		if err := fn(&list[i]); err != nil {
			return err
		}
	}
	return nil
}
