package terragrunt

import (
	"fmt"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

func unknownError(rng hcl.Range, what string) error {
	return errorAt(rng, "Value not known", "%s depends on a value that is not known while csocbot evaluates the configuration "+
		"(a dependency output, or an environment variable that is not set). It must be known to find the unit's files; "+
		"set the variable in the server config's terragrunt env, or use a literal.", what)
}

// The *Attr functions evaluate an attribute that must be known, such as a
// path the evaluation follows. The detail* functions evaluate one that
// csocbot only reports, such as the contents of a generated file or a
// hook's arguments: an unknown value there (a dependency output during
// detection) reads as the zero value instead of failing the unit.

func (fe *fileEval) stringAttr(a *hclsyntax.Attribute) (string, error) {
	v, err := fe.eval(a.Expr)
	if err != nil {
		return "", err
	}
	return attrString(a, v)
}

func (fe *fileEval) detailString(a *hclsyntax.Attribute) (string, error) {
	v, err := fe.eval(a.Expr)
	if err != nil || !v.IsWhollyKnown() {
		return "", err
	}
	return attrString(a, v)
}

func attrString(a *hclsyntax.Attribute, v cty.Value) (string, error) {
	if !v.IsWhollyKnown() {
		return "", unknownError(a.Expr.Range(), a.Name)
	}
	s, err := ctyString(v)
	if err != nil {
		return "", errorAt(a.Expr.Range(), "Invalid value", "%s: %v", a.Name, err)
	}
	return s, nil
}

func (fe *fileEval) boolAttr(a *hclsyntax.Attribute) (bool, error) {
	v, err := fe.eval(a.Expr)
	if err != nil {
		return false, err
	}
	if !v.IsKnown() {
		return false, unknownError(a.Expr.Range(), a.Name)
	}
	b, err := convert.Convert(v, cty.Bool)
	if err != nil || b.IsNull() {
		return false, errorAt(a.Expr.Range(), "Invalid value", "%s must be true or false", a.Name)
	}
	return b.True(), nil
}

func (fe *fileEval) stringListAttr(a *hclsyntax.Attribute) ([]string, error) {
	v, err := fe.eval(a.Expr)
	if err != nil {
		return nil, err
	}
	return attrStringList(a, v)
}

// detailStringListOf reads a's value v as a list of strings; an unknown
// value reads as no list.
func detailStringListOf(a *hclsyntax.Attribute, v cty.Value) ([]string, error) {
	if !v.IsWhollyKnown() {
		return nil, nil
	}
	return attrStringList(a, v)
}

func attrStringList(a *hclsyntax.Attribute, v cty.Value) ([]string, error) {
	if !v.IsWhollyKnown() {
		return nil, unknownError(a.Expr.Range(), a.Name)
	}
	l, err := ctyStringList(v)
	if err != nil {
		return nil, errorAt(a.Expr.Range(), "Invalid value", "%s must be a list of strings: %v", a.Name, err)
	}
	return l, nil
}

// detailStringMapOf reads a's value v as a map of strings; an unknown
// value reads as no map.
func detailStringMapOf(a *hclsyntax.Attribute, v cty.Value) (map[string]string, error) {
	if !v.IsWhollyKnown() {
		return nil, nil
	}
	m, err := convert.Convert(v, cty.Map(cty.String))
	if err != nil {
		return nil, errorAt(a.Expr.Range(), "Invalid value", "%s must be a map of strings: %v", a.Name, err)
	}
	out := map[string]string{}
	if m.IsNull() {
		return out, nil
	}
	for k, mv := range m.AsValueMap() {
		if mv.IsNull() {
			return nil, errorAt(a.Expr.Range(), "Invalid value", "%s.%s must not be null", a.Name, k)
		}
		out[k] = mv.AsString()
	}
	return out, nil
}

func ctyString(v cty.Value) (string, error) {
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", err
	}
	if s.IsNull() {
		return "", fmt.Errorf("must not be null")
	}
	return s.AsString(), nil
}

func ctyStringList(v cty.Value) ([]string, error) {
	if v.IsNull() {
		return nil, nil
	}
	l, err := convert.Convert(v, cty.List(cty.String))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, l.LengthInt())
	for it := l.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			return nil, fmt.Errorf("element must not be null")
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

func stringsVal(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vs := make([]cty.Value, len(ss))
	for i, s := range ss {
		vs[i] = cty.StringVal(s)
	}
	return cty.ListVal(vs)
}

func (p *partial) inputsOrEmpty() cty.Value {
	if p.inputs == cty.NilVal || p.inputs.IsNull() {
		return cty.EmptyObjectVal
	}
	return float64Numbers(p.inputs)
}

// float64Numbers rounds every number in v to a float64. Terragrunt keeps
// inputs as decoded JSON, whose numbers are float64s: terraform gets
// 0.3333333333333333 for 1/3 and 12345678901234567000 for
// 12345678901234567890, and so must csocbot's plans.
func float64Numbers(v cty.Value) cty.Value {
	out, _ := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.Type() != cty.Number || !v.IsKnown() || v.IsNull() {
			return v, nil
		}
		f, _ := v.AsBigFloat().Float64()
		return cty.NumberFloatVal(f), nil
	})
	return out
}

// finish turns the merged configuration of the unit file into a Config.
func (p *partial) finish(file, dir string, root string) (*Config, error) {
	c := &Config{
		Path:            file,
		Dir:             dir,
		Includes:        p.includes,
		Locals:          p.locals,
		Inputs:          p.inputsOrEmpty(),
		Dependencies:    p.deps,
		DependencyPaths: p.depPaths,
		RemoteState:     p.remoteState,
		Generate:        slices.Clone(p.generate),
	}
	c.Terraform.ExtraArguments = p.extraArgs
	c.Terraform.Hooks = p.hooks
	c.Terraform.IncludeInCopy = p.inclInCopy
	if p.tfSource != nil {
		c.Terraform.Source = *p.tfSource
		m, err := parseSource(*p.tfSource, dir, root)
		if err != nil {
			return nil, errorAt(p.tfSourceRng, "Invalid terraform.source", "%v", err)
		}
		c.Terraform.Module = m
	}
	if p.downloadDir != nil {
		c.DownloadDir = *p.downloadDir
	}
	if p.preventDestr != nil {
		c.PreventDestroy = *p.preventDestr
	}
	if p.skip != nil {
		c.Skip = *p.skip
	}
	if v, ok := p.settings["iam_role"]; ok {
		c.IAMRole = v
	}
	sort.Slice(c.Dependencies, func(i, j int) bool { return c.Dependencies[i].Name < c.Dependencies[j].Name })
	sort.Slice(c.Generate, func(i, j int) bool { return c.Generate[i].Name < c.Generate[j].Name })
	return c, nil
}
