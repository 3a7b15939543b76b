package tfrun

import "testing"

func TestVersion(t *testing.T) {
	b := realBinary(t)
	r, _ := initRunner(t, `resource "terraform_data" "x" {}`, Options{Binary: b})
	v, providers, err := r.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !v.Equal(b.Version) {
		t.Errorf("Version() = %s, Find said %s", v, b.Version)
	}
	if len(providers) != 0 {
		t.Errorf("providers = %v, want none for the built-in terraform_data", providers)
	}
}
