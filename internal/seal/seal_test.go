package seal

import "testing"

func TestSealRotationContextTamper(t *testing.T) {
	oldKey, newKey := NewSealKey(), NewSealKey()
	old, err := NewSealer(map[string][]byte{"k1": oldKey}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAEXAMPLE")
	rotated, err := NewSealer(map[string][]byte{"k2": newKey, "k1": oldKey}, []string{"k2", "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := rotated.Open(sealed, "AKIAEXAMPLE"); err != nil || pt != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" {
		t.Fatalf("Open after rotation = %q, %v", pt, err)
	}
	if _, err := rotated.Open(sealed, "AKIAOTHER"); err == nil {
		t.Fatal("a sealed value opened under another context")
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := rotated.Open(tampered, "AKIAEXAMPLE"); err == nil {
		t.Fatal("a tampered value opened")
	}
	if _, err := NewSealer(map[string][]byte{"k": []byte("short")}, []string{"k"}); err == nil {
		t.Fatal("short key accepted")
	}
}
