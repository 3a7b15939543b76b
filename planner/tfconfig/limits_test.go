package tfconfig

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestHostileFiles checks that files too large or too deeply nested to
// parse safely are refused with an error naming the file, line and limit,
// and that the module's other files are still read.
func TestHostileFiles(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
	}{
		{"nested parentheses", "main.tf", "locals {\n  a = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + "\n}\nmodule \"m\" {}\n",
			[]string{"main.tf:2: Nesting too deep", "more than 128 levels"}},
		{"nested blocks", "main.tf", strings.Repeat("module \"m\" {\n", 1000) + strings.Repeat("}\n", 1000),
			[]string{"main.tf:129: Nesting too deep"}},
		{"nested JSON", "main.tf.json", `{"module": {"m": {"source": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}}`,
			[]string{"main.tf.json:1: Nesting too deep"}},
		{"a file over 1 MiB", "main.tf", "# module\n" + strings.Repeat("#", 1<<20),
			[]string{"main.tf:1: File too large", "at most 1048576 bytes"}},
		{"a long number", "main.tf", "module \"m\" {\n  n = " + strings.Repeat("9", 10_000) + "\n}\n",
			[]string{"main.tf:2: Number too long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{tt.file: {Data: []byte(tt.src)}, "variables.tf": {Data: []byte(`variable "region" {}`)}}
			m, err := Read(fsys, ".")
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != tt.file {
				t.Fatalf("Read error = %v, want a FileError for %s", err, tt.file)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if m == nil || !reflect.DeepEqual(m.Variables, []string{"region"}) {
				t.Errorf("module %+v, want variables.tf read", m)
			}
			if _, err := ReadModuleCalls(fsys, "."); err == nil {
				t.Error("ReadModuleCalls parsed the file")
			}
		})
	}
}
