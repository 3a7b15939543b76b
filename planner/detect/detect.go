// Package detect answers, for a change between two revisions of an infra
// repository: which Terragrunt units and Terraform roots does it affect, why,
// and in what order must they run?
//
// A Detector keeps caches across calls: parsed files and module calls keyed
// by git object hashes, and the last revision it inventoried. The next
// revision is derived from that one: only the files that differ between
// the two are looked at, the units whose evaluation looked at one of them
// are evaluated again, and the inventory (module closures, dependency
// graph, apply order) is kept whole when the change leaves its structure
// alone. The second pull request on a repository therefore costs what it
// changes, not what the repository holds.
package detect

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/hashicorp/go-version"
	"golang.org/x/sync/errgroup"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// Kind is what a unit is.
type Kind string

// Unit kinds.
const (
	Terragrunt Kind = "terragrunt"
	Terraform  Kind = "terraform"
)

// Options configure a Detector.
type Options struct {
	// Root is the absolute path the repository is checked out at; the
	// Terragrunt functions that return paths use it.
	Root string
	// SkipDependents turns off selecting the units that depend on an
	// affected unit. By default they are selected: their plans may change
	// when a dependency's outputs do.
	SkipDependents bool
	// Env is what get_env sees (never the server's own environment).
	// Variables that are not set evaluate to unknown values.
	Env map[string]string
	// AllowRunCmd and AllowSopsDecrypt enable those Terragrunt functions.
	AllowRunCmd      bool
	AllowSopsDecrypt bool
	// EvaluationTimeout bounds the evaluation of one unit; 0 means
	// terragrunt.DefaultTimeout.
	EvaluationTimeout time.Duration
	// Parallelism bounds concurrent unit evaluations; 0 means GOMAXPROCS.
	Parallelism int
	// TerragruntVersion is the Terragrunt release the site runs; units
	// using syntax it rejects get Warnings. Nil means no warnings.
	TerragruntVersion *version.Version
}

// Detector finds affected units. It is safe for concurrent use.
type Detector struct {
	repo  *gitrepo.Repo
	opts  Options
	parse *terragrunt.ParseCache

	mu      sync.Mutex
	modules map[string][]string // dir + "@" + tree hash -> local module calls
	// latest is the most recently inventoried revision: the next one is
	// derived from it.
	latest *revision
}

// New returns a Detector for repo.
func New(repo *gitrepo.Repo, opts Options) *Detector {
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	return &Detector{
		repo:    repo,
		opts:    opts,
		parse:   terragrunt.NewParseCache(),
		modules: map[string][]string{},
	}
}

// Unit is an affected unit.
type Unit struct {
	Path         string   `json:"path"`
	Kind         Kind     `json:"kind"`
	Reasons      []string `json:"reasons"`
	Dependencies []string `json:"dependencies"`
	// Skipped, when set, says why the unit cannot be planned: a unit it
	// depends on, directly or through another, could not be evaluated
	// (see Result.Errors).
	Skipped string `json:"skipped,omitempty"`
	// Config is the evaluated configuration of a Terragrunt unit (nil for
	// a Terraform root). Dependency outputs in it are unknown values.
	Config *terragrunt.Config `json:"-"`
	// Modules are the repository directories of the local modules the
	// unit runs: its terraform.source and every local module called from
	// there, recursively. A plan needs exactly these files.
	Modules []string `json:"-"`
	// Warnings are things a reviewer should know about the unit, such as
	// syntax the site's Terragrunt release rejects (file:line first).
	Warnings []string `json:"warnings,omitempty"`
}

// Result is what a change affects.
type Result struct {
	// Units are the affected units in apply order.
	Units []Unit `json:"units"`
	// Deleted are units and roots the change removes.
	Deleted []string `json:"deleted"`
	// Changes are the changed files.
	Changes []gitrepo.Change `json:"-"`
	// Unmatched are changed files that affect no unit.
	Unmatched []string `json:"-"`
	// Warnings are things a reader of the result should know, such as a
	// deletion that could not be classified.
	Warnings []string `json:"warnings,omitempty"`
	// Errors are the units that could not be evaluated (or changes that
	// cannot be handled, such as a Terragrunt stack file), each with what
	// is wrong. The rest of the result stands without them.
	Errors []UnitError `json:"errors"`
}

// UnitError is one unit (or changed file) detection could not handle.
type UnitError struct {
	// Path is the unit's directory, or the file, relative to the
	// repository root.
	Path string `json:"path"`
	// Error says what is wrong, with file:line where known, and what to do.
	Error string `json:"error"`
}

// Detect compares the revisions base and head and returns the units the
// change affects, evaluated at head.
func (d *Detector) Detect(ctx context.Context, base, head string) (*Result, error) {
	return d.DetectIn(ctx, d.repo, base, head)
}

// DetectIn is Detect reading through repo, a newer handle on the same
// repository: a server opens one after each fetch, since a handle does not
// see objects fetched after it was opened, and keeps one Detector, whose
// caches are keyed by object hashes, for every pull request.
func (d *Detector) DetectIn(ctx context.Context, repo *gitrepo.Repo, base, head string) (*Result, error) {
	changes, err := repo.Diff(ctx, base, head)
	if err != nil {
		return nil, err
	}
	snap, err := repo.Snapshot(ctx, head)
	if err != nil {
		return nil, err
	}
	inv, err := d.inventory(ctx, snap)
	if err != nil {
		return nil, err
	}
	res := &Result{Changes: changes, Units: []Unit{}, Deleted: []string{}, Errors: []UnitError{}}
	// Both deleted roots and broken units may need the base revision; it
	// is inventoried once, and only then.
	loadBase := sync.OnceValues(func() (*inventory, error) {
		baseSnap, err := repo.Snapshot(ctx, base)
		if err != nil {
			return nil, err
		}
		return d.inventory(ctx, baseSnap)
	})
	baseSnap, err := repo.Snapshot(ctx, base)
	if err != nil {
		return nil, err
	}
	var added []string // paths that exist in one revision only
	for _, c := range changes {
		if c.Kind != gitrepo.Modified {
			added = append(added, c.Paths()...)
		}
	}
	d.selectUnits(inv, changes, appearedFolders(baseSnap, snap, added), loadBase, res)
	return res, nil
}

// moduleClosure returns the local modules a module directory uses,
// directly or through other local modules, each with how it is reached.
// The directory itself is included when it is a module of its own (not
// the unit directory). Every module found is marked in used.
func (d *Detector) moduleClosure(snap *gitrepo.Snapshot, dir string, used map[string]bool) map[string]string {
	out := map[string]string{}
	if dir == "" {
		return out
	}
	type item struct{ dir, via string }
	queue := []item{{dir: dir}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if it.via != "" || used[it.dir] {
			if _, seen := out[it.dir]; seen {
				continue
			}
			out[it.dir] = it.via
		}
		for _, call := range d.cachedModuleCalls(snap, it.dir) {
			if _, seen := out[call]; seen || call == dir {
				continue
			}
			used[call] = true
			queue = append(queue, item{dir: call, via: it.dir})
		}
	}
	return out
}

func (d *Detector) cachedModuleCalls(snap *gitrepo.Snapshot, dir string) []string {
	h, ok := snap.TreeHash(dir)
	if !ok {
		return nil
	}
	key := dir + "@" + h
	d.mu.Lock()
	calls, ok := d.modules[key]
	d.mu.Unlock()
	if ok {
		return calls
	}
	calls = moduleCalls(snap, dir)
	d.mu.Lock()
	d.modules[key] = calls
	d.mu.Unlock()
	return calls
}

// evaluateAll evaluates the units in dirs at snap, in parallel.
func (d *Detector) evaluateAll(ctx context.Context, snap *gitrepo.Snapshot, dirs []string) ([]*evaluation, error) {
	ev, err := terragrunt.New(terragrunt.Options{
		Root: d.opts.Root, FS: snap, Env: d.opts.Env, UnknownEnv: true,
		AllowRunCmd: d.opts.AllowRunCmd, AllowSopsDecrypt: d.opts.AllowSopsDecrypt, Cache: d.parse,
		Timeout: d.opts.EvaluationTimeout,
	})
	if err != nil {
		return nil, err
	}
	out := make([]*evaluation, len(dirs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(d.opts.Parallelism)
	const batch = 64 // amortise goroutine start-up over small units
	for start := 0; start < len(dirs); start += batch {
		end := min(start+batch, len(dirs))
		g.Go(func() error {
			for i := start; i < end; i++ {
				if err := gctx.Err(); err != nil {
					return err
				}
				cfg, err := ev.EvaluateUnit(gctx, dirs[i])
				out[i] = newEvaluation(dirs[i], cfg, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// An evaluation cut short by cancellation is no verdict on the unit.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
