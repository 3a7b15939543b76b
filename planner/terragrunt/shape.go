package terragrunt

import (
	"maps"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// This file renders a file's configuration the way Terragrunt 0.63.6
// shows it to read_terragrunt_config and to include.<name> of an exposed
// include: every attribute Terragrunt has, with its defaults ("" for
// strings, false for skip, null for what is not set), blocks as maps from
// their names, and the values as written (paths are not resolved).

// settingTypes are the top-level attributes csocbot reads only to show
// them, with the type Terragrunt decodes them to.
var settingTypes = map[string]cty.Type{
	"iam_role":                      cty.String,
	"iam_assume_role_duration":      cty.Number,
	"iam_assume_role_session_name":  cty.String,
	"iam_web_identity_token":        cty.String,
	"terraform_binary":              cty.String,
	"terraform_version_constraint":  cty.String,
	"terragrunt_version_constraint": cty.String,
	"retryable_errors":              cty.List(cty.String),
	"retry_max_attempts":            cty.Number,
	"retry_sleep_interval_sec":      cty.Number,
}

// settingDefault is what an unset setting shows: Terragrunt's strings
// are plain strings, the rest are pointers.
func settingDefault(t cty.Type) cty.Value {
	if t == cty.String {
		return cty.StringVal("")
	}
	return cty.NullVal(t)
}

// evalSetting evaluates one of settingTypes into p.settings.
func (fe *fileEval) evalSetting(a *hclsyntax.Attribute, p *partial) error {
	v, err := fe.eval(a.Expr)
	if err != nil {
		return err
	}
	v, err = convert.Convert(v, settingTypes[a.Name])
	if err != nil {
		return errorAt(a.Expr.Range(), "Invalid value", "%s must be a %s: %v", a.Name, settingTypes[a.Name].FriendlyName(), err)
	}
	if p.settings == nil {
		p.settings = map[string]cty.Value{}
	}
	p.settings[a.Name] = v
	return nil
}

// mergeSettings is the child's settings over the parent's; a deep merge
// adds up retryable_errors, as Terragrunt's does.
func mergeSettings(parent, child map[string]cty.Value, deep bool) map[string]cty.Value {
	out := maps.Clone(parent)
	if out == nil {
		out = map[string]cty.Value{}
	}
	for k, v := range child {
		if pv, ok := out[k]; ok && deep && k == "retryable_errors" {
			v = concatStringLists(pv, v)
		}
		out[k] = v
	}
	return out
}

func concatStringLists(a, b cty.Value) cty.Value {
	if !a.IsWhollyKnown() || !b.IsWhollyKnown() {
		return cty.UnknownVal(cty.List(cty.String))
	}
	if a.IsNull() {
		return b
	}
	if b.IsNull() {
		return a
	}
	vs := append(a.AsValueSlice(), b.AsValueSlice()...)
	if len(vs) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	return cty.ListVal(vs)
}

// Terragrunt's nested blocks, field by field, with their types. Fields a
// block does not set are null.
var (
	hookFields = map[string]cty.Type{
		"commands": cty.List(cty.String), "execute": cty.List(cty.String), "run_on_error": cty.Bool,
		"suppress_stdout": cty.Bool, "working_dir": cty.String,
	}
	errorHookFields = map[string]cty.Type{
		"commands": cty.List(cty.String), "execute": cty.List(cty.String), "on_errors": cty.List(cty.String),
		"suppress_stdout": cty.Bool, "working_dir": cty.String,
	}
	extraArgumentsFields = map[string]cty.Type{
		"commands": cty.List(cty.String), "arguments": cty.List(cty.String), "env_vars": cty.Map(cty.String),
		"required_var_files": cty.List(cty.String), "optional_var_files": cty.List(cty.String),
	}
	engineFields = map[string]cty.Type{
		"source": cty.String, "version": cty.String, "type": cty.String, "meta": cty.DynamicPseudoType,
	}
)

// blockShape renders a named nested block from its evaluated attributes.
// Values that do not convert keep their own type: the typed fields
// report the error.
func blockShape(name string, fields map[string]cty.Type, vals map[string]cty.Value) cty.Value {
	obj := map[string]cty.Value{}
	if name != "" {
		obj["name"] = cty.StringVal(name)
	}
	for field, t := range fields {
		v, ok := vals[field]
		if !ok {
			obj[field] = cty.NullVal(t)
			continue
		}
		if c, err := convert.Convert(v, t); err == nil {
			v = c
		}
		obj[field] = v
	}
	return cty.ObjectVal(obj)
}

// evalEngine evaluates the engine block, which csocbot only shows: a unit
// whose engine matters is planned by Terragrunt itself.
func (fe *fileEval) evalEngine(blk *hclsyntax.Block, p *partial) error {
	vals := map[string]cty.Value{}
	for name, a := range blk.Body.Attributes {
		if _, ok := engineFields[name]; !ok {
			return errorAt(a.NameRange, "Unsupported argument", "an engine block has no argument %q (it takes source, version, type, meta)", name)
		}
		v, err := fe.eval(a.Expr)
		if err != nil {
			return err
		}
		vals[name] = v
	}
	if _, ok := vals["source"]; !ok {
		return errorAt(blk.DefRange(), "Missing engine source", "an engine block needs source")
	}
	// Terragrunt 0.63.6 shows a set meta as an empty object, whatever it
	// holds, and an unset version or type as "".
	if _, ok := vals["meta"]; ok {
		vals["meta"] = cty.EmptyObjectVal
	}
	for _, field := range []string{"version", "type"} {
		if _, ok := vals[field]; !ok {
			vals[field] = cty.StringVal("")
		}
	}
	p.engine = blockShape("", engineFields, vals)
	return nil
}

// value is the partial configuration as read_terragrunt_config and exposed
// includes show it.
func (p *partial) value() cty.Value {
	obj := map[string]cty.Value{
		"locals":       cty.NullVal(cty.DynamicPseudoType),
		"inputs":       cty.NullVal(cty.DynamicPseudoType),
		"dependencies": cty.NullVal(cty.Object(map[string]cty.Type{"paths": cty.List(cty.String)})),
		"download_dir": cty.StringVal(""),
		"skip":         cty.False,
		"generate":     p.generateShape(),
	}
	for name, t := range settingTypes {
		obj[name] = settingDefault(t)
	}
	maps.Copy(obj, p.settings)
	if len(p.locals) > 0 {
		obj["locals"] = float64Numbers(cty.ObjectVal(p.locals))
	}
	if p.inputs != cty.NilVal {
		obj["inputs"] = float64Numbers(p.inputs)
	}
	if p.depPathsSet {
		obj["dependencies"] = cty.ObjectVal(map[string]cty.Value{"paths": stringsVal(p.depPathsRaw)})
	}
	if p.downloadDir != nil {
		obj["download_dir"] = cty.StringVal(*p.downloadDir)
	}
	if p.skip != nil {
		obj["skip"] = cty.BoolVal(*p.skip)
	}
	// Terragrunt leaves out what a file does not set here.
	if p.preventDestr != nil {
		obj["prevent_destroy"] = cty.BoolVal(*p.preventDestr)
	}
	if p.tfBlock {
		obj["terraform"] = p.terraformShape()
	}
	if p.remoteState != nil {
		obj["remote_state"] = p.remoteState.shape()
	}
	if len(p.deps) > 0 {
		obj["dependency"] = p.dependencyShape()
	}
	if p.engine != cty.NilVal {
		obj["engine"] = p.engine
	}
	return cty.ObjectVal(obj)
}

func (p *partial) generateShape() cty.Value {
	gens := map[string]cty.Value{}
	for _, g := range p.generate {
		gens[g.Name] = cty.ObjectVal(map[string]cty.Value{
			"path": cty.StringVal(g.Path), "if_exists": cty.StringVal(g.IfExists), "contents": cty.StringVal(g.Contents),
			"comment_prefix": cty.StringVal(g.CommentPrefix), "disable_signature": cty.BoolVal(g.DisableSignature),
			"disable": cty.BoolVal(g.Disable), "if_disabled": cty.StringVal(g.IfDisabled),
		})
	}
	return cty.ObjectVal(gens)
}

func (p *partial) terraformShape() cty.Value {
	blocks := map[string]map[string]cty.Value{"extra_arguments": {}, "before_hook": {}, "after_hook": {}, "error_hook": {}}
	for _, ea := range p.extraArgs {
		blocks["extra_arguments"][ea.Name] = ea.shape
	}
	for _, h := range p.hooks {
		blocks[h.Kind][h.Name] = h.shape
	}
	tf := map[string]cty.Value{
		"source":          cty.NullVal(cty.String),
		"include_in_copy": cty.NullVal(cty.List(cty.String)),
	}
	for kind, named := range blocks {
		tf[kind] = cty.ObjectVal(named)
	}
	if p.tfSource != nil {
		tf["source"] = cty.StringVal(*p.tfSource)
	}
	if p.inclInCopy != nil {
		tf["include_in_copy"] = stringsVal(p.inclInCopy)
	}
	return cty.ObjectVal(tf)
}

func (rs *RemoteState) shape() cty.Value {
	cfg := cty.EmptyObjectVal
	if len(rs.Config) > 0 {
		cfg = cty.ObjectVal(rs.Config)
	}
	gen := cty.NullVal(cty.Object(map[string]cty.Type{"path": cty.String, "if_exists": cty.String}))
	if rs.Generate != nil {
		gen = cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal(rs.Generate.Path), "if_exists": cty.StringVal(rs.Generate.IfExists)})
	}
	return cty.ObjectVal(map[string]cty.Value{
		"backend":                         cty.StringVal(rs.Backend),
		"config":                          cfg,
		"generate":                        gen,
		"disable_init":                    cty.BoolVal(rs.DisableInit),
		"disable_dependency_optimization": cty.BoolVal(rs.DisableDependencyOptimization),
	})
}

// dependencyShape renders the dependency blocks as Terragrunt's
// read_terragrunt_config shows them: each block's attributes as written
// (null when not set) and its outputs as resolved for the command.
func (p *partial) dependencyShape() cty.Value {
	out := map[string]cty.Value{}
	for _, d := range p.deps {
		setOr := func(attr string, v, unset cty.Value) cty.Value {
			if d.set[attr] {
				return v
			}
			return unset
		}
		outputs := cty.NullVal(cty.DynamicPseudoType)
		if isMapLike(p.depVar) && p.depVar.Type().IsObjectType() && p.depVar.Type().HasAttribute(d.Name) {
			if dv := p.depVar.GetAttr(d.Name); dv.Type().IsObjectType() && dv.Type().HasAttribute("outputs") {
				outputs = dv.GetAttr("outputs")
			}
		}
		mocks := cty.NullVal(cty.DynamicPseudoType)
		if d.MockOutputs != cty.NilVal {
			mocks = d.MockOutputs
		}
		out[d.Name] = cty.ObjectVal(map[string]cty.Value{
			"name":         cty.StringVal(d.Name),
			"config_path":  cty.StringVal(d.rawConfigPath),
			"enabled":      setOr("enabled", cty.BoolVal(d.Enabled), cty.NullVal(cty.Bool)),
			"skip":         setOr("skip_outputs", cty.BoolVal(d.SkipOutputs), cty.NullVal(cty.Bool)),
			"inputs":       cty.NullVal(cty.DynamicPseudoType),
			"outputs":      outputs,
			"mock_outputs": mocks,
			"mock_outputs_allowed_terraform_commands": setOr("mock_outputs_allowed_terraform_commands", stringsVal(d.MockOutputsAllowedTerraformCommands), cty.NullVal(cty.List(cty.String))),
			"mock_outputs_merge_strategy_with_state":  setOr("mock_outputs_merge_strategy_with_state", cty.StringVal(d.MockOutputsMergeStrategyWithState), cty.NullVal(cty.String)),
			"mock_outputs_merge_with_state":           setOr("mock_outputs_merge_with_state", cty.BoolVal(d.mockMergeWithState), cty.NullVal(cty.Bool)),
		})
	}
	return cty.ObjectVal(out)
}
