package terragrunt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/csocbot/csocbot/planner/hcllimit"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// newContext builds the evaluation context of one file: the shared
// Terraform functions plus the Terragrunt functions, which depend on the
// file and the unit, each metered (see meteredFunction), and the meter
// function of instrument.
func (fe *fileEval) newContext() *hcl.EvalContext {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: map[string]function.Function{}}
	fe.addFunctions(ctx.Functions, calledFunctions(fe.body), fe.st.ev.funcs)
	return ctx
}

// addFunctions adds to funcs the metered functions of names, Terragrunt
// and file functions first, then from shared, and the meter function.
func (fe *fileEval) addFunctions(funcs map[string]function.Function, names []string, shared map[string]function.Function) {
	m := fe.st.meter
	for _, name := range names {
		f, ok := fe.function(name)
		if !ok {
			f, ok = shared[name]
		}
		switch {
		case !ok:
		case unmeteredFunctions[name]:
			funcs[name] = f
		default:
			funcs[name] = meteredFunction(name, f, m)
		}
	}
	funcs[meterFunctionName] = meterFunction(m)
}

func noArgs(impl func() (cty.Value, error), ret cty.Type) function.Function {
	return function.New(&function.Spec{
		Type: function.StaticReturnType(ret),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) { return impl() },
	})
}

func optionalStrings(names []string, impl func(args []string) (cty.Value, error), ret cty.Type) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: strings.Join(names, ", "), Type: cty.String},
		Type:     function.StaticReturnType(ret),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > len(names) {
				return cty.NilVal, fmt.Errorf("takes at most %d arguments (%s), got %d", len(names), strings.Join(names, ", "), len(args))
			}
			ss := make([]string, len(args))
			for i, a := range args {
				ss[i] = a.AsString()
			}
			return impl(ss)
		},
	})
}

var (
	commandsThatNeedVars = []string{"apply", "console", "destroy", "import", "plan", "push", "refresh"}
	commandsNeedInput    = []string{"apply", "import", "init", "plan", "refresh"}
	commandsNeedLocking  = []string{"apply", "destroy", "import", "plan", "refresh", "taint", "untaint"}
	commandsNeedParallel = []string{"apply", "plan", "destroy"}
)

// function builds the Terragrunt or file function name for this file, or
// reports that there is none. Functions are built only for the names a
// file calls: building all of them for every file was a fifth of the
// time of detecting changes in a large repository.
func (fe *fileEval) function(name string) (function.Function, bool) {
	st, ev := fe.st, fe.st.ev
	absDir := func(rel string) cty.Value { return cty.StringVal(ev.abs(rel)) }
	switch name {
	case "find_in_parent_folders":
		return optionalStrings([]string{"name", "fallback"}, fe.findInParentFolders, cty.String), true
	case "path_relative_to_include":
		return optionalStrings([]string{"include_name"}, func(a []string) (cty.Value, error) {
			dir, err := fe.includeDir(a)
			return cty.StringVal(relPath(dir, fe.tgDir)), err
		}, cty.String), true
	case "path_relative_from_include":
		return optionalStrings([]string{"include_name"}, func(a []string) (cty.Value, error) {
			dir, err := fe.includeDir(a)
			return cty.StringVal(relPath(fe.tgDir, dir)), err
		}, cty.String), true
	case "get_terragrunt_dir":
		return noArgs(func() (cty.Value, error) { return absDir(fe.tgDir), nil }, cty.String), true
	case "get_parent_terragrunt_dir":
		return optionalStrings([]string{"include_name"}, func(a []string) (cty.Value, error) {
			dir, err := fe.includeDir(a)
			return absDir(dir), err
		}, cty.String), true
	case "get_original_terragrunt_dir":
		return noArgs(func() (cty.Value, error) {
			st.usedOriginalDir = true
			return absDir(st.origDir), nil
		}, cty.String), true
	case "get_repo_root":
		return noArgs(func() (cty.Value, error) { return absDir("."), nil }, cty.String), true
	case "get_path_from_repo_root":
		return noArgs(func() (cty.Value, error) {
			return cty.StringVal(fe.tgDir), nil
		}, cty.String), true
	case "get_path_to_repo_root":
		return noArgs(func() (cty.Value, error) {
			return cty.StringVal(relPath(fe.tgDir, ".")), nil
		}, cty.String), true
	case "read_terragrunt_config":
		return function.New(&function.Spec{
			Params:   []function.Parameter{{Name: "config_path", Type: cty.String}},
			VarParam: &function.Parameter{Name: "default_val", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true},
			Type:     function.StaticReturnType(cty.DynamicPseudoType),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if len(args) > 2 {
					return cty.NilVal, fmt.Errorf("takes a path and an optional default value")
				}
				return fe.readTerragruntConfig(args[0].AsString(), args[1:])
			},
		}), true
	case "get_env":
		return optionalStrings([]string{"name", "default"}, fe.getEnv, cty.String), true
	case "get_platform":
		return noArgs(func() (cty.Value, error) { return cty.StringVal(runtime.GOOS), nil }, cty.String), true
	case "get_terraform_commands_that_need_vars":
		return noArgs(func() (cty.Value, error) {
			return stringsVal(commandsThatNeedVars), nil
		}, cty.List(cty.String)), true
	case "get_terraform_commands_that_need_input":
		return noArgs(func() (cty.Value, error) {
			return stringsVal(commandsNeedInput), nil
		}, cty.List(cty.String)), true
	case "get_terraform_commands_that_need_locking":
		return noArgs(func() (cty.Value, error) {
			return stringsVal(commandsNeedLocking), nil
		}, cty.List(cty.String)), true
	case "get_terraform_commands_that_need_parallelism":
		return noArgs(func() (cty.Value, error) {
			return stringsVal(commandsNeedParallel), nil
		}, cty.List(cty.String)), true
	case "get_terraform_command":
		return noArgs(func() (cty.Value, error) {
			return cty.StringVal(ev.opts.Command), nil
		}, cty.String), true
	case "get_terraform_cli_args":
		return noArgs(func() (cty.Value, error) {
			return cty.ListValEmpty(cty.String), nil
		}, cty.List(cty.String)), true
	case "get_terragrunt_source_cli_flag":
		return noArgs(func() (cty.Value, error) {
			return cty.StringVal(""), nil
		}, cty.String), true
	case "get_aws_account_alias":
		return fe.awsFunction("get_aws_account_alias"), true
	case "get_aws_account_id":
		return fe.awsFunction("get_aws_account_id"), true
	case "get_aws_caller_identity_arn":
		return fe.awsFunction("get_aws_caller_identity_arn"), true
	case "get_aws_caller_identity_user_id":
		return fe.awsFunction("get_aws_caller_identity_user_id"), true
	case "run_cmd":
		return function.New(&function.Spec{
			// Unknown arguments reach Impl so that a disabled run_cmd is
			// refused during detection too, not only once values are known.
			VarParam: &function.Parameter{Name: "args", Type: cty.String, AllowUnknown: true, AllowDynamicType: true},
			Type:     function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if !fe.st.ev.opts.AllowRunCmd {
					return cty.NilVal, errRunCmdDisabled
				}
				fe.st.rec.calledRunCmd()
				ss, known := knownStrings(args)
				// Detection never runs the program: it runs only when the
				// unit is evaluated for a command, after the pre-plan
				// policies have seen that the unit calls run_cmd.
				if !known || fe.st.ev.opts.Command == "" {
					return cty.UnknownVal(cty.String), nil
				}
				return fe.runCmd(ss)
			},
		}), true
	case "sops_decrypt_file":
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "path", Type: cty.String, AllowUnknown: true, AllowDynamicType: true}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if !fe.st.ev.opts.AllowSopsDecrypt {
					return cty.NilVal, errSopsDisabled
				}
				if !args[0].IsKnown() {
					return cty.UnknownVal(cty.String), nil
				}
				return fe.sopsDecrypt(args[0].AsString())
			},
		}), true
	case "mark_as_read":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			if len(a) != 1 {
				return cty.NilVal, fmt.Errorf("takes one path")
			}
			p, err := fe.resolve(a[0])
			if err != nil {
				return cty.NilVal, err
			}
			st.rec.read(p, "mark_as_read")
			return cty.StringVal(a[0]), nil
		}, cty.String), true
	case "file":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			b, err := fe.readOne(a, "file")
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(b)), nil
		}, cty.String), true
	case "filebase64":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			b, err := fe.readOne(a, "filebase64")
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
		}, cty.String), true
	case "fileexists":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			if len(a) != 1 {
				return cty.NilVal, fmt.Errorf("takes one path")
			}
			p, err := fe.resolveFile(a[0])
			if err != nil {
				return cty.NilVal, err
			}
			return cty.BoolVal(st.fileExists(p)), nil
		}, cty.Bool), true
	case "templatefile":
		return function.New(&function.Spec{
			// vars may be unknown (dependency outputs during detection): the
			// template is still read, so that it is recorded.
			Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return fe.templateFile(args[0].AsString(), args[1])
			},
		}), true
	case "abspath":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			if len(a) != 1 {
				return cty.NilVal, fmt.Errorf("takes one path")
			}
			if strings.HasPrefix(a[0], "/") {
				return cty.StringVal(path.Clean(a[0])), nil
			}
			return cty.StringVal(path.Join(ev.abs(fe.tgDir), a[0])), nil
		}, cty.String), true
	case "dirname":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			if len(a) != 1 {
				return cty.NilVal, fmt.Errorf("takes one path")
			}
			return cty.StringVal(path.Dir(a[0])), nil
		}, cty.String), true
	case "basename":
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			if len(a) != 1 {
				return cty.NilVal, fmt.Errorf("takes one path")
			}
			return cty.StringVal(path.Base(a[0])), nil
		}, cty.String), true
	case "fileset", "pathexpand", "filemd5", "filesha1", "filesha256", "filesha512", "filebase64sha256", "filebase64sha512",
		"read_tfvars_file", "mark_glob_as_read", "get_working_dir", "get_default_retryable_errors":
		return fe.moreFunction(name)
	}
	return function.Function{}, false
}

// includeDir is the repository-relative directory of the include that
// path_relative_to_include, path_relative_from_include and
// get_parent_terragrunt_dir refer to: in an included file the file itself;
// in a file with one include block that one; with several, the one named
// by the argument. Without includes it is the Terragrunt directory.
func (fe *fileEval) includeDir(name []string) (string, error) {
	switch {
	case fe.asInclude != nil:
		return path.Dir(fe.asInclude.Path), nil
	case len(fe.includes) == 0:
		return fe.tgDir, nil
	case len(fe.includes) == 1:
		return path.Dir(fe.includes[0].Path), nil
	}
	names := make([]string, len(fe.includes))
	for i, inc := range fe.includes {
		names[i] = strconv.Quote(inc.Name)
	}
	if len(name) == 0 {
		return "", fmt.Errorf("%s has %d include blocks (%s); pass the name of the one you mean", fe.path, len(fe.includes), strings.Join(names, ", "))
	}
	for _, inc := range fe.includes {
		if inc.Name == name[0] {
			return path.Dir(inc.Path), nil
		}
	}
	return "", fmt.Errorf("%s has no include block named %q (it has %s)", fe.path, name[0], strings.Join(names, ", "))
}

// resolve turns a path argument of a Terragrunt function (absolute, or
// relative to the Terragrunt directory) into a repository-relative path.
func (fe *fileEval) resolve(p string) (string, error) {
	return repoRelative(p, fe.tgDir, fe.st.ev.opts.Root)
}

// resolveFile is resolve for Terraform's file functions (file, fileexists,
// filebase64, templatefile). Terragrunt gives them the directory of the
// file being evaluated as their base, so in an included file a relative
// path is relative to that file, not to the unit.
func (fe *fileEval) resolveFile(p string) (string, error) {
	return repoRelative(p, path.Dir(fe.path), fe.st.ev.opts.Root)
}

func (fe *fileEval) findInParentFolders(a []string) (cty.Value, error) {
	// Without a name Terragrunt looks in each folder for either
	// configuration file, the JSON one first.
	names := []string{JSONConfigFileName, ConfigFileName}
	if len(a) > 0 && a[0] != "" {
		names = a[:1]
	}
	name := names[len(names)-1]
	dir := fe.tgDir
search:
	for dir != "." {
		dir = path.Dir(dir)
		for _, n := range names {
			candidate := cleanRel(path.Join(dir, n))
			if escapes(candidate) {
				break search
			}
			// Like Terragrunt, a directory of that name counts too.
			if fe.st.pathExists(candidate) {
				return cty.StringVal(fe.st.ev.abs(candidate)), nil
			}
		}
	}
	if len(a) > 1 {
		return cty.StringVal(a[1]), nil
	}
	return cty.NilVal, fmt.Errorf("no %s in any folder above %s in the repository; create it or pass a fallback as the second argument", name, fe.tgDir)
}

func (fe *fileEval) getEnv(a []string) (cty.Value, error) {
	if len(a) == 0 {
		return cty.NilVal, fmt.Errorf("takes the name of an environment variable and an optional default")
	}
	opts := fe.st.ev.opts
	v, ok := opts.Env[a[0]]
	fe.st.rec.lookupEnv(a[0], v, ok)
	switch {
	case ok:
		return cty.StringVal(v), nil
	case len(a) > 1:
		return cty.StringVal(a[1]), nil
	case opts.UnknownEnv:
		return cty.UnknownVal(cty.String), nil
	}
	return cty.NilVal, fmt.Errorf("environment variable %s is not set and has no default; set it under terragrunt.env in the server config, or give get_env a default", a[0])
}

func (fe *fileEval) awsFunction(name string) function.Function {
	return noArgs(func() (cty.Value, error) {
		if fe.st.ev.opts.Command == "" {
			return cty.UnknownVal(cty.String), nil
		}
		return cty.NilVal, fmt.Errorf("%s would call AWS while csocbot evaluates configuration, which it does not do; pass the value as an input or through get_env", name)
	}, cty.String)
}

func (fe *fileEval) readOne(a []string, why string) ([]byte, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("takes one path")
	}
	p, err := fe.resolveFile(a[0])
	if err != nil {
		return nil, err
	}
	return fe.st.readFile(p, why)
}

func (fe *fileEval) templateFile(p string, vars cty.Value) (cty.Value, error) {
	rel, err := fe.resolveFile(p)
	if err != nil {
		return cty.NilVal, err
	}
	src, err := fe.st.readFile(rel, "templatefile")
	if err != nil {
		return cty.NilVal, err
	}
	if diags := hcllimit.CheckTemplate(src, rel, hcl.InitialPos); diags.HasErrors() {
		return cty.NilVal, nestedError(diagError(diags))
	}
	tmpl, diags := hclsyntax.ParseTemplate(src, rel, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, nestedError(diagError(diags))
	}
	instrument(tmpl)
	if !vars.IsWhollyKnown() {
		return cty.UnknownVal(cty.String), nil
	}
	if !vars.IsNull() && !isMapLike(vars) {
		return cty.NilVal, fmt.Errorf("vars must be an object or map")
	}
	varMap := map[string]cty.Value{}
	if !vars.IsNull() {
		maps.Copy(varMap, vars.AsValueMap())
	}
	for _, tr := range tmpl.Variables() {
		if _, ok := varMap[tr.RootName()]; !ok {
			r := tr.SourceRange()
			return cty.NilVal, fmt.Errorf("vars map does not contain key %q, referenced at %s:%d:%d", tr.RootName(), r.Filename, r.Start.Line, r.Start.Column)
		}
	}
	v, diags := tmpl.Value(&hcl.EvalContext{Functions: fe.templateFunctions(tmpl), Variables: varMap})
	if diags.HasErrors() {
		return cty.NilVal, nestedError(diagError(diags))
	}
	return v, nil
}

// templateFunctions are the functions a template may call: Terraform's,
// including its file functions, but not templatefile itself (a template
// rendering itself would never end) nor Terragrunt's. Those tmpl calls
// are metered.
func (fe *fileEval) templateFunctions(tmpl hclsyntax.Node) map[string]function.Function {
	funcs := maps.Clone(fe.st.ev.funcs)
	for _, name := range append([]string{"file", "filebase64", "fileexists", "abspath", "dirname", "basename"}, fileSystemFunctions...) {
		funcs[name], _ = fe.function(name)
	}
	for _, name := range calledFunctions(tmpl) {
		if f, ok := funcs[name]; ok && !unmeteredFunctions[name] {
			funcs[name] = meteredFunction(name, f, fe.st.meter)
		}
	}
	funcs[meterFunctionName] = meterFunction(fe.st.meter)
	return funcs
}

func (fe *fileEval) readTerragruntConfig(p string, def []cty.Value) (cty.Value, error) {
	st := fe.st
	rel, err := fe.resolve(p)
	if err != nil {
		return cty.NilVal, err
	}
	// Like Terragrunt, a directory means its configuration file.
	if !st.fileExists(rel) {
		if file, found := st.configFileIn(rel); found {
			rel = file
		}
	}
	if !st.fileExists(rel) {
		if len(def) > 0 {
			return def[0], nil
		}
		return cty.NilVal, fmt.Errorf("%s does not exist; create it or pass a default value as the second argument", rel)
	}
	if slices.Contains(st.reading, rel) {
		return cty.NilVal, fmt.Errorf("read_terragrunt_config cycle: %s -> %s", strings.Join(st.reading, " -> "), rel)
	}
	if len(st.reading) >= maxReadDepth {
		return cty.NilVal, fmt.Errorf("read_terragrunt_config nested more than %d deep at %s", maxReadDepth, rel)
	}
	return st.ev.readConfig(st, rel)
}

// readEntry is a memoised read_terragrunt_config result, shared by every
// unit of an evaluator: account.hcl is evaluated once, not once per unit.
type readEntry struct {
	val cty.Value
	rec *recorder
}

// readConfig evaluates the file rel for read_terragrunt_config. Only
// successful results that do not depend on the reading unit are memoised.
// Nothing is held while evaluating: two units reading files that read each
// other in opposite orders must not wait on each other.
func (e *Evaluator) readConfig(st *evalState, rel string) (cty.Value, error) {
	if v, ok := e.reads.Load(rel); ok {
		ent := v.(*readEntry)
		st.rec.merge(ent.rec)
		return ent.val, nil
	}
	sub := &evalState{ev: e, ctx: st.ctx, rec: &recorder{}, meter: st.meter, origDir: st.origDir, reading: append(slices.Clone(st.reading), rel)}
	part, err := sub.evalFile(rel, path.Dir(rel), "read_terragrunt_config")
	st.rec.merge(sub.rec)
	if err != nil {
		return cty.NilVal, nestedError(err)
	}
	val := part.value()
	if sub.usedOriginalDir {
		st.usedOriginalDir = true
		return val, nil
	}
	e.reads.Store(rel, &readEntry{val: val, rec: sub.rec})
	return val, nil
}

func (fe *fileEval) runCmd(args []string) (cty.Value, error) {
	opts := fe.st.ev.opts
	for len(args) > 0 && strings.HasPrefix(args[0], "--terragrunt-") {
		args = args[1:]
	}
	if len(args) == 0 {
		return cty.NilVal, fmt.Errorf("needs a command to run")
	}
	ctx, cancel := fe.st.meter.commandContext()
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = fe.st.ev.abs(fe.tgDir)
	cmd.Env = commandEnv(opts.Env)
	if opts.Sandbox != nil {
		if err := confine(cmd, opts.Sandbox, fe.st.ev.abs(".")); err != nil {
			return cty.NilVal, fmt.Errorf("run_cmd %s: %w", args[0], err)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if limit := fe.st.meter.check(); limit != nil {
			return cty.NilVal, limit
		}
		return cty.NilVal, fmt.Errorf("run_cmd %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return cty.StringVal(strings.TrimSuffix(string(out), "\n")), nil
}

func (fe *fileEval) sopsDecrypt(p string) (cty.Value, error) {
	opts := fe.st.ev.opts
	rel, err := fe.resolve(p)
	if err != nil {
		return cty.NilVal, err
	}
	fe.st.rec.read(rel, "sops_decrypt_file")
	ctx, cancel := fe.st.meter.commandContext()
	defer cancel()
	cmd := exec.CommandContext(ctx, "sops", "--decrypt", fe.st.ev.abs(rel))
	cmd.Env = commandEnv(opts.Env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if limit := fe.st.meter.check(); limit != nil {
			return cty.NilVal, limit
		}
		return cty.NilVal, fmt.Errorf("sops --decrypt %s: %w: %s", rel, err, strings.TrimSpace(stderr.String()))
	}
	return cty.StringVal(string(out)), nil
}

var (
	errRunCmdDisabled = errors.New("run_cmd is disabled: it runs a program from the repository while csocbot reads configuration, and a pull request controls that program. An operator can enable it with terragrunt.allow_run_cmd: true in the server config")
	errSopsDisabled   = errors.New("sops_decrypt_file is disabled: it runs sops with the server's keys on a file the pull request controls. An operator can enable it with terragrunt.allow_sops_decrypt: true in the server config")
)

// nestedError is an error of a file a function read, returned by the
// function: HCL ends a function's error with a period, which the nested
// diagnostic already has.
func nestedError(err error) error {
	return errors.New(strings.TrimSuffix(err.Error(), "."))
}

// knownStrings converts string arguments; known is false when one is not
// known yet.
func knownStrings(args []cty.Value) (ss []string, known bool) {
	ss = make([]string, len(args))
	for i, a := range args {
		if !a.IsKnown() {
			return nil, false
		}
		ss[i] = a.AsString()
	}
	return ss, true
}

// commandEnv is the environment of programs run for run_cmd and sops: the
// configured variables only, never the server's own.
func commandEnv(env map[string]string) []string {
	out := make([]string, 0, len(env)+1)
	if _, ok := env["PATH"]; !ok {
		out = append(out, "PATH=/usr/local/bin:/usr/bin:/bin")
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// relPath is the relative slash path from the repository-relative
// directory from to to.
func relPath(from, to string) string {
	split := func(p string) []string {
		if p == "." || p == "" {
			return nil
		}
		return strings.Split(p, "/")
	}
	f, t := split(from), split(to)
	i := 0
	for i < len(f) && i < len(t) && f[i] == t[i] {
		i++
	}
	parts := make([]string, 0, len(f)-i+len(t)-i)
	for range f[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

// calledFunctions lists the names of the functions a body or an
// expression calls.
func calledFunctions(body hclsyntax.Node) []string {
	var names []string
	seen := map[string]bool{}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && !seen[call.Name] {
			seen[call.Name] = true
			names = append(names, call.Name)
		}
		return nil
	})
	return names
}

// confine makes cmd start its program through sandbox, able to read the
// repository at root and write nothing.
func confine(cmd *exec.Cmd, sandbox Sandbox, root string) error {
	program := cmd.Path
	if cmd.Err != nil {
		return cmd.Err // not found on PATH
	}
	path, env, err := sandbox.Command(program, []string{root}, nil)
	if err != nil {
		return err
	}
	cmd.Path = path
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return nil
}
