package iam

import (
	"testing"
	"time"
)

func TestDefaultAccount(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		accounts []Account
		want     string
	}{
		{"none", nil, ""},
		{"the marked one, whatever its id or age", []Account{{ID: "000000000001", Created: t0}, {ID: "222222222222", Created: t0.Add(time.Hour), First: true}}, "222222222222"},
		{"unmarked store: the oldest", []Account{{ID: "000000000001", Created: t0.Add(time.Second)}, {ID: "222222222222", Created: t0}}, "222222222222"},
		{"unmarked, same second: the lowest id", []Account{{ID: "222222222222", Created: t0}, {ID: "000000000001", Created: t0}}, "000000000001"},
	} {
		got, ok := DefaultAccount(c.accounts)
		if got.ID != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.name, got.ID, ok, c.want)
		}
	}
}
