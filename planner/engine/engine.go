// Package engine plans and applies the units change detection selected.
//
// The native engine (the default) prepares each Terragrunt unit the way
// Terragrunt would, from the revision's files and never from a checkout it
// could dirty: it copies the unit's modules into a private working
// directory, writes the generate blocks, the backend and the inputs, reads
// dependency outputs from the dependencies' state, and drives terraform or
// OpenTofu through tfrun. The Terragrunt CLI engine runs a real terragrunt
// binary instead, for configurations the native engine cannot prepare.
// Units run in dependency order, independent ones in parallel.
package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/plansummary"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfrun"
)

// Options configure an Engine.
type Options struct {
	// Binary is the terraform or tofu executable (tfrun.Find).
	Binary tfrun.Binary
	// CacheDir holds working directories, the provider plugin cache and
	// cloned module sources.
	CacheDir string
	// Parallelism bounds how many units run at once; 0 means the number
	// of CPUs.
	Parallelism int
	// Env is what get_env sees in Terragrunt files.
	Env map[string]string
	// AllowRunCmd and AllowSopsDecrypt enable those Terragrunt functions.
	AllowRunCmd      bool
	AllowSopsDecrypt bool
	// EvaluationTimeout bounds the evaluation of one unit; 0 means
	// terragrunt.DefaultTimeout.
	EvaluationTimeout time.Duration
	// CLIConfigFile is the operator's terraform CLI configuration. Runs
	// get a copy in CacheDir with an explicit provider_installation block
	// added, unless it has one: providers never come from folders a pull
	// request can commit (terraform.d/plugins).
	CLIConfigFile string
	// Sandbox confines terraform, terragrunt and everything they start to
	// the run's working tree (see planner/sandbox); nil runs them
	// unconfined, for a developer's own machine.
	Sandbox tfrun.Sandbox
	// Writable are further folders confined runs may write, such as a
	// local backend's state folder.
	Writable []string
	// Terragrunt, when set, runs units with the terragrunt CLI instead of
	// preparing them natively.
	Terragrunt *TerragruntCLI
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// ObserveCommand, when set, is told each terraform or terragrunt
	// command's name, duration and error, for metrics.
	ObserveCommand func(command string, d time.Duration, err error)
}

// Engine plans and applies units. It is safe for concurrent use.
type Engine struct {
	opts    Options
	sources *sourceCache
	// parsed caches the shared Terragrunt files (root.hcl, account.hcl…)
	// by content hash for every unit and run: each unit is evaluated again
	// before its plan, with its dependencies' real outputs.
	parsed *terragrunt.ParseCache
}

// New returns an Engine.
func New(opts Options) (*Engine, error) {
	if opts.Binary.Path == "" {
		return nil, errors.New("engine: Options.Binary is required (see tfrun.Find)")
	}
	if opts.CacheDir == "" {
		return nil, errors.New("engine: Options.CacheDir is required")
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.NumCPU()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	abs, err := filepath.Abs(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	opts.CacheDir = abs
	if opts.CLIConfigFile, err = writeCLIConfig(abs, opts.CLIConfigFile); err != nil {
		return nil, err
	}
	return &Engine{opts: opts, sources: newSourceCache(filepath.Join(abs, "sources")), parsed: terragrunt.NewParseCache()}, nil
}

// Request asks for the plans of some units at one revision.
type Request struct {
	// Key identifies the run's working directories, e.g.
	// "org/infra/pr-12/<head sha>"; a new key gets fresh directories.
	Key string
	// Files is the revision's content (a gitrepo.Snapshot).
	Files fs.FS
	// Root is the absolute path get_repo_root returns.
	Root string
	// Units are the units to plan, in apply order (detect.Result.Units).
	// A unit with Skipped set is reported skipped and never runs.
	Units []detect.Unit
	// Unevaluated are the units detection could not evaluate
	// (detect.Result.Errors). Each is reported Failed with its error,
	// ahead of the units, and the units depending on it are skipped.
	Unevaluated []detect.UnitError
	// TerraformEnv is passed to terraform, e.g. the read-only credentials
	// for plans. Nothing else of the server's environment is.
	TerraformEnv map[string]string
	// UnitEnv is passed to one unit's terraform, by unit path, over
	// TerraformEnv: credentials chosen per unit (for its environment or
	// account). Its values are masked ("***") wherever terraform's output
	// is returned or logged. A unit's outputs, read for its dependents,
	// are read with its own variables.
	UnitEnv map[string]map[string]string
	// Gate, when set, is asked about each unit once its dependencies are
	// done and before anything of it runs. An error wrapping ErrBlocked
	// marks the unit Blocked, any other error Failed; either way its
	// dependents are skipped. Pre-plan policies are the gate: a unit they
	// deny never runs code from the pull request.
	Gate func(ctx context.Context, u detect.Unit) error
	// Logger, when set, receives the run's progress instead of
	// Options.Logger: a server passes one naming its job.
	Logger *slog.Logger
}

// ErrBlocked is wrapped by a Gate error that stops a unit.
var ErrBlocked = errors.New("blocked")

// Status is how planning a unit ended.
type Status string

// Statuses.
const (
	Planned   Status = "planned"    // the plan changes something
	NoChanges Status = "no_changes" // the plan changes nothing
	Failed    Status = "failed"
	Skipped   Status = "skipped"
	Blocked   Status = "blocked" // Request.Gate stopped it
)

// Result is one unit's plan.
type Result struct {
	Path    string
	Kind    detect.Kind
	Reasons []string
	// Warnings are the detected unit's (detect.Unit.Warnings).
	Warnings []string
	Status   Status
	// Summary and Plan are set for Planned and NoChanges units.
	Summary *plansummary.Summary
	Plan    *tfjson.Plan
	// PlanFile is the saved plan; PlanSHA256 its digest, which
	// ApplySaved checks so that exactly the reviewed plan is applied.
	// LockFile is the provider lock file init wrote, or "" when it wrote
	// none. The three are what to keep (SavedPlan) to apply the plan once
	// WorkDir is gone; the terragrunt engine sets no LockFile.
	PlanFile   string
	PlanSHA256 string
	LockFile   string
	// WorkDir is the directory terraform ran in.
	WorkDir string
	// Err, FailedCommand and ErrorTail describe a failure.
	Err           error
	FailedCommand string
	ErrorTail     string
	// SkipReason says why a Skipped unit did not run, and BlockReason why
	// a Blocked one did not (the Gate's error).
	SkipReason  string
	BlockReason string
	Duration    time.Duration
	// Mocked are the dependencies whose mock outputs the plan used in
	// place of outputs their state does not have yet.
	Mocked []terragrunt.MockedOutputs
}

// Run is the outcome of a Request or an ApplyRequest.
type Run struct {
	Binary  tfrun.Binary
	Results []*Result // in the order of the request's Units
}

// Failed reports whether any unit failed.
func (r *Run) Failed() bool {
	for _, res := range r.Results {
		if res.Status == Failed {
			return true
		}
	}
	return false
}

// Plan plans every unit of req. A failing unit does not stop the others;
// its dependents are skipped. The error is for the run as a whole (it was
// cancelled, or the cache is unusable); unit failures are in the results.
func (e *Engine) Plan(ctx context.Context, req Request) (*Run, error) {
	st, err := e.newRun(req)
	if err != nil {
		return nil, err
	}
	var nodes []node
	var results []*Result
	for _, ue := range req.Unevaluated {
		nodes = append(nodes, node{path: ue.Path})
		results = append(results, unevaluatedResult(ue))
	}
	first := len(results) // the index of req.Units[0]
	for _, u := range req.Units {
		nodes = append(nodes, node{path: u.Path, deps: u.Dependencies, skip: u.Skipped})
		results = append(results, &Result{Path: u.Path, Kind: u.Kind, Reasons: u.Reasons, Warnings: u.Warnings})
		st.units[u.Path] = &unitState{unit: u, result: results[len(results)-1]}
	}
	outcomes := schedule(ctx, nodes, e.opts.Parallelism, func(ctx context.Context, i int) error {
		if i < first {
			return results[i].Err
		}
		start := time.Now()
		res := results[i]
		u := req.Units[i-first]
		// The gate and the plan must see the same remote code.
		ctx = withPinnedSources(ctx)
		// Reading every module first refuses sources on the server's disk
		// and fetches remote code, gate or not, before terraform could.
		if _, err := e.ModuleReader().Read(ctx, req.moduleFiles(), u.Path, u.Config); err != nil {
			res.Status, res.Err = Failed, err
			describeFailure(res, step("read the unit's modules", err))
			return err
		}
		if req.Gate != nil {
			if err := req.Gate(ctx, u); errors.Is(err, ErrBlocked) {
				res.Status, res.BlockReason = Blocked, err.Error()
				return err
			} else if err != nil {
				res.Status, res.Err = Failed, err
				describeFailure(res, step("check before planning", err))
				return err
			}
		}
		err := st.plan(ctx, st.units[u.Path])
		res.Duration = time.Since(start)
		if err != nil {
			res.Status, res.Err = Failed, err
			describeFailure(res, err)
		}
		st.log.Info("planned unit", "unit", res.Path, "status", res.Status, "duration", res.Duration)
		return err
	})
	for i, o := range outcomes {
		if o.skipReason != "" {
			results[i].Status, results[i].SkipReason = Skipped, o.skipReason
		}
	}
	st.close()
	if err := ctx.Err(); err != nil {
		return &Run{Binary: e.opts.Binary, Results: results}, fmt.Errorf("plan run cancelled: %w", err)
	}
	return &Run{Binary: e.opts.Binary, Results: results}, nil
}

// newRun starts a run in a fresh working directory for req.Key.
func (e *Engine) newRun(req Request) (*runState, error) {
	runDir := filepath.Join(e.opts.CacheDir, "work", safeName(req.Key))
	if err := os.RemoveAll(runDir); err != nil {
		return nil, fmt.Errorf("clear working directory %s: %w", runDir, err)
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, fmt.Errorf("create working directory: %w", err)
	}
	// The key goes beside the directory, where the run cannot write, for
	// RemoveWorkDirs: the directory's name does not always hold it whole.
	if err := os.WriteFile(runDir+keySuffix, []byte(req.Key), 0o600); err != nil {
		return nil, fmt.Errorf("record the working directory's key: %w", err)
	}
	st := &runState{e: e, req: req, log: cmp.Or(req.Logger, e.opts.Logger), dir: runDir, units: map[string]*unitState{}, outputs: map[string]*outputsEntry{}}
	for _, env := range req.UnitEnv {
		st.secrets = slices.AppendSeq(st.secrets, maps.Values(env))
	}
	return st, nil
}

// errNotEvaluated is wrapped by the error of a unit detection could not
// evaluate, so that its dependents' skip reasons say so.
var errNotEvaluated = errors.New("could not be evaluated")

// unevaluatedResult is the failed result of a unit detection could not
// evaluate: its error says where and what to do.
func unevaluatedResult(ue detect.UnitError) *Result {
	return &Result{
		Path: ue.Path, Status: Failed,
		Err:           fmt.Errorf("%s %w: %s", ue.Path, errNotEvaluated, ue.Error),
		FailedCommand: "evaluate " + ue.Path,
		ErrorTail:     tail(ue.Error, 40),
	}
}

// describeFailure fills the failing command and the useful end of its
// error output, which is what a reviewer needs, instead of a stack trace.
func describeFailure(res *Result, err error) {
	var tfErr *tfrun.Error
	if errors.As(err, &tfErr) {
		res.FailedCommand = tfErr.Binary + " " + tfErr.Command
		res.ErrorTail = tail(tfErr.Stderr, 40)
		if res.ErrorTail == "" {
			res.ErrorTail = tail(tfErr.Stdout, 40)
		}
		if res.ErrorTail == "" {
			res.ErrorTail = tfErr.Err.Error()
		}
		return
	}
	var stepErr *stepError
	if errors.As(err, &stepErr) {
		res.FailedCommand = stepErr.step
	}
	res.ErrorTail = tail(err.Error(), 40)
}

// stepError is a failure of a step csocbot takes itself, such as
// evaluating terragrunt.hcl or writing the backend.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &stepError{step: name, err: err}
}

func tail(s string, lines int) string {
	s = strings.TrimRight(s, "\n")
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName turns a key or repository path into one directory name.
func safeName(s string) string {
	clean := strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_")
	sum := sha256.Sum256([]byte(s))
	if len(clean) > 80 {
		clean = clean[len(clean)-80:]
	}
	return clean + "-" + hex.EncodeToString(sum[:4])
}

// fileSHA256 returns the hex digest of a file.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keySuffix names the file beside a run's working directory that holds
// the run's Request.Key.
const keySuffix = ".key"

// RemoveWorkDirs removes the working directories of the runs whose
// Request.Key starts with prefix, such as every plan of a closed pull
// request ("org/infra/pr-12/"). Directories of runs that recorded no key
// (made by older releases) are left to CleanWorkDirs.
func (e *Engine) RemoveWorkDirs(prefix string) error {
	root := filepath.Join(e.opts.CacheDir, "work")
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, ent := range entries {
		name, ok := strings.CutSuffix(ent.Name(), keySuffix)
		if !ok || ent.IsDir() {
			continue
		}
		key, err := os.ReadFile(filepath.Join(root, ent.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !strings.HasPrefix(string(key), prefix) {
			continue
		}
		// The key goes last, so that a failure leaves it for a retry.
		if err := os.RemoveAll(filepath.Join(root, name)); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, os.Remove(filepath.Join(root, ent.Name())))
	}
	return errors.Join(errs...)
}

// CleanWorkDirs removes working directories and clones of module sources
// not used for olderThan, so the cache does not grow with every pull
// request.
func (e *Engine) CleanWorkDirs(olderThan time.Duration) error {
	cutoff := time.Now().Add(-olderThan)
	root := filepath.Join(e.opts.CacheDir, "work")
	entries, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	errs := []error{e.sources.clean(cutoff)}
	for _, ent := range entries {
		info, err := ent.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue
		}
		errs = append(errs, os.RemoveAll(filepath.Join(root, ent.Name())))
	}
	return errors.Join(errs...)
}

// runState is one Plan or ApplySaved call in progress.
type runState struct {
	e   *Engine
	req Request
	log *slog.Logger // the request's, or the engine's
	dir string
	// secrets are masked in terraform's output: the values of
	// Request.UnitEnv and ApplyRequest.Env.
	secrets []string

	units map[string]*unitState

	mu      sync.Mutex
	outputs map[string]*outputsEntry // dependency dir -> its outputs
	extra   []*tfrun.Runner          // runners opened to read outputs of units outside the run
}

type unitState struct {
	unit   detect.Unit
	result *Result
	runner *tfrun.Runner // set once the unit is initialised
	// initBackend, when set, initialises the runner's backend, which
	// applying a saved plan does without: reading outputs needs it.
	initBackend func(context.Context) error
}

func (st *runState) close() {
	for _, u := range st.units {
		if u.runner != nil {
			u.runner.Close()
		}
	}
	for _, r := range st.extra {
		r.Close()
	}
}
