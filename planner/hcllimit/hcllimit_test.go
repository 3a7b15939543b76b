package hcllimit

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestCheck(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	tests := []struct {
		name, kind, src string
		want            string // "" when the source passes
	}{
		{"parentheses at the limit", "config", "a = " + deep("(", ")", MaxDepth), ""},
		{"parentheses over the limit", "config", "a = " + deep("(", ")", MaxDepth+1), "x:1,133"},
		{"sequential parentheses", "config", "a = " + strings.Repeat("(1)+", 10_000) + "1", ""},
		{"closers in strings do not count down", "config", "a = \"" + strings.Repeat(")", 1000) + "\"\nb = " + deep("[", "]", MaxDepth+1), "x:2,133"},
		{"brackets in comments and heredocs", "config", "# " + strings.Repeat("(", 1000) + "\nb = <<EOT\n" + strings.Repeat("[", 1000) + "\nEOT\n", ""},
		{"nested blocks", "config", strings.Repeat("a {\n", MaxDepth+1) + strings.Repeat("}\n", MaxDepth+1), "x:129,"},
		{"many blocks", "config", strings.Repeat("a {\n  b = [1, (2)]\n}\n", 10_000), ""},
		{"nested interpolations", "config", "a = " + strings.Repeat("\"${", MaxDepth/2+1) + "1" + strings.Repeat("}\"", MaxDepth/2+1), "Nesting too deep"},
		{"prefix operators", "config", "a = " + strings.Repeat("-", MaxDepth+1) + "1", "Nesting too deep"},
		{"conditional chain", "config", "a = " + strings.Repeat("x ? 1 : ", MaxDepth+1) + "2", "Nesting too deep"},
		{"operators in separate items", "config", strings.Repeat("a = !true\n", 1000) + "b = [" + strings.Repeat("-1, ", 1000) + "]", ""},
		{"a long number", "config", "a = " + strings.Repeat("1", MaxNumberLen+1), "Number too long"},
		{"template directives", "template", strings.Repeat("%{if true}", MaxDepth+1) + strings.Repeat("%{endif}", MaxDepth+1), "Nesting too deep"},
		{"sequential directives", "template", strings.Repeat("%{if true}x%{endif}", 10_000), ""},
		{"JSON at the limit", "json", deep("[", "]", MaxDepth), ""},
		{"JSON over the limit", "json", deep("[", "]", MaxDepth+1), "x:1,129"},
		{"brackets in JSON strings", "json", `{"a": "` + strings.Repeat(`]\"}`, 1000) + `", "b": ` + deep("[", "]", MaxDepth+1) + `}`, "Nesting too deep"},
		{"a long JSON number", "json", "[" + strings.Repeat("1", MaxNumberLen+1) + "]", "Number too long"},
		{"too large", "json", strings.Repeat(" ", MaxFileSize+1), "File too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags hcl.Diagnostics
			switch tt.kind {
			case "config":
				diags = CheckConfig([]byte(tt.src), "x", hcl.InitialPos)
			case "template":
				diags = CheckTemplate([]byte(tt.src), "x", hcl.InitialPos)
			default:
				diags = CheckJSON([]byte(tt.src), "x")
			}
			switch {
			case tt.want == "" && diags.HasErrors():
				t.Errorf("refused: %v", diags)
			case tt.want != "" && !strings.Contains(diags.Error(), tt.want):
				t.Errorf("diagnostics %q, want %q", diags.Error(), tt.want)
			}
		})
	}
}

// fastAgreesWithLexer fails when the byte scan passes src that the count
// over the lexer's tokens refuses: the scan must never count less.
func fastAgreesWithLexer(t *testing.T, src string) {
	if !fastDepthOK([]byte(src)) {
		return
	}
	toks, _ := hclsyntax.LexConfig([]byte(src), "x", hcl.InitialPos)
	if diags := checkTokens(toks, "x"); diags.HasErrors() {
		t.Fatalf("the byte scan passes %q, which nests too deep: %v", src, diags)
	}
}

// TestFastScanNeverCountsLess builds random sources from the pieces that
// nest, escape or hide nesting, deep enough to cross the limit.
func TestFastScanNeverCountsLess(t *testing.T) {
	pieces := []string{"(", ")", "[", "]", "{", "}", "\"", "${", "$${", "%{", "\\", "\\\"", "!", "-", "?", ":", ",", "\n", "#", "//", "/*", "*/", "<<EOT\n", "EOT\n", "a", "1", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		var b strings.Builder
		for range 4 * MaxDepth {
			// Openers more often than the rest, so that some pass the limit.
			if rng.IntN(3) == 0 {
				b.WriteString(pieces[rng.IntN(5)&^1])
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		fastAgreesWithLexer(t, b.String())
	}
}

func FuzzFastScan(f *testing.F) {
	f.Add(`a = "${(1)}" # )))` + "\n")
	f.Add(strings.Repeat("(", MaxDepth) + `")"` + strings.Repeat("(", 3))
	f.Add("x = {\n  a = !-?1\n}\n")
	f.Fuzz(fastAgreesWithLexer)
}
