package terragrunt

import (
	"path"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/planner/hcllimit"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// JSONConfigFileName is the HCL-JSON form of ConfigFileName. Where a
// folder has both, Terragrunt uses this one.
const JSONConfigFileName = "terragrunt.hcl.json"

// IsConfigFile reports whether a file name (without its folder) makes its
// folder a Terragrunt unit.
func IsConfigFile(name string) bool {
	return name == ConfigFileName || name == JSONConfigFileName
}

// isJSONFile is true for the files Terragrunt parses as HCL-JSON.
func isJSONFile(p string) bool {
	return strings.HasSuffix(p, ".json")
}

// configFileIn returns the Terragrunt configuration file of the folder
// dir, as Terragrunt picks it: terragrunt.hcl.json when it exists,
// otherwise terragrunt.hcl. found is false when neither exists. Both
// looks are recorded.
func (st *evalState) configFileIn(dir string) (file string, found bool) {
	for _, name := range []string{JSONConfigFileName, ConfigFileName} {
		file = cleanRel(path.Join(dir, name))
		if st.fileExists(file) {
			return file, true
		}
	}
	return file, false
}

// jsonBlock describes a block type of Terragrunt's configuration. HCL-JSON
// has no syntax for blocks: an object property is one only because the
// schema says so, and its labels are the keys of nested objects.
type jsonBlock struct {
	labels int
	// bareOrNamed is include's: `"include": {"path": …}` is a bare include,
	// `"include": {"root": {"path": …}}` a named one.
	bareOrNamed bool
	nested      map[string]jsonBlock
}

// jsonBlocks are the names Terragrunt 0.63.6 decodes as blocks in HCL-JSON;
// every other property is an attribute. generate and remote_state are
// attributes there, as their attribute forms.
var jsonBlocks = map[string]jsonBlock{
	"include":      {labels: 1, bareOrNamed: true},
	"locals":       {},
	"dependency":   {labels: 1},
	"dependencies": {},
	"terraform": {nested: map[string]jsonBlock{
		"extra_arguments": {labels: 1}, "before_hook": {labels: 1}, "after_hook": {labels: 1}, "error_hook": {labels: 1},
	}},
	"feature": {labels: 1},
	"exclude": {},
	"errors":  {nested: map[string]jsonBlock{"retry": {labels: 1}, "ignore": {labels: 1}}},
	"engine":  {},
	"catalog": {},
}

// parseJSONConfig parses an HCL-JSON file into the native syntax tree the
// evaluator walks, so that a terragrunt.hcl.json unit and the files it
// reads are evaluated exactly as their HCL forms. Strings are templates
// and object keys may interpolate, as HCL-JSON specifies.
func parseJSONConfig(src []byte, filename string) (*hclsyntax.Body, error) {
	if diags := hcllimit.CheckJSON(src, filename); diags.HasErrors() {
		return nil, diagError(diags)
	}
	f, diags := hcljson.Parse(src, filename)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	pairs := make([]jsonPair, 0, len(attrs))
	for name, a := range attrs {
		pairs = append(pairs, jsonPair{name: name, nameRange: a.NameRange, value: a.Expr})
	}
	// In file order: the order of include blocks decides which wins.
	slices.SortFunc(pairs, func(a, b jsonPair) int { return a.nameRange.Start.Byte - b.nameRange.Start.Byte })
	body, diags := jsonBody(pairs, jsonBlocks, hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos})
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	return body, nil
}

// jsonPair is one property of a JSON object.
type jsonPair struct {
	name      string
	nameRange hcl.Range
	value     hcl.Expression
}

// objectPairs returns the properties of a JSON object expression, without
// "//" comments. ok is false when expr is not an object.
func objectPairs(expr hcl.Expression) (pairs []jsonPair, ok bool) {
	v, _ := expr.Value(nil)
	if !v.Type().IsObjectType() {
		return nil, false
	}
	kvs, diags := hcl.ExprMap(expr)
	if diags.HasErrors() {
		return nil, false
	}
	for _, kv := range kvs {
		key, _ := kv.Key.Value(nil)
		if key.Type() != cty.String || key.IsNull() || key.AsString() == "//" {
			continue
		}
		pairs = append(pairs, jsonPair{name: key.AsString(), nameRange: kv.Key.Range(), value: kv.Value})
	}
	return pairs, true
}

// jsonBody turns the properties of a body into attributes and, for the
// names in blocks, blocks.
func jsonBody(pairs []jsonPair, blocks map[string]jsonBlock, rng hcl.Range) (*hclsyntax.Body, hcl.Diagnostics) {
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	var diags hcl.Diagnostics
	for _, p := range pairs {
		spec, isBlock := blocks[p.name]
		if !isBlock {
			if prev, dup := body.Attributes[p.name]; dup {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate argument",
					Detail: "The argument " + p.name + " was already set at " + prev.NameRange.String() + ".", Subject: p.nameRange.Ptr()})
				continue
			}
			expr, d := jsonExpr(p.value)
			diags = append(diags, d...)
			body.Attributes[p.name] = &hclsyntax.Attribute{Name: p.name, Expr: expr, SrcRange: hcl.RangeBetween(p.nameRange, p.value.Range()), NameRange: p.nameRange}
			continue
		}
		labels := spec.labels
		if spec.bareOrNamed && isBareInclude(p.value) {
			labels = 0
		}
		blks, d := jsonBlocksOf(p, spec, labels, nil, nil, p.value)
		diags = append(diags, d...)
		body.Blocks = append(body.Blocks, blks...)
	}
	return body, diags
}

// isBareInclude is true when an include property holds its attributes
// directly (or a list of such objects) rather than objects by name: it
// has a path that is not itself an include named "path".
func isBareInclude(expr hcl.Expression) bool {
	if items, diags := hcl.ExprList(expr); !diags.HasErrors() && len(items) > 0 {
		expr = items[0]
	}
	pairs, ok := objectPairs(expr)
	if !ok {
		return false
	}
	for _, p := range pairs {
		if p.name == "path" {
			_, named := objectPairs(p.value)
			return !named
		}
	}
	return false
}

// jsonBlocksOf reads the blocks of one property: each level of labels is
// an object by label, and any level may be a list of objects instead.
func jsonBlocksOf(p jsonPair, spec jsonBlock, labelsLeft int, labels []string, labelRanges []hcl.Range, expr hcl.Expression) (hclsyntax.Blocks, hcl.Diagnostics) {
	if items, diags := hcl.ExprList(expr); !diags.HasErrors() && isJSONArray(expr) {
		var out hclsyntax.Blocks
		var all hcl.Diagnostics
		for _, item := range items {
			blks, d := jsonBlocksOf(p, spec, labelsLeft, labels, labelRanges, item)
			out = append(out, blks...)
			all = append(all, d...)
		}
		return out, all
	}
	pairs, ok := objectPairs(expr)
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Incorrect JSON value type",
			Detail: "A JSON object is required here, holding the " + blockWhat(p.name, labelsLeft) + ".", Subject: expr.Range().Ptr()}}
	}
	if labelsLeft > 0 {
		var out hclsyntax.Blocks
		var all hcl.Diagnostics
		for _, lp := range pairs {
			blks, d := jsonBlocksOf(p, spec, labelsLeft-1, append(labels[:len(labels):len(labels)], lp.name), append(labelRanges[:len(labelRanges):len(labelRanges)], lp.nameRange), lp.value)
			out = append(out, blks...)
			all = append(all, d...)
		}
		return out, all
	}
	body, diags := jsonBody(pairs, spec.nested, expr.Range())
	return hclsyntax.Blocks{{
		Type: p.name, Labels: labels, Body: body,
		TypeRange: p.nameRange, LabelRanges: labelRanges,
		OpenBraceRange: expr.Range(), CloseBraceRange: expr.Range(),
	}}, diags
}

func blockWhat(name string, labelsLeft int) string {
	if labelsLeft > 0 {
		return name + " blocks by name"
	}
	return "arguments of the " + name + " block"
}

func isJSONArray(expr hcl.Expression) bool {
	v, _ := expr.Value(nil)
	return v.Type().IsTupleType()
}

// jsonExpr turns a JSON value into the native expression with the same
// meaning: strings are templates, object keys may interpolate.
func jsonExpr(expr hcl.Expression) (hclsyntax.Expression, hcl.Diagnostics) {
	rng := expr.Range()
	v, diags := expr.Value(nil) // without a context: the JSON value itself
	if diags.HasErrors() {
		return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}, diags
	}
	t := v.Type()
	switch {
	case t.IsTupleType():
		items, diags := hcl.ExprList(expr)
		out := &hclsyntax.TupleConsExpr{SrcRange: rng, OpenRange: rng}
		for _, item := range items {
			e, d := jsonExpr(item)
			diags = append(diags, d...)
			out.Exprs = append(out.Exprs, e)
		}
		return out, diags
	case t.IsObjectType():
		kvs, diags := hcl.ExprMap(expr)
		out := &hclsyntax.ObjectConsExpr{SrcRange: rng, OpenRange: rng}
		for _, kv := range kvs {
			key, d := jsonExpr(kv.Key)
			diags = append(diags, d...)
			val, d := jsonExpr(kv.Value)
			diags = append(diags, d...)
			out.Items = append(out.Items, hclsyntax.ObjectConsItem{
				KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: key, ForceNonLiteral: true},
				ValueExpr: val,
			})
		}
		return out, diags
	case t == cty.String && !v.IsNull():
		// Like HCL-JSON, parse the string as a template starting after
		// its opening quote (escapes removed by JSON shift later columns).
		start := hcl.Pos{Line: rng.Start.Line, Column: rng.Start.Column + 1, Byte: rng.Start.Byte + 1}
		if diags := hcllimit.CheckTemplate([]byte(v.AsString()), rng.Filename, start); diags.HasErrors() {
			return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}, diags
		}
		return hclsyntax.ParseTemplate([]byte(v.AsString()), rng.Filename, start)
	}
	return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng}, nil
}
