package terragrunt

import (
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The values Terragrunt 0.63.6 accepts for if_exists and if_disabled.
var (
	ifExistsValues   = []string{"overwrite", "overwrite_terragrunt", "skip", "error"}
	ifDisabledValues = []string{"remove", "remove_terragrunt", "skip"}
)

// newGenerate is a generate entry with Terragrunt's defaults.
func newGenerate(name string) Generate {
	return Generate{Name: name, CommentPrefix: "# ", IfDisabled: "skip"}
}

// evalGenerate evaluates a generate block. Like Terragrunt 0.63.6 it
// requires path, if_exists and contents, even in a disabled block.
func (fe *fileEval) evalGenerate(blk *hclsyntax.Block, p *partial) error {
	if len(blk.Labels) != 1 {
		return errorAt(blk.DefRange(), "Missing generate name", `a generate block needs a name, e.g. generate "provider" { … }`)
	}
	g := newGenerate(blk.Labels[0])
	for _, required := range []string{"path", "if_exists", "contents"} {
		if _, ok := blk.Body.Attributes[required]; !ok {
			return errorAt(blk.DefRange(), "Missing generate "+required,
				"generate %q needs %s (Terragrunt requires path, if_exists and contents, even when disable = true)", g.Name, required)
		}
	}
	for name, a := range blk.Body.Attributes {
		var err error
		switch name {
		case "path":
			g.Path, err = fe.stringAttr(a)
		case "if_exists":
			g.IfExists, err = fe.stringAttr(a)
		case "contents":
			g.Contents, err = fe.detailString(a)
		case "comment_prefix":
			g.CommentPrefix, err = fe.stringAttr(a)
		case "disable_signature":
			g.DisableSignature, err = fe.boolAttr(a)
		case "disable":
			g.Disable, err = fe.boolAttr(a)
		case "if_disabled":
			g.IfDisabled, err = fe.stringAttr(a)
		default:
			err = errorAt(a.NameRange, "Unsupported argument", "a generate block has no argument %q", name)
		}
		if err != nil {
			return err
		}
	}
	if err := checkGenerateModes(g, blk.Body.Attributes["if_exists"].Expr.Range(), attrRange(blk.Body.Attributes["if_disabled"], blk.DefRange())); err != nil {
		return err
	}
	return addGenerate(p, g, blk.DefRange())
}

// evalGenerateAttribute evaluates the attribute form Terragrunt also
// accepts: generate = { name = { path = …, if_exists = …, contents = … } }.
// As in Terragrunt, if_exists is required, the other keys are optional,
// unknown keys are ignored and values are not converted between types.
func (fe *fileEval) evalGenerateAttribute(a *hclsyntax.Attribute, p *partial) error {
	v, err := fe.eval(a.Expr)
	if err != nil {
		return err
	}
	rng := a.Expr.Range()
	if !v.IsKnown() {
		// Only detection sees unknown values here, and it does not
		// need the generated files.
		return nil
	}
	if v.IsNull() || !isMapLike(v) {
		return errorAt(rng, "Invalid generate", "generate must be a map from names to objects with path, if_exists and contents")
	}
	names := make([]string, 0, v.LengthInt())
	entries := v.AsValueMap()
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g, err := generateFromValue(name, entries[name], rng)
		if err != nil {
			return err
		}
		if err := addGenerate(p, g, rng); err != nil {
			return err
		}
	}
	return nil
}

// generateFromValue reads one entry of the generate attribute.
func generateFromValue(name string, v cty.Value, rng hcl.Range) (Generate, error) {
	g := newGenerate(name)
	if !v.IsKnown() {
		return g, nil
	}
	if v.IsNull() || !isMapLike(v) {
		return g, errorAt(rng, "Invalid generate", "generate.%s must be an object with path, if_exists and contents", name)
	}
	fields := v.AsValueMap()
	strs := map[string]*string{"path": &g.Path, "if_exists": &g.IfExists, "contents": &g.Contents, "comment_prefix": &g.CommentPrefix, "if_disabled": &g.IfDisabled}
	for key, dst := range strs {
		f, ok := fields[key]
		switch {
		case !ok || !f.IsKnown():
		case f.IsNull() || f.Type() != cty.String:
			return g, errorAt(rng, "Invalid generate", "generate.%s.%s must be a string", name, key)
		default:
			*dst = f.AsString()
		}
	}
	bools := map[string]*bool{"disable_signature": &g.DisableSignature, "disable": &g.Disable}
	for key, dst := range bools {
		f, ok := fields[key]
		switch {
		case !ok || !f.IsKnown():
		case f.IsNull() || f.Type() != cty.Bool:
			return g, errorAt(rng, "Invalid generate", "generate.%s.%s must be true or false", name, key)
		default:
			*dst = f.True()
		}
	}
	if f, ok := fields["if_exists"]; ok && !f.IsKnown() {
		return g, nil // detection: the value is not needed
	}
	return g, checkGenerateModes(g, rng, rng)
}

// checkGenerateModes rejects the if_exists and if_disabled values
// Terragrunt rejects.
func checkGenerateModes(g Generate, ifExistsRng, ifDisabledRng hcl.Range) error {
	if !slices.Contains(ifExistsValues, g.IfExists) {
		return errorAt(ifExistsRng, "Invalid if_exists", "generate %q: %q is not a valid if_exists; use %s", g.Name, g.IfExists, strings.Join(ifExistsValues, ", "))
	}
	if !slices.Contains(ifDisabledValues, g.IfDisabled) {
		return errorAt(ifDisabledRng, "Invalid if_disabled", "generate %q: %q is not a valid if_disabled; use %s", g.Name, g.IfDisabled, strings.Join(ifDisabledValues, ", "))
	}
	return nil
}

// addGenerate adds g to the file's generate entries; a name may appear
// once per file, whether as a block or in the attribute.
func addGenerate(p *partial, g Generate, rng hcl.Range) error {
	for _, prev := range p.generate {
		if prev.Name == g.Name {
			return errorAt(rng, "Duplicate generate block", "a generate block named %q is already defined in this file (as a block or in the generate attribute)", g.Name)
		}
	}
	p.generate = append(p.generate, g)
	return nil
}

func attrRange(a *hclsyntax.Attribute, fallback hcl.Range) hcl.Range {
	if a == nil {
		return fallback
	}
	return a.Expr.Range()
}

// checkShallowGenerate rejects what Terragrunt 0.63.6 rejects: a shallow
// merge of an included file whose generate entries share a name with the
// including file's (or with those of an include merged before it). Only a
// deep merge lets a block override an included one.
func checkShallowGenerate(parent, child *partial, inc Include, rng hcl.Range) error {
	var shared []string
	for _, c := range child.generate {
		if slices.ContainsFunc(parent.generate, func(p Generate) bool { return p.Name == c.Name }) {
			shared = append(shared, c.Name)
		}
	}
	if len(shared) == 0 {
		return nil
	}
	sort.Strings(shared)
	return errorAt(rng, "Duplicate generate block",
		"%s, included with merge_strategy \"shallow\", and this configuration both define generate \"%s\"; Terragrunt 0.63.6 rejects that (\"Detected generate blocks with the same name\"). Set merge_strategy = \"deep\" on the include to override the included block, or rename one of them.",
		inc.Path, strings.Join(shared, `", "`))
}
