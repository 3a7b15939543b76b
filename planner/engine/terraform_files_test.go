package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDeclaredVariables(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"variables.tf":  "variable \"a\" {}\nvariable \"b\" {\n  type = string\n}\n",
		"more.tf.json":  `{"variable": {"c": {}}}`,
		"broken.tf":     "variable \"d\" {}\nresource \"x\" {\n", // terraform reports it
		"notes.txt":     `variable "e" {}`,
		"sub/nested.tf": `variable "f" {}`,
		"override.tf":   `variable "a" { default = 1 }`,
		".hidden.tf":    `variable "g" {}`,
		"backup.tf~":    `variable "h" {}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := declaredVariables(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"a": true, "b": true, "c": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("declaredVariables = %v, want %v", got, want)
	}
	if _, err := declaredVariables(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing directory")
	}
}
