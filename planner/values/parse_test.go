package values

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"empty", "", map[string]any{}},
		{"comments only", "# nothing\n", map[string]any{}},
		{"null document", "~\n", map[string]any{}},
		{"numbers are float64", "replicas: 3\nratio: 0.5\n", map[string]any{"replicas": float64(3), "ratio": 0.5}},
		{"unquoted tag is a number", "tag: 2026.10\n", map[string]any{"tag": 2026.1}},
		{"quoted tag is a string", "tag: '2026.10'\n", map[string]any{"tag": "2026.10"}},
		{"yaml 1.1 booleans", "a: yes\nb: off\n", map[string]any{"a": true, "b": false}},
		{"null value kept", "a: null\nb:\n", map[string]any{"a": nil, "b": nil}},
		{"documents merge in order", "a: {p: 1, q: 1}\nl: [1]\n---\na: {q: 2}\nl: [2]\n",
			map[string]any{"a": map[string]any{"p": float64(1), "q": float64(2)}, "l": []any{float64(2)}}},
		{"y is a boolean key in YAML 1.1", "y: 1\n", map[string]any{"true": float64(1)}},
		{"separator with comment", "a: 1\n--- # next\nb: 2\n", map[string]any{"a": float64(1), "b": float64(2)}},
		{"crlf", "a: 1\r\nb: x\r\n", map[string]any{"a": float64(1), "b": "x"}},
		{"no final newline", "a: 1", map[string]any{"a": float64(1)}},
		{"anchors", "base: &b {x: 1}\nother: *b\n",
			map[string]any{"base": map[string]any{"x": float64(1)}, "other": map[string]any{"x": float64(1)}}},
		{"dotted keys stay keys", "annotations:\n  eks.amazonaws.com/role-arn: arn\n",
			map[string]any{"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse = %#v, want %#v", got, tt.want)
			}
			helm, err := loader.LoadValues(bytes.NewReader([]byte(tt.in)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, map[string]any(helm)) {
				t.Errorf("Parse = %#v, Helm reads %#v", got, helm)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := ""
	for i := range maxDepth + 1 {
		deep += strings.Repeat(" ", i) + "a:\n"
	}
	deep += strings.Repeat(" ", maxDepth+1) + "b: 1\n"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"syntax error names the line", "a: 1\nb: [\n", "line 2"},
		{"line counts earlier documents", "a: 1\n---\nb: 1\nc: d: e\n", "invalid YAML at line 4"},
		{"bad separator", "a: 1\n--- b: 2\n", "line 2"},
		{"top level list", "- a\n- b\n", "not a mapping"},
		{"top level scalar", "hello\n", "not a mapping"},
		{"too deep", deep, "nest deeper than 64"},
		{"too big", "a: " + strings.Repeat("x", maxBytes) + "\n", "byte limit"},
		{"alias bomb", bomb(), "aliasing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// bomb is a YAML file whose anchors expand to 10^10 entries.
func bomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [" + strings.TrimSuffix(strings.Repeat("x,", 100), ",") + "]\n")
	prev := "l0"
	for i := 1; i <= 4; i++ {
		name := "l" + string(rune('0'+i))
		b.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 100), ",") + "]\n")
		prev = name
	}
	return b.String()
}

// TestShapeNodes checks the entry limit directly: reaching it through YAML
// takes a multi-megabyte file and seconds of parsing.
func TestShapeNodes(t *testing.T) {
	err := new(shape).check(map[string]any{"a": make([]any, maxNodes)})
	if err == nil || !strings.Contains(err.Error(), "more than 1048576 entries") {
		t.Fatalf("check = %v, want the entry limit", err)
	}
	if err := new(shape).check(map[string]any{"a": make([]any, maxNodes-2)}); err != nil {
		t.Fatalf("check at the limit = %v", err)
	}
}

func TestParseErrorLine(t *testing.T) {
	tests := []struct {
		in        string
		line      int
		wrapsYAML bool
	}{
		{"a: 1\n---\nb: 1\nc: d: e\n", 4, true},
		{"a: 1\n\n--- x\n", 3, false},
		{"a: 1\n---\n- x\n", 3, true},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tt.line || (errors.Unwrap(err) != nil) != tt.wrapsYAML {
			t.Errorf("Parse(%q) error = %#v, want a ParseError at line %d", tt.in, err, tt.line)
		}
	}
}

// FuzzParse checks that Parse reads what Helm reads and fails when Helm
// fails (size and shape limits aside).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a: 1\n", "tag: 2026.10\n", "a: {b: [1, {c: d}]}\n---\na: {e: f}\n",
		"--- # c\n- x\n", "a: &x 1\nb: *x\n", "k: |\n  text\n---\n", "a:\r\n  b: c\r\n", "--- x\n", "\"a\": yes"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		helm, herr := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			if herr == nil && !strings.Contains(err.Error(), "limit") && !strings.Contains(err.Error(), "nest deeper") && !strings.Contains(err.Error(), "entries") {
				t.Fatalf("Parse failed (%v) where Helm reads %#v", err, helm)
			}
			return
		}
		if herr != nil {
			t.Fatalf("Parse read %#v where Helm fails: %v", got, herr)
		}
		if !equal(got, map[string]any(helm)) {
			t.Fatalf("Parse = %#v, Helm = %#v", got, helm)
		}
	})
}
