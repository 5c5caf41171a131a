package iam

import (
	"regexp"
	"testing"
)

func TestIDs(t *testing.T) {
	id := NewID(PrefixUser)
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(id) {
		t.Errorf("NewID = %q", id)
	}
	if NewID(PrefixUser) == id {
		t.Error("ids repeat")
	}
	if k := NewAccessKeyID(PrefixAccessKey); !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(k) {
		t.Errorf("NewAccessKeyID = %q", k)
	}
	if s := NewSecretAccessKey(); len(s) != 40 {
		t.Errorf("secret %q has %d characters", s, len(s))
	}
	for range 100 {
		if a := NewAccountID(); !regexp.MustCompile(`^[1-9]\d{11}$`).MatchString(a) {
			t.Fatalf("NewAccountID = %q", a)
		}
	}
}
