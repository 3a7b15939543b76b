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

func (fe *fileEval) detailStringList(a *hclsyntax.Attribute) ([]string, error) {
	v, err := fe.eval(a.Expr)
	if err != nil || !v.IsWhollyKnown() {
		return nil, err
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

func (fe *fileEval) detailStringMap(a *hclsyntax.Attribute) (map[string]string, error) {
	v, err := fe.eval(a.Expr)
	if err != nil || !v.IsWhollyKnown() {
		return nil, err
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

// value is the partial configuration as read_terragrunt_config and exposed
// includes show it.
func (p *partial) value() cty.Value {
	obj := map[string]cty.Value{
		"locals": cty.ObjectVal(p.locals),
		"inputs": p.inputsOrEmpty(),
	}
	tf := map[string]cty.Value{}
	if p.tfSource != nil {
		tf["source"] = cty.StringVal(*p.tfSource)
	}
	obj["terraform"] = cty.ObjectVal(tf)
	// The dependency variable, with the outputs resolved for the command,
	// as Terragrunt renders them for read_terragrunt_config.
	obj["dependency"] = p.depVar
	if p.depPathsSet {
		obj["dependencies"] = cty.ObjectVal(map[string]cty.Value{"paths": stringsVal(p.depPaths)})
	}
	if p.remoteState != nil {
		cfg := cty.EmptyObjectVal
		if len(p.remoteState.Config) > 0 {
			cfg = cty.ObjectVal(p.remoteState.Config)
		}
		obj["remote_state"] = cty.ObjectVal(map[string]cty.Value{"backend": cty.StringVal(p.remoteState.Backend), "config": cfg})
	}
	gens := map[string]cty.Value{}
	for _, g := range enabledGenerates(p.generate) {
		gens[g.Name] = cty.ObjectVal(map[string]cty.Value{
			"path": cty.StringVal(g.Path), "if_exists": cty.StringVal(g.IfExists), "contents": cty.StringVal(g.Contents),
		})
	}
	obj["generate"] = cty.ObjectVal(gens)
	if p.downloadDir != nil {
		obj["download_dir"] = cty.StringVal(*p.downloadDir)
	}
	if p.preventDestr != nil {
		obj["prevent_destroy"] = cty.BoolVal(*p.preventDestr)
	}
	if p.skip != nil {
		obj["skip"] = cty.BoolVal(*p.skip)
	}
	return cty.ObjectVal(obj)
}

func (p *partial) inputsOrEmpty() cty.Value {
	if p.inputs == cty.NilVal || p.inputs.IsNull() {
		return cty.EmptyObjectVal
	}
	return p.inputs
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
		Generate:        enabledGenerates(p.generate),
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
	sort.Slice(c.Dependencies, func(i, j int) bool { return c.Dependencies[i].Name < c.Dependencies[j].Name })
	sort.Slice(c.Generate, func(i, j int) bool { return c.Generate[i].Name < c.Generate[j].Name })
	return c, nil
}

// enabledGenerates drops the generate blocks that are switched off.
func enabledGenerates(gens []Generate) []Generate {
	return slices.DeleteFunc(slices.Clone(gens), func(g Generate) bool { return g.disabled })
}
