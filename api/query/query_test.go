package query

import (
	"encoding/xml"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iamd/iamd/api/awserr"
)

func TestDecoderScalars(t *testing.T) {
	params := url.Values{
		"N": {"42"}, "Neg": {" -7 "}, "Big": {"4294967296"}, "T": {"TRUE"}, "F": {"false"},
		"B64": {"aGk="}, "B64Raw": {"aGk"}, "S": {""}, "A.B.member.2": {"x"},
	}
	d := NewDecoder(params)
	at := func(key string) func() {
		marks := []int{}
		for _, part := range strings.Split(key, ".") {
			marks = append(marks, d.Push(part))
		}
		return func() { d.Pop(marks[0]) }
	}
	pop := at("N")
	if n, ok := d.Int32(); !ok || n != 42 {
		t.Errorf("N = %v %v", n, ok)
	}
	pop()
	pop = at("Neg")
	if n, ok := d.Int64(); !ok || n != -7 {
		t.Errorf("Neg = %v %v", n, ok)
	}
	pop()
	pop = at("T")
	if b, ok := d.Bool(); !ok || !b {
		t.Errorf("T = %v %v", b, ok)
	}
	pop()
	pop = at("F")
	if b, ok := d.Bool(); !ok || b {
		t.Errorf("F = %v %v", b, ok)
	}
	pop()
	for _, k := range []string{"B64", "B64Raw"} {
		pop = at(k)
		if b, ok := d.Blob(); !ok || string(b) != "hi" {
			t.Errorf("%s = %q %v", k, b, ok)
		}
		pop()
	}
	pop = at("S")
	if s, ok := d.String(); !ok || s != "" || !d.Has() {
		t.Errorf("S = %q %v", s, ok)
	}
	pop()
	pop = at("Absent")
	if _, ok := d.String(); ok || d.Has() {
		t.Error("Absent is present")
	}
	pop()
	// Cursor arithmetic: A.B.member.2 through Push and PushIndex.
	ma := d.Push("A")
	d.Push("B")
	d.Push("member")
	mi := d.PushIndex(2)
	if s, _ := d.String(); s != "x" {
		t.Errorf("A.B.member.2 = %q (key %q)", s, d.key())
	}
	d.Pop(mi)
	d.Pop(ma)
	if len(d.key()) != 0 || d.Err() != nil {
		t.Errorf("key %q err %v", d.key(), d.Err())
	}
	// The first malformed value is the error.
	pop = at("Big")
	if _, ok := d.Int32(); ok {
		t.Error("Big fits an int32")
	}
	pop()
	pop = at("S")
	d.Bool()
	pop()
	var e *awserr.Error
	if !errors.As(d.Err(), &e) || e.Code != "InvalidParameterValue" || e.Message != "Value (4294967296) for parameter Big is invalid. Expected an integer." {
		t.Errorf("err = %v", d.Err())
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, w := range map[string]time.Time{
		"2024-05-01T12:00:00Z":           want,
		"2024-05-01T12:00:00.000Z":       want,
		"2024-05-01T12:00:00.5Z":         want.Add(500 * time.Millisecond),
		"2024-05-01T14:00:00+02:00":      want,
		"2024-05-01T12:00:00":            want,
		"2024-05-01T14:00:00.123+0200":   want.Add(123 * time.Millisecond),
		"2024-05-01":                     want.Add(-12 * time.Hour),
		"1714564800":                     want,
		"1714564800.25":                  want.Add(250 * time.Millisecond),
		" 2024-05-01T12:00:00Z ":         want,
		"2024-05-01T12:00:00.123456789Z": want.Add(123456789),
	} {
		got, ok := ParseTime(in)
		if !ok || !got.Equal(w) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v %v, want %v", in, got, ok, w)
		}
	}
	for _, in := range []string{"", "yesterday", "2024-13-01T00:00:00Z", "1e300", "NaN"} {
		if got, ok := ParseTime(in); ok {
			t.Errorf("ParseTime(%q) = %v", in, got)
		}
	}
}

func TestMemberPath(t *testing.T) {
	for in, want := range map[string]string{
		"UserName":          "userName",
		"Tags.member.1.Key": "tags.1.member.key",
		"ContextEntries.member.12.ContextKeyValues.member.3": "contextEntries.12.member.contextKeyValues.3.member",
		"Map.entry.2.value": "map.2.entry.value",
		"":                  "",
	} {
		if got := MemberPath(in); got != want {
			t.Errorf("MemberPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestViolations(t *testing.T) {
	d := NewDecoder(url.Values{"Tags.member.1.Key": {"k"}})
	m := d.Push("Tags")
	d.Push("member")
	d.PushIndex(1)
	d.Missing("Value")
	d.Pop(m)
	d.Missing("UserName")
	vs := d.Violations()
	user := Path{Name: "userName"}
	vs.Length(&user, "", 1, 64, false) // absent: suppressed
	tags := Path{Name: "tags"}
	elem := Path{Parent: &tags, Name: "member", Index: 1}
	value := Path{Parent: &elem, Name: "value"}
	vs.Length(&value, "", 1, 256, false) // under an absent path: suppressed
	pw := Path{Name: "password"}
	vs.Pattern(&pw, "hunter2", "[a-z]+", true)
	n := Path{Name: "maxItems"}
	vs.Range(&n, 0, 1, 1000, true, true)
	vs.Range(&n, 5, 1, 1000, true, true)
	l := Path{Name: "actionNames"}
	vs.Count(&l, 2, 3, -1, ShowList([]string{"a", "b"}))
	e := Path{Name: "status"}
	vs.Enum(&e, "On", []string{"Active", "Inactive"})
	// By member, in the order a Java HashMap keyed by the paths iterates
	// them, as AWS lists them.
	want := "6 validation errors detected: " +
		"Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
		"Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; " +
		"Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null; " +
		"Value null at 'userName' failed to satisfy constraint: Member must not be null; " +
		"Value '[a, b]' at 'actionNames' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
		"Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
	err := vs.Err()
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != "ValidationError" || ae.Status != 400 || !ae.Sender || ae.Message != want {
		t.Errorf("got %#v\nwant %s", err, want)
	}
	if (&Violations{}).Err() != nil {
		t.Error("no violations is an error")
	}
	if got := (&Path{Parent: &tags, Name: "member", Index: 3}).String(); got != "tags.3.member" {
		t.Errorf("path %q", got)
	}
}

func TestAccountAlias(t *testing.T) {
	for s, want := range map[string]bool{"abc": true, "my-alias-1": true, "ab": false, "-abc": false, "abc-": false,
		"a--b": false, "ABC": false, strings.Repeat("a", 63): true, strings.Repeat("a", 64): false} {
		if got := MatchAccountAlias(s); got != want {
			t.Errorf("MatchAccountAlias(%q) = %v", s, got)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		`<a href="x">&'</a>`:     `&lt;a href=&quot;x&quot;&gt;&amp;'&lt;/a&gt;`,
		"line\nnext\ttab\r\n":    "line\nnext\ttab&#xD;\n",
		"nul\x00bell\x07":        "nul\uFFFDbell\uFFFD",
		"bad\xffutf8":            "bad\uFFFDutf8",
		"é 日本 🙂":                 "é 日本 🙂",
		"\uFFFE":                 "\uFFFD",
		"%7B%22Version%22%3A%7D": "%7B%22Version%22%3A%7D",
	} {
		if got := string(AppendEscaped(nil, in)); got != want {
			t.Errorf("AppendEscaped(%q) = %q, want %q", in, got, want)
		}
	}
}

type result struct {
	XMLName xml.Name
	Name    string   `xml:"CreateThingResult>Name"`
	Created string   `xml:"CreateThingResult>Created"`
	Count   int      `xml:"CreateThingResult>Count"`
	Ok      bool     `xml:"CreateThingResult>Ok"`
	Data    string   `xml:"CreateThingResult>Data"`
	Items   []string `xml:"CreateThingResult>Items>member"`
	Request string   `xml:"ResponseMetadata>RequestId"`
}

type thing struct{}

func (thing) EncodeXML(w *Writer) {
	w.String("Name", "a<b")
	w.Time("Created", time.Date(2024, 5, 1, 14, 0, 0, 999, time.FixedZone("x", 7200)))
	w.Int32("Count", -3)
	w.Bool("Ok", true)
	w.Blob("Data", []byte("hi"))
	w.Start("Items")
	w.String("member", "1")
	w.String("member", "2")
	w.End("Items")
}

func TestEnvelopes(t *testing.T) {
	w := NewWriter(nil)
	WriteResponse(w, "CreateThing", "https://iam.amazonaws.com/doc/2010-05-08/", "req-1", thing{})
	var r result
	if err := xml.Unmarshal(w.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, w.Bytes())
	}
	if r.XMLName.Local != "CreateThingResponse" || r.XMLName.Space != "https://iam.amazonaws.com/doc/2010-05-08/" ||
		r.Name != "a<b" || r.Created != "2024-05-01T12:00:00Z" || r.Count != -3 || !r.Ok || r.Data != "aGk=" ||
		strings.Join(r.Items, ",") != "1,2" || r.Request != "req-1" {
		t.Errorf("%+v\n%s", r, w.Bytes())
	}

	w.Reset()
	WriteResponse(w, "DeleteThing", "ns", "req-2", nil)
	if got, want := string(w.Bytes()), `<DeleteThingResponse xmlns="ns"><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DeleteThingResponse>`+"\n"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}

	for _, e := range []*awserr.Error{awserr.New("NoSuchEntity", 404, "The user <x> cannot be found."), awserr.ServiceFailure("boom")} {
		w.Reset()
		WriteError(w, "https://sts.amazonaws.com/doc/2011-06-15/", "req-3", e)
		var er struct {
			XMLName xml.Name
			Type    string `xml:"Error>Type"`
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
			Request string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(w.Bytes(), &er); err != nil {
			t.Fatal(err)
		}
		wantType := "Sender"
		if !e.Sender {
			wantType = "Receiver"
		}
		if er.XMLName.Local != "ErrorResponse" || er.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" ||
			er.Type != wantType || er.Code != e.Code || er.Message != e.Message || er.Request != "req-3" {
			t.Errorf("%+v\n%s", er, w.Bytes())
		}
	}
}

// FuzzAppendEscaped: whatever the text, the document stays well formed and
// reads back as the text (with what XML cannot carry replaced).
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "a&b", "<x>", "\r\n", "\x00", "\xff\xfe", "]]>", "\uFFFF", "🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := append([]byte("<a>"), AppendEscaped(nil, s)...)
		doc = append(doc, "</a>"...)
		var got string
		if err := xml.Unmarshal(doc, &got); err != nil {
			t.Fatalf("%q: %v (%q)", s, err, doc)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError
		}) && got != s {
			t.Errorf("read back %q, want %q", got, s)
		}
	})
}

// TestDecoderLongKey: a key longer than the Decoder's own buffer reads
// the same parameters, and popping back to a short key still does.
func TestDecoderLongKey(t *testing.T) {
	long := strings.Repeat("L", 70)
	d := NewDecoder(url.Values{"A": {"a"}, "A." + long + ".member.12": {"x"}, "A.B": {"b"}})
	ma := d.Push("A")
	ml := d.Push(long)
	mm := d.Push("member")
	mi := d.PushIndex(12)
	if s, ok := d.String(); !ok || s != "x" {
		t.Errorf("%s = %q, %v", d.key(), s, ok)
	}
	d.Pop(mi)
	d.Pop(mm)
	d.Pop(ml)
	if s, _ := d.String(); s != "a" {
		t.Errorf("%s = %q", d.key(), s)
	}
	mb := d.Push("B")
	if s, _ := d.String(); s != "b" {
		t.Errorf("%s = %q", d.key(), s)
	}
	d.Pop(mb)
	d.Pop(ma)
	if d.n != 0 {
		t.Errorf("key %q", d.key())
	}
}
