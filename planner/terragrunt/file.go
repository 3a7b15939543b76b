package terragrunt

import (
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
	deps     cty.Value // the `dependency` variable

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
	depPaths     []string
	depPathsSet  bool
	remoteState  *RemoteState
	generate     []Generate
	downloadDir  *string
	preventDestr *bool
	skip         *bool
}

var topLevelBlocks = map[string]bool{
	"include": true, "locals": true, "terraform": true, "dependency": true, "dependencies": true,
	"remote_state": true, "generate": true, "feature": true, "exclude": true, "errors": true,
	"engine": true, "catalog": true,
}

var topLevelAttributes = map[string]bool{
	"inputs": true, "download_dir": true, "prevent_destroy": true, "skip": true, "remote_state": true,
	"iam_role": true, "iam_assume_role_duration": true, "iam_assume_role_session_name": true,
	"iam_web_identity_token": true, "terraform_binary": true, "terraform_version_constraint": true,
	"terragrunt_version_constraint": true, "retryable_errors": true, "retry_max_attempts": true,
	"retry_sleep_interval_sec": true, "retry_sleep_interval_sec_max": true,
}

// evalFile evaluates the file p with get_terragrunt_dir() == tgDir. asInclude
// is set when p is included by a unit.
func (st *evalState) evalFile(p, tgDir string, asInclude *Include, why string) (*partial, error) {
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
	fe := &fileEval{st: st, path: p, tgDir: tgDir, asInclude: asInclude}
	fe.hctx = fe.newContext()

	var included []*partial
	for _, blk := range body.Blocks {
		if blk.Type != "include" {
			continue
		}
		if asInclude != nil {
			return nil, errorAt(blk.DefRange(), "Nested include",
				"%s is included by %s and has an include block of its own; Terragrunt allows only one level of include. Use read_terragrunt_config to share values instead.", p, path.Join(tgDir, ConfigFileName))
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
		part, err := st.evalFile(inc.Path, tgDir, &inc, "include")
		if err != nil {
			return nil, err
		}
		fe.includes = append(fe.includes, inc)
		included = append(included, part)
		if inc.Expose {
			if fe.exposed == nil {
				fe.exposed = map[string]cty.Value{}
			}
			fe.exposed[inc.Name] = part.value()
		}
	}
	fe.hctx.Variables["include"] = fe.includeVariable()

	if fe.locals, err = fe.evalLocals(body); err != nil {
		return nil, err
	}
	fe.hctx.Variables["local"] = cty.ObjectVal(fe.locals)

	own := &partial{includes: fe.includes, locals: fe.locals}
	if own.deps, err = fe.evalDependencies(body); err != nil {
		return nil, err
	}
	// Dependencies declared in included files are visible to the unit, with
	// the unit's own blocks winning by name.
	visible := own.deps
	for i := len(included) - 1; i >= 0; i-- {
		if fe.includes[i].MergeStrategy != NoMerge {
			visible = mergeDependencies(included[i].deps, visible, fe.includes[i].MergeStrategy)
		}
	}
	if fe.deps, err = fe.dependencyVariable(visible); err != nil {
		return nil, err
	}
	fe.hctx.Variables["dependency"] = fe.deps

	if err := fe.evalRest(body, own); err != nil {
		return nil, err
	}
	result := own
	for i := len(included) - 1; i >= 0; i-- {
		if s := fe.includes[i].MergeStrategy; s != NoMerge {
			result = mergePartials(included[i], result, s)
		}
	}
	result.includes, result.locals = fe.includes, fe.locals
	return result, nil
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
	done := map[string]cty.Value{}
	pending := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, a := range attrs {
		pending = append(pending, a)
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].Name < pending[j].Name })
	for len(pending) > 0 {
		var next []*hclsyntax.Attribute
		for _, a := range pending {
			if !localsReady(a.Expr, done, attrs) {
				next = append(next, a)
				continue
			}
			fe.hctx.Variables["local"] = cty.ObjectVal(done)
			v, err := fe.eval(a.Expr)
			if err != nil {
				return nil, err
			}
			done[a.Name] = v
		}
		if len(next) == len(pending) {
			names := make([]string, len(next))
			for i, a := range next {
				names[i] = "local." + a.Name
			}
			return nil, errorAt(next[0].SrcRange, "Cycle in locals",
				"these locals refer to each other and none can be evaluated first: %s", strings.Join(names, ", "))
		}
		pending = next
	}
	return done, nil
}

// localsReady reports whether every local that expr refers to is
// evaluated. A reference to a local that does not exist counts as ready so
// that evaluation reports it with its position.
func localsReady(expr hclsyntax.Expression, done map[string]cty.Value, all hclsyntax.Attributes) bool {
	for _, tr := range expr.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, exists := all[attr.Name]; !exists {
			continue
		}
		if _, ok := done[attr.Name]; !ok {
			return false
		}
	}
	return true
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
		d := Dependency{Name: blk.Labels[0], Enabled: true, Range: blk.DefRange()}
		if seen[d.Name] {
			return nil, errorAt(blk.DefRange(), "Duplicate dependency", "a dependency named %q is already defined in this file", d.Name)
		}
		seen[d.Name] = true
		a := blk.Body.Attributes
		cp, ok := a["config_path"]
		if !ok {
			return nil, errorAt(blk.DefRange(), "Missing config_path", "dependency %q needs config_path, the directory of the unit it depends on", d.Name)
		}
		raw, err := fe.stringAttr(cp)
		if err != nil {
			return nil, err
		}
		dir, err := repoRelative(raw, fe.tgDir, fe.st.ev.opts.Root)
		if err != nil {
			return nil, errorAt(cp.Expr.Range(), "Invalid dependency path", "%v", err)
		}
		if !fe.st.fileExists(path.Join(dir, ConfigFileName)) {
			return nil, errorAt(cp.Expr.Range(), "Dependency not found",
				"dependency %q points at %s, which has no %s. Fix config_path or remove the block.", d.Name, dir, ConfigFileName)
		}
		d.ConfigPath = dir
		for name, attr := range a {
			switch name {
			case "config_path":
			case "enabled":
				if d.Enabled, err = fe.boolAttr(attr); err != nil {
					return nil, err
				}
			case "skip_outputs":
				if d.SkipOutputs, err = fe.boolAttr(attr); err != nil {
					return nil, err
				}
			case "mock_outputs":
				if d.MockOutputs, err = fe.eval(attr.Expr); err != nil {
					return nil, err
				}
			case "mock_outputs_allowed_terraform_commands":
				if d.MockOutputsAllowedTerraformCommands, err = fe.stringListAttr(attr); err != nil {
					return nil, err
				}
			case "mock_outputs_merge_with_state":
				merge, err := fe.boolAttr(attr)
				if err != nil {
					return nil, err
				}
				if merge {
					d.MockOutputsMergeStrategyWithState = "shallow"
				}
			case "mock_outputs_merge_strategy_with_state":
				if d.MockOutputsMergeStrategyWithState, err = fe.stringAttr(attr); err != nil {
					return nil, err
				}
			default:
				return nil, errorAt(attr.NameRange, "Unsupported argument", "a dependency block has no argument %q", name)
			}
		}
		deps = append(deps, d)
	}
	return deps, nil
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
		}
		if err != nil {
			return err
		}
	}
	sort.Slice(p.generate, func(i, j int) bool { return p.generate[i].Name < p.generate[j].Name })
	return nil
}

func (fe *fileEval) evalTerraform(blk *hclsyntax.Block, p *partial) error {
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
		switch b.Type {
		case "extra_arguments":
			ea := ExtraArguments{Name: name}
			for an, a := range b.Body.Attributes {
				var err error
				switch an {
				case "commands":
					ea.Commands, err = fe.stringListAttr(a)
				case "arguments":
					ea.Arguments, err = fe.stringListAttr(a)
				case "required_var_files":
					ea.RequiredVarFiles, err = fe.stringListAttr(a)
				case "optional_var_files":
					ea.OptionalVarFiles, err = fe.stringListAttr(a)
				case "env_vars":
					ea.EnvVars, err = fe.stringMapAttr(a)
				}
				if err != nil {
					return err
				}
			}
			p.extraArgs = append(p.extraArgs, ea)
		case "before_hook", "after_hook", "error_hook":
			h := Hook{Kind: b.Type, Name: name}
			for an, a := range b.Body.Attributes {
				var err error
				switch an {
				case "commands":
					h.Commands, err = fe.stringListAttr(a)
				case "execute":
					h.Execute, err = fe.stringListAttr(a)
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
		if !fe.st.fileExists(path.Join(dir, ConfigFileName)) {
			return errorAt(a.Expr.Range(), "Dependency not found",
				"dependencies.paths names %s, which has no %s. Fix the path or remove it.", dir, ConfigFileName)
		}
		p.depPaths = append(p.depPaths, dir)
	}
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

func remoteStateFromValue(v cty.Value, rng hcl.Range) (*RemoteState, error) {
	if !v.IsWhollyKnown() && !v.IsKnown() {
		return &RemoteState{}, nil
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return nil, errorAt(rng, "Invalid remote_state", "remote_state must be an object with backend and config")
	}
	rs := &RemoteState{Config: map[string]cty.Value{}}
	m := v.AsValueMap()
	if b, ok := m["backend"]; ok {
		s, err := ctyString(b)
		if err != nil {
			return nil, errorAt(rng, "Invalid remote_state backend", "%v", err)
		}
		rs.Backend = s
	}
	if c, ok := m["config"]; ok && c.IsKnown() && !c.IsNull() && c.CanIterateElements() {
		for k, cv := range c.AsValueMap() {
			rs.Config[k] = cv
		}
	}
	if g, ok := m["generate"]; ok && g.IsKnown() && !g.IsNull() && g.CanIterateElements() {
		gm := g.AsValueMap()
		t := &GenerateTarget{}
		if v, ok := gm["path"]; ok {
			t.Path, _ = ctyString(v)
		}
		if v, ok := gm["if_exists"]; ok {
			t.IfExists, _ = ctyString(v)
		}
		rs.Generate = t
	}
	if d, ok := m["disable_init"]; ok && d.IsKnown() && d.Type() == cty.Bool && !d.IsNull() {
		rs.DisableInit = d.True()
	}
	return rs, nil
}

func (fe *fileEval) evalGenerate(blk *hclsyntax.Block, p *partial) error {
	if len(blk.Labels) != 1 {
		return errorAt(blk.DefRange(), "Missing generate name", `a generate block needs a name, e.g. generate "provider" { … }`)
	}
	g := Generate{Name: blk.Labels[0], IfExists: "overwrite_terragrunt", CommentPrefix: "# "}
	for name, a := range blk.Body.Attributes {
		var err error
		switch name {
		case "path":
			g.Path, err = fe.stringAttr(a)
		case "if_exists":
			g.IfExists, err = fe.stringAttr(a)
		case "contents":
			g.Contents, err = fe.stringAttr(a)
		case "comment_prefix":
			g.CommentPrefix, err = fe.stringAttr(a)
		case "hcl_fmt":
			_, err = fe.boolAttr(a)
		case "disable_signature":
			g.DisableSignature, err = fe.boolAttr(a)
		case "disable":
			var off bool
			if off, err = fe.boolAttr(a); err == nil && off {
				return nil
			}
		default:
			err = errorAt(a.NameRange, "Unsupported argument", "a generate block has no argument %q", name)
		}
		if err != nil {
			return err
		}
	}
	if g.Path == "" {
		return errorAt(blk.DefRange(), "Missing generate path", "generate %q needs path, the file to write", g.Name)
	}
	p.generate = append(p.generate, g)
	return nil
}
