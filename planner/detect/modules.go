package detect

import (
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/csocbot/csocbot/planner/gitrepo"
)

// moduleCalls returns the directories of the local module calls
// (source = "./…" or "../…") in the Terraform files directly in dir,
// resolved relative to the repository root. Calls that leave the
// repository are dropped: nothing in the repository can change them.
func moduleCalls(snap *gitrepo.Snapshot, dir string) []string {
	entries, err := snap.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")) {
			continue
		}
		p := path.Join(dir, name)
		src, err := snap.ReadFile(p)
		if err != nil || !bytes.Contains(src, []byte("module")) {
			// Most Terraform files (variables, outputs) call no module;
			// not parsing them is most of the cost of this scan.
			continue
		}
		for _, s := range moduleSources(p, src) {
			if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
				continue
			}
			target := path.Clean(path.Join(dir, s))
			if target == ".." || strings.HasPrefix(target, "../") {
				continue
			}
			out = append(out, target)
		}
	}
	sort.Strings(out)
	return out
}

// moduleSources lists the literal source strings of the module blocks in a
// Terraform file. A file that does not parse contributes nothing here:
// terraform itself reports it when the unit is planned.
func moduleSources(name string, src []byte) []string {
	var body hcl.Body
	if strings.HasSuffix(name, ".json") {
		f, diags := hcljson.Parse(src, name)
		if diags.HasErrors() {
			return nil
		}
		body = f.Body
	} else {
		f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			return nil
		}
		body = f.Body
	}
	content, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}})
	var out []string
	for _, blk := range content.Blocks {
		attrs, _ := blk.Body.JustAttributes()
		a, ok := attrs["source"]
		if !ok {
			continue
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type().FriendlyName() != "string" {
			continue
		}
		out = append(out, v.AsString())
	}
	return out
}
