package engine

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/plansummary"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfrun"
)

// Files csocbot writes into a unit's module directory.
const (
	varsFileName          = "csocbot.auto.tfvars.json"
	backendConfigFileName = "csocbot.backend.hcl"
	planFileName          = "csocbot.tfplan"
)

// plan prepares, initialises and plans one unit.
func (st *runState) plan(ctx context.Context, us *unitState) error {
	if st.e.opts.Terragrunt != nil && us.unit.Kind == detect.Terragrunt {
		return st.e.opts.Terragrunt.plan(ctx, st, us)
	}
	wd := filepath.Join(st.dir, safeName(us.unit.Path))
	start := time.Now()
	ws, err := st.prepare(ctx, us.unit, wd, "plan")
	if err != nil {
		return err
	}
	st.log.Info("prepared working directory", "unit", us.unit.Path, "duration", time.Since(start))
	if ws.skip {
		us.result.Status, us.result.SkipReason = Skipped, "skip = true in its terragrunt.hcl"
		return nil
	}
	runner, err := st.runner(ws.moduleDir, us.unit.Path)
	if err != nil {
		return err
	}
	us.runner = runner
	if err := runner.Init(ctx, ws.initOptions()...); err != nil {
		return err
	}
	if err := st.e.sources.checkInstalledModules(ctx, ws.moduleDir); err != nil {
		return step("check the installed modules", err)
	}
	planFile := filepath.Join(wd, planFileName)
	if _, err := runner.Plan(ctx, planFile, ws.varsFile); err != nil {
		return err
	}
	plan, err := runner.ShowPlan(ctx, planFile)
	if err != nil {
		return err
	}
	sum, err := plansummary.Summarize(plan)
	if err != nil {
		return step("read the plan", err)
	}
	digest, err := fileSHA256(planFile)
	if err != nil {
		return step("hash the plan file", err)
	}
	res := us.result
	res.Plan, res.Summary, res.PlanFile, res.PlanSHA256, res.WorkDir = plan, sum, planFile, digest, ws.moduleDir
	if lock := filepath.Join(ws.moduleDir, lockFileName); fileExists(lock) {
		res.LockFile = lock
	}
	res.Mocked = ws.mocked
	res.Status = Planned
	if sum.NoChanges() {
		res.Status = NoChanges
	}
	return nil
}

// runner returns a Runner for the terraform of unit in dir, with the
// run's environment and the unit's, and the run's secrets masked.
func (st *runState) runner(dir, unit string) (*tfrun.Runner, error) {
	e := st.e
	env := st.req.TerraformEnv
	if extra := st.req.UnitEnv[unit]; len(extra) > 0 {
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		maps.Copy(env, extra)
	}
	return tfrun.New(dir, tfrun.Options{
		Binary:         e.opts.Binary,
		Name:           unit,
		PluginCacheDir: filepath.Join(e.opts.CacheDir, "plugins"),
		CLIConfigFile:  e.opts.CLIConfigFile,
		Env:            env,
		Secrets:        st.secrets,
		Logger:         st.log,
		Sandbox:        e.opts.Sandbox,
		Writable:       append([]string{e.runDirOf(dir)}, e.opts.Writable...),
		Observe:        e.opts.ObserveCommand,
	})
}

// fileExists reports whether a regular file is at p.
func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// runDirOf is the working tree of the run that dir belongs to: a unit's
// terraform reads its local modules beside its own directory, and a
// dependency's outputs from a directory of its own, all below it.
func (e *Engine) runDirOf(dir string) string {
	work := filepath.Join(e.opts.CacheDir, "work")
	rel, err := filepath.Rel(work, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return dir
	}
	first, _, _ := strings.Cut(rel, string(filepath.Separator))
	return filepath.Join(work, first)
}

// workspace is a prepared unit: a sparse copy of the repository holding the
// unit's modules, with csocbot's files written into the module directory.
type workspace struct {
	moduleDir     string // where terraform runs
	varsFile      string // "" when the unit has no inputs
	backendConfig string // a -backend-config file, or ""
	skip          bool
	mocked        []terragrunt.MockedOutputs
}

func (ws *workspace) initOptions() []tfrun.InitOption {
	if ws.backendConfig == "" {
		return nil
	}
	return []tfrun.InitOption{tfrun.BackendConfig(ws.backendConfig)}
}

// prepare builds the working directory of a unit under wd, evaluating its
// configuration for command (which decides whether mock outputs may be
// used).
func (st *runState) prepare(ctx context.Context, u detect.Unit, wd, command string) (*workspace, error) {
	src := filepath.Join(wd, "src")
	if u.Kind == detect.Terraform {
		// A plain root runs in a copy of its folder and its local modules.
		for _, dir := range append([]string{u.Path}, u.Modules...) {
			if err := copyTree(st.req.Files, dir, src); err != nil {
				return nil, step("copy "+dir, err)
			}
		}
		return &workspace{moduleDir: filepath.Join(src, filepath.FromSlash(u.Path))}, nil
	}
	cfg, err := st.evaluate(ctx, u.Path, command)
	if err != nil {
		return nil, step("evaluate "+path.Join(u.Path, terragrunt.ConfigFileName), err)
	}
	if cfg.Skip {
		return &workspace{skip: true}, nil
	}
	moduleDir, err := st.copyModule(ctx, u, cfg, src)
	if err != nil {
		return nil, err
	}
	ws := &workspace{moduleDir: moduleDir, mocked: cfg.Mocked}
	if err := writeUnitFiles(cfg, ws); err != nil {
		return nil, step("prepare the working directory", err)
	}
	return ws, nil
}

// copyModule copies the unit's module and the files of its own directory,
// as Terragrunt does, and returns the directory terraform runs in.
func (st *runState) copyModule(ctx context.Context, u detect.Unit, cfg *terragrunt.Config, src string) (string, error) {
	m := cfg.Terraform.Module
	var moduleDir string
	switch m.Kind {
	case terragrunt.NoSource:
		moduleDir = filepath.Join(src, filepath.FromSlash(u.Path))
		if err := copyTree(st.req.Files, u.Path, src); err != nil {
			return "", step("copy "+u.Path, err)
		}
	case terragrunt.LocalSource:
		moduleDir = filepath.Join(src, filepath.FromSlash(m.Dir))
	case terragrunt.GitSource:
		local, err := st.e.sources.fetch(ctx, m.URL, m.Ref)
		if err != nil {
			return "", step("fetch module source "+cfg.Terraform.Source, err)
		}
		into := filepath.Join(src, "_sources", safeName(m.URL+"@"+m.Ref))
		if err := copyTree(os.DirFS(local), ".", into); err != nil {
			return "", step("copy module source "+cfg.Terraform.Source, err)
		}
		moduleDir = filepath.Join(into, filepath.FromSlash(m.Subdir))
	default:
		return "", step("prepare module source", fmt.Errorf("terraform.source %q is a %s source, which the native engine does not fetch; use a git:: or local source, or enable the terragrunt engine in the server config", cfg.Terraform.Source, m.Kind))
	}
	for _, dir := range u.Modules {
		if err := copyTree(st.req.Files, dir, src); err != nil {
			return "", step("copy module "+dir, err)
		}
	}
	if m.Kind == terragrunt.LocalSource {
		if _, err := os.Stat(moduleDir); err != nil {
			// Detection records the module; copy it when it was not
			// recorded (the unit was evaluated again with other values).
			if err := copyTree(st.req.Files, m.Dir, src); err != nil {
				return "", step("copy module "+m.Dir, err)
			}
		}
	}
	if m.Kind != terragrunt.NoSource {
		// Terragrunt copies the unit directory's own files (extra .tf
		// files, the lock file) over the module.
		err := copyFiles(st.req.Files, u.Path, moduleDir, terragrunt.IsConfigFile)
		if err != nil {
			return "", step("copy the files of "+u.Path, err)
		}
	}
	return moduleDir, nil
}

// writeUnitFiles writes generate blocks, the backend and the inputs into
// the module directory.
func writeUnitFiles(cfg *terragrunt.Config, ws *workspace) error {
	for _, g := range cfg.Generate {
		if g.Disable {
			if err := applyDisabledGenerate(ws.moduleDir, g); err != nil {
				return fmt.Errorf("generate %q (disabled): %w", g.Name, err)
			}
			continue
		}
		contents := g.Contents
		if !g.DisableSignature {
			contents = g.CommentPrefix + signature + "\n" + contents
		}
		if err := writeGenerated(ws.moduleDir, g.Path, g.IfExists, contents); err != nil {
			return fmt.Errorf("generate %q: %w", g.Name, err)
		}
	}
	if rs := cfg.RemoteState; rs != nil && rs.Backend != "" {
		if rs.Generate != nil {
			b, err := backendFile(rs, "# ")
			if err != nil {
				return err
			}
			if err := writeGenerated(ws.moduleDir, rs.Generate.Path, rs.Generate.IfExists, string(b)); err != nil {
				return fmt.Errorf("remote_state generate: %w", err)
			}
		} else {
			b, err := backendConfigFile(rs)
			if err != nil {
				return err
			}
			ws.backendConfig = filepath.Join(ws.moduleDir, backendConfigFileName)
			if err := os.WriteFile(ws.backendConfig, b, 0o600); err != nil {
				return err
			}
		}
	}
	declared, err := declaredVariables(ws.moduleDir)
	if err != nil {
		return err
	}
	b, err := varsFile(cfg.Inputs, declared)
	if err != nil {
		return err
	}
	ws.varsFile = filepath.Join(ws.moduleDir, varsFileName)
	return os.WriteFile(ws.varsFile, b, 0o600)
}

// evaluate evaluates a unit for a terraform command, with dependency
// outputs read from the dependencies' state.
func (st *runState) evaluate(ctx context.Context, dir, command string) (*terragrunt.Config, error) {
	ev, err := terragrunt.New(terragrunt.Options{
		Root:              st.req.Root,
		FS:                st.req.Files,
		Env:               st.e.opts.Env,
		AllowRunCmd:       st.e.opts.AllowRunCmd,
		Sandbox:           st.e.opts.Sandbox,
		AllowSopsDecrypt:  st.e.opts.AllowSopsDecrypt,
		Timeout:           st.e.opts.EvaluationTimeout,
		Command:           command,
		DependencyOutputs: st.dependencyOutputs,
		Cache:             st.e.parsed,
	})
	if err != nil {
		return nil, err
	}
	return ev.EvaluateUnit(ctx, dir)
}

type outputsEntry struct {
	once  sync.Once
	val   cty.Value
	found bool
	err   error
}

// dependencyOutputs reads the outputs of the unit in dir from its state:
// through the unit's own working directory when it is part of this run
// (the scheduler has planned it already), otherwise through a working
// directory that holds just its backend.
func (st *runState) dependencyOutputs(ctx context.Context, dir string) (cty.Value, bool, error) {
	st.mu.Lock()
	ent, ok := st.outputs[dir]
	if !ok {
		ent = &outputsEntry{}
		st.outputs[dir] = ent
	}
	st.mu.Unlock()
	ent.once.Do(func() { ent.val, ent.found, ent.err = st.readOutputs(ctx, dir) })
	return ent.val, ent.found, ent.err
}

func (st *runState) readOutputs(ctx context.Context, dir string) (cty.Value, bool, error) {
	if us, ok := st.units[dir]; ok && us.result.Plan != nil {
		// The dependency was planned in this run: its plan holds the
		// outputs in its state, which saves running terraform again.
		return priorOutputs(us.result.Plan)
	}
	runner, err := st.outputsRunner(ctx, dir)
	if err != nil || runner == nil {
		return cty.NilVal, false, err
	}
	outs, err := runner.Output(ctx)
	if err != nil {
		return cty.NilVal, false, err
	}
	if len(outs) == 0 {
		return cty.EmptyObjectVal, false, nil
	}
	v, err := outputsValue(outs)
	return v, err == nil, err
}

func (st *runState) outputsRunner(ctx context.Context, dir string) (*tfrun.Runner, error) {
	if us, ok := st.units[dir]; ok {
		if us.runner == nil {
			return nil, fmt.Errorf("%s has no working directory (it was skipped)", dir)
		}
		if us.initBackend != nil {
			if err := us.initBackend(ctx); err != nil {
				return nil, err
			}
		}
		return us.runner, nil
	}
	// A dependency outside the run: its outputs are in its state, which
	// only its backend configuration is needed to read. Its own
	// dependencies do not matter, so it is evaluated as for detection.
	wd := filepath.Join(st.dir, "outputs", safeName(dir))
	ev, err := terragrunt.New(terragrunt.Options{
		Root: st.req.Root, FS: st.req.Files, Env: st.e.opts.Env, UnknownEnv: true,
		AllowRunCmd: st.e.opts.AllowRunCmd, AllowSopsDecrypt: st.e.opts.AllowSopsDecrypt, Cache: st.e.parsed,
		Timeout: st.e.opts.EvaluationTimeout,
	})
	if err != nil {
		return nil, err
	}
	cfg, err := ev.EvaluateUnit(ctx, dir)
	if err != nil {
		return nil, err
	}
	if cfg.RemoteState == nil || cfg.RemoteState.Backend == "" {
		return nil, fmt.Errorf("%s has no remote_state, so its outputs cannot be read without running it", dir)
	}
	if err := os.MkdirAll(wd, 0o755); err != nil {
		return nil, err
	}
	b, err := backendFile(cfg.RemoteState, "# ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(wd, "backend.tf"), b, 0o600); err != nil {
		return nil, err
	}
	runner, err := st.runner(wd, dir)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.extra = append(st.extra, runner)
	st.mu.Unlock()
	if err := runner.Init(ctx); err != nil {
		return nil, err
	}
	return runner, nil
}
