package tfrun

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// needsProviders reports whether the configuration in dir, or a local
// module it calls, may install a provider plugin. Only configurations that
// use nothing but the built-in terraform provider (terraform_data,
// terraform_remote_state) are known not to; anything unreadable counts as
// needing providers. Init skips the plugin cache lock for the others, so
// independent units initialise in parallel.
func needsProviders(dir string) bool {
	seen := map[string]bool{}
	var visit func(dir string) bool
	visit = func(dir string) bool {
		if seen[dir] {
			return false
		}
		seen[dir] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return true
		}
		parser := hclparse.NewParser()
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !(strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")) {
				continue
			}
			var f *hcl.File
			var diags hcl.Diagnostics
			if strings.HasSuffix(name, ".json") {
				f, diags = parser.ParseJSONFile(filepath.Join(dir, name))
			} else {
				f, diags = parser.ParseHCLFile(filepath.Join(dir, name))
			}
			if diags.HasErrors() {
				return true
			}
			if fileNeedsProviders(f, dir, visit) {
				return true
			}
		}
		return false
	}
	return visit(dir)
}

var providerSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "ephemeral", LabelNames: []string{"type", "name"}},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "terraform"},
}}

func fileNeedsProviders(f *hcl.File, dir string, visit func(string) bool) bool {
	content, _, diags := f.Body.PartialContent(providerSchema)
	if diags.HasErrors() {
		return true
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "resource", "data", "ephemeral":
			if !strings.HasPrefix(b.Labels[0], "terraform_") {
				return true
			}
		case "provider":
			return true
		case "terraform":
			inner, _, _ := b.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "required_providers"}}})
			if len(inner.Blocks) > 0 {
				return true
			}
		case "module":
			attrs, _ := b.Body.JustAttributes()
			src, ok := attrs["source"]
			if !ok {
				return true
			}
			v, d := src.Expr.Value(nil)
			if d.HasErrors() || !v.IsKnown() || v.IsNull() {
				return true
			}
			s := v.AsString()
			if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
				return true // a remote module may need anything
			}
			if visit(filepath.Join(dir, s)) {
				return true
			}
		}
	}
	return false
}
