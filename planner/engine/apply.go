package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfrun"
)

// lockFileName is terraform's dependency lock file, which init writes in
// the module directory.
const lockFileName = ".terraform.lock.hcl"

// SavedPlan is what is kept of a unit's plan to apply it later, in
// another working directory, process or replica.
type SavedPlan struct {
	// Bytes is the plan file (the content of Result.PlanFile).
	Bytes []byte
	// SHA256 is the digest recorded when it was planned
	// (Result.PlanSHA256); the plan is refused unless Bytes match it.
	SHA256 string
	// LockFile is the provider lock file init wrote when it was planned
	// (the content of Result.LockFile), or nil when there was none, so
	// that apply installs the providers the plan was made with.
	LockFile []byte
	// Mocked are the dependencies whose mock outputs the plan used
	// (Result.Mocked). Such a plan is refused: it would apply the mocks.
	Mocked []terragrunt.MockedOutputs
}

// ApplyRequest asks for the saved plans of some units to be applied at
// the revision they were planned at.
type ApplyRequest struct {
	// Key identifies the run's working directories, as Request.Key; use
	// one distinct from the plan's.
	Key string
	// Files is the revision's content, the one the plans were made from.
	Files fs.FS
	// Root is the absolute path get_repo_root returns.
	Root string
	// Units are the units to apply, in any order; each is applied after
	// those of its Dependencies that are in Units.
	Units []detect.Unit
	// Plans are the saved plans by unit path.
	Plans map[string]SavedPlan
	// TerraformEnv is passed to terraform, as Request.TerraformEnv.
	TerraformEnv map[string]string
	// Env is passed to terraform too, over TerraformEnv: the run's apply
	// credentials. Its values are masked ("***") wherever terraform's
	// output is returned or logged.
	Env map[string]string
	// UnitEnv is passed to one unit's terraform, by unit path, over Env:
	// credentials chosen per unit, masked too (as Request.UnitEnv).
	UnitEnv map[string]map[string]string
	// Logger, when set, receives the run's progress, as Request.Logger.
	Logger *slog.Logger
	// Gate, when set, is asked before each unit's apply starts; an error
	// fails the unit without running anything of it, and its dependents
	// are skipped. A server whose claim on the job may have lapsed stops
	// starting units this way, letting those under way finish.
	Gate func(ctx context.Context, u detect.Unit) error
}

// Applied is the status of a unit whose saved plan was applied.
const Applied Status = "applied"

// ApplySaved applies the saved plan of every unit of req in dependency
// order, independent units in parallel. Each unit gets a fresh working
// directory prepared as for its plan, with the plan's lock file, but
// evaluated for "apply", so its dependencies' outputs come from their
// state (never from mocks): this is why dependencies are applied first.
// A unit's plan is refused before anything of it runs when its bytes are
// not the ones planned or it was made with mock outputs. A failing unit
// does not stop the others; its dependents are skipped.
//
// The results, in the order of req.Units, are Applied, Failed or Skipped.
// The error is for the run as a whole (it was cancelled, the units depend
// on each other in a cycle, or the cache is unusable).
func (e *Engine) ApplySaved(ctx context.Context, req ApplyRequest) (*Run, error) {
	order, err := dependencyOrder(req.Units)
	if err != nil {
		return nil, err
	}
	env := maps.Clone(req.TerraformEnv)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, req.Env)
	st, err := e.newRun(Request{Key: req.Key, Files: req.Files, Root: req.Root, Units: req.Units, TerraformEnv: env, UnitEnv: req.UnitEnv, Logger: req.Logger})
	if err != nil {
		return nil, err
	}
	st.secrets = slices.AppendSeq(st.secrets, maps.Values(req.Env))
	results := make([]*Result, len(req.Units))
	nodes := make([]node, len(order))
	for i, u := range req.Units {
		results[i] = &Result{Path: u.Path, Kind: u.Kind, Reasons: u.Reasons, Warnings: u.Warnings}
		st.units[u.Path] = &unitState{unit: u, result: results[i]}
	}
	for n, i := range order {
		u := req.Units[i]
		nodes[n] = node{path: u.Path, deps: u.Dependencies, skip: u.Skipped}
	}
	outcomes := schedule(ctx, nodes, e.opts.Parallelism, func(ctx context.Context, n int) error {
		start := time.Now()
		us := st.units[req.Units[order[n]].Path]
		var err error
		if req.Gate != nil {
			err = req.Gate(ctx, us.unit)
		}
		if err == nil {
			err = st.applySaved(ctx, us, req.Plans)
		}
		us.result.Duration = time.Since(start)
		if err != nil {
			us.result.Status, us.result.Err = Failed, err
			describeFailure(us.result, err)
			if errors.Is(err, errStalePlan) {
				us.result.ErrorTail = errStalePlan.Error() + "\n\n" + us.result.ErrorTail
			}
		} else {
			us.result.Status = Applied
		}
		st.log.Info("applied unit", "unit", us.unit.Path, "status", us.result.Status, "duration", us.result.Duration)
		return err
	})
	for n, o := range outcomes {
		if o.skipReason != "" {
			res := results[order[n]]
			res.Status, res.SkipReason = Skipped, o.skipReason
		}
	}
	st.close()
	run := &Run{Binary: e.opts.Binary, Results: results}
	if err := ctx.Err(); err != nil {
		return run, fmt.Errorf("apply run cancelled: %w", err)
	}
	return run, nil
}

// errTerragruntApply refuses units of the terragrunt engine.
var errTerragruntApply = errors.New("apply with the terragrunt engine is not supported yet; use the native engine")

// applySaved prepares a unit's working directory, checks and writes its
// saved plan and lock file, and applies the plan.
func (st *runState) applySaved(ctx context.Context, us *unitState, plans map[string]SavedPlan) error {
	if st.e.opts.Terragrunt != nil && us.unit.Kind == detect.Terragrunt {
		return step("apply "+us.unit.Path, errTerragruntApply)
	}
	saved, ok := plans[us.unit.Path]
	if !ok {
		return step("find the saved plan", fmt.Errorf("%s has no saved plan; plan again", us.unit.Path))
	}
	sum := sha256.Sum256(saved.Bytes)
	if digest := hex.EncodeToString(sum[:]); digest != saved.SHA256 {
		return step("check the saved plan", fmt.Errorf("the saved plan changed since it was planned (sha256 %s, expected %s); plan again", digest, saved.SHA256))
	}
	if len(saved.Mocked) > 0 {
		var mocked []string
		for _, m := range saved.Mocked {
			mocked = append(mocked, fmt.Sprintf("%s (%s)", m.ConfigPath, strings.Join(m.Outputs, ", ")))
		}
		return step("check the saved plan", fmt.Errorf("it was planned with mock outputs of %s, which had no state then, and applying it would apply the mocks; apply the dependencies, then plan again", strings.Join(mocked, " and ")))
	}
	wd := filepath.Join(st.dir, safeName(us.unit.Path))
	ws, err := st.prepare(ctx, us.unit, wd, "apply")
	if err != nil {
		return err
	}
	if ws.skip {
		return step("prepare the working directory", fmt.Errorf("%s has skip = true in its terragrunt.hcl now, so its saved plan is not applied; plan again", us.unit.Path))
	}
	if saved.LockFile != nil {
		if err := os.WriteFile(filepath.Join(ws.moduleDir, lockFileName), saved.LockFile, 0o644); err != nil {
			return step("write the saved lock file", err)
		}
	}
	planFile := filepath.Join(wd, planFileName)
	if err := os.WriteFile(planFile, saved.Bytes, 0o600); err != nil {
		return step("write the saved plan", err)
	}
	runner, err := st.runner(ws.moduleDir, us.unit.Path)
	if err != nil {
		return err
	}
	us.runner = runner
	us.initBackend = func(ctx context.Context) error { return runner.Init(ctx, ws.initOptions()...) }
	// The saved plan carries its configuration and backend, so init only
	// installs the providers it needs (and, to learn which, its modules),
	// and does not run when it needs none.
	if runner.NeedsProviders() {
		if err := runner.Init(ctx, tfrun.WithoutBackend()); err != nil {
			return err
		}
		if err := st.e.sources.checkInstalledModules(ctx, ws.moduleDir); err != nil {
			return step("check the installed modules", err)
		}
	}
	if err := runner.Apply(ctx, planFile); err != nil {
		return staleOr(err)
	}
	return nil
}

// errStalePlan is wrapped by the error of an apply terraform refused
// because the state changed since the plan.
var errStalePlan = errors.New("the saved plan is stale: the unit's state changed since it was planned; plan again")

// staleOr returns err, wrapping errStalePlan when terraform refused the
// plan as stale.
func staleOr(err error) error {
	var tfErr *tfrun.Error
	if errors.As(err, &tfErr) && strings.Contains(tfErr.Stderr, "Saved plan is stale") {
		return fmt.Errorf("%w: %w", errStalePlan, err)
	}
	return err
}

// dependencyOrder returns the indexes of units in an order where each
// comes after the units of its Dependencies that are among them. Units
// that depend on each other in a cycle cannot be applied in any order.
func dependencyOrder(units []detect.Unit) ([]int, error) {
	index := make(map[string]int, len(units))
	for i, u := range units {
		if _, dup := index[u.Path]; dup {
			return nil, fmt.Errorf("%s is listed twice", u.Path)
		}
		index[u.Path] = i
	}
	const (
		unvisited = iota
		visiting
		visited
	)
	state := make([]int, len(units))
	order := make([]int, 0, len(units))
	var visit func(i int, chain []string) error
	visit = func(i int, chain []string) error {
		switch state[i] {
		case visited:
			return nil
		case visiting:
			return fmt.Errorf("the units depend on each other in a cycle: %s", strings.Join(append(chain, units[i].Path), " → "))
		}
		state[i] = visiting
		for _, d := range units[i].Dependencies {
			if j, ok := index[d]; ok {
				if err := visit(j, append(chain, units[i].Path)); err != nil {
					return err
				}
			}
		}
		state[i] = visited
		order = append(order, i)
		return nil
	}
	for i := range units {
		if err := visit(i, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
