package jsonlimit

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	cases := []struct {
		text    string
		l       Limits
		ok      bool
		tooLong bool
	}{
		{`{"a":[1,{"b":2}]}`, Limits{MaxDepth: 3}, true, false},
		{`{"a":[1,{"b":2}]}`, Limits{MaxDepth: 2}, false, false},
		{deep(32), Limits{MaxDepth: 32}, true, false},
		{deep(33), Limits{MaxDepth: 32}, false, false},
		{deep(100000), Limits{}, true, false},
		// Brackets in strings, escaped quotes included, do not count.
		{`{"a":"[[[[[[\"[[[[[["}`, Limits{MaxDepth: 1}, true, false},
		{`"\\"[[`, Limits{MaxDepth: 1}, false, false},
		// Closing brackets never make room for more opening ones.
		{`]]]]]][[`, Limits{MaxDepth: 1}, false, false},
		{`{"a":1}`, Limits{MaxBytes: 6}, false, true},
		{`{"a":1}`, Limits{MaxBytes: 7}, true, false},
	}
	for _, tc := range cases {
		err := Check([]byte(tc.text), tc.l)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%.40q, %+v) = %v, want ok=%v", tc.text, tc.l, err, tc.ok)
			continue
		}
		if err != nil && err.(*Error).TooLarge != tc.tooLong {
			t.Errorf("Check(%.40q, %+v) = %v, want TooLarge=%v", tc.text, tc.l, err, tc.tooLong)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	text := []byte(strings.Repeat(`{"Effect":"Allow","Action":["s3:*"],"Resource":"*"},`, 2000))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = Check(text, Limits{MaxDepth: 32})
	}
}
