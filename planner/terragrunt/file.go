package terragrunt

import (
	"errors"
	"maps"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// fileEval evaluates one configuration file: the unit's own, an included
// one, or one read by read_terragrunt_config.
type fileEval struct {
	st   *evalState
	path string // the file, relative to the repository root
	body *hclsyntax.Body
	// tgDir is what get_terragrunt_dir returns: the unit's directory for the
	// unit and its includes, the read file's directory under
	// read_terragrunt_config.
	tgDir string
	// asInclude is set while evaluating an included file.
	asInclude *Include
	// includes are the file's own include blocks (never set for an included
	// file: Terragrunt allows one level of include).
	includes []Include
	exposed  map[string]cty.Value
	locals   map[string]cty.Value
	deps     []Dependency // the file's own dependency blocks
	// features are the `feature` variable's flags: the file's own and, for
	// a file with includes, the included files'.
	features map[string]cty.Value

	hctx *hcl.EvalContext
}

// partial is a file's evaluated configuration before merging into the
// including unit. Pointer and *Set fields tell "not set" from zero values,
// which the merge needs.
type partial struct {
	includes     []Include
	locals       map[string]cty.Value
	inputs       cty.Value // cty.NilVal when not set
	tfSource     *string
	tfSourceRng  hcl.Range
	extraArgs    []ExtraArguments
	hooks        []Hook
	inclInCopy   []string
	deps         []Dependency
	depVar       cty.Value // the file's `dependency` variable, outputs resolved
	depPaths     []string
	depPathsSet  bool
	remoteState  *RemoteState
	generate     []Generate
	downloadDir  *string
	preventDestr *bool
	skip         *bool

	// What only read_terragrunt_config and exposed includes show.
	settings    map[string]cty.Value // the attributes of settingTypes
	tfBlock     bool                 // the file has a terraform block
	depPathsRaw []string             // dependencies.paths as written
	engine      cty.Value            // cty.NilVal without an engine block
}

var topLevelBlocks = map[string]bool{
	"include": true, "locals": true, "terraform": true, "dependency": true, "dependencies": true,
	"remote_state": true, "generate": true, "feature": true, "exclude": true, "errors": true,
	"engine": true, "catalog": true,
}

var topLevelAttributes = map[string]bool{
	"inputs": true, "download_dir": true, "prevent_destroy": true, "skip": true, "remote_state": true,
	"iam_role": true, "iam_assume_role_duration": true, "iam_assume_role_session_name": true,
	"iam_web_identity_token": true, "terraform_binary": true, "generate": true, "terraform_version_constraint": true,
	"terragrunt_version_constraint": true, "retryable_errors": true, "retry_max_attempts": true,
	"retry_sleep_interval_sec": true, "retry_sleep_interval_sec_max": true,
}

// evalFile evaluates the file p, a unit's or one read by
// read_terragrunt_config, with get_terragrunt_dir() == tgDir, and merges
// its includes into it.
//
// The order is Terragrunt's: include blocks, locals, dependency blocks,
// the rest. An included file is evaluated up to its dependency blocks
// first; an exposed one is then evaluated on its own for include.<name>,
// while the one merged into the unit sees the unit's dependency variable,
// which merges the dependency blocks of both files.
func (st *evalState) evalFile(p, tgDir, why string) (*partial, error) {
	fe, err := st.openFile(p, tgDir, nil, why)
	if err != nil {
		return nil, err
	}
	var included []*fileEval
	var includeRanges []hcl.Range
	for _, blk := range fe.body.Blocks {
		if blk.Type != "include" {
			continue
		}
		inc, err := fe.evalInclude(blk)
		if err != nil {
			return nil, err
		}
		for _, prev := range fe.includes {
			if prev.Name == inc.Name {
				return nil, errorAt(blk.DefRange(), "Duplicate include", "an include block named %q is already defined", inc.Name)
			}
		}
		ife, err := st.openFile(inc.Path, tgDir, &inc, "include")
		if err != nil {
			return nil, err
		}
		if err := ife.evalLocalsAndDependencies(); err != nil {
			return nil, err
		}
		fe.includes = append(fe.includes, inc)
		included = append(included, ife)
		includeRanges = append(includeRanges, blk.DefRange())
		if inc.Expose {
			if err := fe.expose(inc.Name, ife); err != nil {
				return nil, err
			}
		}
	}
	fe.hctx.Variables["include"] = fe.includeVariable()
	for _, ife := range included {
		maps.Copy(fe.features, ife.features)
	}
	if err := fe.evalLocalsAndDependencies(); err != nil {
		return nil, err
	}

	// Dependencies declared in included files are visible to the unit, with
	// the unit's own blocks winning by name.
	visible := fe.deps
	for i := len(included) - 1; i >= 0; i-- {
		if s := fe.includes[i].MergeStrategy; s != NoMerge {
			visible = mergeDependencies(included[i].deps, visible, s)
		}
	}
	depVar, err := fe.dependencyVariable(visible)
	if err != nil {
		return nil, err
	}
	result, err := fe.evalBody(depVar)
	if err != nil {
		return nil, err
	}
	for i := len(included) - 1; i >= 0; i-- {
		s := fe.includes[i].MergeStrategy
		if s == NoMerge {
			continue
		}
		part, err := included[i].evalBody(depVar)
		if err != nil {
			return nil, err
		}
		if s == ShallowMerge {
			if err := checkShallowGenerate(part, result, fe.includes[i], includeRanges[i]); err != nil {
				return nil, err
			}
		}
		result = mergePartials(part, result, s)
	}
	result.includes, result.locals, result.depVar = fe.includes, fe.locals, depVar
	return result, nil
}

// openFile parses and checks the file p.
func (st *evalState) openFile(p, tgDir string, asInclude *Include, why string) (*fileEval, error) {
	if err := st.ctx.Err(); err != nil {
		return nil, err
	}
	body, err := st.parse(p, why)
	if err != nil {
		return nil, err
	}
	if err := checkTopLevel(body); err != nil {
		return nil, err
	}
	if asInclude != nil {
		for _, blk := range body.Blocks {
			if blk.Type == "include" {
				return nil, errorAt(blk.DefRange(), "Nested include",
					"%s is included by %s and has an include block of its own; Terragrunt allows only one level of include. Use read_terragrunt_config to share values instead.", p, path.Join(tgDir, ConfigFileName))
			}
		}
	}
	fe := &fileEval{st: st, path: p, body: body, tgDir: tgDir, asInclude: asInclude, features: map[string]cty.Value{}}
	fe.hctx = fe.newContext()
	return fe, nil
}

// evalLocalsAndDependencies evaluates the feature flags, the locals, which
// may refer to them, and the dependency blocks, which may refer to both.
func (fe *fileEval) evalLocalsAndDependencies() error {
	if err := fe.evalFeatures(); err != nil {
		return err
	}
	var err error
	if fe.locals, err = fe.evalLocals(fe.body); err != nil {
		return err
	}
	fe.hctx.Variables["local"] = cty.ObjectVal(fe.locals)
	fe.deps, err = fe.evalDependencies(fe.body)
	return err
}

// evalBody evaluates the rest of the file with the given dependency
// variable.
func (fe *fileEval) evalBody(depVar cty.Value) (*partial, error) {
	fe.hctx.Variables["dependency"] = depVar
	p := &partial{locals: fe.locals, deps: fe.deps, depVar: depVar}
	if err := fe.evalRest(fe.body, p); err != nil {
		return nil, err
	}
	return p, nil
}

// expose makes an included file's configuration, evaluated on its own,
// include.<name> of the including file.
func (fe *fileEval) expose(name string, ife *fileEval) error {
	depVar, err := ife.dependencyVariable(ife.deps)
	if err != nil {
		return err
	}
	part, err := ife.evalBody(depVar)
	if err != nil {
		return err
	}
	if fe.exposed == nil {
		fe.exposed = map[string]cty.Value{}
	}
	// Terragrunt shows an exposed include's dependency blocks without
	// outputs: it has not read them yet at that point.
	part.depVar = cty.EmptyObjectVal
	fe.exposed[name] = part.value()
	return nil
}

func checkTopLevel(body *hclsyntax.Body) error {
	for _, blk := range body.Blocks {
		if !topLevelBlocks[blk.Type] {
			return errorAt(blk.DefRange(), "Unsupported block type",
				"Terragrunt has no %q block. Check the spelling; supported blocks are %s.", blk.Type, keyList(topLevelBlocks))
		}
	}
	for name, attr := range body.Attributes {
		if !topLevelAttributes[name] {
			return errorAt(attr.NameRange, "Unsupported argument",
				"Terragrunt has no top-level argument %q. Check the spelling, or move it into inputs or locals.", name)
		}
	}
	return nil
}

func keyList(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func (fe *fileEval) eval(expr hcl.Expression) (cty.Value, error) {
	v, diags := expr.Value(fe.hctx)
	if diags.HasErrors() {
		return cty.NilVal, diagError(diags)
	}
	return v, nil
}

func (fe *fileEval) evalInclude(blk *hclsyntax.Block) (Include, error) {
	inc := Include{MergeStrategy: ShallowMerge}
	if len(blk.Labels) > 0 {
		inc.Name = blk.Labels[0]
	}
	attrs := blk.Body.Attributes
	pathAttr, ok := attrs["path"]
	if !ok {
		return inc, errorAt(blk.DefRange(), "Missing include path", `an include block needs path, e.g. path = find_in_parent_folders("root.hcl")`)
	}
	for name, a := range attrs {
		switch name {
		case "path":
		case "expose":
			b, err := fe.boolAttr(a)
			if err != nil {
				return inc, err
			}
			inc.Expose = b
		case "merge_strategy":
			s, err := fe.stringAttr(a)
			if err != nil {
				return inc, err
			}
			switch MergeStrategy(s) {
			case NoMerge, ShallowMerge, DeepMerge:
				inc.MergeStrategy = MergeStrategy(s)
			default:
				return inc, errorAt(a.Expr.Range(), "Invalid merge_strategy", "%q is not a merge strategy; use no_merge, shallow or deep", s)
			}
		default:
			return inc, errorAt(a.NameRange, "Unsupported argument", "an include block has no argument %q (it takes path, expose, merge_strategy)", name)
		}
	}
	raw, err := fe.stringAttr(pathAttr)
	if err != nil {
		return inc, err
	}
	p, err := repoRelative(raw, fe.tgDir, fe.st.ev.opts.Root)
	if err != nil {
		return inc, errorAt(pathAttr.Expr.Range(), "Invalid include path", "%v", err)
	}
	if !fe.st.fileExists(p) {
		return inc, errorAt(pathAttr.Expr.Range(), "Include not found", "%s does not exist", p)
	}
	if isJSONFile(p) {
		// Terragrunt 0.63.6 parses an included file both as HCL-JSON and
		// as HCL, and one of the two always fails.
		return inc, errorAt(pathAttr.Expr.Range(), "Cannot include an HCL-JSON file",
			"%s is a .json file, and Terragrunt 0.63.6 fails on every included .json file. Write the included file in HCL, or read it with read_terragrunt_config.", p)
	}
	inc.Path = p
	return inc, nil
}

func (fe *fileEval) includeVariable() cty.Value {
	if len(fe.exposed) == 0 {
		return cty.EmptyObjectVal
	}
	// A bare `include {}` exposes its values directly as include.locals.
	if v, ok := fe.exposed[""]; ok && len(fe.exposed) == 1 {
		return v
	}
	return cty.ObjectVal(fe.exposed)
}

// evalLocals evaluates the locals block, in whatever order the locals
// reference each other.
func (fe *fileEval) evalLocals(body *hclsyntax.Body) (map[string]cty.Value, error) {
	var attrs hclsyntax.Attributes
	for _, blk := range body.Blocks {
		if blk.Type != "locals" {
			continue
		}
		if attrs != nil {
			return nil, errorAt(blk.DefRange(), "Duplicate locals block", "a file may have one locals block")
		}
		attrs = blk.Body.Attributes
		if len(blk.Body.Blocks) > 0 {
			return nil, errorAt(blk.Body.Blocks[0].DefRange(), "Unexpected block", "locals holds only attributes")
		}
	}
	order, stuck := localsOrder(attrs)
	done := make(map[string]cty.Value, len(attrs))
	for _, a := range order {
		if err := fe.st.meter.check(); err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return nil, errorAt(a.SrcRange, "Evaluation limit exceeded", "%v", err)
			}
			return nil, err
		}
		fe.hctx.Variables["local"] = localVariable(a.Expr, done, attrs)
		v, err := fe.eval(a.Expr)
		if err != nil {
			return nil, err
		}
		done[a.Name] = v
	}
	if len(stuck) > 0 {
		names := make([]string, len(stuck))
		for i, a := range stuck {
			names[i] = "local." + a.Name
		}
		return nil, errorAt(stuck[0].SrcRange, "Cycle in locals",
			"these locals refer to each other and none can be evaluated first: %s", strings.Join(names, ", "))
	}
	return done, nil
}

// evalFeatures evaluates the feature blocks. A flag's value is its
// default: csocbot has no --feature option to override it.
func (fe *fileEval) evalFeatures() error {
	for _, blk := range fe.body.Blocks {
		if blk.Type != "feature" {
			continue
		}
		if len(blk.Labels) != 1 {
			return errorAt(blk.DefRange(), "Missing feature name", `a feature block needs a name, e.g. feature "new_vpc" { default = false }`)
		}
		def, ok := blk.Body.Attributes["default"]
		if !ok {
			return errorAt(blk.DefRange(), "Missing feature default", "feature %q needs a default value", blk.Labels[0])
		}
		v, err := fe.eval(def.Expr)
		if err != nil {
			return err
		}
		fe.features[blk.Labels[0]] = cty.ObjectVal(map[string]cty.Value{"value": v})
	}
	fe.hctx.Variables["feature"] = cty.ObjectVal(fe.features)
	return nil
}

func (fe *fileEval) evalDependencies(body *hclsyntax.Body) ([]Dependency, error) {
	var deps []Dependency
	seen := map[string]bool{}
	for _, blk := range body.Blocks {
		if blk.Type != "dependency" {
			continue
		}
		if len(blk.Labels) != 1 {
			return nil, errorAt(blk.DefRange(), "Missing dependency name", `a dependency block needs one name, e.g. dependency "vpc" { config_path = "../vpc" }`)
		}
		d, err := fe.evalDependency(blk)
		if err != nil {
			return nil, err
		}
		if seen[d.Name] {
			return nil, errorAt(blk.DefRange(), "Duplicate dependency", "a dependency named %q is already defined in this file", d.Name)
		}
		seen[d.Name] = true
		deps = append(deps, d)
	}
	return deps, nil
}

func (fe *fileEval) evalDependency(blk *hclsyntax.Block) (Dependency, error) {
	d := Dependency{Name: blk.Labels[0], Enabled: true, Range: blk.DefRange(), set: map[string]bool{}}
	attrs := blk.Body.Attributes
	if fe, ok := attrs["for_each"]; ok {
		// Checked first: the other attributes would fail on each.key.
		return d, errorAt(fe.NameRange, "Unsupported argument",
			"dependency %q has for_each, which Terragrunt 0.63.6 does not support (it fails with \"An argument named \"for_each\" is not expected here\"). Write one dependency block per unit instead.", d.Name)
	}
	cp, ok := attrs["config_path"]
	if !ok {
		return d, errorAt(blk.DefRange(), "Missing config_path", "dependency %q needs config_path, the directory of the unit it depends on", d.Name)
	}
	var err error
	for name, a := range attrs {
		d.set[name] = true
		switch name {
		case "config_path":
		case "enabled":
			d.Enabled, err = fe.boolAttr(a)
		case "skip_outputs":
			d.SkipOutputs, err = fe.boolAttr(a)
		case "mock_outputs":
			d.MockOutputs, err = fe.eval(a.Expr)
		case "mock_outputs_allowed_terraform_commands":
			d.MockOutputsAllowedTerraformCommands, err = fe.stringListAttr(a)
		case "mock_outputs_merge_with_state":
			if d.mockMergeWithState, err = fe.boolAttr(a); d.mockMergeWithState && d.MockOutputsMergeStrategyWithState == "" {
				d.MockOutputsMergeStrategyWithState = "shallow"
			}
		case "mock_outputs_merge_strategy_with_state":
			d.MockOutputsMergeStrategyWithState, err = fe.mockMergeStrategy(a)
		default:
			err = errorAt(a.NameRange, "Unsupported argument", "a dependency block has no argument %q", name)
		}
		if err != nil {
			return d, err
		}
	}
	raw, err := fe.stringAttr(cp)
	if err != nil {
		return d, err
	}
	d.rawConfigPath = raw
	if d.ConfigPath, err = repoRelative(raw, fe.tgDir, fe.st.ev.opts.Root); err != nil {
		return d, errorAt(cp.Expr.Range(), "Invalid dependency path", "%v", err)
	}
	// Terragrunt never looks at a disabled dependency, so a feature flag
	// may point one at a unit that does not exist (yet).
	if !d.Enabled {
		return d, nil
	}
	if _, found := fe.st.configFileIn(d.ConfigPath); !found {
		return d, errorAt(cp.Expr.Range(), "Dependency not found",
			"dependency %q points at %s, which has no %s (or %s). Fix config_path or remove the block.", d.Name, d.ConfigPath, ConfigFileName, JSONConfigFileName)
	}
	return d, nil
}

func (fe *fileEval) mockMergeStrategy(a *hclsyntax.Attribute) (string, error) {
	s, err := fe.stringAttr(a)
	if err != nil {
		return "", err
	}
	switch s {
	case "no_merge", "shallow", "deep_map_only":
		return s, nil
	}
	return "", errorAt(a.Expr.Range(), "Invalid mock_outputs_merge_strategy_with_state", "%q is not a merge strategy; use no_merge, shallow or deep_map_only", s)
}

// evalRest evaluates everything but include, locals and dependency blocks.
func (fe *fileEval) evalRest(body *hclsyntax.Body, p *partial) error {
	var err error
	for name, a := range body.Attributes {
		switch name {
		case "inputs":
			v, err := fe.eval(a.Expr)
			if err != nil {
				return err
			}
			if v.IsKnown() && !v.IsNull() && !(v.Type().IsObjectType() || v.Type().IsMapType()) {
				return errorAt(a.Expr.Range(), "Invalid inputs", "inputs must be a map of variable names to values, not %s", v.Type().FriendlyName())
			}
			p.inputs = v
		case "download_dir":
			s, err := fe.stringAttr(a)
			if err != nil {
				return err
			}
			p.downloadDir = &s
		case "prevent_destroy":
			b, err := fe.boolAttr(a)
			if err != nil {
				return err
			}
			p.preventDestr = &b
		case "skip":
			b, err := fe.boolAttr(a)
			if err != nil {
				return err
			}
			p.skip = &b
		case "remote_state":
			v, err := fe.eval(a.Expr)
			if err != nil {
				return err
			}
			if p.remoteState, err = remoteStateFromValue(v, a.Expr.Range()); err != nil {
				return err
			}
			// Terragrunt 0.63.6 decodes the attribute form by field name,
			// which never matches disable_init or
			// disable_dependency_optimization: both are ignored there.
			p.remoteState.DisableInit, p.remoteState.DisableDependencyOptimization = false, false
		case "generate":
			if err := fe.evalGenerateAttribute(a, p); err != nil {
				return err
			}
		default:
			if _, ok := settingTypes[name]; ok {
				if err := fe.evalSetting(a, p); err != nil {
					return err
				}
			}
		}
	}
	for _, blk := range body.Blocks {
		switch blk.Type {
		case "terraform":
			err = fe.evalTerraform(blk, p)
		case "dependencies":
			err = fe.evalDependenciesBlock(blk, p)
		case "remote_state":
			err = fe.evalRemoteState(blk, p)
		case "generate":
			err = fe.evalGenerate(blk, p)
		case "engine":
			err = fe.evalEngine(blk, p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (fe *fileEval) evalTerraform(blk *hclsyntax.Block, p *partial) error {
	p.tfBlock = true
	for name, a := range blk.Body.Attributes {
		switch name {
		case "source":
			s, err := fe.stringAttr(a)
			if err != nil {
				return err
			}
			p.tfSource, p.tfSourceRng = &s, a.Expr.Range()
		case "include_in_copy", "exclude_from_copy":
			l, err := fe.stringListAttr(a)
			if err != nil {
				return err
			}
			if name == "include_in_copy" {
				p.inclInCopy = l
			}
		}
	}
	for _, b := range blk.Body.Blocks {
		name := ""
		if len(b.Labels) > 0 {
			name = b.Labels[0]
		}
		// Each attribute is evaluated once: a hook's may call run_cmd.
		vals := map[string]cty.Value{}
		for an, a := range b.Body.Attributes {
			v, err := fe.eval(a.Expr)
			if err != nil {
				return err
			}
			vals[an] = v
		}
		switch b.Type {
		case "extra_arguments":
			ea := ExtraArguments{Name: name, shape: blockShape(name, extraArgumentsFields, vals)}
			for an, a := range b.Body.Attributes {
				var err error
				switch an {
				case "commands":
					ea.Commands, err = detailStringListOf(a, vals[an])
				case "arguments":
					ea.Arguments, err = detailStringListOf(a, vals[an])
				case "required_var_files":
					ea.RequiredVarFiles, err = detailStringListOf(a, vals[an])
				case "optional_var_files":
					ea.OptionalVarFiles, err = detailStringListOf(a, vals[an])
				case "env_vars":
					ea.EnvVars, err = detailStringMapOf(a, vals[an])
				}
				if err != nil {
					return err
				}
			}
			p.extraArgs = append(p.extraArgs, ea)
		case "before_hook", "after_hook", "error_hook":
			fields := hookFields
			if b.Type == "error_hook" {
				fields = errorHookFields
			}
			h := Hook{Kind: b.Type, Name: name, shape: blockShape(name, fields, vals)}
			for an, a := range b.Body.Attributes {
				var err error
				switch an {
				case "commands":
					h.Commands, err = detailStringListOf(a, vals[an])
				case "execute":
					h.Execute, err = detailStringListOf(a, vals[an])
				}
				if err != nil {
					return err
				}
			}
			p.hooks = append(p.hooks, h)
		}
	}
	return nil
}

func (fe *fileEval) evalDependenciesBlock(blk *hclsyntax.Block, p *partial) error {
	a, ok := blk.Body.Attributes["paths"]
	if !ok {
		return errorAt(blk.DefRange(), "Missing paths", `a dependencies block needs paths, e.g. paths = ["../vpc"]`)
	}
	raw, err := fe.stringListAttr(a)
	if err != nil {
		return err
	}
	for _, r := range raw {
		dir, err := repoRelative(r, fe.tgDir, fe.st.ev.opts.Root)
		if err != nil {
			return errorAt(a.Expr.Range(), "Invalid dependency path", "%v", err)
		}
		if _, found := fe.st.configFileIn(dir); !found {
			return errorAt(a.Expr.Range(), "Dependency not found",
				"dependencies.paths names %s, which has no %s (or %s). Fix the path or remove it.", dir, ConfigFileName, JSONConfigFileName)
		}
		p.depPaths = append(p.depPaths, dir)
	}
	p.depPathsRaw = raw
	p.depPathsSet = true
	return nil
}

func (fe *fileEval) evalRemoteState(blk *hclsyntax.Block, p *partial) error {
	attrs := map[string]cty.Value{}
	for name, a := range blk.Body.Attributes {
		v, err := fe.eval(a.Expr)
		if err != nil {
			return err
		}
		attrs[name] = v
	}
	rs, err := remoteStateFromValue(cty.ObjectVal(attrs), blk.DefRange())
	if err != nil {
		return err
	}
	p.remoteState = rs
	return nil
}

// remoteStateFromValue reads a remote_state block or attribute. Parts not
// known yet (a bucket named after a dependency output during detection)
// stay empty: the state location is not needed to find a unit's files.
func remoteStateFromValue(v cty.Value, rng hcl.Range) (*RemoteState, error) {
	rs := &RemoteState{Config: map[string]cty.Value{}}
	if !v.IsKnown() {
		return rs, nil
	}
	if !isMapLike(v) {
		return nil, errorAt(rng, "Invalid remote_state", "remote_state must be an object with backend and config")
	}
	m := v.AsValueMap()
	if b, ok := m["backend"]; ok && b.IsKnown() {
		s, err := ctyString(b)
		if err != nil {
			return nil, errorAt(rng, "Invalid remote_state backend", "backend %v", err)
		}
		rs.Backend = s
	}
	if c := m["config"]; c != cty.NilVal && isMapLike(c) {
		maps.Copy(rs.Config, c.AsValueMap())
	}
	if g := m["generate"]; g != cty.NilVal && isMapLike(g) {
		gm := g.AsValueMap()
		rs.Generate = &GenerateTarget{Path: knownString(gm["path"]), IfExists: knownString(gm["if_exists"])}
	}
	if d, ok := m["disable_init"]; ok && d.IsKnown() && d.Type() == cty.Bool && !d.IsNull() {
		rs.DisableInit = d.True()
	}
	if d, ok := m["disable_dependency_optimization"]; ok && d.IsKnown() && d.Type() == cty.Bool && !d.IsNull() {
		rs.DisableDependencyOptimization = d.True()
	}
	return rs, nil
}

// knownString is v as a string, or "" when v is absent, unknown, null or
// not a string.
func knownString(v cty.Value) string {
	if v == cty.NilVal || !v.IsKnown() {
		return ""
	}
	s, _ := ctyString(v)
	return s
}
