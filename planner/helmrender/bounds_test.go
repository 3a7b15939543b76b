package helmrender

import (
	"errors"
	"strings"
	"testing"
	"text/template"
)

// TestBoundedFuncs runs templates a pull request could write to make the
// server build huge values: each fails with errTooLarge, and the same
// functions give sprig's results within the bounds.
func TestBoundedFuncs(t *testing.T) {
	for _, tc := range []struct {
		name, tmpl, want string
		tooLarge         bool
	}{
		{"repeat", `{{ repeat 3 "ab" }}`, "ababab", false},
		{"repeat huge", `{{ repeat 1000000000 "xxxxxxxxxx" }}`, "", true},
		{"indent", `{{ "a\nb" | indent 2 }}`, "  a\n  b", false},
		{"nindent", `{{ "a" | nindent 2 }}`, "\n  a", false},
		{"indent huge", `{{ "a" | indent 100000000 }}`, "", true},
		{"printf", `{{ printf "%05d-%s" 7 "x" }}`, "00007-x", false},
		{"printf width", `{{ printf "%0999999999d" 1 }}`, "", true},
		{"doubling", `{{ $s := "xxxxxxxxxxxxxxxx" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}`, "", true},
		{"cat", `{{ cat "a" nil "b" }}`, "a b", false},
		{"replace", `{{ replace "a" "bb" "aXa" }}`, "bbXbb", false},
		{"until", `{{ until 3 }} {{ untilStep 5 0 -2 }} {{ until 0 | toJson }}`, "[0 1 2] [5 3 1] []", false},
		{"until huge", `{{ len (until 1000000000) }}`, "", true},
		{"randAlphaNum huge", `{{ randAlphaNum 1000000000 }}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			funcs := TemplateFuncs()
			funcs["toJson"] = func(v []int) string {
				if len(v) == 0 {
					return "[]"
				}
				return "?"
			}
			tpl, err := template.New("t").Funcs(funcs).Parse(tc.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			err = tpl.Execute(&b, nil)
			switch {
			case tc.tooLarge && !errors.Is(err, errTooLarge):
				t.Errorf("error %v, want errTooLarge", err)
			case !tc.tooLarge && (err != nil || b.String() != tc.want):
				t.Errorf("got %q (%v), want %q", b.String(), err, tc.want)
			}
		})
	}
}
