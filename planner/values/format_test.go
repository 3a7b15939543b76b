package values

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{true, "true"},
		{"fence", "fence"},
		{"quay.io/cdis/fence:2026.10", "quay.io/cdis/fence:2026.10"},
		{"2026.10", `"2026.10"`},
		{2026.1, "2026.1"},
		{float64(3), "3"},
		{int64(-7), "-7"},
		{1e6, "1000000"},
		{1e300, "1e+300"},
		{math.Inf(1), "+Inf"},
		{"true", `"true"`},
		{"yes", `"yes"`},
		{"null", `"null"`},
		{"", `""`},
		{" padded", `" padded"`},
		{"a: b", `"a: b"`},
		{"a,b", `"a,b"`},
		{"#x", `"#x"`},
		{"*alias", `"*alias"`},
		{"-x", "-x"},
		{"line\nbreak", `"line\nbreak"`},
		{Redacted, Redacted},
		{"a|b", `a\|b`},
		{[]any{}, "[]"},
		{map[string]any{}, "{}"},
		{[]any{"a", 1.0, nil, "1"}, `[a, 1, null, "1"]`},
		{map[string]any{"b": map[string]any{"c": []any{true}}, "a": "x y", "k.d": "v"}, "{a: x y, b: {c: [true]}, k.d: v}"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestFormatBounded(t *testing.T) {
	long := strings.Repeat("iVBORw0KGgoAAAANSUhEUgAA", 10000)
	for _, v := range []any{long, map[string]any{"logo": long}, []any{long, long}} {
		got := Format(v)
		if n := utf8.RuneCountInString(got); n > formatMax || !strings.HasSuffix(got, "…") {
			t.Errorf("Format of a long value is %d runes: %.40s…", n, got)
		}
	}
}
