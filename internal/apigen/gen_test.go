package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestGoPattern(t *testing.T) {
	cases := []struct {
		model  string
		re     string
		ok, no []string
	}{
		{`[\w+=,.@-]+`, `^(?:[\w+=,.@-]+)$`, []string{"bob", "a.b@c=d"}, []string{"", "bad name", "x/y"}},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, `^(?:(\x{002F})|(\x{002F}[\x{0021}-\x{007E}]+\x{002F}))$`,
			[]string{"/", "/a/b/"}, []string{"", "a/", "/a", "/a b/"}},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, `^(?:[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+)$`,
			[]string{"{\"a\": \"é\"}\n"}, []string{"", "\x01", "“smart”"}},
		// Supplementary planes, written \u10000-\u10FFFF in the STS model.
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`,
			`^(?:[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{0085}\x{00A0}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+)$`,
			[]string{"ok 🙂 日本"}, []string{"\x00", "\uFFFE"}},
		{`^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`, `^(?:^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*)$`,
			[]string{"o-abcdefghij/r-abcd/ou-x"}, []string{"xo-abcdefghij/r-abcd"}},
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, `^(?:[\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, []string{"", "a b+c@d", "日本"}, []string{"a&b", "a;b"}},
	}
	for _, tc := range cases {
		re, err := goPattern(tc.model)
		if err != nil || re != tc.re {
			t.Errorf("goPattern(%q) = %q, %v\nwant %q", tc.model, re, err, tc.re)
			continue
		}
		rx := regexp.MustCompile(re)
		for _, s := range tc.ok {
			if !rx.MatchString(s) {
				t.Errorf("%s does not match %q", tc.model, s)
			}
		}
		for _, s := range tc.no {
			if rx.MatchString(s) {
				t.Errorf("%s matches %q", tc.model, s)
			}
		}
	}
	if _, err := goPattern(`([a-z]|-(?!-))+`); err == nil {
		t.Error("a lookahead compiled")
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"<p>Creates a new role for your Amazon Web Services account. For more, see <a>docs</a>.</p>":  "Creates a new role for your Amazon Web Services account.",
		"<p>The date, in <a href=\"x\">ISO 8601 date-time format</a>, when the user was created.</p>": "The date, in ISO 8601 date-time format, when the user was created.",
		"<p>Uses &quot;quotes&quot; &amp; <code>code</code></p>":                                      `Uses "quotes" & code`,
		"": "",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
	long := firstSentence("<p>" + strings.Repeat("word ", 60) + "</p>")
	if len(long) > 110 || !strings.HasSuffix(long, "...") {
		t.Errorf("long sentence: %q", long)
	}
}

// TestGeneratedUpToDate fails when api/iamapi or api/stsapi differ from
// what the generator makes of api/model, and checks that generating twice
// gives the same bytes.
func TestGeneratedUpToDate(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range services {
		stale, err := run(root, svc, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(stale) > 0 {
			t.Errorf("stale: %v (run go generate ./api/...)", stale)
		}
		m, err := svc.load(root)
		if err != nil {
			t.Fatal(err)
		}
		a, err := generate(m, svc.pkg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := generate(m, svc.pkg)
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s/%s differs between two runs", svc.pkg, name)
			}
		}
	}
}

// TestModelChecks: model features the generator does not handle fail
// loudly rather than generating a subtly different protocol.
func TestModelChecks(t *testing.T) {
	base := `"metadata":{"protocol":"query","apiVersion":"2020-01-01","xmlNamespace":"ns"}`
	for name, body := range map[string]string{
		"protocol":       `{"metadata":{"protocol":"json"},"operations":{},"shapes":{}}`,
		"type":           `{` + base + `,"operations":{},"shapes":{"X":{"type":"union"}}}`,
		"missing shape":  `{` + base + `,"operations":{"Op":{"input":{"shape":"Nope"}}},"shapes":{}}`,
		"result wrapper": `{` + base + `,"operations":{"Op":{"output":{"shape":"O","resultWrapper":"Other"}}},"shapes":{"O":{"type":"structure","members":{}}}}`,
		"map key":        `{` + base + `,"operations":{},"shapes":{"M":{"type":"map","key":{"shape":"I"},"value":{"shape":"I"}},"I":{"type":"integer"}}}`,
	} {
		if _, err := parseModel([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
